/**
 * The hook lifecycle and the run's counters, from the outside: every scenario drives a real
 * runtime (ScriptedModel, real tools, MemoryStore) with a hook that records every call, then
 * checks the same rules — one onRunStart per drive, one onRunEnd per terminal result (none for a
 * pause) seeing the result returned and stored, onError once per error stop, beforeTool/afterTool
 * pairing, onEvent seeing the persisted log — and that the counters agree everywhere (result,
 * store record, step records, step_finished events) and `checkRunInvariants` passes.
 */
import {
  AgentrtError, createRuntime, defineTool, delay, MemoryStore,
  type ModelRequest, type RunEvent, type RunResult, type RuntimeHooks, type StateStore, type StoredRunEvent,
} from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Tools

const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const boom = defineTool({ name: 'boom', description: 'throws', input: z.object({}), execute: () => { throw new Error('tool exploded'); } });
const hang = defineTool({ name: 'hang', description: 'never answers', input: z.object({}), timeoutMs: 50, execute: () => new Promise<string>(() => undefined) });
const gated = defineTool({ name: 'gated', description: 'needs approval', input: z.object({ x: z.number() }), sideEffects: 'idempotent', requiresApproval: true, execute: ({ x }) => `gated ${x}` });

/** A tool that waits until its run is aborted (or `release()`), and tells when it started. */
function blocking() {
  let started = 0;
  const waiters: (() => void)[] = [];
  const tool = defineTool({
    name: 'block', description: 'waits for the abort', input: z.object({ tag: z.string().optional() }),
    execute: (_args, ctx) => new Promise<string>((resolve, reject) => {
      started++;
      waiters.push(() => resolve('released'));
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }),
  });
  return { tool, started: () => started, release: () => waiters.splice(0).forEach((go) => go()) };
}

/** A model step that waits (honouring the signal) until the run is aborted; `entered` counts calls. */
function blockingModelStep(state: { entered: number }) {
  return async (request: ModelRequest) => {
    state.entered++;
    await delay(60_000, request.signal);
    return ScriptedModel.answer('never');
  };
}

// ---------------------------------------------------------------------------------------------
// Recorder

interface Recorder {
  readonly log: string[];
  readonly events: RunEvent[];
  readonly ends: RunResult<unknown>[];
  readonly errors: AgentrtError[];
  readonly hooks: RuntimeHooks;
}

function recorder(): Recorder {
  const log: string[] = [];
  const events: RunEvent[] = [];
  const ends: RunResult<unknown>[] = [];
  const errors: AgentrtError[] = [];
  const fin = (c: { finalize?: boolean }) => (c.finalize ? ':finalize' : '');
  const hooks: RuntimeHooks = {
    onRunStart: (c) => void log.push(`onRunStart${c.resumed ? ':resumed' : ''}`),
    onStepStart: (c) => void log.push(`onStepStart:${c.stepIndex}`),
    beforeModel: (_r, c) => void log.push(`beforeModel:${c.stepIndex}${fin(c)}`),
    afterModel: (_r, c) => void log.push(`afterModel:${c.stepIndex}${fin(c)}`),
    beforeTool: (call) => void log.push(`beforeTool:${call.toolCallId}`),
    afterTool: (_r, c) => void log.push(`afterTool:${c.call.toolCallId}`),
    onStepEnd: (step) => void log.push(`onStepEnd:${step.stepIndex}`),
    onRunEnd: (result) => {
      log.push(`onRunEnd:${result.stopReason}`);
      ends.push(result);
    },
    onError: (error) => {
      log.push(`onError:${error.code}`);
      errors.push(error);
    },
    onEvent: (event) => void events.push(event),
    wrapModelCall: async (_call, c, next) => {
      log.push(`wrapModelCall:${c.stepIndex}${fin(c)}`);
      return next();
    },
    wrapToolCall: async (call, _c, next) => {
      log.push(`wrapToolCall:${call.toolCallId}`);
      return next();
    },
  };
  return { log, events, ends, errors, hooks };
}

const count = (log: readonly string[], prefix: string) => log.filter((entry) => entry === prefix || entry.startsWith(`${prefix}:`)).length;
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * The rules every scenario must satisfy. `drives`: onRunStart calls expected. Returns the stored
 * events for scenario-specific checks.
 */
