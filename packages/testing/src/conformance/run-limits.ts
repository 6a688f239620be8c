import { CharTokenEstimator, createRuntime, defineTool, type ModelRequest, type StateStore, type StoredRunEvent, type ToolMessage } from '@agentrt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertRunInvariants } from '../invariants.js';
import { dyingStore } from './dying-store.js';
import { ScriptedModel } from '../scripted-model.js';

/** Options of `describeRunLimits`. */
export interface RunLimitsSuiteOptions {
  /** Suite title. */
  readonly name: string;
  /** A fresh, empty store per test. */
  create(): StateStore | Promise<StateStore>;
  /** Cleanup after each test (close connections, delete files). Default: `store.close()`. */
  destroy?(store: StateStore): void | Promise<void>;
}

const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];
const finalizeCall = (request: ModelRequest) => request.tools.length === 0;
let counter = 0;
const newId = (what: string) => `limits-${what}-${process.pid}-${Date.now()}-${++counter}`;

/**
 * Run-level limit semantics through the public runtime API on a store, persisted and read back:
 * tool-call counts (`toolCalls` within `maxToolCalls`, `toolCallsRefused` over it) per step and
 * per run, across a pause and a resume in another runtime and across a crash after a step with
 * refused calls, and as read while the run goes on (no stale cached record); `limits.finalize` (the finalize record,
 * its audit, structured output, and a resume after a "crash" on either side of the finalize
 * record that neither loses nor doubles the answer); and token budgets that do not overshoot
 * with the finalize reserve kept, and a cost budget whose cost the store keeps exactly (to 1e-9 dollars, per step and per run); tool outputs JSON cannot hold become results every store keeps. Every run is checked with `assertRunInvariants`.
 */
