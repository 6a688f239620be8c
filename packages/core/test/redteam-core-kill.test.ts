/** Red team of kills, cancels and timeouts against the hot path's synchronous execute/commit and the model race slot. */
import { createRuntime, defineTool, MemoryStore, type AgentRuntime, type ModelAdapter, type RunEvent, type StoredRunEvent } from '@agentrt/core';
import { waitFor } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants, loopingModel } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});


async function ok(store: MemoryStore, runId: string, result?: unknown) {
  const events = await expectRunInvariants(store, runId, result);
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.seq).toBe(events[i - 1]!.seq + 1);
    expect(Date.parse(events[i]!.at)).toBeGreaterThanOrEqual(Date.parse(events[i - 1]!.at));
  }
  return events;
}

describe('kills at every point', () => {
  it('from inside a synchronous tool: the run stops killed before the next model call', async () => {
    const store = new MemoryStore();
    let runtime!: AgentRuntime;
    let runId = '';
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }, ctx) => { if (i === 2) void runtime.kill(ctx.runId, 'sync tool'); return 'r'; } });
    const model = loopingModel();
    runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 20 } });
    const r = await runtime.run('go');
    runId = r.runId;
    expect(r.stopReason).toBe('killed');
    expect(model.calls).toBe(2);
    await ok(store, runId, r);
  });

  it('from inside an async tool: cut short, killed, pairs valid', async () => {
    const store = new MemoryStore();
    let runtime!: AgentRuntime;
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: async ({ i }, ctx) => { if (i === 2) { void runtime.kill(ctx.runId, 'async tool'); await new Promise((res) => ctx.signal.addEventListener('abort', res)); } return 'r'; } });
    const model = loopingModel();
    runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 20 } });
    const r = await runtime.run('go');
    expect(r.stopReason).toBe('killed');
    expect(model.calls).toBe(2);
    await ok(store, r.runId, r);
  });

  it('from a tool that ignores its signal and never settles', async () => {
    const store = new MemoryStore();
    let runtime!: AgentRuntime;
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }, ctx) => { if (i === 2) { void runtime.kill(ctx.runId, 'hung tool'); return new Promise<string>(() => {}); } return 'r'; } });
    const model = loopingModel();
    runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 20 } });
    const r = await runtime.run('go');
    expect(r.stopReason).toBe('killed');
    await ok(store, r.runId, r);
  });

  it('from the model call itself (the model kills, then answers): no tool runs after the kill', async () => {
    const store = new MemoryStore();
    let runtime!: AgentRuntime;
    let ran = 0;
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => { ran++; return 'r'; } });
    const model = loopingModel((n) => { if (n === 3) void runtime.kill(lastRun, 'in model'); });
    let lastRun = '';
    runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 20 }, hooks: [{ onRunStart: (c) => void (lastRun = c.runId) }] });
    const r = await runtime.run('go');
    expect(r.stopReason).toBe('killed');
    expect(ran).toBe(2);
    await ok(store, r.runId, r);
  });

  it.each(['step_started', 'model_request', 'model_response', 'tool_started', 'tool_finished', 'step_finished'])('from an onEvent hook on %s (synchronous tool)', async (type) => {
    const store = new MemoryStore();
    let runtime!: AgentRuntime;
    let ran = 0;
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => { ran++; return 'r'; } });
    const model = loopingModel();
    let fired = false;
    runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 20 }, hooks: [{ onEvent: (e) => { if (!fired && e.type === type && (e as { stepIndex?: number }).stepIndex === 1) { fired = true; void runtime.kill(e.runId, 'hook'); } } }] });
    const r = await runtime.run('go');
    expect(r.stopReason).toBe('killed');
    expect(model.calls).toBeLessThanOrEqual(2);
    const events = await ok(store, r.runId, r);
    const killedAt = events.findIndex((e) => e.type === 'run_killed');
    expect(killedAt).toBeGreaterThan(0);
    expect(events.slice(killedAt).some((e) => e.type === 'model_request' || e.type === 'tool_started')).toBe(false);
  });

  it.each(['step_started', 'model_response', 'tool_started', 'tool_finished', 'step_finished'])('from a stream consumer on %s: no further model call than the next', async (type) => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => 'r' });
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 50 } });
    let runId = '';
    let last: RunEvent | undefined;
    for await (const e of runtime.stream('go')) {
      runId = e.runId;
      last = e;
      if (e.type === type && (e as { stepIndex?: number }).stepIndex === 1) void runtime.kill(e.runId, 'consumer');
    }
    expect(last?.type).toBe('run_finished');
    expect((last as { result: { stopReason: string } }).result.stopReason).toBe('killed');
    expect(model.calls).toBeLessThanOrEqual(2);
    await ok(store, runId);
  });

  it('a model that ignores its signal does not hold a killed run, nor one that times out', async () => {
    for (const how of ['kill', 'timeout', 'cancel'] as const) {
      const store = new MemoryStore();
      const entered: string[] = [];
      const model: ModelAdapter = { provider: 'p', model: 'm', generate: () => { entered.push('x'); return new Promise(() => {}); } };
      const controller = new AbortController();
      const runtime = createRuntime({ model, store, limits: how === 'timeout' ? { timeoutMs: 50 } : {} });
      const p = runtime.run({ input: 'go', signal: controller.signal });
      await waitFor(() => entered.length === 1);
      const runs = await store.listRuns({});
      if (how === 'kill') await runtime.kill(runs[0]!.runId, 'stop it');
      if (how === 'cancel') controller.abort();
      const r = await p;
      expect(r.stopReason).toBe(how === 'kill' ? 'killed' : how === 'timeout' ? 'timeout' : 'cancelled');
      await ok(store, r.runId, r);
    }
  });

  it('a model ignoring its signal, killed on each of 30 consecutive runs of one runtime (the race slot is released)', async () => {
    const store = new MemoryStore();
    let hang = false;
    const entered: number[] = [];
    let n = 0;
    const model: ModelAdapter = { provider: 'p', model: 'm', generate: () => { n++; entered.push(n); return hang ? new Promise(() => {}) : Promise.resolve({ message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 't', args: { i: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }); } };
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => { hang = true; return 'r'; } });
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false });
    for (let i = 0; i < 30; i++) {
      hang = false;
      const before = n;
      const p = runtime.run('go');
      await waitFor(() => n === before + 2);
      const id = (await store.listRuns({ status: 'running' }))[0]!.runId;
      await runtime.kill(id, 'k');
      const r = await p;
      expect(r.stopReason).toBe('killed');
      await ok(store, r.runId, r);
    }
  });

  it('killAll with 500 runs in flight (sync tools, async tools, hung models): all recorded killed once', async () => {
    const store = new MemoryStore();
    const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => (i % 2 ? 'sync' : Promise.resolve('async')) });
    let n = 0;
    const model: ModelAdapter = {
      provider: 'p', model: 'm',
      generate: (req) => {
        n++;
        const k = req.messages.length;
        if (n % 7 === 0) return new Promise(() => {});
        return Promise.resolve({ message: { role: 'assistant', content: '', toolCalls: [{ id: `c${k}`, name: 't', args: { i: k } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' });
      },
    };
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 100_000, maxToolCalls: 1_000_000 } });
    const ps = Array.from({ length: 500 }, () => runtime.run('go'));
    await waitFor(async () => (await store.listRuns({ status: 'running' })).length === 500, { timeoutMs: 60_000 });
    await runtime.killAll('incident');
    const results = await Promise.all(ps);
    expect(results.every((r) => r.stopReason === 'killed')).toBe(true);
    for (const r of results) {
      const events = await ok(store, r.runId, r);
      expect(events.filter((e) => e.type === 'run_finished').length).toBe(1);
    }
    expect((await store.listRuns({})).length).toBe(500);
    await runtime.clearKill();
  }, 120_000);
});