async function expectLifecycle(store: StateStore, rec: Recorder, result: RunResult<unknown>, options: { drives?: number } = {}): Promise<StoredRunEvent[]> {
  const { log } = rec;
  const drives = options.drives ?? 1;
  const record = (await store.getRun(result.runId))!;
  const steps = await store.loadSteps(result.runId);
  const events = await store.listEvents(result.runId);
  const terminal = result.status !== 'paused';

  // onRunStart once per drive, always first of its drive.
  expect(count(log, 'onRunStart')).toBe(drives);
  expect(log[0]).toMatch(/^onRunStart/);
  // onRunEnd: once per terminal result, never for a pause, and last.
  expect(count(log, 'onRunEnd')).toBe(terminal ? 1 : 0);
  if (terminal) {
    expect(log.at(-1)).toBe(`onRunEnd:${result.stopReason}`);
    // What onRunEnd saw is what was returned and what the store holds.
    expect(plain(rec.ends[0])).toEqual(plain(record.result));
    expect(plain(result)).toEqual(plain(record.result));
  }
  // onError exactly once per error stop (before onRunEnd), never otherwise.
  expect(count(log, 'onError')).toBe(result.stopReason === 'error' ? 1 : 0);
  if (result.stopReason === 'error') {
    expect(rec.errors[0]!.code).toBe(result.error!.code);
    expect(log.indexOf(`onError:${result.error!.code}`)).toBeLessThan(log.indexOf('onRunEnd:error'));
  }
  // Tool hooks: afterTool only after its beforeTool, at most once per call per drive; a wrapped
  // execution only after beforeTool; afterTool only for a wrapped (executed) call.
  const driveLogs: string[][] = [[]];
  for (const entry of log) {
    if (entry.startsWith('onRunStart') && driveLogs.at(-1)!.length > 0) driveLogs.push([]);
    driveLogs.at(-1)!.push(entry);
  }
  for (const drive of driveLogs) {
    const before = new Set<string>();
    const wrapped = new Set<string>();
    const after = new Set<string>();
    for (const entry of drive) {
      const [name, id] = entry.split(':');
      if (name === 'beforeTool') before.add(id!);
      if (name === 'wrapToolCall') {
        expect(before.has(id!), `${entry} without beforeTool`).toBe(true);
        expect(wrapped.has(id!), `${entry} twice`).toBe(false);
        wrapped.add(id!);
      }
      if (name === 'afterTool') {
        expect(wrapped.has(id!), `${entry} without an execution`).toBe(true);
        expect(after.has(id!), `${entry} twice`).toBe(false);
        after.add(id!);
      }
    }
    // Step hooks pair within a drive: every onStepEnd follows its own onStepStart.
    const open = new Set<string>();
    for (const entry of drive) {
      const [name, index] = entry.split(':');
      if (name === 'onStepStart') open.add(index!);
      if (name === 'onStepEnd') expect(open.delete(index!), `${entry} without onStepStart in its drive`).toBe(true);
    }
    // Model hooks: every wrapped model call came after a beforeModel; afterModel only after a call.
    expect(count(drive, 'afterModel')).toBeLessThanOrEqual(count(drive, 'wrapModelCall'));
    expect(count(drive, 'wrapModelCall')).toBeLessThanOrEqual(count(drive, 'beforeModel'));
  }
  // onStepEnd once per committed step (finalize record excepted), in order.
  const committed = steps.filter((step) => !step.finalize).map((step) => `onStepEnd:${step.stepIndex}`);
  expect(log.filter((entry) => entry.startsWith('onStepEnd:'))).toEqual(committed);

  // onEvent saw exactly the persisted log (plus transient deltas), in order.
  expect(rec.events.filter((event) => event.seq !== undefined).map((event) => `${event.seq}:${event.type}`)).toEqual(events.map((event) => `${event.seq}:${event.type}`));

  // Counters agree: result, record, step records, step_finished events.
  const regular = steps.filter((step) => !step.finalize);
  const finished = events.filter((event): event is Extract<StoredRunEvent, { type: 'step_finished' }> => event.type === 'step_finished');
  expect(result.steps).toBe(regular.length);
  expect(record.stepCount).toBe(steps.length);
  expect(result.toolCalls).toBe(record.toolCalls);
  expect(result.toolCallsRefused ?? 0).toBe(record.toolCallsRefused ?? 0);
  expect(result.toolCalls).toBe(steps.reduce((n, step) => n + step.toolCalls, 0));
  expect(result.toolCalls).toBe(finished.reduce((n, event) => n + event.toolCalls, 0));
  expect(result.toolCallsRefused ?? 0).toBe(finished.reduce((n, event) => n + (event.toolCallsRefused ?? 0), 0));
  expect(finished.filter((event) => !event.finalize).length).toBe(result.steps);
  const summed = finished.reduce((u, event) => ({ inputTokens: u.inputTokens + event.usage.inputTokens, outputTokens: u.outputTokens + event.usage.outputTokens, costUsd: u.costUsd + event.usage.costUsd }), { inputTokens: 0, outputTokens: 0, costUsd: 0 });
  expect(result.usage.inputTokens).toBe(summed.inputTokens);
  expect(result.usage.outputTokens).toBe(summed.outputTokens);
  expect(result.usage.costUsd).toBeCloseTo(summed.costUsd, 12);
  expect(record.usage).toMatchObject({ inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens });
  // Every call the transcript holds is counted once: within the cap or refused over it.
  const calls = regular.reduce((n, step) => n + (step.messages[0]?.role === 'assistant' ? step.messages[0].toolCalls?.length ?? 0 : 0), 0);
  expect(result.toolCalls + (result.toolCallsRefused ?? 0)).toBe(calls);

  const report = await checkRunInvariants({ store, runId: result.runId, result });
  expect(report.violations).toEqual([]);
  return events;
}

