import { ConfigError, createRuntime, defineTool, MemoryStore, type ModelAdapter, type RunResult } from '@agentrt/core';
import { storeRecords } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/** Answers at once, or (for the input "pay") asks for the `pay` tool, which needs approval. */
const model: ModelAdapter = {
  provider: 'test',
  model: 'retention',
  async generate(request) {
    const first = request.messages[0];
    if (first?.role === 'user' && first.content === 'pay' && request.messages.length === 1) {
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'p1', name: 'pay', args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
    }
    return { message: { role: 'assistant', content: 'ok' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
  },
};
const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({}), requiresApproval: true, execute: () => 'paid' });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('MemoryStore retention', () => {
  it('keeps only the newest maxFinishedRuns finished runs, dropping the oldest with their events', async () => {
    const store = new MemoryStore({ maxFinishedRuns: 2 });
    const runtime = createRuntime({ model, store });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await runtime.run(`task ${i}`)).runId);
    expect(await store.getRun(ids[0]!)).toBeUndefined();
    expect(await store.getRun(ids[1]!)).toBeUndefined();
    expect(await store.listEvents(ids[0]!)).toEqual([]);
    expect((await store.getRun(ids[2]!))?.status).toBe('completed');
    expect((await store.getRun(ids[3]!))?.status).toBe('completed');
    expect((await store.listRuns()).map((run) => run.runId)).toEqual([ids[3], ids[2]]);
    // What is kept is whole: steps and the audit log read back as before.
    expect(await store.loadSteps(ids[3]!)).toHaveLength(1);
    expect((await store.listEvents(ids[3]!)).at(-1)?.type).toBe('run_finished');
  });

  it('never drops a paused run, however many runs finish after it, and counts it once it finishes', async () => {
    const store = new MemoryStore({ maxFinishedRuns: 1 });
    const runtime = createRuntime({ model, store, tools: [pay] });
    const paused = await runtime.run('pay');
    expect(paused.status).toBe('paused');
    for (let i = 0; i < 3; i++) await runtime.run(`task ${i}`);
    expect((await store.getRun(paused.runId))?.status).toBe('paused');
    const resumed = await runtime.resume(paused.runId, { approvals: { p1: { decision: 'approve' } } });
    expect(resumed.status).toBe('completed');
    // Now finished and the newest: the one kept.
    expect((await store.getRun(paused.runId))?.status).toBe('completed');
    expect(await store.listRuns()).toHaveLength(1);
  });

  it('drops finished runs older than finishedRunTtlMs when a new run starts, keeping running ones', async () => {
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const store = new MemoryStore({ finishedRunTtlMs: 60_000 });
    const runtime = createRuntime({ model, store, tools: [pay] });
    const old = await runtime.run('old');
    const paused = await runtime.run('pay');
    now += 61_000;
    const fresh = await runtime.run('fresh');
    expect(await store.getRun(old.runId)).toBeUndefined();
    expect((await store.getRun(fresh.runId))?.status).toBe('completed');
    expect((await store.getRun(paused.runId))?.status).toBe('paused');
  });

  it('keeps a finished run reachable through its idempotency key until it is dropped, then forgets the key', async () => {
    const store = new MemoryStore({ maxFinishedRuns: 1 });
    const runtime = createRuntime({ model, store });
    const first = await runtime.run({ input: 'a', idempotencyKey: 'k1' });
    expect((await runtime.run({ input: 'a', idempotencyKey: 'k1' })).runId).toBe(first.runId);
    await runtime.run('b');
    expect(await store.getRun(first.runId)).toBeUndefined();
    const again = await runtime.run({ input: 'a', idempotencyKey: 'k1' });
    expect(again.runId).not.toBe(first.runId);
    expect(again.status).toBe('completed');
  });

  it('counts a reopened run by its latest finish, however often it fails retryably and is resumed', async () => {
    const store = new MemoryStore({ maxFinishedRuns: 2 });
    const result = (runId: string, retryable: boolean): RunResult<unknown> => ({
      runId, status: 'failed', stopReason: 'error', steps: 0, toolCalls: 0, usage: storeRecords.usage,
      startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), error: { code: 'model_rate_limited', message: '429', retryable },
    });
    const finish = (runId: string, retryable = false) => store.finishRun({ runId, result: result(runId, retryable), events: [] });
    for (const id of ['a', 'b', 'c']) await store.createRun(storeRecords.run(id));
    await finish('a', true);
    await finish('b');
    // `a` reopens thousands of times (each a finish, then running again): it is never the oldest finished run while it runs.
    for (let i = 0; i < 5_000; i++) {
      await store.updateRun({ runId: 'a', status: 'running' });
      await finish('a', true);
    }
    await store.updateRun({ runId: 'a', status: 'running' });
    await finish('c');
    await finish('a');
    // Finished in the order b, c, a: b, the oldest, is dropped.
    expect(await store.getRun('b')).toBeUndefined();
    expect((await store.getRun('c'))?.status).toBe('failed');
    expect((await store.getRun('a'))?.status).toBe('failed');
    for (const id of ['d', 'e']) {
      await store.createRun(storeRecords.run(id));
      await finish(id);
    }
    expect((await store.listRuns()).map((run) => run.runId).sort()).toEqual(['d', 'e']);
  });

  it('keeps exactly the newest runs while many more finish than it keeps', async () => {
    const store = new MemoryStore({ maxFinishedRuns: 100 });
    const runtime = createRuntime({ model, store });
    const ids: string[] = [];
    for (let i = 0; i < 2_600; i++) ids.push((await runtime.run(`task ${i}`)).runId);
    const kept = (await store.listRuns()).map((run) => run.runId);
    expect(kept).toEqual(ids.slice(-100).reverse());
    expect(await store.getRun(ids.at(-101)!)).toBeUndefined();
  });

  it('rejects invalid retention options with ConfigError naming the field', () => {
    expect(() => new MemoryStore({ maxFinishedRuns: -1 })).toThrow(ConfigError);
    expect(() => new MemoryStore({ maxFinishedRuns: 1.5 })).toThrow(/maxFinishedRuns/);
    expect(() => new MemoryStore({ finishedRunTtlMs: 0 })).toThrow(/finishedRunTtlMs/);
    expect(() => new MemoryStore({ maxFinishedRuns: Infinity })).not.toThrow();
  });
});
