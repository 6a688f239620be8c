// Red team 12c: RedisStore against the same inputs as MemoryStore (the reference), through public exports only.
import { AgentrtError, createRuntime, defineTool, MemoryStore, type KillFlag, type StateStore, type StoredRunEvent } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { checkRunInvariants, storeRecords } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const prefixes: string[] = [];
const redis = () => {
  const keyPrefix = freshPrefix();
  prefixes.push(keyPrefix);
  return new RedisStore({ url: REDIS_URL, keyPrefix });
};
afterAll(() => Promise.all(prefixes.map(dropPrefix)));

const { run: newRun, step, usage } = storeRecords;
const now = () => new Date().toISOString();
const event = (runId: string, seq: unknown): StoredRunEvent => ({ type: 'step_started', runId, at: now(), seq, stepIndex: 0 }) as StoredRunEvent;
const failure = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return AgentrtError.isInstance(error) ? `${error.code}${(error as { field?: string }).field ? ` ${(error as { field?: string }).field}` : ''}` : `untyped: ${String(error)}`;
  }
};
/** Runs `scenario` on a MemoryStore and a RedisStore and hands back both answers. */
async function both<T>(scenario: (store: StateStore) => Promise<T>): Promise<{ memory: T; redis: T }> {
  const memory = new MemoryStore();
  const store = redis();
  try {
    return { memory: await scenario(memory), redis: await scenario(store) };
  } finally {
    await store.close();
  }
}