function setup(script: ConstructorParameters<typeof ScriptedModel>[0], options: Omit<Parameters<typeof createRuntime>[0], 'model' | 'hooks' | 'store'> & { store?: StateStore; hooks?: RuntimeHooks[] } = {}) {
  const rec = recorder();
  const store = options.store ?? new MemoryStore();
  const model = new ScriptedModel(script as never);
  const runtime = createRuntime({ ...options, model, store, hooks: [rec.hooks, ...(options.hooks ?? [])] });
  return { rec, store, model, runtime };
}

// ---------------------------------------------------------------------------------------------

describe('hook lifecycle: normal runs', () => {
  it('a normal run calls each hook in order, once per step and call', async () => {
    const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('3')], { tools: [add] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 1, toolCallsRefused: 0, output: '3' });
    expect(rec.log).toEqual([
      'onRunStart', 'onStepStart:0', 'beforeModel:0', 'wrapModelCall:0', 'afterModel:0', 'beforeTool:c1', 'wrapToolCall:c1', 'afterTool:c1', 'onStepEnd:0',
      'onStepStart:1', 'beforeModel:1', 'wrapModelCall:1', 'afterModel:1', 'onStepEnd:1', 'onRunEnd:final_answer',
    ]);
    await expectLifecycle(store, rec, result);
  });

  it('parallel calls: each gets beforeTool (in call order, before any runs), its execution and one afterTool', async () => {
    const { rec, store, runtime } = setup([
      ScriptedModel.parallel([{ name: 'add', args: { a: 1, b: 1 }, id: 'p1' }, { name: 'add', args: { a: 2, b: 2 }, id: 'p2' }, { name: 'add', args: { a: 3, b: 3 }, id: 'p3' }]),
      ScriptedModel.answer('ok'),
    ], { tools: [add] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 3 });
    const step0 = rec.log.slice(rec.log.indexOf('afterModel:0') + 1, rec.log.indexOf('onStepEnd:0'));
    expect(step0.slice(0, 3)).toEqual(['beforeTool:p1', 'beforeTool:p2', 'beforeTool:p3']);
    expect(step0.filter((entry) => entry.startsWith('afterTool')).sort()).toEqual(['afterTool:p1', 'afterTool:p2', 'afterTool:p3']);
    await expectLifecycle(store, rec, result);
  });

  it('stream() calls the same hooks as run(), and its last event carries the stored result', async () => {
    const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('the answer is three')], { tools: [add] });
    const streamed: RunEvent[] = [];
    for await (const event of runtime.stream('go')) streamed.push(event);
    const last = streamed.at(-1)!;
    expect(last.type).toBe('run_finished');
    const result = (last as Extract<RunEvent, { type: 'run_finished' }>).result;
    expect(rec.log.filter((entry) => !entry.startsWith('onEvent'))).toEqual([
      'onRunStart', 'onStepStart:0', 'beforeModel:0', 'wrapModelCall:0', 'afterModel:0', 'beforeTool:c1', 'wrapToolCall:c1', 'afterTool:c1', 'onStepEnd:0',
      'onStepStart:1', 'beforeModel:1', 'wrapModelCall:1', 'afterModel:1', 'onStepEnd:1', 'onRunEnd:final_answer',
    ]);
    // onEvent sees every persisted event the stream yielded, never the transient deltas.
    expect(streamed.some((event) => event.type === 'model_delta')).toBe(true);
    expect(rec.events.some((event) => event.type === 'model_delta')).toBe(false);
    expect(rec.events.map((event) => event.type)).toEqual(streamed.filter((event) => event.type !== 'model_delta').map((event) => event.type));
    await expectLifecycle(store, rec, result);
  });
});

