import {
  AgentrtError, CharTokenEstimator, createRuntime, DEFAULT_FINALIZE_INSTRUCTION, defineTool, MemoryStore, ModelError,
  type ModelRequest, type RunEvent, type RuntimeHooks, type StateStore, type StoredRunEvent,
} from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];
const isFinalizeRequest = (request: ModelRequest) => request.tools.length === 0;

/** A model that calls `add` with fresh args until asked without tools, then answers `answer` (its finalize answer). */
function looping(answer: string | ((request: ModelRequest) => unknown) = 'best answer so far: 42', usage = { inputTokens: 30, outputTokens: 7 }) {
  return new ScriptedModel([(request: ModelRequest, i: number) => {
    if (!isFinalizeRequest(request)) return ScriptedModel.call('add', { a: i, b: 1 }, { usage: { inputTokens: 20, outputTokens: 5 } });
    if (typeof answer === 'function') {
      const produced = answer(request);
      if (produced instanceof Error) return { error: produced };
      return ScriptedModel.answer(String(produced), usage);
    }
    return ScriptedModel.answer(answer, usage);
  }], { whenExhausted: 'cycle' });
}

describe('finalize: a best answer when a limit stops the run (issue 11, item 1)', () => {
  it('after max_steps: one more call without tools; stop reason, status and step count unchanged; output and finalized set', async () => {
    const store = new MemoryStore();
    const model = looping();
    const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 3, finalize: true } }).run('add things up');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'max_steps', steps: 3, toolCalls: 3, toolCallsRefused: 0, output: 'best answer so far: 42', finalized: true });
    expect(model.calls).toBe(4);
    // The finalize call counts in usage: 3 × (20 + 5) + (30 + 7).
    expect(result.usage).toMatchObject({ inputTokens: 90, outputTokens: 22 });
    const request = model.requests[3]!;
    expect(request.tools).toEqual([]);
    expect(request.maxOutputTokens).toBe(1_024);
    // Tool traffic goes out as text: no tool calls, no tool messages; the instruction ends it.
    expect(request.messages.some((m) => m.role === 'tool' || (m.role === 'assistant' && m.toolCalls?.length))).toBe(false);
    const last = request.messages.at(-1)!;
    expect(last.role).toBe('user');
    expect(String(last.content)).toContain('[result of tool add]\n3');
    expect(String(last.content).endsWith(DEFAULT_FINALIZE_INSTRUCTION)).toBe(true);
    expect(request.messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['[called tool add with {"a":0,"b":1}]', '[called tool add with {"a":1,"b":1}]', '[called tool add with {"a":2,"b":1}]']);
    // Audited: the limit, then the finalize call marked as such, committed as the last record.
    const events = await store.listEvents(result.runId);
    const types = events.map((e) => e.type);
    expect(types.slice(types.indexOf('limit_reached'))).toEqual(['limit_reached', 'step_started', 'model_request', 'model_response', 'step_finished', 'run_finished']);
    expect(only(events, 'model_request').at(-1)).toMatchObject({ finalize: true, tools: [], maxOutputTokens: 1_024 });
    expect(only(events, 'model_response').at(-1)).toMatchObject({ finalize: true, message: { content: 'best answer so far: 42' } });
    const steps = await store.loadSteps(result.runId);
    expect(steps).toHaveLength(4);
    expect(steps[3]).toMatchObject({ stepIndex: 3, finalize: { stopReason: 'max_steps' }, toolCalls: 0, messages: [{ role: 'assistant', content: 'best answer so far: 42' }] });
    expect((await store.getRun(result.runId))?.stepCount).toBe(4);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('is off by default: exactly N model calls, no finalized flag', async () => {
    const model = looping();
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 3 } }).run('go');
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 3 });
    expect(result.finalized).toBeUndefined();
    expect(model.calls).toBe(3);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('after max_tool_calls: 4 parallel calls with a cap of 3 — 3 run, 1 refused, then the finalize answer', async () => {
    let executed = 0;
    const tick = defineTool({ name: 'tick', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i} (${++executed})` });
    const model = new ScriptedModel([
      ScriptedModel.parallel([0, 1, 2, 3].map((i) => ({ name: 'tick', args: { i } }))),
      ScriptedModel.answer('three ticks ran'),
    ]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [tick], store, limits: { maxToolCalls: 3, finalize: true } }).run('tick four times');
    expect(executed).toBe(3);
    expect(result).toMatchObject({ stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 1, output: 'three ticks ran', finalized: true });
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]).toMatchObject({ toolCalls: 3, toolCallsRefused: 1 });
    expect(steps[0]!.messages[4]).toMatchObject({ role: 'tool', code: 'tool_denied', isError: true });
    expect(only(await store.listEvents(result.runId), 'step_finished')[0]).toMatchObject({ toolCalls: 3, toolCallsRefused: 1 });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('after timeout: in-flight calls are aborted, the finalize call gets graceMs of its own', async () => {
    const hang = defineTool({
      name: 'hang', description: 'waits for its abort', input: z.object({}),
      execute: (_args, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    const model = new ScriptedModel([ScriptedModel.call('hang'), { delayMs: 300, text: 'the tool never answered; nothing is known yet' }]);
    const store = new MemoryStore();
    const started = Date.now();
    const result = await createRuntime({ model, tools: [hang], store, limits: { timeoutMs: 150, finalize: { graceMs: 5_000 } } }).run('wait');
    expect(result).toMatchObject({ stopReason: 'timeout', status: 'stopped', steps: 1, output: 'the tool never answered; nothing is known yet', finalized: true });
    // The finalize answer came after the run's own deadline, within its grace.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages[1]).toMatchObject({ code: 'tool_timeout' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a finalize call that outlives its grace is aborted: the run ends with its stop, the failure is audited', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), { delayMs: 60_000, text: 'too late' }]);
    const store = new MemoryStore();
    const started = Date.now();
    const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 1, finalize: { graceMs: 100 } } }).run('go');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 1 });
    expect(result.finalized).toBeUndefined();
    expect(only(await store.listEvents(result.runId), 'finalize_failed')).toEqual([expect.objectContaining({ stopReason: 'max_steps', code: 'timeout' })]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('after loop_detected', async () => {
    const search = defineTool({ name: 'search', description: 's', input: z.object({ q: z.string() }), execute: () => 'no results' });
    const model = new ScriptedModel([(request: ModelRequest) => (isFinalizeRequest(request) ? ScriptedModel.answer('I could not find it') : ScriptedModel.call('search', { q: 'same' }))], { whenExhausted: 'cycle' });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [search], store, limits: { maxSteps: 20, finalize: true } }).run('find it');
    expect(result).toMatchObject({ stopReason: 'loop_detected', output: 'I could not find it', finalized: true });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('after token_budget: the stop comes early enough that the finalize call fits (exact estimates: never over budget)', async () => {
    for (const maxTokens of [1_500, 2_000, 3_333, 5_000, 8_000]) {
      const counter = new CharTokenEstimator();
      const model = new ScriptedModel([(request: ModelRequest, i: number) => {
        const usage = { inputTokens: counter.estimate(request), outputTokens: 400 };
        return isFinalizeRequest(request) ? ScriptedModel.answer('what I have so far', usage) : ScriptedModel.call('add', { a: i, b: 2 }, { usage });
      }], { whenExhausted: 'cycle' });
      const store = new MemoryStore();
      const result = await createRuntime({ model, tools: [add], store, limits: { maxTokens, maxSteps: 100, finalize: { maxOutputTokens: 200 } } }).run('go');
      expect(result, `budget ${maxTokens}`).toMatchObject({ stopReason: 'token_budget', finalized: true, output: 'what I have so far' });
      expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
      expect(model.requests.at(-1)!.maxOutputTokens).toBeLessThanOrEqual(200);
      await assertRunInvariants({ store, runId: result.runId, result });
    }
  });

  it('after cost_budget, priced like any call', async () => {
    const counter = new CharTokenEstimator();
    const model = new ScriptedModel([(request: ModelRequest, i: number) => {
      const usage = { inputTokens: counter.estimate(request), outputTokens: 300 };
      return isFinalizeRequest(request) ? ScriptedModel.answer('partial answer', usage) : ScriptedModel.call('add', { a: i, b: 3 }, { usage });
    }], { whenExhausted: 'cycle' });
    const result = await createRuntime({
      model, tools: [add], pricing: { 'scripted:scripted-1': { input: 3, output: 15 } }, limits: { maxCostUsd: 0.05, maxSteps: 100, finalize: true },
    }).run('go');
    expect(result).toMatchObject({ stopReason: 'cost_budget', finalized: true, output: 'partial answer' });
    expect(result.usage.costUsd).toBeLessThanOrEqual(0.05);
  });

  it('with structured output: the finalize answer is parsed and validated (no repair)', async () => {
    const schema = z.object({ total: z.number(), complete: z.boolean() });
    const model = looping('{"total": 6, "complete": false}');
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 2, finalize: true } }).run({ input: 'sum', output: schema });
    expect(result).toMatchObject({ stopReason: 'max_steps', output: { total: 6, complete: false }, finalized: true });
    const request = model.requests.at(-1)!;
    expect(request.output?.name).toBe('output');
    expect(String(request.messages.at(-1)!.content)).toContain('Answer with only a JSON object matching the output schema');
    // The stored result holds the JSON form.
    expect((await store.getRun(result.runId))?.result?.output).toEqual({ total: 6, complete: false });
    await assertRunInvariants({ store, runId: result.runId, result });

    const invalid = looping('not json at all');
    const store2 = new MemoryStore();
    const failed = await createRuntime({ model: invalid, tools: [add], store: store2, limits: { maxSteps: 2, finalize: true } }).run({ input: 'sum', output: schema });
    expect(failed).toMatchObject({ stopReason: 'max_steps', status: 'stopped' });
    expect(failed.output).toBeUndefined();
    expect(failed.finalized).toBeUndefined();
    expect(invalid.calls).toBe(3); // no repair loop for the finalize answer
    expect(only(await store2.listEvents(failed.runId), 'finalize_failed')).toEqual([expect.objectContaining({ code: 'output_invalid' })]);
    // Its tokens were spent: the answer is recorded, and counted.
    expect(failed.usage.outputTokens).toBe(2 * 5 + 7);
    await assertRunInvariants({ store: store2, runId: failed.runId, result: failed });
  });

  it('a failing finalize call: the run ends with the original stop reason, the failure is in the audit log', async () => {
    const model = looping(() => new ModelError('model_unavailable', 'provider down'));
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 2, finalize: true } }).run('go');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'max_steps', steps: 2 });
    expect(result.finalized).toBeUndefined();
    const failures = only(await store.listEvents(result.runId), 'finalize_failed');
    expect(failures).toEqual([expect.objectContaining({ stopReason: 'max_steps', code: 'model_unavailable' })]);
    expect(await store.loadSteps(result.runId)).toHaveLength(2);
    await assertRunInvariants({ store, runId: result.runId, result });

    const empty = looping('   ');
    const store2 = new MemoryStore();
    const emptied = await createRuntime({ model: empty, tools: [add], store: store2, limits: { maxSteps: 1, finalize: true } }).run('go');
    expect(emptied.finalized).toBeUndefined();
    expect(only(await store2.listEvents(emptied.runId), 'finalize_failed')).toEqual([expect.objectContaining({ code: 'model_output_invalid' })]);
    await assertRunInvariants({ store: store2, runId: emptied.runId, result: emptied });
  });

  it('never finalizes a kill, a cancellation, an error, a policy violation, a pause or a final answer', async () => {
    const cases: { name: string; run: () => Promise<{ stopReason: string; finalized?: boolean }>; model: ScriptedModel }[] = [];
    const finalizeOn = { finalize: true } as const;
    {
      const model = looping();
      const runtime = createRuntime({ model, tools: [add], limits: { ...finalizeOn, maxSteps: 50 } });
      const controller = new AbortController();
      cases.push({ name: 'cancelled', model, run: () => { controller.abort(); return runtime.run({ input: 'go', signal: controller.signal }); } });
    }
    {
      const model = looping();
      const runtime = createRuntime({ model, tools: [add], limits: { ...finalizeOn, maxSteps: 50 }, hooks: [{ onStepEnd: (step, ctx) => { if (step.stepIndex === 1) void runtime.kill(ctx.runId, 'enough'); } }] });
      cases.push({ name: 'killed', model, run: () => runtime.run('go') });
    }
    {
      const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), { error: new ModelError('model_bad_request', 'bad') }], { whenExhausted: 'cycle' });
      cases.push({ name: 'error', model, run: () => createRuntime({ model, tools: [add], limits: finalizeOn }).run('go') });
    }
    {
      const secret = defineTool({ name: 'secret', description: 's', input: z.object({}), execute: () => 'x' });
      const model = new ScriptedModel([ScriptedModel.call('secret')], { whenExhausted: 'cycle' });
      cases.push({ name: 'policy_violation', model, run: () => createRuntime({ model, tools: [add, secret], toolPolicy: { deny: ['secret'], onViolation: 'stop' }, limits: finalizeOn }).run('go') });
    }
    {
      const pay = defineTool({ name: 'pay', description: 'p', input: z.object({}), requiresApproval: true, execute: () => 'paid' });
      const model = new ScriptedModel([ScriptedModel.call('pay')], { whenExhausted: 'cycle' });
      cases.push({ name: 'awaiting_approval', model, run: () => createRuntime({ model, tools: [pay], limits: finalizeOn }).run('go') });
    }
    {
      const model = new ScriptedModel([ScriptedModel.answer('done')]);
      cases.push({ name: 'final_answer', model, run: () => createRuntime({ model, limits: finalizeOn }).run('go') });
    }
    for (const { name, run, model } of cases) {
      const result = await run();
      expect(result.stopReason, name).toBe(name);
      expect(result.finalized, name).toBeUndefined();
      // No call beyond the run's own: none without tools after a tool-using step.
      expect(model.requests.filter((request, i) => i > 0 && isFinalizeRequest(request)), name).toEqual([]);
    }
  });

  it('a kill during the finalize call aborts it; the decided stop stands and the kill is audited as the failure', async () => {
    const store = new MemoryStore();
    let runtime!: ReturnType<typeof createRuntime>;
    let runId = '';
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), () => {
      void runtime.kill(runId, 'operator stop');
      return { delayMs: 30_000, text: 'never' };
    }]);
    runtime = createRuntime({ model, tools: [add], store, limits: { maxSteps: 1, finalize: true }, hooks: [{ onRunStart: (ctx) => void (runId = ctx.runId) }] });
    const started = Date.now();
    const result = await runtime.run('go');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 1 });
    expect(result.finalized).toBeUndefined();
    expect(only(await store.listEvents(result.runId), 'finalize_failed')).toEqual([expect.objectContaining({ code: 'killed' })]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a kill flag set before the finalize call: no call is made', async () => {
    const store = new MemoryStore();
    const model = looping();
    const runtime = createRuntime({ model, tools: [add], store, limits: { maxSteps: 1, finalize: true }, hooks: [{ onStepEnd: (_step, ctx) => store.setKillFlag({ scope: ctx.runId, reason: 'late kill', at: new Date().toISOString() }) }] });
    const result = await runtime.run('go');
    // The kill landed after the limit was reached in this step: the limit stands, no finalize call.
    expect(['max_steps', 'killed']).toContain(result.stopReason);
    expect(model.requests.filter(isFinalizeRequest)).toEqual([]);
    expect(result.finalized).toBeUndefined();
  });

  it('uses the configured instruction and output cap; hooks see context.finalize and cannot turn tools back on', async () => {
    const seen: { finalize?: boolean; tools: number }[] = [];
    const hooks: RuntimeHooks = {
      beforeModel: (request, context) => {
        seen.push({ ...(context.finalize ? { finalize: true } : {}), tools: request.tools.length });
        return { ...request, tools: [add.spec], maxOutputTokens: 5_000 };
      },
    };
    const model = looping('short answer');
    const result = await createRuntime({ model, tools: [add], hooks: [hooks], limits: { maxSteps: 1, finalize: { instruction: 'Stop now and summarize.', maxOutputTokens: 64 } } }).run('go');
    expect(result).toMatchObject({ finalized: true, output: 'short answer' });
    expect(seen).toEqual([{ tools: 1 }, { finalize: true, tools: 0 }]);
    const request = model.requests[1]!;
    expect(request.tools).toEqual([]);
    expect(request.maxOutputTokens).toBe(64);
    expect(String(request.messages.at(-1)!.content).endsWith('Stop now and summarize.')).toBe(true);
  });

  it('validates limits.finalize at construction, naming the field', () => {
    const model = new ScriptedModel([]);
    for (const [finalize, field] of [
      [{ maxOutputTokens: 0 }, 'limits.finalize.maxOutputTokens'],
      [{ maxOutputTokens: 1.5 }, 'limits.finalize.maxOutputTokens'],
      [{ graceMs: -1 }, 'limits.finalize.graceMs'],
      [{ graceMs: Infinity }, 'limits.finalize.graceMs'],
      [{ instruction: '   ' }, 'limits.finalize.instruction'],
      [{ extra: 1 }, 'limits.finalize.extra'],
      ['yes', 'limits.finalize'],
    ] as const) {
      expect(() => createRuntime({ model, limits: { finalize: finalize as never } }), JSON.stringify(finalize)).toThrow(expect.objectContaining({ code: 'config_invalid', field }));
    }
    expect(createRuntime({ model, limits: { finalize: true } }).config.limits.finalize).toMatchObject({ maxOutputTokens: 1_024, graceMs: 10_000, instruction: DEFAULT_FINALIZE_INSTRUCTION });
    expect(createRuntime({ model }).config.limits.finalize).toBe(false);
  });

  it('stream() shows the finalize call: its deltas and events, and the final result', async () => {
    const model = looping('streamed best answer');
    const events: RunEvent[] = [];
    for await (const event of createRuntime({ model, tools: [add], limits: { maxSteps: 1, finalize: true } }).stream('go')) events.push(event);
    expect(events.filter((e) => e.type === 'model_delta').map((e) => (e as { text: string }).text).join('')).toBe('streamed best answer');
    expect(events.some((e) => e.type === 'model_request' && e.finalize === true)).toBe(true);
    const last = events.at(-1)!;
    expect(last.type === 'run_finished' && last.result).toMatchObject({ stopReason: 'max_steps', finalized: true, output: 'streamed best answer' });
  });
});

/** A store that fails every call once `broken` is set (a process that died: nothing more reaches the store). */
function breakable(inner: StateStore, breakAt: (method: string, input: unknown) => boolean): StateStore & { broken: boolean } {
  const state = { broken: false };
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'broken') return state.broken;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!state.broken && breakAt(String(property), args[0])) state.broken = true;
        if (state.broken && property !== 'close') return Promise.reject(new AgentrtError('store_unavailable', 'the process died'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as StateStore & { broken: boolean };
}

describe('finalize across a crash: resume neither loses nor doubles it', () => {
  it('crash after the finalize answer was committed, before the terminal record: resume finishes without asking again', async () => {
    const memory = new MemoryStore();
    const dying = breakable(memory, (method) => method === 'finishRun');
    const model = looping('the answer survives');
    const first = await createRuntime({ model, tools: [add], store: dying, leaseTtlMs: 100, limits: { maxSteps: 2, finalize: true } }).run({ input: 'go', runId: 'fin-crash-1' });
    expect(first.stopReason).toBe('error'); // the terminal write failed: the run stays resumable
    expect((await memory.getRun('fin-crash-1'))?.status).toBe('running');
    const again = looping('must not be asked');
    const resumed = await createRuntime({ model: again, tools: [add], store: memory, limits: { maxSteps: 2, finalize: true }, leaseTtlMs: 100 }).resume('fin-crash-1', { waitForLeaseMs: 5_000 });
    expect(resumed).toMatchObject({ stopReason: 'max_steps', steps: 2, output: 'the answer survives', finalized: true });
    expect(again.calls).toBe(0);
    expect((await memory.loadSteps('fin-crash-1')).filter((step) => step.finalize)).toHaveLength(1);
    expect(only(await memory.listEvents('fin-crash-1'), 'limit_reached')).toHaveLength(1);
    await assertRunInvariants({ store: memory, runId: 'fin-crash-1', result: resumed });
  });

  it('crash before the finalize answer was committed: resume makes the finalize call once', async () => {
    const memory = new MemoryStore();
    const dying = breakable(memory, (method, input) => method === 'commitStep' && Boolean((input as { step: { finalize?: unknown } }).step.finalize));
    const model = looping('lost with the process');
    await createRuntime({ model, tools: [add], store: dying, leaseTtlMs: 100, limits: { maxSteps: 2, finalize: true } }).run({ input: 'go', runId: 'fin-crash-2' });
    expect((await memory.getRun('fin-crash-2'))?.status).toBe('running');
    expect(await memory.loadSteps('fin-crash-2')).toHaveLength(2);
    const again = looping('asked again after the crash');
    const resumed = await createRuntime({ model: again, tools: [add], store: memory, limits: { maxSteps: 2, finalize: true }, leaseTtlMs: 100 }).resume('fin-crash-2', { waitForLeaseMs: 5_000 });
    expect(resumed).toMatchObject({ stopReason: 'max_steps', steps: 2, output: 'asked again after the crash', finalized: true });
    expect(again.calls).toBe(1);
    expect((await memory.loadSteps('fin-crash-2')).filter((step) => step.finalize)).toHaveLength(1);
    await assertRunInvariants({ store: memory, runId: 'fin-crash-2', result: resumed });
  });

  it('crash after a loop_detected stop was committed: resume stops with it (and finalizes) instead of asking for more steps', async () => {
    const memory = new MemoryStore();
    const dying = breakable(memory, (method) => method === 'finishRun');
    const search = defineTool({ name: 'search', description: 's', input: z.object({ q: z.string() }), execute: () => 'nothing' });
    const model = new ScriptedModel([ScriptedModel.call('search', { q: 'x' })], { whenExhausted: 'repeat_last' });
    await createRuntime({ model, tools: [search], store: dying, leaseTtlMs: 100, limits: { maxSteps: 20 } }).run({ input: 'go', runId: 'loop-crash' });
    const again = new ScriptedModel([ScriptedModel.answer('nothing was found')]);
    const resumed = await createRuntime({ model: again, tools: [search], store: memory, limits: { maxSteps: 20, finalize: true }, leaseTtlMs: 100 }).resume('loop-crash', { waitForLeaseMs: 5_000 });
    expect(resumed).toMatchObject({ stopReason: 'loop_detected', finalized: true, output: 'nothing was found' });
    expect(again.requests.every(isFinalizeRequest)).toBe(true);
    await assertRunInvariants({ store: memory, runId: 'loop-crash', result: resumed });
  });
});
