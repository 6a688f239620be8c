import { createRuntime, defineTool, encodeStored, KILL_ALL_SCOPE, type KillFlag } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PrivateRedis } from './redis-helpers.js';

/** A flag written to the store's hash without a publish: what a subscriber that was offline at publish time has missed. */
async function setFlagSilently(url: string, prefix: string, flag: KillFlag): Promise<void> {
  const admin = new Redis(url);
  try {
    await admin.hset(`${prefix}kill`, flag.scope, encodeStored(flag));
  } finally {
    admin.disconnect();
  }
}

async function dropPubSubClients(url: string): Promise<void> {
  const admin = new Redis(url);
  try {
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  } finally {
    admin.disconnect();
  }
}

describe('RedisStore kill delivery across a lost subscription (pub/sub is at-most-once)', () => {
  it('hands flags set before the first subscription to the listener', async () => {
    await using redis = await PrivateRedis.start();
    const prefix = 'replay-a:';
    await setFlagSilently(redis.url, prefix, { scope: 'run-1', reason: 'set while nobody listened', at: new Date().toISOString() });
    const store = new RedisStore({ url: redis.url, keyPrefix: prefix });
    const seen: KillFlag[] = [];
    const unsubscribe = store.subscribeKills((flag) => seen.push(flag));
    try {
      await waitFor(() => seen.some((flag) => flag.scope === 'run-1'), { timeoutMs: 10_000, message: 'the flag set before subscribing was never delivered' });
    } finally {
      unsubscribe();
      await store.close();
    }
  });

  it('replays flags missed while the subscriber connection was down, so an in-flight tool of a killed run is aborted', async () => {
    await using redis = await PrivateRedis.start();
    const prefix = 'replay-b:';
    const store = new RedisStore({ url: redis.url, keyPrefix: prefix });
    let started = false;
    let aborted = false;
    const hold = defineTool({
      name: 'hold',
      description: 'waits on its signal for up to 20 s',
      input: z.object({}),
      timeoutMs: 30_000,
      execute: (_args, ctx) => new Promise<string>((resolve) => {
        started = true;
        const timer = setTimeout(() => resolve('held to the end'), 20_000);
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          clearTimeout(timer);
          resolve('aborted');
        }, { once: true });
      }),
    });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('hold', {}), ScriptedModel.answer('done')]), tools: [hold], store, limits: { timeoutMs: 60_000 } });
    try {
      const done = runtime.run({ input: 'hold', runId: 'replay-run' });
      await waitFor(() => started, { timeoutMs: 20_000, message: 'the tool never started' });
      // The kill lands while the subscriber is disconnected: its publish is lost, the flag is not.
      await setFlagSilently(redis.url, prefix, { scope: KILL_ALL_SCOPE, reason: 'incident while offline', at: new Date().toISOString() });
      await dropPubSubClients(redis.url);
      const result = await done;
      expect(aborted).toBe(true);
      expect(result.stopReason).toBe('killed');
    } finally {
      await runtime.close();
    }
  });
});