describe('hook lifecycle: calls that never execute', () => {
  it('a tool denied by policy: no beforeTool, no afterTool; counted, not refused', async () => {
    const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'd1' }), ScriptedModel.answer('ok')], { tools: [add], toolPolicy: { deny: ['add'] } });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 1, toolCallsRefused: 0 });
    expect(count(rec.log, 'beforeTool')).toBe(0);
    expect(count(rec.log, 'afterTool')).toBe(0);
    const events = await expectLifecycle(store, rec, result);
    expect(events.filter((event) => event.type === 'tool_denied')).toHaveLength(1);
  });

  it('a tool denied by a beforeTool hook: beforeTool without afterTool or execution', async () => {
    const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'd1' }), ScriptedModel.answer('ok')], { tools: [add], hooks: [{ beforeTool: () => ({ deny: 'no' }) }] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 1 });
    expect(count(rec.log, 'beforeTool')).toBe(1);
    expect(count(rec.log, 'wrapToolCall')).toBe(0);
    expect(count(rec.log, 'afterTool')).toBe(0);
    await expectLifecycle(store, rec, result);
  });

  it('an unknown tool and invalid args: no tool hooks; error results the model sees', async () => {
    const { rec, store, runtime, model } = setup([
      ScriptedModel.parallel([{ name: 'nope', args: {}, id: 'u1' }, { name: 'add', args: { a: 'x' }, id: 'u2' }, { name: 'add', args: '{not json', id: 'u3' }]),
      ScriptedModel.answer('ok'),
    ], { tools: [add] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 3, toolCallsRefused: 0 });
    expect(count(rec.log, 'beforeTool') + count(rec.log, 'afterTool') + count(rec.log, 'wrapToolCall')).toBe(0);
    const codes = model.requests[1]!.messages.filter((m) => m.role === 'tool').map((m) => (m as { code?: string }).code);
    expect(codes).toEqual(['tool_not_found', 'tool_args_invalid', 'tool_args_invalid']);
    await expectLifecycle(store, rec, result);
  });

  it('a tool that throws and a tool that times out: beforeTool, execution and afterTool with the error result', async () => {
    const seen: string[] = [];
    const { rec, store, runtime } = setup([
      ScriptedModel.parallel([{ name: 'boom', args: {}, id: 't1' }, { name: 'hang', args: {}, id: 't2' }]),
      ScriptedModel.answer('ok'),
    ], { tools: [boom, hang], hooks: [{ afterTool: (r) => void seen.push(`${r.toolCallId}:${r.code}`) }] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 2 });
    expect(seen.sort()).toEqual(['t1:tool_failed', 't2:tool_timeout']);
    await expectLifecycle(store, rec, result);
  });
});

describe('hook lifecycle: limits', () => {
  it('max_steps: one onStepStart/onStepEnd per step, onRunEnd once', async () => {
    const { rec, store, runtime } = setup({ steps: [(_request, index) => ScriptedModel.call('add', { a: index, b: 2 })], whenExhausted: 'repeat_last' }, { tools: [add], limits: { maxSteps: 3 } });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 3, toolCalls: 3 });
    expect(count(rec.log, 'onStepStart')).toBe(3);
    expect(count(rec.log, 'beforeTool')).toBe(3);
    expect(count(rec.log, 'afterTool')).toBe(3);
    await expectLifecycle(store, rec, result);
  });

  it('max_tool_calls with parallel calls over the cap: refused calls get no tool hooks and are counted apart', async () => {
    const rec = recorder();
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.parallel([1, 2, 3, 4, 5].map((n) => ({ name: 'add', args: { a: n, b: n }, id: `m${n}` }))),
      ScriptedModel.answer('never'),
    ]);
    const runtime = createRuntime({ model, store, tools: [add], limits: { maxToolCalls: 3 }, hooks: [rec.hooks] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 2 });
    expect(rec.log.filter((entry) => entry.startsWith('beforeTool'))).toEqual(['beforeTool:m1', 'beforeTool:m2', 'beforeTool:m3']);
    expect(count(rec.log, 'afterTool')).toBe(3);
    await expectLifecycle(store, rec, result);
  });

  it('token budget: the stop before a call that does not fit leaves beforeModel without a model call', async () => {
    const rec = recorder();
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { usage: { inputTokens: 900, outputTokens: 50 } })], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, store, tools: [add], limits: { maxTokens: 1000 }, hooks: [rec.hooks] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('token_budget');
    expect(result.usage.inputTokens + result.usage.outputTokens).toBeGreaterThan(0);
    await expectLifecycle(store, rec, result);
  });

  it('cost budget: stops with cost_budget; usage in the result equals the committed steps', async () => {
    const rec = recorder();
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { usage: { inputTokens: 1000, outputTokens: 1000 } })], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({
      model, store, tools: [add], hooks: [rec.hooks],
      pricing: { 'scripted:scripted-1': { inputPerMillionUsd: 1000, outputPerMillionUsd: 1000 } },
      limits: { maxCostUsd: 5, maxSteps: 20 },
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('cost_budget');
    expect(result.usage.costUsd).toBeGreaterThan(0);
    await expectLifecycle(store, rec, result);
  });

  it('finalize: beforeModel/afterModel see the finalize call (context.finalize), no onStepStart/onStepEnd for it', async () => {
    const rec = recorder();
    const store = new MemoryStore();
    let calls = 0;
    const model = new ScriptedModel([(request) => (++calls, request.tools.length === 0 ? ScriptedModel.answer('best effort') : ScriptedModel.call('add', { a: 1, b: 2 }))], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, store, tools: [add], limits: { maxSteps: 2, finalize: true }, hooks: [rec.hooks] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 2, finalized: true, output: 'best effort', toolCalls: 2 });
    expect(rec.log.slice(-5)).toEqual(['onStepEnd:1', 'beforeModel:2:finalize', 'wrapModelCall:2:finalize', 'afterModel:2:finalize', 'onRunEnd:max_steps']);
    expect(calls).toBe(3);
    await expectLifecycle(store, rec, result);
  });
});

