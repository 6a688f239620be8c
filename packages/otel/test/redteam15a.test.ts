import { AgentrtError, createRuntime, defineTool, MemoryStore, type ModelResponse, type RunResult } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, parentOf, points, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

const SECRET = 'rt15a-registered-secret-7f3e9c';
const CANARY = 'sk-agentrt-CANARY-15a0123456789abcdef';

/** Everything a span carries that an exporter sends. */
const everything = (spans: readonly ReadableSpan[]) => JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links })));

/** Records spans started and not ended (an exporter only ever sees ended ones). */
class OpenSpans implements SpanProcessor {
  readonly open = new Set<Span>();
  onStart(span: Span): void {
    this.open.add(span);
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** A real SDK tracer provider that also tracks spans left open. */
function tracked() {
  const exporter = new InMemorySpanExporter();
  const open = new OpenSpans();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [open, new SimpleSpanProcessor(exporter)] });
  return { tracerProvider, open, spans: () => exporter.getFinishedSpans() };
}

const ns = (time: readonly [number, number]) => time[0] * 1e9 + time[1];
/**
 * The SDK anchors each span's clock to `Date.now()` (whole milliseconds) when it starts and
 * measures its duration with `performance.now()`: times of two spans compare to within ~1 ms only.
 */
const CLOCK_SLACK_NS = 2e6;
const execSpans = (spans: readonly ReadableSpan[]) => spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');

/** Every span of one drive: one trace, children directly under its invoke_agent span, non-negative durations, inside their parent's time. */
function checkDrive(spans: readonly ReadableSpan[]): ReadableSpan {
  const agents = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
  expect(agents).toHaveLength(1);
  const agent = agents[0]!;
  expect(agent.kind).toBe(SpanKind.INTERNAL);
  for (const span of spans) {
    expect(span.spanContext().traceId).toBe(agent.spanContext().traceId);
    expect(ns(span.endTime)).toBeGreaterThanOrEqual(ns(span.startTime));
    expect(span.ended).toBe(true);
    if (span === agent) continue;
    expect(parentOf(span)).toBe(agent.spanContext().spanId);
    expect(ns(span.startTime)).toBeGreaterThanOrEqual(ns(agent.startTime) - CLOCK_SLACK_NS);
    expect(ns(span.endTime)).toBeLessThanOrEqual(ns(agent.endTime) + CLOCK_SLACK_NS);
    expect(span.kind).toBe(span.attributes['gen_ai.operation.name'] === 'chat' ? SpanKind.CLIENT : SpanKind.INTERNAL);
    expect(span.attributes['agentrt.step.index']).toEqual(expect.any(Number));
  }
  return agent;
}

