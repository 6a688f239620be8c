import { existsSync } from 'node:fs';
import { AgentrtError, type ConfigError, type Message } from '@agentrt/core';
import { OllamaModel, type OllamaModelOptions } from '@agentrt/model-ollama';
import { MEDIA_SAMPLES, startOllamaServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (steps: LoopbackStep[]) => (server = await startOllamaServer(steps));
const model = (s: LoopbackServer, options: Partial<OllamaModelOptions> = {}) => new OllamaModel({ model: 'llava', host: s.url, retry: { maxAttempts: 1 }, ...options });
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

describe('OllamaModel: images', () => {
  it('sends image parts as base64 images on user and tool messages, text as content', async () => {
    const s = await start([{ reply: { text: 'two pictures' } }]);
    await model(s).generate(request([
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: png }, { type: 'text', text: 'closely' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'shot', args: {} }] },
      { role: 'tool', toolCallId: 'c1', name: 'shot', content: [{ type: 'text', text: 'captured' }, { type: 'image', mediaType: 'image/jpeg', data: MEDIA_SAMPLES.jpeg }] },
    ]));
    expect(s.requests[0]!.rejected).toBeUndefined();
    expect(body(s, 0).messages).toEqual([
      { role: 'user', content: 'look\nclosely', images: [png] },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'shot', arguments: {} } }] },
      { role: 'tool', content: 'captured', tool_name: 'shot', images: [MEDIA_SAMPLES.jpeg] },
    ]);
  });

  it('never lets the client read a local file whose path happens to be valid base64', async () => {
    // '/etc//passwd' is canonical base64 and an existing path: the Node client, given a string,
    // would send that file's contents. The adapter hands it bytes, so the wire carries the data as given.
    const path = '/etc//passwd';
    expect(existsSync(path)).toBe(true);
    const s = await start([{ reply: { text: 'never' } }]);
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: path }] }])))).toBe('model_bad_request');
    expect(body(s, 0).messages[0].images).toEqual([path]);
    expect(s.requests[0]!.rejected?.message).toBe('image: unknown format');
  });

  it('refuses images for a text-only model, files and image URLs before any request', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const image: Message[] = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: png }] }];
    expect(await codeOf(model(s, { model: 'llama3.1' }).generate(request(image)))).toBe('unsupported_content');
    expect(await codeOf(model(s, { capabilities: { imageTypes: [] } }).generate(request(image)))).toBe('unsupported_content');
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' }] }])))).toBe('unsupported_content');
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf }] }])))).toBe('unsupported_content');
    expect(s.requests).toHaveLength(0);
  });

  it('declares vision by model family, structured output always, reasoning with think', () => {
    const caps = (id: string, options: Partial<OllamaModelOptions> = {}) => new OllamaModel({ model: id, ...options }).capabilities;
    for (const id of ['llava:13b', 'llama3.2-vision', 'gemma3:4b', 'qwen2.5vl:7b', 'moondream']) expect(caps(id).imageTypes).toEqual(['image/png', 'image/jpeg']);
    for (const id of ['llama3.1', 'gemma3:1b', 'qwen3:8b', 'deepseek-r1']) expect(caps(id).imageTypes).toEqual([]);
    expect(caps('llama3.1')).toMatchObject({ structuredOutput: true, reasoning: false, imageUrls: false, fileTypes: [] });
    expect(caps('qwen3', { think: 'high' }).reasoning).toBe(true);
    expect(caps('qwen3', { think: false }).reasoning).toBe(false);
  });
});

describe('OllamaModel: thinking, format, num_predict', () => {
  it('passes think, returns thinking as reasoning, and sends reasoning back as thinking', async () => {
    const s = await start([
      { reply: { reasoning: [{ text: 'which tool?' }], toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] } },
      { reply: { reasoning: [{ text: 'sum is 3' }], text: '3' } },
    ]);
    const adapter = model(s, { model: 'qwen3', think: 'medium' });
    const first = await adapter.generate(request([{ role: 'user', content: '1+2' }]));
    expect(first.message.reasoning).toEqual([{ text: 'which tool?' }]);
    const calls = first.message.toolCalls!.map((call) => ({ ...call, id: 'c1' }));
    const second = await adapter.generate(request([{ role: 'user', content: '1+2' }, { ...first.message, toolCalls: calls }, { role: 'tool', toolCallId: 'c1', name: 'add', content: '3' }]));
    expect(second.message).toEqual({ role: 'assistant', content: '3', reasoning: [{ text: 'sum is 3' }] });
    expect(body(s, 0).think).toBe('medium');
    expect(body(s, 1).messages[1]).toMatchObject({ role: 'assistant', thinking: 'which tool?' });
  });

  it('sends another provider\'s reasoning text back as thinking, skipping empty (redacted) entries', async () => {
    const s = await start([{ reply: { text: 'ok' } }]);
    await model(s, { think: true }).generate(request([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'hi', reasoning: [{ text: 'signed thought', providerData: { anthropic: { signature: 'x' } } }, { text: '', providerData: { anthropic: { redacted: 'y' } } }, { text: 'more' }] },
      { role: 'user', content: 'again' },
    ]));
    expect(body(s, 0).messages[1]).toEqual({ role: 'assistant', content: 'hi', thinking: 'signed thought\nmore' });
  });

  it('sends request.output as format and num_predict as the smaller limit', async () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false };
    const s = await start([{ reply: { text: '{"a":1}' } }, { reply: { text: 'x' } }, { reply: { text: 'y' } }, { reply: { text: 'z' } }]);
    const response = await model(s, { modelOptions: { num_predict: 100, temperature: 0 } }).generate(request([{ role: 'user', content: 'x' }], { output: { name: 'a', schema }, maxOutputTokens: 40 }));
    expect(JSON.parse(response.message.content)).toEqual({ a: 1 });
    await model(s, { modelOptions: { num_predict: 100 } }).generate(request([{ role: 'user', content: 'x' }], { maxOutputTokens: 400 }));
    await model(s, { modelOptions: { num_predict: -1 } }).generate(request([{ role: 'user', content: 'x' }], { maxOutputTokens: 30 }));
    await model(s).generate(request([{ role: 'user', content: 'x' }]));
    expect(body(s, 0)).toMatchObject({ format: schema, options: { num_predict: 40, temperature: 0 } });
    expect(s.requests.map((r) => (r.body as any).options?.num_predict)).toEqual([40, 100, 30, undefined]);
  });

  it.each([
    ['think "max"', { think: 'max' }, 'think'],
    ['modelOptions as a string', { modelOptions: 'fast' }, 'modelOptions'],
    ['a capabilities override with a bad flag', { capabilities: { structuredOutput: 'yes' } }, 'capabilities.structuredOutput'],
  ])('refuses %s at construction, naming the field', (_name, options, field) => {
    let thrown: unknown;
    try {
      new OllamaModel({ model: 'llava', ...(options as object) });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ConfigError).field).toBe(field);
  });
});
