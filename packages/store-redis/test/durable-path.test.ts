import { RedisStore } from '@agentrt/store-redis';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));

const now = () => new Date().toISOString();
const newRun = (runId: string) => ({ runId, input: [{ role: 'user' as const, content: 'go' }], inputFingerprint: 'i', toolsFingerprint: 't', createdAt: now() });
const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };
const step = (runId: string, stepIndex: number, callId: string) => ({
  runId, stepIndex, usage, toolCalls: 1, finishReason: 'tool_calls' as const, startedAt: now(), endedAt: now(),
  messages: [
    { role: 'assistant' as const, content: '', toolCalls: [{ id: callId, name: 'put', args: {} }] },
    { role: 'tool' as const, toolCallId: callId, name: 'put', content: `put ${stepIndex}` },
  ],
});
const result = (runId: string, callId: string, stepIndex: number, sideEffects: 'idempotent' | 'non-idempotent' | 'none') => ({
  runId, toolCallId: callId, stepIndex, name: 'put', argsFingerprint: 'fp', sideEffects, completedAt: now(),
  result: { role: 'tool' as const, toolCallId: callId, name: 'put', content: `put ${stepIndex}` },
});

describe('RedisStore durable path', () => {
  it('sends an idempotent result with the step commit; another connection sees it once committed', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix });
    const b = new RedisStore({ url: REDIS_URL, keyPrefix });
    await a.createRun(newRun('r1'));
    await a.recordToolResult(result('r1', 'c0', 0, 'idempotent'));
    expect(await b.getToolLedger('r1')).toEqual([]); // not sent yet: a crash now re-runs the call with the same key
    await a.commitStep({ runId: 'r1', step: step('r1', 0, 'c0'), events: [], usageDelta: usage });
    expect((await b.getToolLedger('r1')).map((e) => [e.toolCallId, e.status, e.result?.content])).toEqual([['c0', 'completed', 'put 0']]);
    // A non-idempotent result is written at once.
    await a.recordToolIntent({ runId: 'r1', toolCallId: 'p1', stepIndex: 1, name: 'pay', argsFingerprint: 'fp', sideEffects: 'non-idempotent', startedAt: now() });
    await a.recordToolResult(result('r1', 'p1', 1, 'non-idempotent'));
    expect((await b.getToolLedger('r1', { stepIndex: 1 })).map((e) => e.status)).toEqual(['completed']);
    await Promise.all([a.close(), b.close()]);
  });

  it('reads its own deferred results, never overwrites a completed one, and sends what is left on close', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix });
    const b = new RedisStore({ url: REDIS_URL, keyPrefix });
    await a.createRun(newRun('r2'));
    await a.recordToolResult(result('r2', 'c0', 0, 'none'));
    await a.recordToolResult({ ...result('r2', 'c0', 0, 'none'), result: { role: 'tool', toolCallId: 'c0', name: 'put', content: 'second' } });
    expect((await a.getToolLedger('r2')).map((e) => e.result?.content)).toEqual(['put 0']);
    await a.recordToolResult(result('r2', 'c1', 0, 'idempotent'));
    await a.close();
    expect((await b.getToolLedger('r2')).map((e) => e.toolCallId).sort()).toEqual(['c0', 'c1']);
    await b.close();
  });

  it('drops a deferred result whose lease was lost (fencing); the commit is refused', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix });
    await a.createRun(newRun('r3'));
    const lease = (await a.acquireLease({ runId: 'r3', owner: 'w1', ttlMs: 1 }))!;
    await a.recordToolResult(result('r3', 'c0', 0, 'idempotent'), { lease });
    await expect.poll(async () => (await a.acquireLease({ runId: 'r3', owner: 'w2', ttlMs: 60_000 }))?.owner).toBe('w2');
    await expect(a.commitStep({ runId: 'r3', step: step('r3', 0, 'c0'), events: [], usageDelta: usage, lease })).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await a.getToolLedger('r3')).toEqual([]);
    await a.close();
  });
});
