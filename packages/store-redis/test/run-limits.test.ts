import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '@agentrt/store-redis';
import { describeRunLimits } from '@agentrt/testing';
import { dropPrefix, freshPrefix, prefixedStores, REDIS_URL } from './redis-helpers.js';

describeRunLimits({ name: 'RedisStore', ...prefixedStores() });

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

describe('RedisStore: run counters summed in the commit script', () => {
  it('stores integer strings as HINCRBY did, falls back to HINCRBY beyond 2^53 or for non-integers, and clears the pending decision', async () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const redis = new Redis(REDIS_URL);
    try {
      const at = new Date().toISOString();
      await store.createRun({ runId: 'c', input: [{ role: 'user', content: 'hi' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: at });
      const hashKey = `${keyPrefix}run:c`;
      const step = (stepIndex: number, toolCalls: number) => ({ runId: 'c', stepIndex, messages: [{ role: 'assistant' as const, content: 'x' }], usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, toolCalls, finishReason: 'stop' as const, startedAt: at, endedAt: at });
      await store.saveDecision({ runId: 'c', decision: { stepIndex: 0, message: { role: 'assistant', content: '' }, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, finishReason: 'tool_calls', startedAt: at } });
      expect((await store.getRun('c'))?.pendingStep?.stepIndex).toBe(0);
      await store.commitStep({ runId: 'c', step: step(0, 2), events: [], usageDelta: { inputTokens: 1_000_000_000_000_000, outputTokens: 7, costUsd: 0.5 } });
      expect(await redis.hmget(hashKey, 'toolCalls', 'inTok', 'outTok', 'cost', 'toolCallsRefused')).toEqual(['2', '1000000000000000', '7', '0.5', null]);
      expect((await store.getRun('c'))?.pendingStep).toBeUndefined();
      // Past 2^53 the sum is HINCRBY's (64-bit, exact).
      await redis.hset(hashKey, 'inTok', '9007199254740990');
      await store.commitStep({ runId: 'c', step: step(1, 0), events: [], usageDelta: { inputTokens: 5, outputTokens: 0, costUsd: 0 } });
      expect(await redis.hget(hashKey, 'inTok')).toBe('9007199254740995');
      // A non-integer delta is refused before it is sent, as by every store (config_invalid; HINCRBY's error was store_unavailable).
      await expect(store.commitStep({ runId: 'c', step: step(2, 0), events: [], usageDelta: { inputTokens: 1.5, outputTokens: 0, costUsd: 0 } })).rejects.toMatchObject({ code: 'config_invalid' });
      expect(await store.getRun('c')).toMatchObject({ stepCount: 2, toolCalls: 2, usage: { outputTokens: 7 } });
    } finally {
      await store.close();
      redis.disconnect();
      await dropPrefix(keyPrefix);
    }
  });
});