describe('hook lifecycle: structured output repairs', () => {
  it('a repaired answer: one step per attempt, onStepEnd each, onRunEnd sees the parsed value', async () => {
    const rec = recorder();
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('not json'), ScriptedModel.json({ n: 'x' }), ScriptedModel.json({ n: 3 })]);
    const runtime = createRuntime({ model, store, hooks: [rec.hooks] });
    const result = await runtime.run({ input: 'go', output: z.object({ n: z.number() }) });
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 3, output: { n: 3 } });
    expect(rec.ends[0]!.output).toEqual({ n: 3 });
    await expectLifecycle(store, rec, result);
  });

  it('repairs spent: output_invalid, recorded once; onError is not called (not an error stop)', async () => {
    const rec = recorder();
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('a'), ScriptedModel.answer('b')]);
    const runtime = createRuntime({ model, store, hooks: [rec.hooks] });
    const result = await runtime.run({ input: 'go', output: z.object({ n: z.number() }), maxOutputRepairs: 1 });
    expect(result).toMatchObject({ stopReason: 'output_invalid', status: 'failed', steps: 2 });
    expect(count(rec.log, 'onError')).toBe(0);
    await expectLifecycle(store, rec, result);
  });
});

describe('hook lifecycle: timeouts, kills and cancellation', () => {
  it('run timeout during a tool call: the call is cut short (no afterTool), onRunEnd sees timeout', async () => {
    const block = blocking();
    const { rec, store, runtime } = setup([ScriptedModel.call('block', {}, { id: 'b1' })], { tools: [block.tool], limits: { timeoutMs: 400 } });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'timeout', steps: 1, toolCalls: 1 });
    expect(rec.log).toContain('wrapToolCall:b1');
    expect(rec.log).not.toContain('afterTool:b1');
    await expectLifecycle(store, rec, result);
  });

  it('run timeout during a model call: beforeModel without afterModel, no step committed', async () => {
    const state = { entered: 0 };
    const { rec, store, runtime } = setup([blockingModelStep(state)], { limits: { timeoutMs: 400 } });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'timeout', steps: 0, toolCalls: 0 });
    expect(rec.log).toEqual(['onRunStart', 'onStepStart:0', 'beforeModel:0', 'wrapModelCall:0', 'onRunEnd:timeout']);
    await expectLifecycle(store, rec, result);
  });

  for (const where of ['in-process', 'another runtime on the same store', 'another runtime, store without kill push'] as const) {
    it(`kill during a model call (${where})`, async () => {
      const state = { entered: 0 };
      const memory = new MemoryStore();
      const store = where === 'another runtime, store without kill push' ? withoutKillPush(memory) : memory;
      const { rec, runtime } = setup([blockingModelStep(state)], { store, killPollMs: 20 });
      const running = runtime.run({ input: 'go', runId: `kill-model-${where.length}` });
      await waitFor(() => state.entered === 1);
      const killer = where === 'in-process' ? runtime : createRuntime({ model: new ScriptedModel([]), store });
      await killer.kill(`kill-model-${where.length}`, 'stop it');
      const result = await running;
      expect(result).toMatchObject({ stopReason: 'killed', stopDetail: 'stop it', steps: 0 });
      expect(rec.log).toEqual(['onRunStart', 'onStepStart:0', 'beforeModel:0', 'wrapModelCall:0', 'onRunEnd:killed']);
      await expectLifecycle(memory, rec, result);
    });

    it(`kill during a tool call with queued parallel calls (${where})`, async () => {
      const block = blocking();
      const memory = new MemoryStore();
      const store = where === 'another runtime, store without kill push' ? withoutKillPush(memory) : memory;
      const { rec, runtime } = setup([
        ScriptedModel.parallel([{ name: 'block', args: { tag: '1' }, id: 'k1' }, { name: 'block', args: { tag: '2' }, id: 'k2' }, { name: 'block', args: { tag: '3' }, id: 'k3' }]),
      ], { store, tools: [block.tool], killPollMs: 20, limits: { toolConcurrency: 1 } });
      const runId = `kill-tool-${where.length}`;
      const running = runtime.run({ input: 'go', runId });
      await waitFor(() => block.started() === 1);
      const killer = where === 'in-process' ? runtime : createRuntime({ model: new ScriptedModel([]), store });
      await killer.kill(runId, 'stop it');
      const result = await running;
      // One call ran (cut short), two never started: all three are within the cap and counted.
      expect(block.started()).toBe(1);
      expect(result).toMatchObject({ stopReason: 'killed', steps: 1, toolCalls: 3, toolCallsRefused: 0 });
      expect(rec.log.filter((entry) => /^(beforeTool|wrapToolCall|afterTool)/.test(entry))).toEqual(['beforeTool:k1', 'beforeTool:k2', 'beforeTool:k3', 'wrapToolCall:k1']);
      const messages = (await memory.loadSteps(runId))[0]!.messages.slice(1);
      expect(messages.map((m) => (m as { code?: string }).code)).toEqual(['tool_cancelled', 'tool_cancelled', 'tool_cancelled']);
      await expectLifecycle(memory, rec, result);
    });
  }

  it('cancel via the run signal during a tool call', async () => {
    const block = blocking();
    const { rec, store, runtime } = setup([ScriptedModel.call('block', {}, { id: 'c1' })], { tools: [block.tool] });
    const controller = new AbortController();
    const running = runtime.run({ input: 'go', signal: controller.signal });
    await waitFor(() => block.started() === 1);
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ stopReason: 'cancelled', steps: 1, toolCalls: 1 });
    await expectLifecycle(store, rec, result);
  });

  it('leaving a stream early cancels: the same hooks, onRunEnd sees cancelled', async () => {
    const block = blocking();
    const { rec, store, runtime } = setup([ScriptedModel.call('block', {}, { id: 'c1' })], { tools: [block.tool] });
    let runId = '';
    for await (const event of runtime.stream('go')) {
      runId = event.runId;
      if (event.type === 'tool_started') break;
    }
    const result = (await store.getRun(runId))!.result!;
    expect(result).toMatchObject({ stopReason: 'cancelled', steps: 1 });
    await expectLifecycle(store, rec, result);
  });
});

