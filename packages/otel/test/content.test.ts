import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { createOtelHooks, DEFAULT_MAX_CONTENT_TOTAL_CHARS, resolveOtelOptions, TRUNCATED_PART } from '@agentrt/otel';
import { ScriptedModel, SECRET_CANARIES } from '@agentrt/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

const CANARY = 'sk-agentrt-CANARY-9f8e7d6c5b4a39281706';
const REGISTERED = 'hunter2-registered-secret';

const CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'gen_ai.system_instructions'];

function fetchTool() {
  return defineTool({
    name: 'fetch_profile',
    description: 'Fetches a profile',
    input: z.object({ user: z.string(), apiKey: z.string() }),
    // The tool echoes a secret in its output, as a careless tool would.
    execute: ({ user }) => ({ user, note: `token=${CANARY}`, password: REGISTERED }),
  });
}

async function runWith(captureContent: boolean | undefined, env?: Record<string, string>) {
  const t = telemetry();
  const model = new ScriptedModel([
    ScriptedModel.call('fetch_profile', { user: 'ada', apiKey: CANARY }, { id: 'call_p' }),
    ScriptedModel.answer(`Ada's key was ${CANARY} and ${REGISTERED}`),
  ]);
  const options = { tracerProvider: t.tracerProvider, metrics: false, ...(captureContent !== undefined ? { captureContent } : {}) };
  const hooks = env ? createOtelHooksWithEnv(options, env) : createOtelHooks(options);
  const runtime = createRuntime({ model, store: new MemoryStore(), tools: [fetchTool()], redact: { secrets: [REGISTERED] }, hooks: [hooks] });
  const result = await runtime.run({ system: 'You are terse.', input: `Look up ada with key ${CANARY} (also ${REGISTERED})` });
  expect(result.stopReason).toBe('final_answer');
  return t;
}

/** `createOtelHooks` reading content capture from a given environment. */
function createOtelHooksWithEnv(options: Parameters<typeof createOtelHooks>[0], env: Record<string, string>) {
  const previous = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  Object.assign(process.env, env);
  try {
    return createOtelHooks(options);
  } finally {
    if (previous === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = previous;
  }
}

const everything = (spans: readonly ReadableSpan[]) => JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links })));

describe('message content', () => {
  it('is not recorded by default', async () => {
    const t = await runWith(undefined);
    const spans = t.spans();
    expect(spans.length).toBe(4);
    for (const span of spans) for (const key of CONTENT_KEYS) expect(span.attributes[key], `${span.name} ${key}`).toBeUndefined();
    expect(everything(spans)).not.toContain(CANARY);
    expect(everything(spans)).not.toContain('Look up ada');
    await t.shutdown();
  });

  it('is recorded when enabled, in the conventions’ JSON form, with every secret redacted by the runtime’s redactor', async () => {
    const t = await runWith(true);
    const spans = t.spans();
    const text = everything(spans);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(REGISTERED);
    expect(text).toContain('[REDACTED]');

    const [agent] = named(spans, 'invoke_agent');
    expect(JSON.parse(agent!.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Look up ada with key [REDACTED] (also [REDACTED])' }] },
    ]);
    expect(JSON.parse(agent!.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: "Ada's key was [REDACTED] and [REDACTED]" }], finish_reason: 'final_answer' },
    ]);

    const [firstChat, secondChat] = named(spans, 'chat scripted-1');
    expect(JSON.parse(firstChat!.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_p', name: 'fetch_profile', arguments: { user: 'ada', apiKey: '[REDACTED]' } }], finish_reason: 'tool_call' },
    ]);
    const input = JSON.parse(secondChat!.attributes['gen_ai.input.messages'] as string) as { role: string; parts: { type: string }[] }[];
    expect(input.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(input[3]!.parts[0]).toMatchObject({ type: 'tool_call_response', id: 'call_p' });

    const [tool] = named(spans, 'execute_tool fetch_profile');
    expect(JSON.parse(tool!.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({ user: 'ada', apiKey: '[REDACTED]' });
    expect(JSON.parse(tool!.attributes['gen_ai.tool.call.result'] as string)).toContain('ada');
    await t.shutdown();
  });

  it('follows OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT when the option is not given, and the option wins over it', async () => {
    const on = await runWith(undefined, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    expect(named(on.spans(), 'chat scripted-1')[0]!.attributes['gen_ai.input.messages']).toBeTypeOf('string');
    await on.shutdown();
    const off = await runWith(false, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    expect(named(off.spans(), 'chat scripted-1')[0]!.attributes['gen_ai.input.messages']).toBeUndefined();
    await off.shutdown();
    expect(resolveOtelOptions({}, 'otel', { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'TRUE ' }).captureContent).toBe(true);
    expect(resolveOtelOptions({}, 'otel', { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '1' }).captureContent).toBe(false);
  });

  it('redacts every secret canary format the runtime knows', async () => {
    const t = telemetry();
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer(SECRET_CANARIES.join(' | '))]),
      hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true })],
    });
    await runtime.run(SECRET_CANARIES.join('\n'));
    const text = everything(t.spans());
    expect(text).toContain('gen_ai.input.messages');
    for (const value of SECRET_CANARIES) expect(text, value).not.toContain(value);
    await t.shutdown();
  });

  it('cuts long strings (JSON kept valid) and records images as digests or URLs, never their bytes', async () => {
    const t = telemetry();
    const png = Buffer.alloc(3000, 7).toString('base64');
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('x'.repeat(500))]),
      hooks: [
        // A hook adds images to the request, as a multimodal app would.
        { beforeModel: (request) => ({ ...request, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', mediaType: 'image/png', data: png }, { type: 'image', mediaType: 'image/jpeg', url: 'https://example.com/cat.jpg' }] }] }) },
        createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true, maxContentChars: 100 }),
      ],
    });
    expect((await runtime.run('hi')).stopReason).toBe('final_answer');
    const [chat] = named(t.spans(), 'chat scripted-1');
    const input = JSON.parse(chat!.attributes['gen_ai.input.messages'] as string) as { parts: Record<string, unknown>[] }[];
    expect(input[0]!.parts).toEqual([
      { type: 'text', content: 'what is this?' },
      { type: 'agentrt.media_digest', modality: 'image', mime_type: 'image/png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 3000 },
      { type: 'uri', modality: 'image', mime_type: 'image/jpeg', uri: 'https://example.com/cat.jpg' },
    ]);
    expect(chat!.attributes['gen_ai.input.messages']).not.toContain(png.slice(0, 50));
    const output = JSON.parse(chat!.attributes['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[];
    expect(output[0]!.parts[0]!.content).toBe(`${'x'.repeat(100)}…[truncated 400 chars]`);
    await t.shutdown();
  });
});

