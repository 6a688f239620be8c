import { createRuntime, defineTool, findPairingViolations, MemoryStore, ModelError, type RunEvent, type StopPolicy } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add, recordingHooks, sleeper } from './helpers.js';

describe('the loop', () => {
  it('stops with max_steps after exactly N model calls, running the tools of all N steps', async () => {
    const executed: number[] = [];
    const counter = defineTool({ name: 'count', description: 'counts', input: z.object({ n: z.number() }), execute: ({ n }) => void executed.push(n) });
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('count', { n: i })], { whenExhausted: 'cycle' });
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [counter], store, limits: { maxSteps: 5 } });
    const result = await runtime.run('go');
    expect(model.calls).toBe(5);
    expect(executed).toEqual([0, 1, 2, 3, 4]);
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'max_steps', steps: 5, toolCalls: 5 });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('stops with final_answer and returns the text as output', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 2, b: 3 }), ScriptedModel.answer('five')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [add], store });
    const result = await runtime.run({ input: 'add 2 and 3', system: 'be brief' });
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'five', steps: 2, toolCalls: 1 });
    model.assertDone();
    const second = model.requests[1]!.messages;
    expect(second.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(second[3]).toMatchObject({ role: 'tool', content: '5', name: 'add' });
    expect(result.usage).toEqual({ inputTokens: 20, outputTokens: 10, costUsd: 0 });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('advertises tools with the JSON schema derived from zod', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [add] }).run('hi');
    expect(model.requests[0]!.tools).toEqual([
      { name: 'add', description: 'Adds two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
    ]);
  });

  it('runs parallel calls concurrently but appends results in call order', async () => {
    const finished: string[] = [];
    let running = 0;
    let peak = 0;
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'sleep', args: { ms: 60, tag: 'slow' } }, { name: 'sleep', args: { ms: 5, tag: 'fast' } }]),
      ScriptedModel.answer('done'),
    ]);
    const sleep = defineTool({
      name: 'sleep', description: 'Waits', input: z.object({ ms: z.number(), tag: z.string() }),
      execute: async ({ ms, tag }) => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        running--;
        finished.push(tag);
        return `slept ${tag}`;
      },
    });
    const result = await createRuntime({ model, tools: [sleep] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(finished).toEqual(['fast', 'slow']);
    expect(peak).toBe(2); // concurrent, not sequential (load-independent, unlike a wall-clock bound)
    const tools = model.requests[1]!.messages.filter((m) => m.role === 'tool');
    expect(tools.map((m) => m.content)).toEqual(['slept slow', 'slept fast']);
  });

  it('bounds tool concurrency with limits.toolConcurrency', async () => {
    let running = 0;
    let peak = 0;
    const busy = defineTool({
      name: 'busy', description: 'b', input: z.object({ i: z.number() }),
      execute: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
      },
    });
    const calls = Array.from({ length: 7 }, (_, i) => ({ name: 'busy', args: { i } }));
    const model = new ScriptedModel([ScriptedModel.parallel(calls), ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [busy], limits: { toolConcurrency: 2 } }).run('go');
    expect(peak).toBe(2);
  });

  it('applies finite defaults: maxSteps 8 with no limits configured', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 })], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [add], loopDetection: false });
    const result = await runtime.run('loop forever');
    expect(result.stopReason).toBe('max_steps');
    expect(model.calls).toBe(8);
    expect(runtime.config.limits).toMatchObject({ maxSteps: 8, maxToolCalls: 32, timeoutMs: 300_000 });
  });

  it('streams events in order and run() returns the same result the last event carries', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('three is the answer to this')]);
    const runtime = createRuntime({ model, tools: [add] });
    const events: RunEvent[] = [];
    for await (const event of runtime.stream('add')) events.push(event);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('run_started');
    expect(types).toContain('model_delta');
    expect(types.filter((t) => t !== 'model_delta')).toEqual([
      'run_started', 'step_started', 'model_request', 'model_response', 'tool_started', 'tool_finished', 'step_finished',
      'step_started', 'model_request', 'model_response', 'step_finished', 'run_finished',
    ]);
    const last = events.at(-1)!;
    expect(last.type === 'run_finished' && last.result.stopReason).toBe('final_answer');
    const stored = await runtime.events(last.runId);
    expect(stored.map((e) => e.type)).toEqual(types.filter((t) => t !== 'model_delta'));
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
  });

  it('calls every hook in lifecycle order', async () => {
    const calls: string[] = [];
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('3')]);
    await createRuntime({ model, tools: [add], hooks: [recordingHooks(calls)] }).run('go');
    expect(calls).toEqual([
      'onRunStart', 'onStepStart:0', 'beforeModel', 'afterModel', 'beforeTool:add', 'afterTool:add', 'onStepEnd:0',
      'onStepStart:1', 'beforeModel', 'afterModel', 'onStepEnd:1', 'onRunEnd:final_answer',
    ]);
  });

  it('lets beforeModel rewrite the request and beforeTool rewrite args (re-validated)', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({
      model, tools: [add],
      hooks: [{
        beforeModel: (request) => ({ ...request, messages: [{ role: 'system', content: 'injected' }, ...request.messages] }),
        beforeTool: (call) => ({ args: { ...(call.args as object), b: 40 } }),
      }],
    });
    await runtime.run('go');
    expect(model.requests[0]!.messages[0]).toEqual({ role: 'system', content: 'injected' });
    expect(model.requests[1]!.messages.find((m) => m.role === 'tool')?.content).toBe('41');
  });

  it('ends with error (hook_failed), recorded, when a hook throws', async () => {
    const calls: string[] = [];
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 })]);
    const runtime = createRuntime({ model, tools: [add], store, hooks: [recordingHooks(calls), { afterTool: () => { throw new Error('boom'); } }] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'hook_failed' } });
    expect(calls).toContain('onError:hook_failed');
    expect((await runtime.getRun(result.runId))?.result?.stopReason).toBe('error');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('ends with error and the typed code when the model fails', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([{ error: new ModelError('model_auth', 'bad key', { status: 401 }) }]);
    const result = await createRuntime({ model, store }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_auth' } });
    const events = await store.listEvents(result.runId);
    expect(events.some((e) => e.type === 'run_error' && e.code === 'model_auth')).toBe(true);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('wraps an untyped model exception as model_unavailable', async () => {
    const model = new ScriptedModel([{ error: new TypeError('socket hang up') }]);
    const result = await createRuntime({ model }).run('go');
    expect(result.error).toMatchObject({ code: 'model_unavailable' });
  });

  it('retries an empty model answer once, then stops with model_output_invalid', async () => {
    const model = new ScriptedModel([{ text: '' }, { text: '', finishReason: 'content_filter' }]);
    const result = await createRuntime({ model }).run('go');
    expect(model.calls).toBe(2);
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_output_invalid' } });
  });

  it('treats text plus tool calls as a tool step (tools run, loop continues)', async () => {
    const model = new ScriptedModel([{ text: 'let me add', toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }] }, ScriptedModel.answer('2')]);
    const result = await createRuntime({ model, tools: [add] }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: '2', steps: 2 });
  });

  it('stops with timeout and aborts the in-flight tool through its signal', async () => {
    let aborted = false;
    const hang = defineTool({
      name: 'hang', description: 'never returns', input: z.object({}), timeoutMs: 60_000,
      execute: (_args, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); })),
    });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('hang')]);
    const result = await createRuntime({ model, tools: [hang], store, limits: { timeoutMs: 150 } }).run('go');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout' });
    expect(aborted).toBe(true);
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages[1]).toMatchObject({ role: 'tool', isError: true, code: 'tool_timeout' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('stops with timeout while the model ignores its abort signal', async () => {
    const model = new ScriptedModel([() => new Promise(() => undefined)]);
    const result = await createRuntime({ model, limits: { timeoutMs: 100 } }).run('go');
    expect(result.stopReason).toBe('timeout');
  });

  it('stops with cancelled when the caller aborts, distinct from killed', async () => {
    const controller = new AbortController();
    const model = new ScriptedModel([{ toolCalls: [{ name: 'sleep', args: { ms: 5000, tag: 'x' } }] }]);
    const store = new MemoryStore();
    // Aborted once the tool is in flight (beforeTool runs just before it starts).
    let toolStarting = false;
    const pending = createRuntime({ model, tools: [sleeper()], store, hooks: [{ beforeTool: () => void (toolStarting = true) }] }).run({ input: 'go', signal: controller.signal });
    await waitFor(() => toolStarting, { message: 'the tool is starting' });
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'cancelled' });
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages[1]).toMatchObject({ code: 'tool_cancelled' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('times out a slow tool with tool_timeout and continues the run', async () => {
    const slow = defineTool({ name: 'slow', description: 's', input: z.object({}), timeoutMs: 50, execute: () => new Promise((r) => setTimeout(r, 2000)) });
    const model = new ScriptedModel([ScriptedModel.call('slow'), ScriptedModel.answer('gave up')]);
    const result = await createRuntime({ model, tools: [slow] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ code: 'tool_timeout', isError: true });
  });

  it('stops with max_tool_calls: parallel calls count, calls over the cap are not executed', async () => {
    let executed = 0;
    const tick = defineTool({ name: 'tick', description: 't', input: z.object({ i: z.number() }), execute: () => ++executed });
    let i = 0;
    const model = new ScriptedModel([() => ScriptedModel.parallel(Array.from({ length: 10 }, () => ({ name: 'tick', args: { i: i++ } })))], { whenExhausted: 'cycle' });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [tick], store, limits: { maxToolCalls: 64, maxSteps: 100 } }).run('go');
    expect(executed).toBe(64);
    expect(result).toMatchObject({ stopReason: 'max_tool_calls', steps: 7 });
    const last = (await store.loadSteps(result.runId)).at(-1)!;
    expect(last.messages.filter((m) => m.role === 'tool' && m.code === 'tool_denied')).toHaveLength(6);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('supports custom stop policies from DI', async () => {
    const policy: StopPolicy = { name: 'two_steps_is_enough', check: (c) => (c.phase === 'after_step' && c.steps >= 2 ? { reason: 'policy_violation', detail: 'custom' } : undefined) };
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), ScriptedModel.call('add', { a: 2, b: 2 })]);
    const result = await createRuntime({ model, tools: [add], stopPolicies: [policy] }).run('go');
    expect(result).toMatchObject({ stopReason: 'policy_violation', stopDetail: 'custom', steps: 2 });
  });

  it('keeps every outgoing request tool-paired even when a context strategy drops results', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('ok')]);
    const dropTools = { name: 'drop_tool_results', prepare: (messages: readonly import('@agentrt/core').Message[]) => messages.filter((m) => m.role !== 'tool') };
    const result = await createRuntime({ model, tools: [add], context: dropTools }).run('go');
    expect(result.stopReason).toBe('final_answer');
    for (const request of model.requests) expect(findPairingViolations(request.messages)).toEqual([]);
  });

  it('ends with error (store_unavailable) and no partial step when the store fails mid-run', async () => {
    class FlakyStore extends MemoryStore {
      fail = false;
      override async commitStep(input: Parameters<MemoryStore['commitStep']>[0]) {
        if (this.fail) throw new (await import('@agentrt/core')).StoreError('store_unavailable', 'disk gone');
        return super.commitStep(input);
      }
    }
    const store = new FlakyStore();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), ScriptedModel.call('add', { a: 1, b: 2 })]);
    const runtime = createRuntime({ model, tools: [add], store, hooks: [{ onStepEnd: () => { store.fail = true; } }] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'store_unavailable' } });
    expect((await store.loadSteps(result.runId)).length).toBe(1);
    expect((await store.getRun(result.runId))?.result?.error?.code).toBe('store_unavailable');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('records committed totals when an afterModel hook throws (invariants hold)', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), ScriptedModel.answer('x')]);
    let calls = 0;
    const result = await createRuntime({ model, tools: [add], store, hooks: [{ afterModel: () => { if (++calls === 2) throw new Error('nope'); } }] }).run('go');
    expect(result).toMatchObject({ stopReason: 'error', steps: 1, toolCalls: 1, error: { code: 'hook_failed' } });
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
