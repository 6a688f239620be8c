// rd18e: listRuns reads the media blobs of every listed run in one command per page, not one
// HMGET round trip per run with media (N+1). Counted on a private server (no other test's
// traffic): a MONITOR connection sees every command in execution order, and a sentinel command
// sent after the listing marks its end.
import { randomUUID } from 'node:crypto';
import type { NewRunRecord } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freshPrefix, PrivateRedis } from './redis-helpers.js';

const image = (seed: number) => Buffer.alloc(2048, seed).toString('base64');
const mediaRun = (runId: string, seed: number): NewRunRecord => ({
  runId, inputFingerprint: 'i', toolsFingerprint: 't', createdAt: new Date().toISOString(),
  input: [{ role: 'user', content: [{ type: 'text', text: `look ${seed}` }, { type: 'image', mediaType: 'image/png', data: image(seed) }] }],
});

/** The commands clients other than scripts send while `action` runs whose arguments mention `needle`. */
async function commandsDuring(url: string, needle: string, action: () => Promise<unknown>): Promise<string[][]> {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const seen: string[][] = [];
  const sentinel = `rd18e-sentinel-${randomUUID()}`;
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args.includes(sentinel)) done();
    else if (source !== 'lua' && args.some((arg) => arg.includes(needle))) seen.push(args);
  });
  const other = new Redis(url);
  try {
    await action();
    await other.echo(sentinel); // executed after the listing's last command: MONITOR reports in execution order
    await ended;
    return seen;
  } finally {
    other.disconnect();
    monitor.disconnect();
    client.disconnect();
  }
}

describe('RedisStore listRuns with media (rd18e)', () => {
  it('reads the blobs of all listed runs with media in one command, however many runs are listed', async () => {
    await using server = await PrivateRedis.start();
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: server.url, keyPrefix });
    try {
      for (let i = 0; i < 7; i++) await store.createRun(mediaRun(`m${i}`, i));
      await store.createRun({ ...mediaRun('plain', 0), input: [{ role: 'user', content: 'no media' }] });
      await store.listRuns(); // the server learns the listing's script (EVALSHA, then EVAL once on NOSCRIPT)
      let listed: Awaited<ReturnType<RedisStore['listRuns']>> = [];
      const blobCommands = await commandsDuring(server.url, `${keyPrefix}blobs:`, async () => (listed = await store.listRuns()));
      expect(listed.map((run) => run.runId)).toEqual(['plain', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
      // Every image is back in its own run.
      for (const run of listed.slice(1)) {
        const seed = Number(run.runId.slice(1));
        expect(run.input).toEqual(mediaRun(run.runId, seed).input);
        expect(run.mediaMissing).toBeUndefined();
      }
      expect(blobCommands.map((args) => args[0]!.toUpperCase())).toHaveLength(1);
      // A run whose blob is gone is still listed, its part marked (as before).
      const redis = new Redis(server.url);
      expect(await redis.del(`${keyPrefix}blobs:m3`)).toBe(1);
      redis.disconnect();
      const again = await store.listRuns({ limit: 5 });
      expect(again.map((run) => run.runId)).toEqual(['plain', 'm6', 'm5', 'm4', 'm3']);
      expect(again[4]!.mediaMissing).toHaveLength(1);
      expect(again[3]!.mediaMissing).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