describe('RedisStore red team 12c', () => {
  it('lists every run once while runs are created during the listing (pages by score, not by position)', async () => {
    const store = redis();
    for (let i = 0; i < 250; i++) await store.createRun(newRun(`page-${i}`));
    // The creations are sent on the same connection right behind the first page's read, so they
    // land between the first and the second page.
    const listing = store.listRuns();
    const created = Array.from({ length: 5 }, (_, i) => store.createRun(newRun(`late-${i}`)));
    const [runs] = await Promise.all([listing, ...created]);
    const ids = runs.map((run) => run.runId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids.filter((id) => id.startsWith('page-'))).toEqual(Array.from({ length: 250 }, (_, i) => `page-${249 - i}`));
    expect((await store.listRuns({ limit: 201 })).map((run) => run.runId)[200]).toBe('page-54');
    await store.close();
  });

  it('refuses an event batch whose own seqs do not count up by one (run_conflict, nothing written), as MemoryStore does', async () => {
    const batches: unknown[][] = [[1, 1], [1, 3], [1, 2, 2], [2, 1], ['1'], [1, '2'], [1.5], [1, 2.5]];
    const { memory, redis: onRedis } = await both(async (store) => {
      const answers: (string | undefined)[] = [];
      await store.createRun(newRun('ev'));
      for (const seqs of batches) {
        const events = seqs.map((seq) => event('ev', seq));
        answers.push(await failure(store.appendEvents('ev', events)));
        answers.push(await failure(store.commitStep({ runId: 'ev', step: step('ev', 0, 'c0'), events, usageDelta: usage })));
        answers.push(await failure(store.updateRun({ runId: 'ev', status: 'running', events })));
        answers.push(await failure(store.finishRun({ runId: 'ev', result: { runId: 'ev', status: 'completed', stopReason: 'final_answer', steps: 0, toolCalls: 0, usage: { ...usage }, startedAt: now(), endedAt: now() }, events })));
      }
      const run = await store.getRun('ev');
      return { answers, status: run?.status, stepCount: run?.stepCount, lastEventSeq: run?.lastEventSeq, events: (await store.listEvents('ev')).length };
    });
    expect(onRedis).toEqual(memory);
    expect(onRedis.answers.every((answer) => answer === 'run_conflict')).toBe(true);
    expect(onRedis).toMatchObject({ status: 'running', stepCount: 0, lastEventSeq: 0, events: 0 });
  });

  it('still answers lease_lost and run_not_found first for such a batch, and appends a well-formed one', async () => {
    const store = redis();
    await store.createRun(newRun('fence'));
    const stale = (await store.acquireLease({ runId: 'fence', owner: 'a', ttlMs: 60_000 }))!;
    await store.releaseLease(stale);
    await store.acquireLease({ runId: 'fence', owner: 'b', ttlMs: 60_000 });
    expect(await failure(store.appendEvents('fence', [event('fence', 1), event('fence', 1)], { lease: stale }))).toBe('lease_lost');
    expect(await failure(store.appendEvents('nobody', [event('nobody', 1), event('nobody', 1)]))).toBe('run_not_found');
    await store.appendEvents('fence', [event('fence', 1), event('fence', 2)]);
    expect((await store.listEvents('fence')).map((e) => e.seq)).toEqual([1, 2]);
    await store.close();
  });

  it('reads a step index given as text as no step index: run_conflict for the decision and the commit, as MemoryStore', async () => {
    const { memory, redis: onRedis } = await both(async (store) => {
      await store.createRun(newRun('ix'));
      const decision = { stepIndex: '0' as unknown as number, message: { role: 'assistant' as const, content: '' }, usage: { ...usage }, finishReason: 'tool_calls' as const, startedAt: now() };
      const answers = [
        await failure(store.saveDecision({ runId: 'ix', decision })),
        await failure(store.commitStep({ runId: 'ix', step: { ...step('ix', 0, 'c0'), stepIndex: '0' as unknown as number }, events: [], usageDelta: usage })),
      ];
      const run = await store.getRun('ix');
      return { answers, pending: run?.pendingStep, stepCount: run?.stepCount, steps: (await store.loadSteps('ix')).length };
    });
    expect(onRedis).toEqual(memory);
    expect(onRedis).toEqual({ answers: ['run_conflict', 'run_conflict'], pending: undefined, stepCount: 0, steps: 0 });
  });

  it('refuses step counters that are not non-negative integers with config_invalid, never store_unavailable, writing nothing', async () => {
    const bad: [string, Record<string, unknown>][] = [
      ['step.toolCalls', { toolCalls: 1.5 }], ['step.toolCalls', { toolCalls: -1 }], ['step.toolCalls', { toolCalls: '1' }],
      ['step.toolCalls', { toolCalls: undefined }], ['step.toolCallsRefused', { toolCallsRefused: 0.5 }], ['step.toolCallsRefused', { toolCallsRefused: 1e300 }],
    ];
    const { memory, redis: onRedis } = await both(async (store) => {
      await store.createRun(newRun('cnt'));
      const answers: (string | undefined)[] = [];
      for (const [, fields] of bad) answers.push(await failure(store.commitStep({ runId: 'cnt', step: { ...step('cnt', 0, 'c0'), ...fields }, events: [], usageDelta: usage })));
      const run = await store.getRun('cnt');
      return { answers, counts: [run?.stepCount, run?.toolCalls, run?.toolCallsRefused] };
    });
    expect(onRedis).toEqual(memory);
    expect(onRedis).toEqual({ answers: bad.map(([field]) => `config_invalid ${field}`), counts: [0, 0, 0] });
  });

  it('refuses a createdAt or kill flag reason/time that is not text, and keeps a kill flag as its scope, reason and time', async () => {
    const { memory, redis: onRedis } = await both(async (store) => {
      const answers: (string | undefined)[] = [];
      for (const createdAt of [undefined, null, 5, {}]) answers.push(await failure(store.createRun({ ...newRun('when'), createdAt: createdAt as string })));
      answers.push(await failure(store.setKillFlag({ scope: 'k', reason: Number.NaN as unknown as string, at: now() })));
      answers.push(await failure(store.setKillFlag({ scope: 'k', reason: 'r', at: 5 as unknown as string })));
      const gone = [await store.getRun('when'), await store.getKillFlag('k')];
      await store.setKillFlag({ scope: 'k2', reason: 'r', at: '2026-01-01T00:00:00.000Z', extra: [1] } as KillFlag);
      return { answers, gone, kept: await store.getKillFlag('k2') };
    });
    expect(onRedis).toEqual(memory);
    expect(onRedis).toEqual({
      answers: ['config_invalid run.createdAt', 'config_invalid run.createdAt', 'config_invalid run.createdAt', 'config_invalid run.createdAt', 'config_invalid flag.reason', 'config_invalid flag.at'],
      gone: [undefined, undefined],
      kept: { scope: 'k2', reason: 'r', at: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('refuses a ledger entry whose step index is not an integer from 0 or whose time is not text (config_invalid), writing nothing', async () => {
    const call = (id: string, fields: Record<string, unknown>) => ({ runId: 'led', toolCallId: id, stepIndex: 0, name: 'put', argsFingerprint: 'fp', ...fields }) as never;
    const bad: [string, Record<string, unknown>][] = [['stepIndex', { stepIndex: '0' }], ['stepIndex', { stepIndex: 1.5 }], ['stepIndex', { stepIndex: -1 }], ['stepIndex', { stepIndex: 2 ** 31 }]];
    const { memory, redis: onStore } = await both(async (store) => {
      await store.createRun(newRun('led'));
      const answers: (string | undefined)[] = [];
      for (const [i, [, fields]] of bad.entries()) {
        answers.push(await failure(store.recordToolIntent(call(`i${i}`, { ...fields, sideEffects: 'non-idempotent', startedAt: now() }))));
        for (const sideEffects of ['non-idempotent', 'idempotent', 'none']) {
          answers.push(await failure(store.recordToolResult(call(`${sideEffects}${i}`, { ...fields, sideEffects, completedAt: now(), result: { role: 'tool', toolCallId: `${sideEffects}${i}`, name: 'put', content: 'x' } }))));
        }
      }
      answers.push(await failure(store.recordToolIntent(call('t0', { sideEffects: 'non-idempotent', startedAt: 5 }))));
      answers.push(await failure(store.recordToolResult(call('t1', { sideEffects: 'idempotent', result: { role: 'tool', toolCallId: 't1', name: 'put', content: 'x' } }))));
      return { answers, ledger: await store.getToolLedger('led') };
    });
    expect(onStore).toEqual(memory);
    expect(onStore).toEqual({
      answers: [...bad.flatMap(() => ['config_invalid entry.stepIndex', 'config_invalid input.stepIndex', 'config_invalid input.stepIndex', 'config_invalid input.stepIndex']), 'config_invalid entry.startedAt', 'config_invalid input.completedAt'],
      ledger: [],
    });
  });

  it('positive path: hostile call ids and idempotency key, a 5 MB tool result, an approval pause resumed on another connection', async () => {
    const keyPrefix = freshPrefix();
    prefixes.push(keyPrefix);
    let transfers = 0;
    const tools = [
      defineTool({ name: 'fetch', description: 'big', input: z.object({ q: z.string() }), sideEffects: 'idempotent', execute: async () => 'x'.repeat(5 * 1024 * 1024) }),
      defineTool({ name: 'transfer', description: 'money', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: async () => `sent ${++transfers}` }),
    ];
    const model = {
      provider: 'scripted', model: 'rt12c',
      async generate(request: { messages: readonly { role: string }[] }) {
        const turn = request.messages.filter((message) => message.role === 'assistant').length;
        const calls = [[{ id: 'big:{x}*?[\n__proto__', name: 'fetch', args: { q: '__proto__' } }], [{ id: 'tx:{1}', name: 'transfer', args: { cents: 5 } }]][turn];
        return calls
          ? { message: { role: 'assistant' as const, content: '', toolCalls: calls }, usage: { inputTokens: 2, outputTokens: 1 }, finishReason: 'tool_calls' as const }
          : { message: { role: 'assistant' as const, content: 'done' }, usage: { inputTokens: 2, outputTokens: 1 }, finishReason: 'stop' as const };
      },
    };
    const first = new RedisStore({ url: REDIS_URL, keyPrefix });
    const paused = await createRuntime({ model, store: first, tools }).run({ input: 'go', runId: 'rt12c:e2e', idempotencyKey: 'idem{a}:*?[\n__proto__%_ é' });
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    await first.close();
    const second = new RedisStore({ url: REDIS_URL, keyPrefix });
    const done = await createRuntime({ model, store: second, tools }).resume('rt12c:e2e', { approvals: { 'tx:{1}': 'approve' } });
    expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(transfers).toBe(1);
    expect(await checkRunInvariants({ store: second, runId: 'rt12c:e2e', result: done })).toEqual({ ok: true, violations: [] });
    expect((await second.getToolLedger('rt12c:e2e')).map((entry) => [entry.toolCallId, entry.status])).toEqual([['big:{x}*?[\n__proto__', 'completed'], ['tx:{1}', 'completed']]);
    expect((await second.createRun({ ...newRun('other'), idempotencyKey: 'idem{a}:*?[\n__proto__%_ é' })).run.runId).toBe('rt12c:e2e');
    await second.close();
  });
});
