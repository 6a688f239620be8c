import { createRuntime, defineTool, MemoryStore, ModelError, type RunResult } from '@agentrt/core';
import { createOtelHooks, otelPlugin } from '@agentrt/otel';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, parentOf, telemetry, tree, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

const userTracer = () => trace.getTracer('user-code');

/** A tool whose code makes its own span through the global API (as user code would). */
function lookupTool(provider: { getTracer(name: string): ReturnType<typeof userTracer> }) {
  return defineTool({
    name: 'lookup',
    description: 'Looks a key up',
    input: z.object({ key: z.string() }),
    execute: async ({ key }) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      const span = provider.getTracer('user-code').startSpan(`db.get ${key}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      span.end();
      return { key, value: key.toUpperCase() };
    },
  });
}

const pricing = { 'scripted:scripted-1': { inputPerMillionUsd: 1_000, outputPerMillionUsd: 2_000 } };

describe('span tree and attributes', () => {
  it('emits invoke_agent → chat / execute_tool with GenAI attributes; user spans in a tool nest under execute_tool', async () => {
    const t = telemetry();
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'lookup', args: { key: 'a' }, id: 'call_a' }, { name: 'lookup', args: { key: 'b' }, id: 'call_b' }], { usage: { inputTokens: 100, outputTokens: 20 } }),
      ScriptedModel.answer('A and B', { inputTokens: 150, outputTokens: 7 }),
    ]);
    const store = new MemoryStore();
    const runtime = createRuntime({
      model, store, pricing,
      tools: [lookupTool(t.tracerProvider)],
      plugins: [otelPlugin({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider, agentName: 'support', agentId: 'agent-7', agentVersion: '1.2.0' })],
    });
    const result = await runtime.run({ input: 'look up a and b', runId: 'run-tree-1' });
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 2 });
    const spans = t.spans();
    expect(tree(spans)).toEqual([
      'invoke_agent support',
      '  chat scripted-1',
      '  execute_tool lookup',
      '    db.get a',
      '  execute_tool lookup',
      '    db.get b',
      '  chat scripted-1',
    ]);

    const [agent] = named(spans, 'invoke_agent support');
    expect(agent!.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(agent!)).toBeUndefined();
    expect(agent!.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'scripted',
      'gen_ai.request.model': 'scripted-1',
      'gen_ai.agent.name': 'support',
      'gen_ai.agent.id': 'agent-7',
      'gen_ai.agent.version': '1.2.0',
      'gen_ai.conversation.id': 'run-tree-1',
      'gen_ai.usage.input_tokens': 250,
      'gen_ai.usage.output_tokens': 27,
      'agentrt.run.id': 'run-tree-1',
      'agentrt.run.resumed': false,
      'agentrt.step.index': 0,
      'agentrt.stop_reason': 'final_answer',
      'agentrt.run.status': 'completed',
      'agentrt.run.steps': 2,
      'agentrt.run.tool_calls': 2,
    });
    expect(agent!.attributes['agentrt.run.cost_usd']).toBeCloseTo(result.usage.costUsd, 12);
    expect(result.usage.costUsd).toBeCloseTo((250 * 1_000 + 27 * 2_000) / 1e6, 12);
    expect(agent!.status.code).toBe(SpanStatusCode.UNSET);
    expect(agent!.attributes['error.type']).toBeUndefined();

    const chats = named(spans, 'chat scripted-1');
    expect(chats.map((chat) => chat.kind)).toEqual([SpanKind.CLIENT, SpanKind.CLIENT]);
    expect(chats[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'scripted',
      'gen_ai.request.model': 'scripted-1',
      'gen_ai.request.stream': false,
      'gen_ai.conversation.id': 'run-tree-1',
      'gen_ai.response.finish_reasons': ['tool_call'],
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'agentrt.step.index': 0,
      'agentrt.model.retries': 0,
    });
    expect(chats[1]!.attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.usage.input_tokens': 150, 'agentrt.step.index': 1 });

    const tools = named(spans, 'execute_tool lookup');
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual(['call_a', 'call_b']);
    for (const span of tools) {
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'lookup',
        'gen_ai.tool.type': 'function',
        'gen_ai.tool.description': 'Looks a key up',
        'agentrt.tool.side_effects': 'none',
        'agentrt.tool.outcome': 'executed',
        'agentrt.step.index': 0,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      // Each user span sits under the execute_tool span of its own call (parallel calls keep their contexts apart).
      const key = span.attributes['gen_ai.tool.call.id'] === 'call_a' ? 'a' : 'b';
      expect(parentOf(named(spans, `db.get ${key}`)[0]!)).toBe(span.spanContext().spanId);
    }
    // One trace for the whole drive.
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    await assertRunInvariants({ store, runId: result.runId, result });
    await t.shutdown();
  });

  it('nests invoke_agent under the caller’s active span and names it invoke_agent without an agent name', async () => {
    const t = telemetry();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('hi')]), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    const outer = t.tracerProvider.getTracer('app');
    await outer.startActiveSpan('POST /chat', async (request) => {
      await runtime.run('hello');
      request.end();
    });
    expect(tree(t.spans())).toEqual(['POST /chat', '  invoke_agent', '    chat scripted-1']);
    await t.shutdown();
  });

  it('marks model, tool and run failures with error.type and an ERROR status', async () => {
    const t = telemetry();
    const broken = defineTool({ name: 'broken', description: 'throws', input: z.object({}), execute: () => { throw new Error('disk on fire'); } });
    const slow = defineTool({ name: 'slow', description: 'never ends', input: z.object({}), timeoutMs: 20, execute: () => new Promise(() => undefined) });
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'broken', args: {} }, { name: 'slow', args: {} }]),
      { error: new ModelError('model_auth', 'bad key sk-agentrt-CANARY-0123456789abcdef') },
    ]);
    const result = await createRuntime({ model, tools: [broken, slow], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] }).run('go');
    expect(result).toMatchObject({ status: 'failed', error: { code: 'model_auth' } });
    const spans = t.spans();
    const [brokenSpan] = named(spans, 'execute_tool broken');
    const [slowSpan] = named(spans, 'execute_tool slow');
    expect(brokenSpan!.attributes['error.type']).toBe('tool_failed');
    expect(brokenSpan!.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(brokenSpan!.status.message).toContain('disk on fire');
    expect(slowSpan!.attributes['error.type']).toBe('tool_timeout');
    const chats = named(spans, 'chat scripted-1');
    expect(chats[1]!.attributes['error.type']).toBe('model_auth');
    expect(chats[1]!.status.code).toBe(SpanStatusCode.ERROR);
    const [agent] = named(spans, 'invoke_agent');
    expect(agent!.attributes).toMatchObject({ 'error.type': 'model_auth', 'agentrt.stop_reason': 'error', 'agentrt.run.status': 'failed' });
    expect(agent!.status.code).toBe(SpanStatusCode.ERROR);
    // Error messages are redacted before they become span statuses.
    expect(JSON.stringify(spans.map((span) => span.status))).not.toContain('CANARY');
    await t.shutdown();
  });

  it('shows denials and rejections as execute_tool spans with error.type, not executed', async () => {
    const t = telemetry();
    let ran = 0;
    const count = (name: string) => defineTool({ name, description: name, input: z.object({ n: z.number() }), execute: () => ++ran });
    const model = new ScriptedModel([
      ScriptedModel.parallel([
        { name: 'wipe', args: { n: 1 }, id: 'c_policy' },
        { name: 'safe', args: { n: 'one' }, id: 'c_invalid' },
        { name: 'nope', args: {}, id: 'c_unknown' },
        { name: 'guarded', args: { n: 2 }, id: 'c_hook' },
        { name: 'safe', args: { n: 3 }, id: 'c_ok' },
      ]),
      ScriptedModel.answer('done'),
    ]);
    const store = new MemoryStore();
    const result = await createRuntime({
      model, store,
      tools: [count('wipe'), count('safe'), count('guarded')],
      toolPolicy: { deny: ['wipe'] },
      hooks: [{ beforeTool: (call) => (call.name === 'guarded' ? { deny: 'not on Sundays' } : undefined) }, createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })],
    }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(ran).toBe(1);
    const tools = t.spans().filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
    const byId = Object.fromEntries(tools.map((span) => [String(span.attributes['gen_ai.tool.call.id']), span] as const));
    expect(Object.keys(byId).sort()).toEqual(['c_hook', 'c_invalid', 'c_ok', 'c_policy', 'c_unknown']);
    expect(byId.c_policy!.attributes).toMatchObject({ 'error.type': 'tool_denied', 'agentrt.tool.outcome': 'denied', 'gen_ai.tool.name': 'wipe' });
    expect(byId.c_hook!.attributes).toMatchObject({ 'error.type': 'tool_denied', 'agentrt.tool.outcome': 'denied' });
    expect(byId.c_hook!.status.message).toContain('not on Sundays');
    expect(byId.c_invalid!.attributes).toMatchObject({ 'error.type': 'tool_args_invalid', 'agentrt.tool.outcome': 'rejected' });
    expect(byId.c_unknown!.attributes).toMatchObject({ 'error.type': 'tool_not_found', 'agentrt.tool.outcome': 'rejected', 'gen_ai.tool.name': 'nope' });
    expect(byId.c_ok!.attributes).toMatchObject({ 'agentrt.tool.outcome': 'executed' });
    expect(byId.c_ok!.attributes['error.type']).toBeUndefined();
    for (const span of tools) expect(span.status.code).toBe(span === byId.c_ok ? SpanStatusCode.UNSET : SpanStatusCode.ERROR);
    const [agent] = named(t.spans(), 'invoke_agent');
    for (const span of tools) expect(parentOf(span)).toBe(agent!.spanContext().spanId);
    await assertRunInvariants({ store, runId: result.runId, result });
    await t.shutdown();
  });

  it('cuts hostile model-chosen tool names and call ids before they name spans', async () => {
    const t = telemetry();
    const long = `x${'y'.repeat(10_000)}`;
    const model = new ScriptedModel([ScriptedModel.parallel([{ name: long, args: {}, id: `id_${'z'.repeat(5_000)}` }, { name: '__proto__', args: {} }]), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const tools = t.spans().filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
    expect(tools).toHaveLength(2);
    for (const span of tools) {
      expect(span.name.length).toBeLessThanOrEqual('execute_tool '.length + 257);
      expect(String(span.attributes['gen_ai.tool.name']).length).toBeLessThanOrEqual(257);
      expect(String(span.attributes['gen_ai.tool.call.id']).length).toBeLessThanOrEqual(257);
      expect(span.attributes['error.type']).toBe('tool_not_found');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await t.shutdown();
  });

  it('records a killed run as stopped (not an error) and the interrupted tool as tool_cancelled', async () => {
    const t = telemetry();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const wait = defineTool({
      name: 'wait', description: 'waits for abort', input: z.object({}),
      execute: (_args, ctx) => new Promise((_resolve, reject) => {
        started();
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('wait', {})]), tools: [wait], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    const done = runtime.run({ input: 'go', runId: 'run-killed' });
    await running;
    await runtime.kill('run-killed', 'operator');
    const result: RunResult = await done;
    expect(result.stopReason).toBe('killed');
    const [tool] = named(t.spans(), 'execute_tool wait');
    expect(tool!.attributes['error.type']).toBe('tool_cancelled');
    const [agent] = named(t.spans(), 'invoke_agent');
    expect(agent!.attributes).toMatchObject({ 'agentrt.stop_reason': 'killed', 'agentrt.run.status': 'stopped' });
    expect(agent!.attributes['error.type']).toBeUndefined();
    expect(agent!.status.code).toBe(SpanStatusCode.UNSET);
    await t.shutdown();
  });

  it('marks streamed model calls with gen_ai.request.stream', async () => {
    const t = telemetry();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('streamed answer')]), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    for await (const event of runtime.stream('hi')) void event;
    expect(named(t.spans(), 'chat scripted-1')[0]!.attributes['gen_ai.request.stream']).toBe(true);
    await t.shutdown();
  });

  it('never fails a run when the tracing backend throws', async () => {
    const exploding = { getTracer: () => ({ startSpan: () => { throw new Error('exporter exploded'); }, startActiveSpan: () => { throw new Error('x'); } }) };
    const store = new MemoryStore();
    const result = await createRuntime({
      model: new ScriptedModel([ScriptedModel.call('add', { a: 1 }), ScriptedModel.answer('ok')]),
      store,
      tools: [defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 })],
      hooks: [createOtelHooks({ tracerProvider: exploding as never, metrics: false })],
    }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'ok' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