describe('positive paths, proven hard (red team 15a)', () => {
  it('tools, an approval pause, a resume in another runtime and a kill: one span per model call and per tool call, all ended, nested and linked', async () => {
    const store = new MemoryStore();
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => (release = resolve));
    const tools = () => [
      defineTool({ name: 'lookup', description: 'Reads a balance', input: z.object({ account: z.string() }), execute: ({ account }) => ({ account, balance: 100 }) }),
      defineTool({ name: 'transfer', description: 'Moves money', input: z.object({ amount: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: ({ amount }) => `moved ${amount}` }),
      // Ignores its abort signal: the kill must still end its span.
      defineTool({ name: 'stuck', description: 'Never answers', input: z.object({}), execute: () => { release(); return new Promise(() => undefined); } }),
    ];
    const script = () => [
      ScriptedModel.parallel([{ name: 'lookup', args: { account: 'a1' }, id: 'c_lookup' }, { name: 'transfer', args: { amount: 10 }, id: 'c_t1' }], { usage: { inputTokens: 40, outputTokens: 8 } }),
      ScriptedModel.call('stuck', {}, { id: 'c_stuck', usage: { inputTokens: 60, outputTokens: 4 } }),
    ];
    const a = tracked();
    const a2 = telemetry();
    const modelA = new ScriptedModel(script());
    const runtimeA = createRuntime({ model: modelA, store, tools: tools(), hooks: [createOtelHooks({ tracerProvider: a.tracerProvider, meterProvider: a2.meterProvider, agentName: 'bank' })] });
    const paused = await runtimeA.run({ input: 'move 10', runId: 'rt15a-life' });
    expect(paused.stopReason).toBe('awaiting_approval');
    expect(a.open.open.size).toBe(0);
    const agentA = checkDrive(a.spans());
    expect(agentA.attributes).toMatchObject({ 'agentrt.run.status': 'paused', 'agentrt.stop_reason': 'awaiting_approval', 'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 8 });
    expect(agentA.status.code).toBe(SpanStatusCode.UNSET);
    expect(named(a.spans(), 'chat scripted-1')).toHaveLength(modelA.requests.length);
    expect(execSpans(a.spans()).map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['agentrt.tool.outcome']])).toEqual([['c_lookup', 'executed']]);
    expect(agentA.events.map((event) => event.name)).toEqual(['agentrt.approval.requested']);

    // Drive 2 in another runtime (another process would do the same): approve, run, then kill mid-tool.
    const b = tracked();
    const modelB = new ScriptedModel(script().slice(1));
    const runtimeB = createRuntime({ model: modelB, store, tools: tools(), hooks: [createOtelHooks({ tracerProvider: b.tracerProvider, meterProvider: a2.meterProvider, agentName: 'bank' })] });
    const resumed = runtimeB.resume('rt15a-life', { approvals: { c_t1: 'approve' } });
    await waiting;
    await runtimeB.kill('rt15a-life', 'operator stop');
    const killed: RunResult = await resumed;
    expect(killed.stopReason).toBe('killed');
    expect(b.open.open.size).toBe(0);
    const agentB = checkDrive(b.spans());
    expect(agentB.attributes).toMatchObject({ 'agentrt.run.resumed': true, 'agentrt.run.status': 'stopped', 'agentrt.stop_reason': 'killed', 'gen_ai.usage.input_tokens': 60 });
    expect(agentB.status.code).toBe(SpanStatusCode.UNSET);
    expect(agentB.attributes['error.type']).toBeUndefined();
    expect(agentB.links.map((link) => link.context.spanId)).toEqual([agentA.spanContext().spanId]);
    expect(named(b.spans(), 'chat scripted-1')).toHaveLength(modelB.requests.length);
    const outcomes = Object.fromEntries(execSpans(b.spans()).map((span) => [span.attributes['gen_ai.tool.call.id'], [span.attributes['agentrt.tool.outcome'], span.attributes['error.type'] ?? null]]));
    expect(outcomes).toEqual({ c_lookup: ['replayed', null], c_t1: ['executed', null], c_stuck: ['executed', 'tool_cancelled'] });
    const stops = points(await a2.metrics(), 'agentrt.run.stops').map((point) => [point.attributes['agentrt.stop_reason'], point.value]);
    expect(stops.sort()).toEqual([['awaiting_approval', 1], ['killed', 1]]);
    await assertRunInvariants({ store, runId: 'rt15a-life', result: killed });
    await a2.shutdown();
  });

  it('a kill while the model call hangs (the adapter ignores its signal) ends the chat span as killed, the drive as stopped', async () => {
    const t = tracked();
    let asked!: () => void;
    const asking = new Promise<void>((resolve) => (asked = resolve));
    const adapter = { provider: 'slowprov', model: 'slow-1', generate: () => { asked(); return new Promise<ModelResponse>(() => undefined); } };
    const runtime = createRuntime({ model: adapter, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    const done = runtime.run({ input: 'hi', runId: 'rt15a-hang' });
    await asking;
    await runtime.kill('rt15a-hang', 'enough');
    expect((await done).stopReason).toBe('killed');
    expect(t.open.open.size).toBe(0);
    const agent = checkDrive(t.spans());
    expect(agent.attributes).toMatchObject({ 'agentrt.stop_reason': 'killed', 'agentrt.run.status': 'stopped' });
    const [chat] = named(t.spans(), 'chat slow-1');
    expect(chat!.attributes['error.type']).toBe('killed');
  });

  it('a structured-output run with image and file parts: gen_ai.output.type json, media as digests or URLs, never their bytes', async () => {
    const t = tracked();
    const bytes = Buffer.alloc(3_000, 7);
    const data = bytes.toString('base64');
    const Weather = z.object({ city: z.string(), tempC: z.number() });
    const model = new ScriptedModel([ScriptedModel.json({ city: 'Paris', tempC: 21 }, { usage: { inputTokens: 30, outputTokens: 9 } })]);
    const runtime = createRuntime({ model, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true })] });
    const result = await runtime.run({
      input: [{ role: 'user', content: [
        { type: 'text', text: 'Weather from this photo and report?' },
        { type: 'image', mediaType: 'image/png', data },
        { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/report.pdf' },
      ] }],
      output: Weather,
    });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: { city: 'Paris', tempC: 21 } });
    expect(t.open.open.size).toBe(0);
    const agent = checkDrive(t.spans());
    const [chat] = named(t.spans(), 'chat scripted-1');
    expect(chat!.attributes).toMatchObject({ 'gen_ai.output.type': 'json', 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 9, 'gen_ai.response.finish_reasons': ['stop'] });
    const input = JSON.parse(String(chat!.attributes['gen_ai.input.messages'])) as { role: string; parts: Record<string, unknown>[] }[];
    const user = input.find((message) => message.role === 'user')!;
    expect(user.parts).toEqual([
      { type: 'text', content: 'Weather from this photo and report?' },
      { type: 'agentrt.media_digest', modality: 'image', mime_type: 'image/png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 3_000 },
      { type: 'uri', modality: 'document', mime_type: 'application/pdf', uri: 'https://example.com/report.pdf' },
    ]);
    expect(everything(t.spans())).not.toContain(data.slice(0, 64));
    expect(JSON.parse(String(agent.attributes['gen_ai.output.messages']))).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: { city: 'Paris', tempC: 21 } }], finish_reason: 'final_answer' }]);
  });

  it('the telemetry backend failing or stalling never breaks or stalls a run: a processor that throws on end, an exporter that never answers, a meter provider that throws, a tracer provider shut down mid-run', async () => {
    const exporter = new InMemorySpanExporter();
    const silent = { export: () => undefined, shutdown: () => new Promise<void>(() => undefined), forceFlush: () => new Promise<void>(() => undefined) };
    const throwsOnEnd: SpanProcessor = { onStart: () => undefined, onEnd: () => { throw new Error('processor exploded'); }, forceFlush: async () => undefined, shutdown: async () => undefined };
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(silent as never), throwsOnEnd] });
    const meterProvider = { getMeter: () => { throw new Error('meter exploded'); } };
    const second = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
    const tool = defineTool({ name: 'x', description: 'shuts the second provider down', input: z.object({}), execute: async () => { await second.shutdown(); return 'ok'; } });
    const store = new MemoryStore();
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.call('x', {}), ScriptedModel.answer('ok')]), store, tools: [tool],
      hooks: [createOtelHooks({ tracerProvider: provider, meterProvider: meterProvider as never }), createOtelHooks({ tracerProvider: second, metrics: false })],
    });
    const result = await runtime.run({ input: 'go' });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'ok' });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['chat scripted-1', 'execute_tool x', 'chat scripted-1', 'invoke_agent']);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