describe('captured content: the total size of one attribute is bounded', () => {
  type Captured = { role: string; parts: { type: string; content?: string; omitted_messages?: number; max_total_chars?: number }[] }[];
  const history = (count: number) => Array.from({ length: count }, (_, i) => (i % 2 === 0
    ? { role: 'user' as const, content: `question ${i} ${'q'.repeat(100)}` }
    : { role: 'assistant' as const, content: `answer ${i} ${'a'.repeat(100)}` }));

  it('a 10 000-message history keeps its first and latest messages within maxContentTotalChars, with an agentrt.truncated marker for the rest', async () => {
    const t = telemetry();
    const input = [{ role: 'system' as const, content: 'you are terse' }, ...history(10_000), { role: 'user' as const, content: 'the latest question' }];
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('done')]),
      hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true })],
    });
    expect((await runtime.run({ input })).stopReason).toBe('final_answer');
    const [chat] = named(t.spans(), 'chat scripted-1');
    const spans = [chat!, ...t.spans().filter((span) => span.name.startsWith('invoke_agent'))];
    expect(spans.length).toBe(2);
    for (const span of spans) {
      const text = span.attributes['gen_ai.input.messages'] as string;
      expect(text.length, span.name).toBeLessThanOrEqual(DEFAULT_MAX_CONTENT_TOTAL_CHARS);
      expect(text.length, span.name).toBeGreaterThan(DEFAULT_MAX_CONTENT_TOTAL_CHARS / 2);
      const messages = JSON.parse(text) as Captured;
      expect(messages[0]).toEqual({ role: 'system', parts: [{ type: 'text', content: 'you are terse' }] });
      const marker = messages[1]!.parts[0]!;
      expect(marker).toMatchObject({ type: TRUNCATED_PART, max_total_chars: DEFAULT_MAX_CONTENT_TOTAL_CHARS });
      expect(marker.content).toMatch(/^\[\d+ of 10002 messages left out: captured content is capped at 262144 characters\]$/);
      expect(messages.at(-1)).toEqual({ role: 'user', parts: [{ type: 'text', content: 'the latest question' }] });
      // Kept + left out = all; the kept ones are the latest, in order.
      expect(messages.length - 1 + marker.omitted_messages!).toBe(input.length);
      expect(messages.at(-2)!.parts[0]!.content).toMatch(/^answer 9999 /);
    }
    await t.shutdown();
  });

  it('keeps a transcript under the bound whole, and bounds any other value (tool arguments) as an agentrt.truncated object with a preview', async () => {
    const t = telemetry();
    const wide = defineTool({ name: 'wide', description: 'takes many fields', input: z.record(z.string(), z.string()), execute: () => 'ok' });
    const args = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field${i}`, `"quoted" value ${i} ${'v'.repeat(50)}`]));
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.call('wide', args), ScriptedModel.answer('done')]),
      tools: [wide],
      hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true, maxContentTotalChars: 2_048 })],
    });
    expect((await runtime.run('go')).stopReason).toBe('final_answer');
    const [tool] = named(t.spans(), 'execute_tool wide');
    const text = tool!.attributes['gen_ai.tool.call.arguments'] as string;
    expect(text.length).toBeLessThanOrEqual(2_048);
    const bounded = JSON.parse(text) as { 'agentrt.truncated': { chars: number; max_total_chars: number }; preview: string };
    expect(bounded['agentrt.truncated']).toEqual({ chars: JSON.stringify(args).length, max_total_chars: 2_048 });
    expect(JSON.stringify(args).startsWith(bounded.preview)).toBe(true);
    expect(bounded.preview.length).toBeGreaterThan(1_000);
    // The short transcript of the first chat span is kept whole.
    const [chat] = named(t.spans(), 'chat scripted-1');
    expect(JSON.parse(chat!.attributes['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'go' }] }]);
    await t.shutdown();
  });

  it('refuses a maxContentTotalChars that is not an integer from 1 024 to 100 000 000', () => {
    for (const bad of [100, 1_023.5, 100_000_001, Number.NaN]) expect(() => resolveOtelOptions({ maxContentTotalChars: bad })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'otel.maxContentTotalChars' }));
    expect(resolveOtelOptions({}).maxContentTotalChars).toBe(DEFAULT_MAX_CONTENT_TOTAL_CHARS);
  });
});
