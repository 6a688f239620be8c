import { AsyncLocalStorage } from 'node:async_hooks';
import { createRuntime, defineTool, MemoryStore, ModelError, type ModelRequest, type RunEvent, type RuntimeHooks } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

const als = new AsyncLocalStorage<string>();

describe('wrapping hooks', () => {
  it('nest in registration order around the drive, each model call and each tool execution; the tool runs inside them', async () => {
    const log: string[] = [];
    let seenInTool: string | undefined;
    const probe = defineTool({
      name: 'probe',
      description: 'reads the async context',
      input: z.object({}),
      execute: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seenInTool = als.getStore();
        return 'ok';
      },
    });
    const layer = (tag: string): RuntimeHooks => ({
      wrapRun: async (info, next) => {
        log.push(`${tag}:run:${info.resumed}:${info.model.provider}`);
        const result = await next();
        log.push(`${tag}:run-end:${result.stopReason}`);
      },
      wrapModelCall: (call, context, next) => {
        log.push(`${tag}:model:${context.stepIndex}:${call.model}`);
        return als.run(`${als.getStore() ?? ''}/${tag}-model`, next);
      },
      wrapToolCall: (call, _context, next) => {
        log.push(`${tag}:tool:${call.name}:${call.toolCallId}:${call.sideEffects}`);
        return als.run(`${als.getStore() ?? ''}/${tag}-tool`, next);
      },
    });
    const model = new ScriptedModel([ScriptedModel.call('probe', {}, { id: 'c1' }), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [probe], store, hooks: [layer('outer'), layer('inner')] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(seenInTool).toBe('/outer-tool/inner-tool');
    expect(log).toEqual([
      'outer:run:false:scripted', 'inner:run:false:scripted',
      'outer:model:0:scripted-1', 'inner:model:0:scripted-1',
      'outer:tool:probe:c1:none', 'inner:tool:probe:c1:none',
      'outer:model:1:scripted-1', 'inner:model:1:scripted-1',
      'inner:run-end:final_answer', 'outer:run-end:final_answer',
    ]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('cannot change an outcome: a returned value is ignored and a swallowed error still reaches the loop', async () => {
    const results: unknown[] = [];
    const hooks: RuntimeHooks = {
      wrapToolCall: async (_call, _context, next) => {
        results.push(await next());
        return { role: 'tool', toolCallId: 'x', name: 'add', content: 'forged' };
      },
      wrapModelCall: async (_call, _context, next) => {
        try {
          return await next();
        } catch {
          return { message: { role: 'assistant', content: 'forged answer' }, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' };
        }
      },
    };
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), { error: new ModelError('model_bad_request', 'no') }]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, hooks: [hooks] }).run('go');
    expect(results).toEqual([expect.objectContaining({ role: 'tool', content: '3' })]);
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_bad_request' } });
    const messages = await createRuntime({ model, store }).messages(result.runId);
    expect(messages.find((m) => m.role === 'tool')).toMatchObject({ content: '3' });
    expect(JSON.stringify(messages)).not.toContain('forged');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('fails the run with hook_failed, without running the tool, when a wrapper never calls next()', async () => {
    let executed = 0;
    const counted = defineTool({ name: 'counted', description: 'counts', input: z.object({}), execute: () => ++executed });
    const model = new ScriptedModel([ScriptedModel.call('counted', {})]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [counted], store, hooks: [{ wrapToolCall: async () => 'skipped' }] }).run('go');
    expect(executed).toBe(0);
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'hook_failed' } });
    expect(result.error?.message).toContain('wrapToolCall');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('runs the operation once when next() is called twice: the second call rejects with hook_failed', async () => {
    let executed = 0;
    let second: unknown;
    const counted = defineTool({ name: 'counted', description: 'counts', input: z.object({}), execute: () => ++executed });
    const hooks: RuntimeHooks = {
      wrapToolCall: async (_call, _context, next) => {
        const first = await next();
        second = await next().catch((error: unknown) => error);
        return first;
      },
    };
    const model = new ScriptedModel([ScriptedModel.call('counted', {}), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [counted], store, hooks: [hooks] }).run('go');
    expect(executed).toBe(1);
    expect(second).toMatchObject({ code: 'hook_failed' });
    // The hook caught that rejection itself, so the run goes on with the one result.
    expect(result.stopReason).toBe('final_answer');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('never runs an operation whose next() is called after its wrapper returned', async () => {
    let executed = 0;
    let late: Promise<unknown> | undefined;
    const counted = defineTool({ name: 'counted', description: 'counts', input: z.object({}), execute: () => ++executed });
    const hooks: RuntimeHooks = {
      wrapToolCall: (_call, _context, next) => {
        late = new Promise((resolve) => setTimeout(() => resolve(next().catch((error: unknown) => error)), 5));
        return undefined;
      },
    };
    const model = new ScriptedModel([ScriptedModel.call('counted', {})]);
    const result = await createRuntime({ model, tools: [counted], hooks: [hooks] }).run('go');
    expect(result.error?.code).toBe('hook_failed');
    expect(await late).toMatchObject({ code: 'hook_failed' });
    expect(executed).toBe(0);
  });

  it('fails the run with hook_failed when a tool wrapper throws after the tool ran, as a throwing afterTool does', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 })]);
    const store = new MemoryStore();
    const hooks: RuntimeHooks = {
      wrapToolCall: async (_call, _context, next) => {
        await next();
        throw new Error('exporter down');
      },
    };
    const result = await createRuntime({ model, tools: [add], store, hooks: [hooks] }).run('go');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'hook_failed' } });
    expect(result.error?.message).toContain('exporter down');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('records a wrapRun failure before next() as the run stop, and ignores one after the outcome is recorded', async () => {
    const store = new MemoryStore();
    const before = await createRuntime({
      model: new ScriptedModel([]),
      store,
      hooks: [{ wrapRun: () => { throw new Error('no tracer'); } }],
    }).run('go');
    expect(before).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'hook_failed' } });
    expect((await store.getRun(before.runId))?.result?.stopReason).toBe('error');
    await assertRunInvariants({ store, runId: before.runId, result: before });

    const after = await createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('hi')]),
      store,
      hooks: [{ wrapRun: async (_info, next) => { await next(); throw new Error('flush failed'); } }],
    }).run('go');
    expect(after).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'hi' });
    await assertRunInvariants({ store, runId: after.runId, result: after });
  });

  it('sees the model error in wrapModelCall and keeps the response model and id the adapter reports', async () => {
    const seen: unknown[] = [];
    const hooks: RuntimeHooks = {
      wrapModelCall: async (_call, _context, next) => {
        try {
          const response = await next();
          seen.push({ model: response.model, id: response.id });
          return response;
        } catch (error) {
          seen.push((error as ModelError).code);
          throw error;
        }
      },
    };
    const model = new ScriptedModel([
      () => ({ message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'add', args: { a: 1, b: 2 } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls', model: 'scripted-1-2026', id: 'resp_1' }),
      { error: new ModelError('model_rate_limited', 'slow down') },
    ]);
    const result = await createRuntime({ model, tools: [add], hooks: [hooks] }).run('go');
    expect(seen).toEqual([{ model: 'scripted-1-2026', id: 'resp_1' }, 'model_rate_limited']);
    expect(result.error?.code).toBe('model_rate_limited');
  });
});