/** A model adapter that answers with whatever it is given (no normalizing on the way, as a third-party adapter might). */
const rawAdapter = (...responses: unknown[]) => ({ provider: 'rawprov', model: 'raw-1', generate: async () => responses.shift() as ModelResponse });

describe('hostile values a model, a provider or a user controls (red team 15a)', () => {
  it('a secret in a model-chosen tool call id is redacted on the execute_tool span, as in the audit log (I6)', async () => {
    const t = telemetry();
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'echo', args: { text: 'a' }, id: `call_${SECRET}` }, { name: 'echo', args: { text: 'b' }, id: `call ${CANARY}` }]),
      ScriptedModel.answer('ok'),
    ]);
    const runtime = createRuntime({ model, tools: [echo], redact: { secrets: [SECRET] }, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const audit = JSON.stringify(await runtime.events(result.runId));
    expect(audit).not.toContain(SECRET);
    expect(audit).not.toContain(CANARY);
    const tools = named(t.spans(), 'execute_tool echo');
    expect(tools).toHaveLength(2);
    expect(tools.map((span) => span.attributes['agentrt.tool.outcome'])).toEqual(['executed', 'executed']);
    const text = everything(t.spans());
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(CANARY);
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual(['call [REDACTED]', 'call_[REDACTED]']);
    await t.shutdown();
  });

  it('a secret in the provider-reported response id or model, or in the conversation id, is redacted on spans and metric attributes', async () => {
    const t = telemetry();
    const model = rawAdapter({ message: { role: 'assistant', content: 'ok' }, finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 2 }, id: `resp:${CANARY}`, model: `m-${SECRET}` });
    const runtime = createRuntime({
      model, redact: { secrets: [SECRET] },
      hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider, conversationId: (run) => String(run.metadata.thread) })],
    });
    const result = await runtime.run({ input: 'go', metadata: { thread: `thread-${SECRET}` } });
    expect(result.stopReason).toBe('final_answer');
    expect(JSON.stringify(await runtime.events(result.runId))).not.toContain(SECRET);
    const [chat] = named(t.spans(), 'chat raw-1');
    expect(chat!.attributes).toMatchObject({ 'gen_ai.response.id': 'resp:[REDACTED]', 'gen_ai.response.model': 'm-[REDACTED]', 'gen_ai.conversation.id': 'thread-[REDACTED]' });
    const text = everything(t.spans()) + JSON.stringify((await t.metrics()).map((metric) => metric.dataPoints.map((point) => point.attributes)));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(CANARY);
    await t.shutdown();
  });

  it('a raw adapter’s odd answer: a finish reason that is not a string reads as other, token counts are capped as the run counts them', async () => {
    const t = telemetry();
    const model = rawAdapter({ message: { role: 'assistant', content: 'ok' }, finishReason: { evil: 1 }, usage: { inputTokens: -5, outputTokens: 1e300 } });
    const runtime = createRuntime({ model, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider })] });
    const result = await runtime.run('go');
    expect(result.usage).toMatchObject({ inputTokens: 0, outputTokens: 1_000_000_000 });
    const [chat] = named(t.spans(), 'chat raw-1');
    expect(chat!.attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['other'], 'gen_ai.usage.input_tokens': 0, 'gen_ai.usage.output_tokens': 1_000_000_000 });
    const [agent] = named(t.spans(), 'invoke_agent');
    expect(agent!.attributes['gen_ai.usage.output_tokens']).toBe(result.usage.outputTokens);
    const outputPoint = points(await t.metrics(), 'gen_ai.client.token.usage').find((point) => point.attributes['gen_ai.token.type'] === 'output');
    expect((outputPoint!.value as { sum: number }).sum).toBe(1_000_000_000);
    await t.shutdown();
  });

  it('an adapter that resolves with no response leaves no chat span open: it ends as model_output_invalid', async () => {
    const t = tracked();
    const runtime = createRuntime({ model: rawAdapter(undefined), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider })] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_output_invalid' } });
    expect([...t.open.open].map((span) => span.name)).toEqual([]);
    const [chat] = named(t.spans(), 'chat raw-1');
    expect(chat!.attributes['error.type']).toBe('model_output_invalid');
    expect(chat!.status.code).toBe(SpanStatusCode.ERROR);
    checkDrive(t.spans());
  });

  it('thousands of long model-chosen call ids paused for approval make a bounded span event, not a megabyte attribute', async () => {
    const t = telemetry();
    const guarded = defineTool({ name: 'guarded', description: 'g', input: z.object({ n: z.number() }), requiresApproval: true, execute: ({ n }) => n });
    const calls = Array.from({ length: 3_000 }, (_, i) => ({ name: 'guarded', args: { n: i }, id: `c${i}_${'q'.repeat(300)}` }));
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.parallel(calls)]), tools: [guarded], limits: { maxToolCalls: 5_000 }, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    const result = await runtime.run('go');
    expect(result.pendingApprovals).toHaveLength(3_000);
    const [agent] = named(t.spans(), 'invoke_agent');
    const [requested] = agent!.events;
    expect(requested!.name).toBe('agentrt.approval.requested');
    expect(JSON.stringify(requested!.attributes).length).toBeLessThan(64 * 1024);
    expect(requested!.attributes?.['agentrt.approval.count']).toBe(3_000);
    await t.shutdown();
  }, 60_000);

  it('a store failing mid-run ends every span (the drive as an error, its message redacted); the resume in another runtime is traced whole', async () => {
    const store = new MemoryStore();
    let crash = false;
    const writes = new Set(['commitStep', 'finishRun', 'updateRun', 'appendEvents', 'recordToolResult']);
    const failing = new Proxy(store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (crash && writes.has(String(key)) ? Promise.reject(new Error(`store down ${CANARY}`)) : (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const tool = defineTool({ name: 'x', description: 'g', input: z.object({}), execute: () => { crash = true; return 'ok'; } });
    const a = tracked();
    const runtimeA = createRuntime({ model: new ScriptedModel([ScriptedModel.call('x', {})]), store: failing, tools: [tool], hooks: [createOtelHooks({ tracerProvider: a.tracerProvider })] });
    const failed = await runtimeA.run({ input: 'go', runId: 'rt15a-crash' });
    expect(failed.status).toBe('failed');
    expect(a.open.open.size).toBe(0);
    const agentA = checkDrive(a.spans());
    expect(agentA.status.code).toBe(SpanStatusCode.ERROR);
    expect(everything(a.spans())).not.toContain(CANARY);
    crash = false;
    const b = tracked();
    const runtimeB = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store, tools: [tool], hooks: [createOtelHooks({ tracerProvider: b.tracerProvider })] });
    const result = await runtimeB.resume('rt15a-crash', { waitForLeaseMs: 10_000 });
    expect(result.stopReason).toBe('final_answer');
    expect(b.open.open.size).toBe(0);
    expect(checkDrive(b.spans()).attributes).toMatchObject({ 'agentrt.run.resumed': true, 'agentrt.stop_reason': 'final_answer' });
  }, 30_000);

  it('secrets in tool errors and tool arguments stay hidden even with tool output redaction off (redact.toolOutput: false) and content capture on', async () => {
    const t = telemetry();
    const leaky = defineTool({
      name: 'leaky', description: 'fails loudly', input: z.object({ note: z.string() }),
      execute: ({ note }) => { throw new Error(`upstream said ${note} and ${SECRET}`); },
    });
    const hidden = `sk-agentrt-\u200bCANARY-15a0123456789abcdef`; // a zero-width space inside the key
    const model = new ScriptedModel([ScriptedModel.call('leaky', { note: `key=${CANARY} ${hidden}` }, { id: 'c_leak' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [leaky], redact: { secrets: [SECRET], toolOutput: false }, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true })] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const [span] = named(t.spans(), 'execute_tool leaky');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.status.message).toContain('[REDACTED]');
    const text = everything(t.spans());
    for (const secret of [SECRET, CANARY, hidden, '15a0123456789abcdef']) expect(text).not.toContain(secret);
    await t.shutdown();
  });

  it('a tool’s own error code of 100 000 characters is cut in error.type, on the span and the metric point', async () => {
    const t = telemetry();
    const code = `a_${'b'.repeat(100_000)}`;
    const typed = defineTool({ name: 'typed', description: 'fails with a typed code', input: z.object({}), execute: () => { throw new AgentrtError(code, 'typed failure'); } });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('typed', {}), ScriptedModel.answer('done')]), tools: [typed], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider })] });
    expect((await runtime.run('go')).stopReason).toBe('final_answer');
    const [span] = named(t.spans(), 'execute_tool typed');
    expect(String(span!.attributes['error.type']).length).toBeLessThanOrEqual(257);
    expect(String(span!.attributes['error.type']).startsWith('a_bbb')).toBe(true);
    const [point] = points(await t.metrics(), 'gen_ai.execute_tool.duration');
    expect(String(point!.attributes['error.type']).length).toBeLessThanOrEqual(257);
    await t.shutdown();
  });

  it('a long model-chosen call id is cut without splitting a surrogate pair (a lone half is not valid UTF-8 for an exporter)', async () => {
    const t = telemetry();
    const id = `${'a'.repeat(255)}\u{1F600}${'z'.repeat(10)}`;
    const echo = defineTool({ name: 'echo', description: 'e', input: z.object({}), execute: () => 'ok' });
    const runtime = createRuntime({ model: new ScriptedModel([{ text: '', toolCalls: [{ id, name: 'echo', args: {} }] }, ScriptedModel.answer('done')]), tools: [echo], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider })] });
    expect((await runtime.run('go')).stopReason).toBe('final_answer');
    const [span] = named(t.spans(), 'execute_tool echo');
    const shown = String(span!.attributes['gen_ai.tool.call.id']);
    expect(shown.endsWith('…')).toBe(true);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(shown)).toBe(false);
    await t.shutdown();
  });

  it('a kill while the plugin reads a resumed run’s annotations (before the drive starts) is a stop, not an error span', async () => {
    const store = new MemoryStore();
    let gate: Promise<void> | undefined;
    let reading!: () => void;
    const readingStarted = new Promise<void>((resolve) => (reading = resolve));
    let open!: () => void;
    // A slow store: the resumed drive's annotation read waits until the test lets it go.
    const slow = new Proxy(store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        const call = (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
        return key === 'listEvents' ? async (...args: unknown[]) => { if (gate) { reading(); await gate; } return call(...args); } : call;
      },
    });
    const guarded = defineTool({ name: 'g', description: 'g', input: z.object({}), requiresApproval: true, execute: () => 'ok' });
    const t = tracked();
    const m = telemetry();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('g', {}, { id: 'c_g' }), ScriptedModel.answer('ok')]), store: slow, tools: [guarded], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: m.meterProvider })] });
    expect((await runtime.run({ input: 'go', runId: 'rt15a-ann' })).stopReason).toBe('awaiting_approval');
    gate = new Promise<void>((resolve) => (open = resolve));
    const resumed = runtime.resume('rt15a-ann', { approvals: { c_g: 'approve' } });
    await readingStarted;
    await runtime.kill('rt15a-ann', 'stop');
    expect((await resumed).stopReason).toBe('killed');
    open();
    const deadline = Date.now() + 10_000;
    while (t.spans().filter((span) => span.name === 'invoke_agent').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.open.open.size).toBe(0);
    const second = t.spans().filter((span) => span.name === 'invoke_agent')[1]!;
    expect(second.attributes).toMatchObject({ 'agentrt.run.resumed': true, 'agentrt.stop_reason': 'killed', 'agentrt.run.status': 'stopped' });
    expect(second.attributes['error.type']).toBeUndefined();
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
    const durations = points(await m.metrics(), 'gen_ai.invoke_agent.duration');
    expect(durations.reduce((sum, point) => sum + (point.value as { count: number }).count, 0)).toBe(2);
    await m.shutdown();
  }, 30_000);

  it('a raw adapter’s tool call arguments nested 100 000 deep or cyclic, with content capture on: the run goes on, every span ends', async () => {
    const t = tracked();
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) { const next: Record<string, unknown> = {}; deep.a = next; deep = next; }
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    const tool = defineTool({ name: 'x', description: 'g', input: z.object({}).passthrough(), execute: () => 'ok' });
    const model = rawAdapter(
      { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'x', args: root }, { id: 'c2', name: 'x', args: cyclic }] }, finishReason: 'tool_calls', usage: { inputTokens: 1, outputTokens: 1 } },
      { message: { role: 'assistant', content: 'done' }, finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
    );
    const runtime = createRuntime({ model, tools: [tool], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true })] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(t.open.open.size).toBe(0);
    checkDrive(t.spans());
    expect(execSpans(t.spans()).map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['error.type']])).toEqual([['c1', 'tool_args_invalid'], ['c2', 'tool_args_invalid']]);
    const [first] = named(t.spans(), 'chat raw-1');
    expect(() => JSON.parse(String(first!.attributes['gen_ai.output.messages']))).not.toThrow();
  }, 60_000);

  it('without any context manager (no SDK register()), spans still nest under their drive: the plugin keeps explicit parents', async () => {
    disposeContext();
    try {
      const t = tracked();
      const tool = defineTool({ name: 'x', description: 'g', input: z.object({ n: z.number() }), execute: async ({ n }) => { await new Promise((resolve) => setTimeout(resolve, 1)); return n; } });
      const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.parallel([{ name: 'x', args: { n: 1 } }, { name: 'x', args: { n: 2 } }]), ScriptedModel.answer('ok')]), tools: [tool], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
      expect((await runtime.run('go')).stopReason).toBe('final_answer');
      expect(t.open.open.size).toBe(0);
      checkDrive(t.spans());
      expect(t.spans()).toHaveLength(5);
    } finally {
      disposeContext = useContextManager();
    }
  });
});
