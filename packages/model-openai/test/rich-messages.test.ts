import { AgentrtError, type ConfigError, type Message } from '@agentrt/core';
import { isStrictSchema, OpenAIModel, toOpenAIMessages, type OpenAIModelOptions } from '@agentrt/model-openai';
import { MEDIA_SAMPLES, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (steps: LoopbackStep[]) => (server = await startOpenAIServer(steps));
const model = (s: LoopbackServer, options: Partial<OpenAIModelOptions> = {}) =>
  new OpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: `${s.url}/v1`, retry: { maxAttempts: 1 }, ...options });
const request = (messages: Message[], extra: Record<string, unknown> = {}) => ({ messages, tools: [], signal: new AbortController().signal, ...extra });
const body = (s: LoopbackServer, index: number) => s.requests[index]!.body as Record<string, any>;
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};
const png = MEDIA_SAMPLES.png;

describe('OpenAIModel: content parts', () => {
  it('maps user images (data URL, https, detail) and PDFs (file_data, filename) to Chat Completions parts', async () => {
    const s = await start([{ reply: { text: 'seen' } }]);
    await model(s, { imageDetail: 'high' }).generate(request([{
      role: 'user',
      content: [
        { type: 'text', text: 'compare' },
        { type: 'image', mediaType: 'image/png', data: png },
        { type: 'image', mediaType: 'image/jpeg', url: 'https://example.com/a.jpg' },
        { type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf, filename: 'q3.pdf' },
        { type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf },
      ],
    }]));
    expect(s.requests[0]!.rejected).toBeUndefined();
    expect(body(s, 0).messages[0].content).toEqual([
      { type: 'text', text: 'compare' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}`, detail: 'high' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.jpg', detail: 'high' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${MEDIA_SAMPLES.pdf}`, filename: 'q3.pdf' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${MEDIA_SAMPLES.pdf}`, filename: 'document.pdf' } },
    ]);
  });

  it('workaround: a tool result\'s media travels in one user message after that turn\'s tool messages, labelled with the call id', async () => {
    const s = await start([{ reply: { text: 'two screens' } }]);
    const calls = [{ id: 'call_a', name: 'shot', args: {} }, { id: 'call_b', name: 'shot', args: {} }, { id: 'call_c', name: 'count', args: {} }];
    await model(s).generate(request([
      { role: 'user', content: 'look' },
      { role: 'assistant', content: '', toolCalls: calls },
      { role: 'tool', toolCallId: 'call_a', name: 'shot', content: [{ type: 'text', text: 'first' }, { type: 'image', mediaType: 'image/png', data: png }] },
      { role: 'tool', toolCallId: 'call_b', name: 'shot', content: [{ type: 'image', mediaType: 'image/gif', data: MEDIA_SAMPLES.gif }] },
      { role: 'tool', toolCallId: 'call_c', name: 'count', content: '2' },
      { role: 'user', content: 'compare them' },
    ]));
    expect(s.requests[0]!.rejected).toBeUndefined();
    expect(body(s, 0).messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_a', content: 'first\n[1 attachment returned by this tool follows in the next user message]' },
      { role: 'tool', tool_call_id: 'call_b', content: '[1 attachment returned by this tool follows in the next user message]' },
      { role: 'tool', tool_call_id: 'call_c', content: '2' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Attachments returned by tool call call_a (shot):' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          { type: 'text', text: 'Attachments returned by tool call call_b (shot):' },
          { type: 'image_url', image_url: { url: `data:image/gif;base64,${MEDIA_SAMPLES.gif}` } },
        ],
      },
      { role: 'user', content: 'compare them' },
    ]);
  });

  it('sends no reasoning (Chat Completions has no field for it)', () => {
    const out = toOpenAIMessages([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo', reasoning: [{ text: 'private', providerData: { anthropic: { signature: 's' } } }] }]);
    expect(JSON.stringify(out)).not.toContain('private');
  });

  it('refuses media for a text-only model family, files by URL and unknown types before any request', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const image: Message[] = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: png }] }];
    expect(await codeOf(model(s, { model: 'gpt-3.5-turbo' }).generate(request(image)))).toBe('unsupported_content');
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf' }] }])))).toBe('unsupported_content');
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'text/csv', data: 'YSxi' }] }])))).toBe('unsupported_content');
    expect(s.requests).toHaveLength(0);
  });
});

describe('OpenAIModel: structured output and output tokens', () => {
  const closed = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };

  it('sends response_format json_schema, strict when the schema meets the strict rules and not otherwise', async () => {
    const s = await start([{ reply: { text: '{"a":"x"}' } }, { reply: { text: '{"a":"x"}' } }]);
    const adapter = model(s);
    await adapter.generate(request([{ role: 'user', content: 'x' }], { output: { name: 'answer', schema: closed, description: 'the answer' } }));
    const optional = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'], additionalProperties: false };
    await adapter.generate(request([{ role: 'user', content: 'x' }], { output: { name: 'answer', schema: optional } }));
    expect(s.requests.map((r) => r.rejected)).toEqual([undefined, undefined]);
    expect(body(s, 0).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: closed, strict: true, description: 'the answer' } });
    expect(body(s, 1).response_format.json_schema.strict).toBe(false);
  });

  it('decides strictness from every level of the schema', () => {
    expect(isStrictSchema(closed)).toBe(true);
    expect(isStrictSchema({ ...closed, properties: { a: { type: 'array', items: { type: 'object', properties: { b: { type: 'string' } }, required: [], additionalProperties: false } } } })).toBe(false);
    expect(isStrictSchema({ ...closed, properties: { a: { oneOf: [{ type: 'string' }, { type: 'number' }] } } })).toBe(false);
    expect(isStrictSchema({ ...closed, properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] } } })).toBe(true);
  });

  it('sends no response_format for a model without Structured Outputs', async () => {
    const s = await start([{ reply: { text: '{"a":"x"}' } }]);
    await model(s, { model: 'gpt-4-turbo' }).generate(request([{ role: 'user', content: 'x' }], { output: { name: 'answer', schema: closed } }));
    expect(body(s, 0).response_format).toBeUndefined();
  });

  it('max_completion_tokens is the smaller of maxTokens and the request\'s maxOutputTokens', async () => {
    const s = await start([{ reply: { text: 'a' } }, { reply: { text: 'b' } }, { reply: { text: 'c' } }, { reply: { text: 'd' } }]);
    const capped = model(s, { maxTokens: 100 });
    await capped.generate(request([{ role: 'user', content: 'x' }], { maxOutputTokens: 50 }));
    await capped.generate(request([{ role: 'user', content: 'x' }], { maxOutputTokens: 500 }));
    await capped.generate(request([{ role: 'user', content: 'x' }]));
    await model(s).generate(request([{ role: 'user', content: 'x' }]));
    expect(s.requests.map((r) => (r.body as any).max_completion_tokens)).toEqual([50, 100, 100, undefined]);
  });

  it('maps a Structured Outputs refusal to content_filter with the refusal text (generate and stream)', async () => {
    const s = await start([{ reply: { refusal: 'I cannot help with that.' } }, { reply: { refusal: 'I cannot help with that.' } }]);
    const adapter = model(s);
    const response = await adapter.generate(request([{ role: 'user', content: 'x' }], { output: { name: 'answer', schema: closed } }));
    expect(response).toMatchObject({ message: { content: 'I cannot help with that.' }, finishReason: 'content_filter' });
    let last: unknown;
    for await (const event of adapter.stream(request([{ role: 'user', content: 'x' }], { output: { name: 'answer', schema: closed } }))) last = event;
    expect(last).toMatchObject({ type: 'response', response: { message: { content: 'I cannot help with that.' }, finishReason: 'content_filter' } });
  });
});

describe('OpenAIModel: capabilities and options', () => {
  const caps = (id: string, options: Partial<OpenAIModelOptions> = {}) => new OpenAIModel({ model: id, apiKey: 'k', ...options }).capabilities;

  it('declares capabilities by model family, overridable', () => {
    expect(caps('gpt-4o-mini')).toMatchObject({ imageTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'], fileTypes: ['application/pdf'], partsInToolResults: true, imageUrls: true, fileUrls: false, structuredOutput: true, reasoning: false });
    expect(caps('ft:gpt-4o-mini:acme::abc').imageTypes).toHaveLength(4);
    expect(caps('gpt-4o-2024-05-13').structuredOutput).toBe(false);
    expect(caps('o3-mini')).toMatchObject({ imageTypes: [], structuredOutput: true });
    expect(caps('gpt-3.5-turbo')).toMatchObject({ imageTypes: [], fileTypes: [], structuredOutput: false });
    expect(caps('llama3.1:8b')).toMatchObject({ imageTypes: [], structuredOutput: false });
    expect(caps('llava', { capabilities: { imageTypes: ['image/png'], partsInToolResults: true } })).toMatchObject({ imageTypes: ['image/png'], partsInToolResults: true });
  });

  it.each([
    ['maxTokens 0', { maxTokens: 0 }, 'maxTokens'],
    ['imageDetail "max"', { imageDetail: 'max' }, 'imageDetail'],
    ['an unknown capability', { capabilities: { audio: true } }, 'capabilities.audio'],
  ])('refuses %s at construction, naming the field', (_name, options, field) => {
    let thrown: unknown;
    try {
      new OpenAIModel({ model: 'gpt-4o', apiKey: 'k', ...(options as object) });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ConfigError).field).toBe(field);
  });
});