describe('onEvent', () => {
  it('sees every persisted event of a run in order, including those of a paused run killed without a drive', async () => {
    const seen: RunEvent[] = [];
    const store = new MemoryStore();
    const guarded = defineTool({ name: 'guarded', description: 'needs approval', input: z.object({}), requiresApproval: true, execute: () => 'ran' });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('guarded', {})]), tools: [guarded], store, hooks: [{ onEvent: (event) => void seen.push(event) }] });
    const paused = await runtime.run('go');
    expect(paused.stopReason).toBe('awaiting_approval');
    await runtime.kill(paused.runId, 'not today');
    const stored = await runtime.events(paused.runId);
    expect(seen.map((event) => event.seq)).toEqual(stored.map((event) => event.seq));
    expect(seen.map((event) => event.type)).toEqual(stored.map((event) => event.type));
    expect(seen[0]?.type).toBe('run_started');
    expect(seen.at(-1)).toMatchObject({ type: 'run_finished', result: { stopReason: 'killed' } });
  });

  it('cannot break a run: a throwing or rejecting observer is ignored', async () => {
    const store = new MemoryStore();
    const hooks: RuntimeHooks[] = [
      { onEvent: () => { throw new Error('boom'); } },
      { onEvent: (() => Promise.reject(new Error('async boom'))) as unknown as RuntimeHooks['onEvent'] },
    ];
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }), ScriptedModel.answer('2')]), tools: [add], store, hooks }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: '2' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

