/** Red team of the core hot path: odd tool answers, stream consumers, fake timers, 1,000 runs at once. */
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type RunEvent, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants, loopingModel } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});



describe('odd tool answers on the synchronous path', () => {
  it.each([
    ['thenable', () => ({ then: (res: (v: unknown) => void) => res('from thenable') })],
    ['data then', () => ({ then: 'not a function', x: 1 })],
    ['promise subclass', () => { class P<T> extends Promise<T> {} return P.resolve('sub'); }],
    ['throws sync', () => { throw new Error('boom sk-abcdefghijklmnop1234567890'); }],
    ['rejects', () => Promise.reject(new Error('late boom'))],
    ['undefined', () => undefined],
    ['bigint', () => 10n],
    ['circular', () => { const o: Record<string, unknown> = {}; o.self = o; return o; }],
    ['throwing toJSON', () => ({ toJSON() { throw new Error('nope'); } })],
  ])('%s: the run records the call once, the invariants hold', async (_name, execute) => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({}).passthrough(), execute: execute as never });
    const model = new ScriptedModel([{ text: '', toolCalls: [{ id: 'c1', name: 't', args: {} }] }, { text: 'done' }]);
    const r = await createRuntime({ model, tools: [t], store }).run('go');
    expect(['completed', 'failed']).toContain(r.status);
    const events = await expectRunInvariants(store, r.runId, r);
    expect(events.filter((e) => e.type === 'tool_started').length).toBe(1);
    expect(events.filter((e) => e.type === 'tool_finished').length).toBe(1);
    expect(JSON.stringify(events)).not.toContain('sk-abcdefghijklmnop1234567890');
  });
});

describe('stream consumers', () => {
  it.each(['step_started', 'model_response', 'tool_started', 'tool_finished', 'step_finished'])('a consumer that breaks on %s of step 1 cancels before another model call', async (type) => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => 'r' });
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 50 } });
    let runId = '';
    for await (const e of runtime.stream('go')) {
      runId = e.runId;
      if (e.type === type && (e as { stepIndex?: number }).stepIndex === 1) break;
    }
    await waitFor(async () => (await store.getRun(runId))?.status !== 'running');
    expect(model.calls).toBeLessThanOrEqual(2);
    expect((await runtime.getRun(runId))?.stopReason).toBe('cancelled');
    await expectRunInvariants(store, runId);
  });

  it('a slow consumer (a timer per event) gets every event once, in order, seq contiguous', async () => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => (i % 2 ? 'r' : Promise.resolve('a')) });
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 20 } });
    const got: RunEvent[] = [];
    for await (const e of runtime.stream('go')) {
      got.push(e);
      await new Promise((res) => setTimeout(res, 1));
    }
    const runId = got[0]!.runId;
    const stored = await expectRunInvariants(store, runId);
    const persisted = got.filter((e) => 'seq' in e && typeof (e as { seq?: number }).seq === 'number') as StoredRunEvent[];
    expect(persisted.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(got.at(-1)!.type).toBe('run_finished');
  });

  it('a consumer that never reads: the run finishes, then every event is there', async () => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => 'r' });
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 200, maxToolCalls: 1_000 } });
    const it = runtime.stream('go')[Symbol.asyncIterator]();
    await waitFor(async () => (await store.listRuns({})).length === 1 && (await store.listRuns({}))[0]!.status !== 'running');
    const got: RunEvent[] = [];
    for (let n = await it.next(); !n.done; n = await it.next()) got.push(n.value);
    expect(got.at(-1)!.type).toBe('run_finished');
    expect(model.calls).toBe(200);
  });
});

describe('fake timers', () => {
  it('run() and stream() complete under vi.useFakeTimers with sync and async tools, and kill lands', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => (i % 2 ? 'r' : Promise.resolve('a')) });
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 10, timeoutMs: 1_000 } });
    const r = await runtime.run('go');
    expect(r.stopReason).toBe('max_steps');
    const events = await expectRunInvariants(store, r.runId, r);
    for (const e of events) if (e.type === 'tool_finished') expect(e.durationMs).toBeGreaterThanOrEqual(0);
    const types: string[] = [];
    for await (const e of runtime.stream('go')) {
      types.push(e.type);
      if (e.type === 'step_finished' && e.stepIndex === 2) void runtime.kill(e.runId, 'k');
    }
    expect(types).toContain('run_killed');
  });

  it('timeoutMs fires under fake timers when the clock is advanced while a model hangs', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    let entered = 0;
    const model: ModelAdapter = { provider: 'p', model: 'm', generate: () => { entered++; return new Promise(() => {}); } };
    const runtime = createRuntime({ model, store, limits: { timeoutMs: 5_000 } });
    const p = runtime.run('go');
    await vi.waitFor(() => expect(entered).toBe(1));
    await vi.advanceTimersByTimeAsync(6_000);
    const r = await p;
    expect(r.stopReason).toBe('timeout');
    await expectRunInvariants(store, r.runId, r);
  });
});

describe('durations', () => {
  it('tool durationMs is within the measured time of a 30 ms tool', async () => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({}).passthrough(), execute: () => new Promise((res) => setTimeout(() => res('r'), 30)) });
    const model = new ScriptedModel([{ text: '', toolCalls: [{ id: 'c1', name: 't', args: {} }] }, { text: 'done' }]);
    const before = performance.now();
    const r = await createRuntime({ model, tools: [t], store }).run('go');
    const total = performance.now() - before;
    const fin = (await store.listEvents(r.runId)).find((e) => e.type === 'tool_finished') as Extract<StoredRunEvent, { type: 'tool_finished' }>;
    expect(fin.durationMs).toBeGreaterThanOrEqual(25);
    expect(fin.durationMs).toBeLessThanOrEqual(Math.ceil(total) + 1);
  });
});

describe('1,000 runs at once', () => {
  it('every run recorded once, its own messages and events only', async () => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ tag: z.string() }), execute: ({ tag }) => (tag.length % 2 ? `R-${tag}` : Promise.resolve(`R-${tag}`)) });
    const model: ModelAdapter = {
      provider: 'p', model: 'm',
      async generate(req) {
        const first = req.messages.find((m) => m.role === 'user')!;
        const tag = String(first.content);
        const steps = req.messages.filter((m) => m.role === 'assistant').length;
        if (steps >= 3) return { message: { role: 'assistant', content: `final ${tag}` }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
        if (steps === 1) await new Promise((res) => setImmediate(res));
        return { message: { role: 'assistant', content: `A-${tag}`, toolCalls: [{ id: `c${steps}`, name: 't', args: { tag } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
      },
    };
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false });
    const tags = Array.from({ length: 1000 }, (_, i) => `tag${i}x`);
    const results = await Promise.all(tags.map((tag) => runtime.run(tag)));
    expect(new Set(results.map((r) => r.runId)).size).toBe(1000);
    expect((await store.listRuns({})).length).toBe(1000);
    for (let i = 0; i < 1000; i++) {
      const r = results[i]!;
      expect(r.output).toBe(`final ${tags[i]}`);
      const events = await expectRunInvariants(store, r.runId, r);
      const text = JSON.stringify(events) + JSON.stringify(await store.loadSteps(r.runId));
      const others = text.match(/tag\d+x/g)!.filter((m) => m !== tags[i]);
      expect(others).toEqual([]);
      expect(events.every((e) => e.runId === r.runId)).toBe(true);
    }
  }, 120_000);
});