describe('hook lifecycle: pause for approval and resume', () => {
  for (const decision of ['approve', 'deny'] as const) {
    it(`pause then resume (${decision}): no onRunEnd for the pause; beforeTool again on resume; one onRunEnd at the end`, async () => {
      const rec = recorder();
      const store = new MemoryStore();
      const model = new ScriptedModel([ScriptedModel.call('gated', { x: 1 }, { id: 'g1' }), ScriptedModel.answer('done')]);
      const runtime = createRuntime({ model, store, tools: [gated], hooks: [rec.hooks] });
      const paused = await runtime.run('go');
      expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval', steps: 0, toolCalls: 0 });
      expect(rec.log).toEqual(['onRunStart', 'onStepStart:0', 'beforeModel:0', 'wrapModelCall:0', 'afterModel:0', 'beforeTool:g1']);
      await expectLifecycle(store, rec, paused);
      const result = await runtime.resume(paused.runId, { approvals: { g1: decision } });
      expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 1 });
      const second = rec.log.slice(rec.log.lastIndexOf('onRunStart:resumed'));
      expect(second).toEqual([
        'onRunStart:resumed', 'onStepStart:0', 'beforeTool:g1', ...(decision === 'approve' ? ['wrapToolCall:g1', 'afterTool:g1'] : []), 'onStepEnd:0',
        'onStepStart:1', 'beforeModel:1', 'wrapModelCall:1', 'afterModel:1', 'onStepEnd:1', 'onRunEnd:final_answer',
      ]);
      await expectLifecycle(store, rec, result, { drives: 2 });
    });
  }
});

describe('hook lifecycle: crash and resume', () => {
  it('a new runtime resuming a run whose process died: onRunStart resumed, one onRunEnd, counters continue', async () => {
    const memory = new MemoryStore();
    const dyingRec = recorder();
    // The "process" dies when it commits its second step: the store refuses every write from then on.
    const dying = breakable(memory, (method, input) => method === 'commitStep' && (input as { step: { stepIndex: number } }).step.stepIndex === 1);
    const first = createRuntime({
      model: new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'x1' }), ScriptedModel.call('add', { a: 2, b: 2 }, { id: 'x2' })]),
      store: dying, tools: [add], leaseTtlMs: 100, hooks: [dyingRec.hooks],
    });
    const crashed = await first.run({ input: 'go', runId: 'crash-1' });
    expect(crashed.stopReason).toBe('error');
    expect((await memory.getRun('crash-1'))?.status).toBe('running');

    const rec = recorder();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 2, b: 2 }, { id: 'y2' }), ScriptedModel.answer('4')]);
    const second = createRuntime({ model, store: memory, tools: [add], leaseTtlMs: 100, hooks: [rec.hooks] });
    const result = await second.resume('crash-1', { waitForLeaseMs: 5_000 });
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 3, toolCalls: 2 });
    expect(rec.log[0]).toBe('onRunStart:resumed');
    expect(count(rec.log, 'onRunEnd')).toBe(1);
    expect(rec.log.filter((entry) => entry.startsWith('onStepEnd'))).toEqual(['onStepEnd:1', 'onStepEnd:2']);
    const report = await checkRunInvariants({ store: memory, runId: 'crash-1', result });
    expect(report.violations).toEqual([]);
    const record = (await memory.getRun('crash-1'))!;
    expect(plain(record.result)).toEqual(plain(result));
    expect(plain(rec.ends[0])).toEqual(plain(result));
  });
});

/** A store that fails every call once `breakAt` says so (the process died). */
function breakable(store: StateStore, breakAt: (method: string, input: unknown) => boolean): StateStore {
  let broken = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!broken && breakAt(String(property), args[0])) broken = true;
        if (broken && property !== 'close' && property !== 'subscribeKills') return Promise.reject(new AgentrtError('store_unavailable', 'the process died'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The same store without `subscribeKills`: kills are read by polling. */
function withoutKillPush(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'subscribeKills') return undefined;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    has(target, property) {
      return property !== 'subscribeKills' && Reflect.has(target, property);
    },
  });
}


