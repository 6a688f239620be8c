import { AgentrtError, createRuntime, defineTool, MemoryStore, type RunResult, type StoredRunEvent, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

// RELIABILITY.md F-10 … F-13 and F-20 … F-25 through the public API, with the quantitative bounds
// the catalogue states (abort ≤ 50 ms after a kill, timeout overshoot ≤ 100 ms) and I1–I8 after each.

const CANARY = 'sk-agentrt-CANARY-0123456789abcdef0123456789';
const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];
const toolMessages = async (store: MemoryStore, runId: string) => (await store.loadSteps(runId)).flatMap((step) => step.messages.filter((m): m is ToolMessage => m.role === 'tool'));

let unhandled: unknown[] = [];
let warnings: string[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const onWarning = (warning: Error) => void warnings.push(warning.name);
beforeEach(() => {
  unhandled = [];
  warnings = [];
  process.on('unhandledRejection', onUnhandled);
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('warning', onWarning);
});
/** Lets pending rejections surface (unhandledRejection fires after the microtask queue drains). */
const settleRejections = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('tool faults', () => {
  it('F-10: a thrown Error with a secret becomes a redacted tool_failed result without a stack; the run continues', async () => {
    const store = new MemoryStore();
    const leaky = defineTool({ name: 'leaky', description: 'l', input: z.object({}), execute: () => { throw new Error(`upstream said: key=${CANARY} rejected`); } });
    const model = new ScriptedModel([ScriptedModel.call('leaky', {}, { id: 'c1' }), ScriptedModel.answer('handled')]);
    const result = await createRuntime({ model, tools: [leaky], store }).run('go');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'handled', steps: 2 });
    const seen = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(seen).toMatchObject({ role: 'tool', toolCallId: 'c1', isError: true, code: 'tool_failed' });
    expect(String(seen.content)).toContain('upstream said');
    expect(String(seen.content)).not.toContain(CANARY);
    expect(String(seen.content)).not.toMatch(/\n\s+at /);
    expect(JSON.stringify(await store.listEvents(result.runId))).not.toContain(CANARY);
    expect(JSON.stringify(await store.loadSteps(result.runId))).not.toContain(CANARY);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('F-11: null, a string, a circular object and a thenable that resolves then rejects: tool results, no crash, no unhandled rejection', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const throwing = (value: unknown) => () => { throw value; };
    const tools = [
      defineTool({ name: 'throws_null', description: 't', input: z.object({}), execute: throwing(null) }),
      defineTool({ name: 'throws_string', description: 't', input: z.object({}), execute: throwing('plain string failure') }),
      defineTool({ name: 'rejects_circular', description: 't', input: z.object({}), execute: () => Promise.reject(circular) }),
      defineTool({
        name: 'resolves_then_rejects', description: 't', input: z.object({}),
        // A broken thenable: it settles twice; the first settlement wins and the second is ignored.
        execute: () => ({ then: (ok: (v: unknown) => void, fail: (e: unknown) => void) => setTimeout(() => { ok('first answer'); fail(new Error('second settlement')); }, 5) }) as unknown as Promise<string>,
      }),
      defineTool({
        name: 'rejects_later', description: 't', input: z.object({}),
        execute: async () => 'answered',
      }),
    ];
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.parallel(tools.map((tool, i) => ({ id: `c${i}`, name: tool.name, args: {} }))),
      ScriptedModel.answer('survived'),
    ]);
    const result = await createRuntime({ model, tools, store }).run('go');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'survived', toolCalls: 5 });
    const results = await toolMessages(store, result.runId);
    expect(results.map((m) => [m.toolCallId, m.isError === true, m.code])).toEqual([
      ['c0', true, 'tool_failed'], ['c1', true, 'tool_failed'], ['c2', true, 'tool_failed'], ['c3', false, undefined], ['c4', false, undefined],
    ]);
    expect(String(results[1]!.content)).toContain('plain string failure');
    expect(String(results[3]!.content)).toContain('first answer');
    await settleRejections();
    expect(unhandled).toEqual([]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('F-12: a hanging tool that honours abort sees its signal at timeoutMs (overshoot ≤ 100 ms for each of 20 calls); tool_timeout; the run continues', async () => {
    const overshoot: number[] = [];
    const early: number[] = [];
    const hang = defineTool({
      name: 'hang', description: 'h', input: z.object({ i: z.number() }), timeoutMs: 150,
      execute: (_args, ctx) => new Promise((_, reject) => {
        const started = performance.now();
        // A timer armed now for the same 150 ms: a busy machine delays it as much as the call's own,
        // so lateness is measured against it, not against the clock (no timing flake under load).
        let reference: number | undefined;
        setTimeout(() => (reference = performance.now()), 150);
        ctx.signal.addEventListener('abort', () => {
          const at = performance.now();
          early.push(at - started - 150);
          overshoot.push(reference === undefined ? 0 : at - reference);
          reject(new Error('aborted'));
        });
      }),
    });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel(Array.from({ length: 20 }, (_, i) => ({ id: `h${i}`, name: 'hang', args: { i } }))), ScriptedModel.answer('moved on')]);
    const result = await createRuntime({ model, tools: [hang], store, limits: { toolConcurrency: 20 } }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'moved on', toolCalls: 20 });
    expect(overshoot).toHaveLength(20);
    // Never before the timeout; and no later than a plain timer of the same length fires.
    for (const ms of early) expect(ms).toBeGreaterThanOrEqual(-2);
    for (const ms of overshoot) expect(ms).toBeLessThanOrEqual(100);
    expect((await toolMessages(store, result.runId)).map((m) => m.code)).toEqual(Array(20).fill('tool_timeout'));
    // 20 calls listen to the run's signal at once: a correct program, so no "possible memory leak" warning.
    await settleRejections();
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('F-13: a tool that ignores abort and never settles: tool_timeout anyway; the run wall timeout still fires; its late answer is never committed', async () => {
    let finish: ((value: string) => void) | undefined;
    let polls = 0;
    const stubborn = defineTool({
      name: 'stubborn', description: 's', input: z.object({}), timeoutMs: 60_000,
      // Busy-awaits: polls without ever looking at its signal, and settles only when the test says so.
      execute: () => new Promise<string>((resolve) => {
        const timer = setInterval(() => void polls++, 5);
        finish = (value) => {
          clearInterval(timer);
          resolve(value);
        };
      }),
    });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('stubborn', {}, { id: 's1' })]);
    const runtime = createRuntime({ model, tools: [stubborn], store, limits: { timeoutMs: 300 } });
    const started = performance.now();
    const result = await runtime.run('go');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout', steps: 1 });
    expect(model.calls).toBe(1);
    expect((await toolMessages(store, result.runId)).map((m) => [m.toolCallId, m.code])).toEqual([['s1', 'tool_timeout']]);
    finish!('LATE ANSWER');
    await settleRejections();
    expect(JSON.stringify(await store.loadSteps(result.runId))).not.toContain('LATE ANSWER');
    expect(JSON.stringify(await store.listEvents(result.runId))).not.toContain('LATE ANSWER');
    expect(await runtime.getRun(result.runId)).toMatchObject({ status: 'stopped', stopReason: 'timeout' });
    expect(unhandled).toEqual([]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

describe('kills and cancellation', () => {
  /** A tool that waits 10 s unless aborted; records when its signal fired. */
  const waiting = (log: { started: number; abortedAt: number[]; executions: number }) => defineTool({
    name: 'wait', description: 'w', input: z.object({ n: z.number() }),
    execute: (_args, ctx) => new Promise<string>((resolve, reject) => {
      log.executions++;
      log.started++;
      const timer = setTimeout(() => resolve('finished'), 10_000);
      ctx.signal.addEventListener('abort', () => {
        log.abortedAt.push(performance.now());
        clearTimeout(timer);
        reject(new Error('aborted'));
      });
    }),
  });

  it('F-20: kill(runId) mid-tool aborts the tool signal within 50 ms; tool_cancelled keeps pairs valid; stopped/killed; 0 further calls', async () => {
    const log = { started: 0, abortedAt: [] as number[], executions: 0 };
    const store = new MemoryStore();
    // After the kill the model would ask for more: none of it may happen.
    const model = new ScriptedModel([ScriptedModel.call('wait', { n: 1 }, { id: 'w1' })], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [waiting(log)], store, limits: { maxSteps: 10 } });
    const running = runtime.run({ input: 'go', runId: 'f20' });
    await waitFor(() => log.started === 1, { message: 'the tool is in flight' });
    const killedAt = performance.now();
    await runtime.kill('f20', 'operator');
    const result = await running;
    expect(log.abortedAt).toHaveLength(1);
    expect(log.abortedAt[0]! - killedAt).toBeLessThanOrEqual(50);
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'operator', steps: 1 });
    expect((await toolMessages(store, 'f20')).map((m) => [m.toolCallId, m.isError, m.code])).toEqual([['w1', true, 'tool_cancelled']]);
    expect(model.calls).toBe(1);
    expect(log.executions).toBe(1);
    expect(only(await store.listEvents('f20'), 'run_killed')).toHaveLength(1);
    await assertRunInvariants({ store, runId: 'f20', result });
  });

  it('F-20: calls of the killed step still queued behind toolConcurrency never start; each gets a synthetic result', async () => {
    const log = { started: 0, abortedAt: [] as number[], executions: 0 };
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel([1, 2, 3].map((n) => ({ id: `q${n}`, name: 'wait', args: { n } })))], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [waiting(log)], store, limits: { toolConcurrency: 1 } });
    const running = runtime.run({ input: 'go', runId: 'f20-queued' });
    await waitFor(() => log.started === 1, { message: 'the first call is in flight' });
    await runtime.kill('f20-queued', 'stop now');
    const result = await running;
    expect(result).toMatchObject({ stopReason: 'killed', steps: 1 });
    expect(log.executions).toBe(1);
    const results = await toolMessages(store, 'f20-queued');
    expect(results.map((m) => m.toolCallId)).toEqual(['q1', 'q2', 'q3']);
    expect(results.every((m) => m.isError === true && m.code === 'tool_cancelled')).toBe(true);
    await assertRunInvariants({ store, runId: 'f20-queued', result });
  });

  it('F-20: a kill during a model call that ignores its signal: the tool calls it answers later never run', async () => {
    const log = { started: 0, abortedAt: [] as number[], executions: 0 };
    let answer: (() => void) | undefined;
    const store = new MemoryStore();
    const model = new ScriptedModel([() => new Promise((resolve) => { answer = () => resolve(ScriptedModel.call('wait', { n: 1 })); })]);
    const runtime = createRuntime({ model, tools: [waiting(log)], store });
    const running = runtime.run({ input: 'go', runId: 'f20-model' });
    await waitFor(() => answer !== undefined, { message: 'the model call is in flight' });
    await runtime.kill('f20-model', 'mid model');
    const result = await running;
    answer!();
    await settleRejections();
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', steps: 0, toolCalls: 0 });
    expect(log.executions).toBe(0);
    await assertRunInvariants({ store, runId: 'f20-model', result });
  });

  it('F-21: kill while the tool ignores abort: recorded killed at once; its late result is discarded, never committed', async () => {
    let finish: ((value: string) => void) | undefined;
    const deaf = defineTool({ name: 'deaf', description: 'd', input: z.object({}), execute: () => new Promise<string>((resolve) => (finish = resolve)) });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('deaf', {}, { id: 'd1' })], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [deaf], store });
    const running = runtime.run({ input: 'go', runId: 'f21' });
    await waitFor(() => finish !== undefined, { message: 'the tool is in flight' });
    const killedAt = performance.now();
    await runtime.kill('f21', 'deaf tool');
    const result = await running;
    expect(performance.now() - killedAt).toBeLessThan(2_000);
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', steps: 1 });
    finish!('LATE RESULT');
    await settleRejections();
    expect((await toolMessages(store, 'f21')).map((m) => [m.toolCallId, m.code])).toEqual([['d1', 'tool_cancelled']]);
    expect(JSON.stringify(await store.loadSteps('f21'))).not.toContain('LATE RESULT');
    expect(JSON.stringify(await store.listEvents('f21'))).not.toContain('LATE RESULT');
    expect(model.calls).toBe(1);
    expect(unhandled).toEqual([]);
    await assertRunInvariants({ store, runId: 'f21', result });
  });

  it('F-23: killAll with 50 active runs kills all 50; after clearKill new runs proceed; killed runs are not resumed', async () => {
    const log = { started: 0, abortedAt: [] as number[], executions: 0 };
    const store = new MemoryStore();
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('wait', { n: i })], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, tools: [waiting(log)], store, limits: { maxSteps: 100 } });
    const runs = Array.from({ length: 50 }, (_, i) => runtime.run({ input: 'go', runId: `all-${i}` }));
    await waitFor(() => log.started === 50, { message: 'all 50 runs have a tool in flight' });
    const callsAtKill = model.calls;
    await runtime.killAll('incident');
    const results: RunResult[] = await Promise.all(runs);
    expect(results.map((r) => r.stopReason)).toEqual(Array(50).fill('killed'));
    expect(log.abortedAt).toHaveLength(50);
    expect(model.calls).toBe(callsAtKill);
    expect(log.executions).toBe(50);
    await runtime.clearKill();
    const fresh = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('fine')]), store }).run('after the incident');
    expect(fresh).toMatchObject({ stopReason: 'final_answer', output: 'fine' });
    // Killed runs stay killed: resume returns the recorded result and asks nothing.
    const again = await runtime.resume('all-7');
    expect(again).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    expect(model.calls).toBe(callsAtKill);
    expect(log.executions).toBe(50);
    for (const r of results) await assertRunInvariants({ store, runId: r.runId, result: r });
  });

  it('F-24: two concurrent resumes approving the same call execute it once', async () => {
    const sent: unknown[] = [];
    const transfer = defineTool({ name: 'transfer', description: 't', input: z.object({ amount: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: (args) => { sent.push(args); return 'sent'; } });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('transfer', { amount: 9 }, { id: 't1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [transfer], store });
    const paused = await runtime.run('pay');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    const outcomes = await Promise.allSettled([
      runtime.resume(paused.runId, { approvals: { t1: { decision: 'approve' } } }),
      runtime.resume(paused.runId, { approvals: { t1: { decision: 'approve' } } }),
    ]);
    expect(sent).toEqual([{ amount: 9 }]);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value.stopReason).toBe('final_answer');
      else expect(AgentrtError.isInstance(outcome.reason) && outcome.reason.code).toBe('run_conflict');
    }
    const final = await runtime.resume(paused.runId, { approvals: { t1: { decision: 'approve' } } });
    expect(final).toMatchObject({ stopReason: 'final_answer', output: 'done' });
    expect(sent).toHaveLength(1);
    expect(model.calls).toBe(2);
    await assertRunInvariants({ store, runId: paused.runId, result: final });
  });

  it('F-19: two runtimes resuming one paused run at once: exactly one drives, the other gets run_conflict or the same result', async () => {
    const sent: unknown[] = [];
    const transfer = defineTool({ name: 'transfer', description: 't', input: z.object({ amount: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: async (args) => { sent.push(args); await new Promise((resolve) => setTimeout(resolve, 20)); return 'sent'; } });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('transfer', { amount: 3 }, { id: 't1' }), ScriptedModel.answer('done')]);
    const a = createRuntime({ model, tools: [transfer], store });
    const b = createRuntime({ model, tools: [transfer], store });
    const paused = await a.run('pay');
    const outcomes = await Promise.allSettled([
      a.resume(paused.runId, { approvals: { t1: { decision: 'approve' } } }),
      b.resume(paused.runId, { approvals: { t1: { decision: 'approve' } } }),
    ]);
    expect(sent).toEqual([{ amount: 3 }]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value).toMatchObject({ stopReason: 'final_answer', output: 'done' });
      else expect(AgentrtError.isInstance(outcome.reason) && outcome.reason.code).toBe('run_conflict');
    }
    expect(model.calls).toBe(2);
    const final = await b.resume(paused.runId);
    expect(final).toMatchObject({ stopReason: 'final_answer' });
    await assertRunInvariants({ store, runId: paused.runId, result: final });
  });

  it('F-25: an aborted caller signal mid-tool: cancelled (not killed), synthetic tool_cancelled, no further calls; not resumed as new work', async () => {
    const log = { started: 0, abortedAt: [] as number[], executions: 0 };
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel([{ id: 'p1', name: 'wait', args: { n: 1 } }, { id: 'p2', name: 'wait', args: { n: 2 } }])], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [waiting(log)], store });
    const controller = new AbortController();
    const running = runtime.run({ input: 'go', runId: 'f25', signal: controller.signal });
    await waitFor(() => log.started === 2, { message: 'both calls are in flight' });
    const abortedAt = performance.now();
    controller.abort(new Error('caller left'));
    const result = await running;
    expect(log.abortedAt.map((t) => t - abortedAt).every((ms) => ms <= 50)).toBe(true);
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'cancelled', steps: 1 });
    expect((await toolMessages(store, 'f25')).map((m) => [m.toolCallId, m.code])).toEqual([['p1', 'tool_cancelled'], ['p2', 'tool_cancelled']]);
    expect(model.calls).toBe(1);
    expect(log.executions).toBe(2);
    expect(only(await store.listEvents('f25'), 'run_killed')).toEqual([]);
    await assertRunInvariants({ store, runId: 'f25', result });
  });
});