describe('run annotations', () => {
  it('persist across drives and runtimes, redacted, and are read back on resume', async () => {
    const store = new MemoryStore();
    const guarded = defineTool({ name: 'guarded', description: 'needs approval', input: z.object({}), requiresApproval: true, execute: () => 'ran' });
    const canary = 'sk-agentrt-CANARY-0123456789abcdef';
    const drives: { resumed: boolean; before: Record<string, unknown> }[] = [];
    const annotating = (tag: string): RuntimeHooks => ({
      wrapRun: async (info, next) => {
        drives.push({ resumed: info.resumed, before: Object.fromEntries(await info.annotations()) });
        if (!info.resumed) info.annotate('origin', { tag, secret: canary });
        info.annotate('last.drive', tag);
        return next();
      },
    });
    const first = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('guarded', {}, { id: 'g1' })]), tools: [guarded], store, hooks: [annotating('first')] }).run('go');
    expect(first.stopReason).toBe('awaiting_approval');
    const second = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), tools: [guarded], store, hooks: [annotating('second')] });
    const resumed = await second.resume(first.runId, { approvals: { g1: 'approve' } });
    expect(resumed.stopReason).toBe('final_answer');
    expect(drives).toEqual([
      { resumed: false, before: {} },
      { resumed: true, before: { origin: { tag: 'first', secret: '[REDACTED]' }, 'last.drive': 'first' } },
    ]);
    const events = await second.events(first.runId);
    expect(events.filter((event) => event.type === 'run_annotated').map((event) => event.type === 'run_annotated' && event.name)).toEqual(['origin', 'last.drive', 'last.drive']);
    expect(JSON.stringify(events)).not.toContain(canary);
    await assertRunInvariants({ store, runId: first.runId, result: resumed });
  });

  it('rejects a bad key or an oversized value with annotation_invalid', async () => {
    for (const [name, value] of [['__proto__', 1], ['', 1], ['a b', 1], ['ok', undefined], ['big', 'x'.repeat(20_000)]] as const) {
      let thrown: unknown;
      const result = await createRuntime({
        model: new ScriptedModel([ScriptedModel.answer('hi')]),
        hooks: [{ wrapRun: (info, next) => { try { info.annotate(name, value); } catch (error) { thrown = error; } return next(); } }],
      }).run('go');
      expect(thrown, name).toMatchObject({ code: 'annotation_invalid' });
      expect(result.stopReason).toBe('final_answer');
    }
  });
});

// A beforeModel hook may replace the request, never the run's own fields: a returned request's
// signal and deadline are replaced by the run's, and so must be those a hook writes into the request.
describe('beforeModel hooks that mutate the request in place', () => {
  const mutate: RuntimeHooks = {
    beforeModel: (request) => {
      const r = request as unknown as Record<string, unknown>;
      r.deadline = Date.now() + 3_600_000;
      r.signal = new AbortController().signal;
      r.onRetry = undefined;
      if (Array.isArray(r.tools) && r.tools.length === 0) r.tools = [{ name: 'add', description: 'adds', inputSchema: { type: 'object' } }];
      r.maxOutputTokens = 100_000;
    },
  };

  it('cannot move the deadline, swap the signal or drop the retry listener of a step call', async () => {
    const seen: ModelRequest[] = [];
    const model = new ScriptedModel([(request) => { seen.push(request); return ScriptedModel.answer('ok'); }]);
    const before = Date.now();
    const result = await createRuntime({ model, store: new MemoryStore(), limits: { timeoutMs: 60_000 }, hooks: [mutate] }).run('hi');
    expect(result.stopReason).toBe('final_answer');
    expect(seen[0]!.deadline).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(seen[0]!.deadline).toBeGreaterThanOrEqual(before);
    expect(seen[0]!.signal?.aborted).toBe(false);
    expect(typeof seen[0]!.onRetry).toBe('function');
  });

  it('cannot give the finalize call tools, a later deadline or a larger output cap', async () => {
    const seen: ModelRequest[] = [];
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), (request) => { seen.push(request); return ScriptedModel.answer('summary'); }]);
    const before = Date.now();
    const result = await createRuntime({ model, tools: [add], store: new MemoryStore(), limits: { maxSteps: 1, finalize: { graceMs: 5_000, maxOutputTokens: 64 } }, hooks: [mutate] }).run('hi');
    expect(result).toMatchObject({ stopReason: 'max_steps', finalized: true });
    expect(seen[0]!.tools).toEqual([]);
    expect(seen[0]!.maxOutputTokens).toBe(64);
    expect(seen[0]!.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(seen[0]!.deadline).toBeGreaterThanOrEqual(before);
    expect(typeof seen[0]!.onRetry).toBe('function');
  });
});
