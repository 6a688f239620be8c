import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '@agentrt/store-redis';
import { describeRunLimits } from '@agentrt/testing';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const prefixes = new WeakMap<object, string>();
describeRunLimits({
  name: 'RedisStore',
  create: () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    prefixes.set(store, keyPrefix);
    return store;
  },
  destroy: async (store) => {
    await store.close?.();
    await dropPrefix(prefixes.get(store)!);
  },
});

describe('RedisStore: toolCallsRefused in run hashes written before the field', () => {
  it('a run hash without the field (every run of earlier versions) reads 0; the field appears with the first refused call', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const redis = new Redis(REDIS_URL);
    try {
      const at = new Date().toISOString();
      await store.createRun({ runId: 'old', input: [{ role: 'user', content: 'hi' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: at });
      const hashKey = (await redis.keys(`${keyPrefix}*`)).find((key) => key.includes('old') && !key.includes('events'))!;
      expect(await redis.hexists(hashKey, 'toolCallsRefused')).toBe(0);
      expect((await store.getRun('old'))?.toolCallsRefused).toBe(0);
      const messages = [
        { role: 'assistant' as const, content: '', toolCalls: [{ id: 'a', name: 'x', args: {} }, { id: 'b', name: 'x', args: {} }] },
        { role: 'tool' as const, toolCallId: 'a', name: 'x', content: 'ok' },
        { role: 'tool' as const, toolCallId: 'b', name: 'x', content: 'tool_denied: over the cap', isError: true, code: 'tool_denied' },
      ];
      const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };
      await store.commitStep({ runId: 'old', step: { runId: 'old', stepIndex: 0, messages, usage, toolCalls: 1, toolCallsRefused: 1, finishReason: 'tool_calls', startedAt: at, endedAt: at }, events: [], usageDelta: usage });
      expect(await redis.hget(hashKey, 'toolCallsRefused')).toBe('1');
      expect(await store.getRun('old')).toMatchObject({ toolCalls: 1, toolCallsRefused: 1 });
    } finally {
      redis.disconnect();
      await store.close();
      await dropPrefix(keyPrefix);
    }
  });
});