// ---------------------------------------------------------------------------------------------
// Hooks that fail, hang or answer with hostile values

type Position = 'onRunStart' | 'onStepStart' | 'beforeModel' | 'afterModel' | 'beforeTool' | 'afterTool' | 'onStepEnd' | 'onRunEnd' | 'wrapModelCall' | 'wrapToolCall';
const POSITIONS: readonly Position[] = ['onRunStart', 'onStepStart', 'beforeModel', 'afterModel', 'beforeTool', 'afterTool', 'onStepEnd', 'onRunEnd', 'wrapModelCall', 'wrapToolCall'];

/** A hook that does `act` in `position` (on its first call there) and nothing elsewhere. */
function hookAt(position: Position, act: () => unknown): RuntimeHooks {
  let done = false;
  const once = () => {
    if (done) return undefined;
    done = true;
    return act();
  };
  if (position === 'wrapModelCall' || position === 'wrapToolCall') {
    return { [position]: async (_info: unknown, _context: unknown, next: () => Promise<unknown>) => { await once(); return next(); } } as RuntimeHooks;
  }
  return { [position]: () => once() } as RuntimeHooks;
}

describe('a hook that throws, in every position', () => {
  for (const position of POSITIONS) {
    it(`${position}: the run ends with error / hook_failed, recorded once; onError gets it once`, async () => {
      const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'h1' }), ScriptedModel.answer('3')], {
        tools: [add],
        hooks: [hookAt(position, () => { throw new Error(`${position} broke`); })],
      });
      const result = await runtime.run('go');
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'hook_failed' } });
      expect(result.error!.message).toContain(position);
      expect(count(rec.log, 'onError')).toBe(1);
      expect(rec.errors[0]!.code).toBe('hook_failed');
      const record = (await store.getRun(result.runId))!;
      expect(plain(record.result)).toEqual(plain(result));
      const events = await store.listEvents(result.runId);
      expect(events.filter((event) => event.type === 'run_error')).toHaveLength(1);
      expect(events.filter((event) => event.type === 'run_finished')).toHaveLength(1);
      expect(count(rec.log, 'onRunEnd')).toBe(1);
      if (position !== 'onRunEnd') await expectLifecycle(store, rec, result);
      else {
        // The hooks before the failing one saw the result that was due; the recorded result is the failure.
        expect(rec.ends[0]!.stopReason).toBe('final_answer');
        expect(rec.log.indexOf('onRunEnd:final_answer')).toBeLessThan(rec.log.indexOf('onError:hook_failed'));
        expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
      }
    });
  }
});

describe('a hook that hangs, in every position, is cut by the run timeout and by a kill', () => {
  for (const position of POSITIONS) {
    it(`${position}: run timeout`, async () => {
      const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'h1' }), ScriptedModel.answer('3')], {
        tools: [add], limits: { timeoutMs: 200 },
        hooks: [hookAt(position, () => new Promise(() => undefined))],
      });
      const result = await runtime.run('go');
      expect(result.stopReason).toBe('timeout');
      expect(count(rec.log, 'onRunEnd')).toBe(1);
      expect((await store.getRun(result.runId))!.result!.stopReason).toBe('timeout');
      if (position !== 'onRunEnd') await expectLifecycle(store, rec, result);
      else expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    });

    it(`${position}: kill`, async () => {
      let hanging = false;
      const { rec, store, runtime } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'h1' }), ScriptedModel.answer('3')], {
        tools: [add],
        hooks: [hookAt(position, () => { hanging = true; return new Promise(() => undefined); })],
      });
      const running = runtime.run({ input: 'go', runId: `hang-kill-${position}` });
      await waitFor(() => hanging);
      await createRuntime({ model: new ScriptedModel([]), store }).kill(`hang-kill-${position}`, 'stuck');
      const result = await running;
      expect(result).toMatchObject({ stopReason: 'killed', stopDetail: 'stuck' });
      if (position !== 'onRunEnd') await expectLifecycle(store, rec, result);
      else expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    });
  }
});

