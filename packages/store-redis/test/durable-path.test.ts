import { RedisStore } from '@agentrt/store-redis';
import type { KillFlag } from '@agentrt/core';
import { storeRecords } from '@agentrt/testing';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));

const now = () => new Date().toISOString();
const { run: newRun, step, toolResult: result, usage } = storeRecords;

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

  it('killFlagMaxAgeMs: answers a check from the read the write made, also in a later turn, and a published kill makes the next check read', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix, killFlagMaxAgeMs: 60_000 });
    const b = new RedisStore({ url: REDIS_URL, keyPrefix });
    const heard: KillFlag[] = [];
    a.subscribeKills((flag) => heard.push(flag));
    await a.createRun(newRun('r4'));
    // The subscription is up once a kill published now is heard.
    await b.setKillFlag({ scope: 'other-run', reason: 'probe', at: now() });
    await expect.poll(() => heard.some((f) => f.scope === 'other-run')).toBe(true);
    const redis = (a as unknown as { redis: Redis }).redis;
    const reads = vi.spyOn(redis, 'hmget');
    await a.saveDecision({ runId: 'r4', decision: { stepIndex: 0, message: { role: 'assistant', content: '', toolCalls: [{ id: 'c0', name: 'put', args: {} }] }, usage, finishReason: 'tool_calls', startedAt: now() } });
    expect(reads).toHaveBeenCalledTimes(0); // read inside the decision's script
    await new Promise((resolve) => setTimeout(resolve, 1)); // a later event-loop turn: only the age window lets the answer serve
    expect(await a.getKillFlag('r4')).toBeUndefined();
    expect(reads).toHaveBeenCalledTimes(0); // answered from it
    expect(await a.getKillFlag('r4')).toBeUndefined(); // one check per read: this one reads
    expect(reads).toHaveBeenCalledTimes(1);
    await a.commitStep({ runId: 'r4', step: step('r4', 0, 'c0'), events: [], usageDelta: usage });
    await b.setKillFlag({ scope: 'r4', reason: 'stop r4', at: now() });
    await expect.poll(() => heard.some((f) => f.scope === 'r4')).toBe(true);
    expect((await a.getKillFlag('r4'))?.reason).toBe('stop r4'); // the kill was heard: read, not the older answer
    reads.mockRestore();
    await Promise.all([a.close(), b.close()]);
  });

  it('without killFlagMaxAgeMs, the write\'s read serves a check in the same event-loop turn only', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix });
    await a.createRun(newRun('r5'));
    const reads = vi.spyOn((a as unknown as { redis: Redis }).redis, 'hmget');
    await a.saveDecision({ runId: 'r5', decision: { stepIndex: 0, message: { role: 'assistant', content: '', toolCalls: [{ id: 'c0', name: 'put', args: {} }] }, usage, finishReason: 'tool_calls', startedAt: now() } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await a.getKillFlag('r5')).toBeUndefined();
    expect(reads).toHaveBeenCalledTimes(1); // another turn: read
    reads.mockRestore();
    await a.close();
  });
});
