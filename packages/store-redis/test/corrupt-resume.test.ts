import { createRuntime, defineTool } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { ScriptedModel } from '@agentrt/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ n: z.number() }), execute: ({ n }) => n });
const gated = defineTool({ name: 'gated', description: 'g', input: z.object({}), requiresApproval: true, execute: () => 'x' });
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(prefix);
});

// Step records that parse, with a current format version, but hold the wrong types (B-55).
const WRONG_TYPES: readonly [string, string][] = [
  ['messages is a string', '{"v":1,"runId":"p","stepIndex":0,"messages":"oops","usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1}'],
  ['stepIndex is a string, __proto__ inside', '{"v":1,"stepIndex":"0","messages":[],"toolResults":{"__proto__":{"polluted":1}}}'],
  ['a tool message without its call id', '{"v":1,"runId":"p","stepIndex":0,"messages":[{"role":"assistant","content":""},{"role":"tool","content":"1"}],"usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1}'],
];

describe('resuming from a corrupt Redis store (B-55)', () => {
  it.each(WRONG_TYPES)('refuses a step whose %s with state_corrupt and leaves the run paused', async (_label, data) => {
    const keyPrefix = freshPrefix();
    prefixes.push(keyPrefix);
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const redis = new Redis(REDIS_URL);
    try {
      const tools = [echo, gated];
      const paused = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.call('gated', {})]), tools, store }).run({ input: 'go', runId: 'p' });
      expect(paused.status).toBe('paused');
      expect(await redis.lset(`${keyPrefix}steps:p`, 0, data)).toBe('OK');
      const model = new ScriptedModel([]);
      const approvals = { [paused.pendingApprovals![0]!.toolCallId]: { decision: 'approve' as const } };
      await expect(createRuntime({ model, tools, store }).resume('p', { approvals })).rejects.toMatchObject({ code: 'state_corrupt' });
      expect(model.requests).toHaveLength(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await store.getRun('p'))?.status).toBe('paused');
    } finally {
      redis.disconnect();
      await store.close();
    }
  });
});