describe('hooks answering with hostile values', () => {
  it('beforeTool rewriting args with __proto__ / constructor keys: re-validated, no pollution', async () => {
    const seen: unknown[] = [];
    const open = defineTool({ name: 'open', description: 'any object', input: z.record(z.string(), z.unknown()), execute: (args) => { seen.push(args); return Object.keys(args).join(','); } });
    const { rec, store, runtime } = setup([ScriptedModel.parallel([{ name: 'add', args: { a: 1, b: 2 }, id: 'p1' }, { name: 'open', args: {}, id: 'p2' }]), ScriptedModel.answer('ok')], {
      tools: [add, open],
      hooks: [{ beforeTool: () => ({ args: JSON.parse('{"a":1,"b":2,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown }) }],
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    for (const args of seen) expect(Object.getPrototypeOf(args)).not.toHaveProperty('polluted');
    await expectLifecycle(store, rec, result);
  });

  it('afterModel returning huge or undefined fields: usage stays what was spent; bad shapes fail as hook_failed-free typed errors', async () => {
    const { rec, store, runtime } = setup([ScriptedModel.answer('short')], {
      hooks: [{ afterModel: (response) => ({ ...response, message: { role: 'assistant', content: 'x'.repeat(2_000_000), toolCalls: undefined, reasoning: undefined }, usage: { inputTokens: 1e12, outputTokens: Number.NaN }, finishReason: undefined as never, id: undefined, model: 42 as never }) }],
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect((result.output as string).length).toBe(2_000_000);
    expect(result.usage).toMatchObject({ inputTokens: 10, outputTokens: 5 });
    await expectLifecycle(store, rec, result);
  });

  for (const [label, value] of [
    ['a string', 'just text'], ['a number', 42], ['an empty object', {}], ['an array', [1, 2]], ['content: null', { content: null }],
    ['content: a number', { content: 7 }], ['isError/code of wrong types', { content: 'x', isError: 'yes', code: { bad: true } }],
    ['a different call id', { role: 'tool', toolCallId: 'other', name: 'other', content: 'forged' }],
  ] as const) {
    it(`afterTool returning ${label}: the transcript stays paired and well-typed; the run records one outcome`, async () => {
      const { rec, store, runtime, model } = setup([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'a1' }), ScriptedModel.answer('ok')], {
        tools: [add], hooks: [{ afterTool: () => value as never }],
      });
      const result = await runtime.run('go');
      await expectLifecycle(store, rec, result);
      const steps = await store.loadSteps(result.runId);
      const toolMessage = steps[0]!.messages[1] as { role: string; toolCallId: string; name: string; content: unknown; isError?: unknown; code?: unknown };
      expect(toolMessage).toMatchObject({ role: 'tool', toolCallId: 'a1', name: 'add' });
      expect(typeof toolMessage.content === 'string' || Array.isArray(toolMessage.content)).toBe(true);
      if (toolMessage.isError !== undefined) expect(typeof toolMessage.isError).toBe('boolean');
      if (toolMessage.code !== undefined) expect(typeof toolMessage.code).toBe('string');
      if (result.stopReason === 'final_answer') expect(model.requests).toHaveLength(2);
    });
  }
});

describe('parallel calls when one call\'s hook fails', () => {
  it('afterTool throwing for a fast call while a slow one runs: no tool hook after onRunEnd, the slow call ends before the run does', async () => {
    const block = blocking();
    const { rec, store, runtime } = setup([ScriptedModel.parallel([{ name: 'add', args: { a: 1, b: 1 }, id: 'f1' }, { name: 'block', args: {}, id: 's1' }])], {
      tools: [add, block.tool],
      hooks: [{ afterTool: (r) => { if (r.toolCallId === 'f1') { setTimeout(() => block.release(), 20); throw new Error('after f1'); } } }],
    });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'hook_failed' } });
    // Give a call left running every chance to report late.
    await delay(60, new AbortController().signal);
    const end = rec.log.indexOf('onRunEnd:error');
    expect(end).toBe(rec.log.length - 1);
    await expectLifecycle(store, rec, result);
  });
});

describe('model hooks answering with malformed values fail the run as hook_failed, not as the model\'s or the runtime\'s fault', () => {
  const throwingGetter = () => Object.defineProperty({}, 'message', { get() { throw new Error('getter'); }, enumerable: true });
  for (const [label, hooks] of [
    ['afterModel returning {}', { afterModel: () => ({}) as never }],
    ['afterModel returning a string', { afterModel: () => 'text' as never }],
    ['afterModel returning a message without role', { afterModel: () => ({ message: { content: 'x' } }) as never }],
    ['afterModel returning a throwing getter', { afterModel: () => throwingGetter() as never }],
    ['beforeModel returning {}', { beforeModel: () => ({}) as never }],
    ['beforeModel returning messages: "x"', { beforeModel: (request: ModelRequest) => ({ ...request, messages: 'x' }) as never }],
    ['beforeModel returning tools: null', { beforeModel: (request: ModelRequest) => ({ ...request, tools: null }) as never }],
    ['beforeModel returning a throwing getter', { beforeModel: () => Object.defineProperty({}, 'messages', { get() { throw new Error('getter'); }, enumerable: true }) as never }],
  ] as const) {
    it(label, async () => {
      const { rec, store, runtime } = setup({ steps: [ScriptedModel.answer('fine')], whenExhausted: 'repeat_last' }, { hooks: [hooks as RuntimeHooks] });
      const result = await runtime.run('go');
      expect(result).toMatchObject({ stopReason: 'error', error: { code: 'hook_failed' } });
      await expectLifecycle(store, rec, result);
    });
  }

  it('afterModel returning a non-string finishReason: recorded as a string', async () => {
    const { rec, store, runtime } = setup([ScriptedModel.answer('fine')], { hooks: [{ afterModel: (response) => ({ ...response, finishReason: { evil: true } as never }) }] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const steps = await store.loadSteps(result.runId);
    expect(typeof steps[0]!.finishReason).toBe('string');
    await expectLifecycle(store, rec, result);
  });
});