export function describeRunLimits(options: RunLimitsSuiteOptions): void {
  describe(`run limits: ${options.name} (tool-call counts, finalize, budgets)`, () => {
    const opened: StateStore[] = [];
    const open = async () => {
      const store = await options.create();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await (options.destroy ? options.destroy(store) : store.close?.());
    });

    it('4 parallel calls with maxToolCalls 3: 3 run, 1 refused — counted apart in the result, the step, the run record and the event', async () => {
      const store = await open();
      let executed = 0;
      const tick = defineTool({ name: 'tick', description: 'Ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i} (${++executed})` });
      const model = new ScriptedModel([ScriptedModel.parallel([0, 1, 2, 3].map((i) => ({ name: 'tick', args: { i } })))]);
      const runId = newId('refused');
      const result = await createRuntime({ model, tools: [tick], store, limits: { maxToolCalls: 3 } }).run({ input: 'tick four times', runId });
      expect(executed).toBe(3);
      expect(result).toMatchObject({ stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 1 });
      expect(await store.getRun(runId)).toMatchObject({ toolCalls: 3, toolCallsRefused: 1, result: { toolCalls: 3, toolCallsRefused: 1 } });
      const [step] = await store.loadSteps(runId);
      expect(step).toMatchObject({ toolCalls: 3, toolCallsRefused: 1 });
      expect(step!.messages.slice(1).map((m) => (m.role === 'tool' ? m.code ?? 'ok' : m.role))).toEqual(['ok', 'ok', 'ok', 'tool_denied']);
      expect(only(await store.listEvents(runId), 'step_finished')).toEqual([expect.objectContaining({ toolCalls: 3, toolCallsRefused: 1 })]);
      await assertRunInvariants({ store, runId, result });
    });

    it('a crash after a step with refused calls: resume in another runtime keeps both counts in the record and the result', async () => {
      const store = await open();
      const tick = defineTool({ name: 'tick', description: 'Ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
      const decide = (answer: string) => new ScriptedModel([(request: ModelRequest) => (finalizeCall(request)
        ? ScriptedModel.answer(answer)
        : ScriptedModel.parallel([0, 1, 2, 3].map((i) => ({ name: 'tick', args: { i } }))))], { whenExhausted: 'cycle' });
      const runId = newId('refused-crash');
      const limits = { maxToolCalls: 3, finalize: true } as const;
      // The process dies as it writes the finalize record: the step with the refused call is committed, the run is not finished.
      const dying = dyingStore(store, (method, input) => method === 'commitStep' && Boolean((input as { step?: { finalize?: unknown } }).step?.finalize));
      await createRuntime({ model: decide('lost with the process'), tools: [tick], store: dying, leaseTtlMs: 200, limits }).run({ input: 'tick four times', runId });
      expect(await store.getRun(runId)).toMatchObject({ status: 'running', stepCount: 1, toolCalls: 3, toolCallsRefused: 1 });
      const resumed = await createRuntime({ model: decide('ticked three times'), tools: [tick], store, leaseTtlMs: 200, limits }).resume(runId, { waitForLeaseMs: 10_000 });
      expect(resumed).toMatchObject({ stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 1, finalized: true, output: 'ticked three times' });
      // The resume wrote the record again (running, then the finalize record and the result): the refused count survives both.
      expect(await store.getRun(runId)).toMatchObject({ status: 'stopped', stepCount: 2, toolCalls: 3, toolCallsRefused: 1, result: { toolCalls: 3, toolCallsRefused: 1 } });
      await assertRunInvariants({ store, runId, result: resumed });
    });

    it('the run record read while the run goes on shows every step committed so far (steps, tool calls, usage)', async () => {
      const store = await open();
      const seen: unknown[] = [];
      const probe = defineTool({
        name: 'probe',
        description: 'Reads its own run record',
        input: z.object({}),
        execute: async (_args, ctx) => {
          const run = await store.getRun(ctx.runId);
          seen.push({ step: ctx.stepIndex, stepCount: run?.stepCount, toolCalls: run?.toolCalls, inputTokens: run?.usage.inputTokens });
          return `probed at ${ctx.stepIndex}`;
        },
      });
      const model = new ScriptedModel([...[0, 1, 2, 3].map(() => ScriptedModel.call('probe', {}, { usage: { inputTokens: 10, outputTokens: 1 } })), ScriptedModel.answer('probed four times', { inputTokens: 10, outputTokens: 1 })]);
      const runId = newId('read-back');
      const result = await createRuntime({ model, tools: [probe], store, loopDetection: false }).run({ input: 'probe', runId });
      expect(result).toMatchObject({ stopReason: 'final_answer', steps: 5, toolCalls: 4 });
      // A read after a write sees it (no cache a commit leaves stale): what the runtime reads when it resumes.
      expect(seen).toEqual([0, 1, 2, 3].map((i) => ({ step: i, stepCount: i, toolCalls: i, inputTokens: 10 * i })));
      expect(await store.getRun(runId)).toMatchObject({ stepCount: 5, toolCalls: 4, usage: { inputTokens: 50, outputTokens: 5 } });
      await assertRunInvariants({ store, runId, result });
    });

    it('a tool returning what JSON cannot hold (BigInt, cycle, 50,000 levels deep) or what JSON drops: the store keeps the normalized result and the run goes on', async () => {
      const store = await open();
      const nested = (levels: number): unknown => {
        let value: unknown = 'leaf';
        for (let i = 0; i < levels; i++) value = { v: value };
        return value;
      };
      const cyclic = () => {
        const value: Record<string, unknown> = { a: 1 };
        value.self = value;
        return value;
      };
      const outputs: Record<string, () => unknown> = {
        bigint: () => 10n,
        cycle: cyclic,
        abyss: () => nested(50_000),
        deep: () => nested(1_500),
        fn: () => ({ f: () => 1, s: Symbol('s'), kept: 1 }),
        parts: () => [{ type: 'text', text: 'part', extra: 10n, loop: cyclic() }],
      };
      const tools = Object.entries(outputs).map(([name, make]) => defineTool({ name, description: name, input: z.object({}), execute: () => make() as string }));
      const hooks = [{ afterTool: (message: ToolMessage) => ({ ...message, extra: 10n, loop: cyclic() }) as ToolMessage }];
      const model = new ScriptedModel([ScriptedModel.parallel(Object.keys(outputs).map((name) => ({ name, args: {} }))), ScriptedModel.answer('done')]);
      const runId = newId('unstorable');
      const result = await createRuntime({ model, tools, store, hooks }).run({ input: 'call them all', runId });
      expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', toolCalls: 6 });
      const [step] = await store.loadSteps(runId);
      const results = step!.messages.slice(1) as ToolMessage[];
      expect(results.map((m) => m.code ?? 'ok')).toEqual(['tool_failed', 'tool_failed', 'tool_failed', 'ok', 'ok', 'ok']);
      expect(results[4]!.content).toBe('{"kept":1}');
      expect(results[5]!.content).toEqual([{ type: 'text', text: 'part' }]);
      for (const message of results) expect(Object.keys(message)).not.toContain('extra');
      await assertRunInvariants({ store, runId, result });
    });

    it('keeps the counts across a pause and a resume in another runtime (refused calls are not re-counted)', async () => {
      const store = await open();
      const tick = defineTool({ name: 'tick', description: 'Ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
      const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
      const calls = [{ name: 'tick', args: { i: 0 } }, { name: 'pay', args: { cents: 5 }, id: 'pay-1' }, { name: 'tick', args: { i: 1 } }, { name: 'tick', args: { i: 2 } }];
      const runId = newId('paused');
      const limits = { maxToolCalls: 3, finalize: true } as const;
      const paused = await createRuntime({ model: new ScriptedModel([ScriptedModel.parallel(calls)]), tools: [tick, pay], store, limits }).run({ input: 'pay and tick', runId });
      expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
      const model = new ScriptedModel([ScriptedModel.answer('paid once, ticked twice; one tick was refused')]);
      const done = await createRuntime({ model, tools: [tick, pay], store, limits }).resume(runId, { approvals: { 'pay-1': 'approve' } });
      expect(done).toMatchObject({ stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 1, finalized: true, output: 'paid once, ticked twice; one tick was refused' });
      expect(model.requests.every(finalizeCall)).toBe(true);
      expect(await store.getRun(runId)).toMatchObject({ toolCalls: 3, toolCallsRefused: 1 });
      await assertRunInvariants({ store, runId, result: done });
    });

    it('finalize after max_steps: the answer is the run\'s last record, audited, and read back as stored', async () => {
      const store = await open();
      const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
      const model = new ScriptedModel([(request: ModelRequest, i: number) => (finalizeCall(request)
        ? ScriptedModel.answer('best answer: 6', { inputTokens: 40, outputTokens: 9 })
        : ScriptedModel.call('add', { a: i, b: 1 }, { usage: { inputTokens: 20, outputTokens: 5 } }))], { whenExhausted: 'cycle' });
      const runId = newId('finalize');
      const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 3, finalize: true } }).run({ input: 'add up', runId });
      expect(result).toMatchObject({ status: 'stopped', stopReason: 'max_steps', steps: 3, output: 'best answer: 6', finalized: true, usage: { inputTokens: 100, outputTokens: 24 } });
      expect(model.calls).toBe(4);
      const record = await store.getRun(runId);
      expect(record).toMatchObject({ status: 'stopped', stepCount: 4, usage: { inputTokens: 100, outputTokens: 24 }, result: { stopReason: 'max_steps', finalized: true, output: 'best answer: 6', steps: 3 } });
      const steps = await store.loadSteps(runId);
      expect(steps.at(-1)).toMatchObject({ stepIndex: 3, finalize: { stopReason: 'max_steps' }, toolCalls: 0, messages: [{ role: 'assistant', content: 'best answer: 6' }] });
      const events = await store.listEvents(runId);
      expect(only(events, 'model_request').filter((e) => e.finalize)).toHaveLength(1);
      expect(only(events, 'model_response').filter((e) => e.finalize)).toEqual([expect.objectContaining({ usage: { inputTokens: 40, outputTokens: 9 } })]);
      await assertRunInvariants({ store, runId, result });
    });

    it('finalize with structured output: the parsed value, stored in its JSON form', async () => {
      const store = await open();
      const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
      const schema = z.object({ total: z.number(), done: z.boolean() });
      const model = new ScriptedModel([(request: ModelRequest, i: number) => (finalizeCall(request) ? ScriptedModel.json({ total: 3, done: false }) : ScriptedModel.call('add', { a: i, b: 1 }))], { whenExhausted: 'cycle' });
      const runId = newId('structured');
      const result = await createRuntime({ model, tools: [add], store, limits: { maxSteps: 2, finalize: true } }).run({ input: 'sum', output: schema, runId });
      expect(result).toMatchObject({ stopReason: 'max_steps', finalized: true, output: { total: 3, done: false } });
      expect((await store.getRun(runId))?.result).toMatchObject({ finalized: true, output: { total: 3, done: false } });
      await assertRunInvariants({ store, runId, result });
    });

    it('a crash after the finalize record, before the terminal record: resume in another runtime finishes without a model call', async () => {
      const store = await open();
      const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
      const model = new ScriptedModel([(request: ModelRequest, i: number) => (finalizeCall(request) ? ScriptedModel.answer('kept across the crash') : ScriptedModel.call('add', { a: i, b: 2 }))], { whenExhausted: 'cycle' });
      const runId = newId('crash-after');
      const limits = { maxSteps: 2, finalize: true } as const;
      await createRuntime({ model, tools: [add], store: dyingStore(store, (method) => method === 'finishRun'), leaseTtlMs: 200, limits }).run({ input: 'go', runId });
      expect((await store.getRun(runId))?.status).toBe('running');
      const again = new ScriptedModel([]);
      const resumed = await createRuntime({ model: again, tools: [add], store, leaseTtlMs: 200, limits }).resume(runId, { waitForLeaseMs: 10_000 });
      expect(resumed).toMatchObject({ stopReason: 'max_steps', steps: 2, finalized: true, output: 'kept across the crash' });
      expect(again.calls).toBe(0);
      expect((await store.loadSteps(runId)).filter((step) => step.finalize)).toHaveLength(1);
      await assertRunInvariants({ store, runId, result: resumed });
    });

    it('a crash before the finalize record: resume makes the finalize call exactly once', async () => {
      const store = await open();
      const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
      const decide = (answer: string) => new ScriptedModel([(request: ModelRequest, i: number) => (finalizeCall(request) ? ScriptedModel.answer(answer) : ScriptedModel.call('add', { a: i, b: 3 }))], { whenExhausted: 'cycle' });
      const runId = newId('crash-before');
      const limits = { maxSteps: 2, finalize: true } as const;
      const dying = dyingStore(store, (method, input) => method === 'commitStep' && Boolean((input as { step?: { finalize?: unknown } }).step?.finalize));
      await createRuntime({ model: decide('lost with the process'), tools: [add], store: dying, leaseTtlMs: 200, limits }).run({ input: 'go', runId });
      expect(await store.loadSteps(runId)).toHaveLength(2);
      const again = decide('asked once more');
      const resumed = await createRuntime({ model: again, tools: [add], store, leaseTtlMs: 200, limits }).resume(runId, { waitForLeaseMs: 10_000 });
      expect(resumed).toMatchObject({ stopReason: 'max_steps', steps: 2, finalized: true, output: 'asked once more' });
      expect(again.calls).toBe(1);
      expect(again.requests.every(finalizeCall)).toBe(true);
      expect((await store.loadSteps(runId)).filter((step) => step.finalize)).toHaveLength(1);
      await assertRunInvariants({ store, runId, result: resumed });
    });

    it('a token budget is not exceeded (exact input estimates), with room kept for the finalize call', async () => {
      const store = await open();
      const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
      const provider = new CharTokenEstimator();
      const model = new ScriptedModel([(request: ModelRequest, i: number) => {
        const usage = { inputTokens: provider.estimate(request), outputTokens: 250 };
        return finalizeCall(request) ? ScriptedModel.answer('as far as I got', usage) : ScriptedModel.call('add', { a: i, b: 4 }, { usage });
      }], { whenExhausted: 'cycle' });
      const runId = newId('budget');
      const result = await createRuntime({ model, tools: [add], store, limits: { maxTokens: 4_000, maxSteps: 100, finalize: { maxOutputTokens: 300 } } }).run({ input: 'go', runId });
      expect(result).toMatchObject({ stopReason: 'token_budget', finalized: true, output: 'as far as I got' });
      const record = await store.getRun(runId);
      expect(record!.usage.inputTokens + record!.usage.outputTokens).toBeLessThanOrEqual(4_000);
      expect(record!.usage).toEqual(result.usage);
      await assertRunInvariants({ store, runId, result });
    });

    it('a cost budget: the stored cost is the result\'s to a billionth of a dollar, per step and per run (no rounding to cents)', async () => {
      const store = await open();
      const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
      // 1,234 input and 56 output tokens at $3 / $15 per million: $0.004542 a call, a fraction of a cent.
      const model = new ScriptedModel([(_request: ModelRequest, i: number) => ScriptedModel.call('add', { a: i, b: 5 }, { usage: { inputTokens: 1_234, outputTokens: 56 } })], { whenExhausted: 'cycle' });
      const pricing = { 'scripted:scripted-1': { inputPerMillionUsd: 3, outputPerMillionUsd: 15 } };
      const runId = newId('cost');
      const result = await createRuntime({ model, tools: [add], store, pricing, loopDetection: false, limits: { maxCostUsd: 0.02, maxSteps: 100 } }).run({ input: 'add up', runId });
      expect(result.stopReason).toBe('cost_budget');
      expect(result.usage.costUsd).toBeGreaterThan(0.01);
      const record = await store.getRun(runId);
      expect(record!.usage.costUsd).toBeCloseTo(result.usage.costUsd, 9);
      expect(record!.result!.usage.costUsd).toBeCloseTo(result.usage.costUsd, 9);
      const steps = await store.loadSteps(runId);
      expect(steps.length).toBeGreaterThan(1);
      for (const step of steps) expect(step.usage.costUsd).toBeCloseTo(0.004542, 9);
      await assertRunInvariants({ store, runId, result });
    });
  });
}
