import { AgentrtError, createRuntime, defineTool, type Message, type ModelStreamEvent } from '@agentrt/core';
import { AiSdkModel, type AiSdkLanguageModel, type AiSdkWarning } from '@agentrt/model-ai-sdk';
import { MEDIA_SAMPLES, signThinking, startAnthropicServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const FAST = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const user = (content: string): Message => ({ role: 'user', content });
const request = (messages: Message[], extra: object = {}) => ({ messages, tools: [], signal: new AbortController().signal, ...extra });
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};
const drain = async (events: AsyncIterable<ModelStreamEvent>) => {
  const out: ModelStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
};
const body = (s: LoopbackServer, index: number) => s.requests[index]!.body as Record<string, any>;
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const openai = async (steps: LoopbackStep[], options: object = {}) => {
  server = await startOpenAIServer(steps);
  return new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-loopback', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini'), retry: FAST, ...options });
};
const anthropic = async (steps: LoopbackStep[], options: object = {}) => {
  server = await startAnthropicServer(steps);
  return new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-loopback', baseURL: `${server.url}/v1` })('claude-sonnet-4-5'), retry: FAST, ...options });
};
const thinking = (budgetTokens: number) => ({ providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens } } } });

describe('one retry layer: agentrt\'s, counted on the wire', () => {
  for (const [name, make] of [['openai', openai], ['anthropic', anthropic]] as const) {
    it(`${name}: 429 with Retry-After: 1 then 200 is exactly two HTTP attempts, a second apart (generate and stream)`, async () => {
      const model = await make([{ status: 429, headers: { 'retry-after': '1' }, message: 'slow down' }, { reply: { text: 'ok' } }]);
      let started = Date.now();
      expect((await model.generate(request([user('hi')]))).message.content).toBe('ok');
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(server!.requests).toHaveLength(2);
      server!.push({ status: 429, headers: { 'retry-after': '1' }, message: 'slow down' }, { reply: { text: 'streamed ok' } });
      started = Date.now();
      const events = await drain(model.stream(request([user('hi')])));
      expect(events.at(-1)).toMatchObject({ type: 'response', response: { message: { content: 'streamed ok' } } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(server!.requests).toHaveLength(4);
    });

    it(`${name}: with maxAttempts 1, a 429, a 503 and a connection reset are each exactly one HTTP attempt (the provider package never retries)`, async () => {
      const model = await make([{ status: 429, headers: { 'retry-after-ms': '1' } }, { status: 503 }, { reset: true }, { reply: { text: 'never' } }], { retry: { maxAttempts: 1 } });
      expect(await codeOf(model.generate(request([user('hi')])))).toBe('model_rate_limited');
      expect(await codeOf(model.generate(request([user('hi')])))).toBe('model_unavailable');
      expect(await codeOf(drain(model.stream(request([user('hi')]))))).toBe('model_unavailable');
      expect(server!.requests).toHaveLength(3);
      expect(server!.pending).toBe(1);
    });
  }

  it('aborting mid-stream rejects with the caller\'s reason after visible output, without another attempt', async () => {
    const model = await openai([{ reply: { text: 'x'.repeat(40_000) } }, { reply: { text: 'never' } }]);
    const controller = new AbortController();
    const seen: ModelStreamEvent[] = [];
    const outcome = (async () => {
      for await (const event of model.stream({ messages: [user('long please')], tools: [], signal: controller.signal })) {
        seen.push(event);
        if (seen.length === 3) controller.abort(new Error('killed mid-stream'));
      }
    })();
    await expect(outcome).rejects.toThrow('killed mid-stream');
    expect(seen.filter((e) => e.type === 'text_delta').length).toBeLessThan(100);
    expect(seen.some((e) => e.type === 'response')).toBe(false);
    expect(server!.requests).toHaveLength(1);
  });
});

describe('requests on the wire', () => {
  it('sends tools, the system prompt and sampling settings; maps usage and finish reason', async () => {
    const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const model = await openai([{ reply: { toolCalls: [{ id: 'call_1', name: 'add', args: { a: 1, b: 2 } }], usage: { inputTokens: 30, outputTokens: 9 } } }], { settings: { temperature: 0.2, seed: 7, stopSequences: ['END'] }, headers: { 'x-trace': 'abc' } });
    const response = await model.generate(request([{ role: 'system', content: 'be terse' }, user('add 1 and 2')], { tools: [add.spec] }));
    expect(response).toEqual({ message: { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'add', args: { a: 1, b: 2 } }] }, usage: { inputTokens: 30, outputTokens: 9 }, finishReason: 'tool_calls', model: 'gpt-4o-mini', id: 'chatcmpl-loopback' });
    const sent = body(server!, 0);
    expect(sent).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, seed: 7, stop: ['END'], messages: [{ role: 'system', content: 'be terse' }, { role: 'user', content: 'add 1 and 2' }] });
    expect(sent.tools[0]).toMatchObject({ type: 'function', function: { name: 'add', description: 'Adds', parameters: { type: 'object', required: ['a', 'b'] } } });
    expect(server!.requests[0]!.headers['x-trace']).toBe('abc');
  });

  it('OpenAI: a tool\'s image travels in a user message after the tool results, never serialized into the tool text', async () => {
    const model = await openai([{ reply: { text: 'a blank screen' } }]);
    const transcript: Message[] = [
      user('look'),
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_a', name: 'shot', args: {} }, { id: 'call_b', name: 'note', args: {} }] },
      { role: 'tool', toolCallId: 'call_a', name: 'shot', content: [{ type: 'text', text: 'taken' }, { type: 'image', mediaType: 'image/png', data: MEDIA_SAMPLES.png }] },
      { role: 'tool', toolCallId: 'call_b', name: 'note', content: 'noted' },
    ];
    await model.generate(request(transcript));
    expect(rejections(server!)).toEqual([]);
    const messages = body(server!, 0).messages as Record<string, any>[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
    expect(messages[2]!.content).toBe('taken\n[1 attachment returned by this tool follows in the next user message]');
    expect(messages[4]!.content).toEqual([
      { type: 'text', text: 'Attachments returned by tool call call_a (shot):' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${MEDIA_SAMPLES.png}` } },
    ]);
    expect(JSON.stringify(messages)).not.toContain('mediaType');
  });

  it('OpenAI structured output: a strict schema goes out strict, one with optional fields as best effort; both accepted', async () => {
    const model = await openai([{ reply: { text: '{"city":"Paris"}' } }, { reply: { text: '{"city":"Paris"}' } }]);
    const strict = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const optional = { type: 'object', properties: { city: { type: 'string' }, note: { type: 'string' } }, required: ['city'], additionalProperties: false };
    await model.generate(request([user('where?')], { output: { name: 'place', schema: strict } }));
    await model.generate(request([user('where?')], { output: { name: 'place', schema: optional, description: 'a place' } }));
    expect(rejections(server!)).toEqual([]);
    expect(body(server!, 0).response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'place', strict: true, schema: strict } });
    expect(body(server!, 1).response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'place', strict: false, description: 'a place' } });
  });

  it('no native structured output where the model is not declared to have it (the runtime validates instead)', async () => {
    const model = await openai([{ reply: { text: '{}' } }], { capabilities: { structuredOutput: false } });
    await model.generate(request([user('x')], { output: { name: 'x', schema: { type: 'object', properties: {}, additionalProperties: false } } }));
    expect(body(server!, 0).response_format).toBeUndefined();
  });

  it('Anthropic: system messages anywhere go to the top-level system; a plain-text file from a tool goes as text; a PDF from a tool as a document', async () => {
    const model = await anthropic([{ reply: { text: 'read it' } }]);
    const text = Buffer.from('line one\nline two').toString('base64');
    await model.generate(request([
      { role: 'system', content: 'first rule' },
      user('read the files'),
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_1', name: 'read', args: { path: 'a' } }] },
      { role: 'tool', toolCallId: 'toolu_1', name: 'read', content: [{ type: 'file', mediaType: 'text/plain', data: text, filename: 'a.txt' }, { type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf }] },
      { role: 'system', content: 'second rule' },
    ]));
    expect(rejections(server!)).toEqual([]);
    const sent = body(server!, 0);
    expect(JSON.stringify(sent.system)).toContain('first rule');
    expect(JSON.stringify(sent.system)).toContain('second rule');
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    const result = sent.messages[2].content[0];
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt:\nline one\nline two' }, { type: 'document', source: { type: 'base64', media_type: 'application/pdf' } }] });
  });

  it('malformed arguments in the history stay visible to the model (under _invalid_arguments) and the provider accepts them', async () => {
    const model = await anthropic([{ reply: { text: 'sorry' } }]);
    await model.generate(request([
      user('add'),
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_bad', name: 'add', args: '{"a": 1, "b": ' }] },
      { role: 'tool', toolCallId: 'toolu_bad', name: 'add', content: 'tool_args_invalid: not JSON', isError: true, code: 'tool_args_invalid' },
    ]));
    expect(rejections(server!)).toEqual([]);
    expect(body(server!, 0).messages[1].content[0]).toMatchObject({ type: 'tool_use', input: { _invalid_arguments: '{"a": 1, "b": ' } });
    expect(body(server!, 0).messages[2].content[0]).toMatchObject({ type: 'tool_result', is_error: true });
  });
});

describe('Anthropic extended thinking through providerOptions', () => {
  it('keeps the thinking budget inside maxOutputTokens: max_tokens on the wire is the limit asked for', async () => {
    const model = await anthropic([{ reply: { text: 'a' } }, { reply: { text: 'b' } }, { reply: { text: 'c' } }], { ...thinking(2048), maxOutputTokens: 3000 });
    await model.generate(request([user('1')]));
    await model.generate(request([user('2')], { maxOutputTokens: 1500 }));
    await model.generate(request([user('3')], { maxOutputTokens: 900 }));
    expect(rejections(server!)).toEqual([]);
    expect([0, 1, 2].map((i) => [body(server!, i).max_tokens, body(server!, i).thinking?.budget_tokens])).toEqual([[3000, 2048], [1500, 1499], [900, undefined]]);
    expect(model.capabilities.reasoning).toBe(true);
  });

  it('returns signed and redacted reasoning with its provider data, and sends both back unchanged', async () => {
    const model = await anthropic([
      { reply: { reasoning: [{ text: 'let me think' }, { redacted: true }], toolCalls: [{ id: 'toolu_r', name: 'add', args: { a: 1, b: 1 } }] } },
      { reply: { text: 'two' } },
    ], thinking(1024));
    const first = await model.generate(request([user('1 + 1?')]));
    const [signed, redacted] = first.message.reasoning!;
    expect(signed).toEqual({ text: 'let me think', providerData: { anthropic: { signature: signThinking('let me think') } } });
    expect(redacted!.text).toBe('');
    expect(redacted!.providerData!.anthropic).toMatchObject({ redactedData: expect.any(String), redacted: expect.any(String) });
    const messages: Message[] = [user('1 + 1?'), first.message, { role: 'tool', toolCallId: 'toolu_r', name: 'add', content: '2' }];
    expect((await model.generate(request(messages))).message.content).toBe('two');
    expect(rejections(server!)).toEqual([]);
    expect(body(server!, 1).messages[1].content.slice(0, 2)).toEqual([
      { type: 'thinking', thinking: 'let me think', signature: signThinking('let me think') },
      { type: 'redacted_thinking', data: (redacted!.providerData!.anthropic as { redacted: string }).redacted },
    ]);
  });

  it('takes reasoning in @agentrt/model-anthropic\'s format ({ anthropic: { signature } } / { redacted }) too', async () => {
    const model = await anthropic([{ reply: { reasoning: [{ redacted: true }], toolCalls: [{ id: 'toolu_x', name: 'add', args: {} }] } }, { reply: { text: 'done' } }], thinking(1024));
    const produced = await model.generate(request([user('go')]));
    const native = { text: '', providerData: { anthropic: { redacted: (produced.message.reasoning![0]!.providerData!.anthropic as { redacted: string }).redacted } } };
    await model.generate(request([user('go'), { ...produced.message, reasoning: [native] }, { role: 'tool', toolCallId: 'toolu_x', name: 'add', content: '0' }]));
    expect(rejections(server!)).toEqual([]);
    expect(body(server!, 1).messages[1].content[0]).toEqual({ type: 'redacted_thinking', data: native.providerData.anthropic.redacted });
  });

  it('continues a tool-use turn that has no signed thinking (another provider\'s turn) with thinking off for that call, as the API advises', async () => {
    const model = await anthropic([{ reply: { text: 'continued' } }, { reply: { reasoning: [{ text: 'fresh' }], text: 'later' } }], thinking(1024));
    const foreign: Message[] = [
      user('add'),
      { role: 'assistant', content: '', reasoning: [{ text: 'openai had no signature' }], toolCalls: [{ id: 'call_1', name: 'add', args: { a: 1, b: 1 } }] },
      { role: 'tool', toolCallId: 'call_1', name: 'add', content: '2' },
    ];
    expect((await model.generate(request(foreign))).message.content).toBe('continued');
    expect(body(server!, 0).thinking).toBeUndefined();
    expect((await model.generate(request([...foreign, { role: 'assistant', content: 'continued' }, user('again')]))).message.reasoning).toEqual([{ text: 'fresh', providerData: { anthropic: { signature: signThinking('fresh') } } }]);
    expect(body(server!, 1).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(rejections(server!)).toEqual([]);
  });
});

describe('errors', () => {
  it('a part the provider package cannot build is model_bad_request with no HTTP attempt and no retry', async () => {
    const model = await openai([{ reply: { text: 'never' } }], { capabilities: { fileTypes: ['application/pdf', 'audio/ogg'] } });
    const audio: Message[] = [{ role: 'user', content: [{ type: 'file', mediaType: 'audio/ogg', data: 'T2dnUw==' }] }];
    expect(await codeOf(model.generate(request(audio)))).toBe('model_bad_request');
    expect(await codeOf(drain(model.stream(request(audio))))).toBe('model_bad_request');
    expect(server!.requests).toHaveLength(0);
  });

  it('a missing API key is model_auth, not retried', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const model = new AiSdkModel({ model: createOpenAI({ baseURL: 'http://127.0.0.1:9/v1' }).chat('gpt-4o-mini'), retry: FAST });
      expect(await codeOf(model.generate(request([user('hi')])))).toBe('model_auth');
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('unsupported content fails before any request, naming the model', async () => {
    const model = await openai([{ reply: { text: 'never' } }]);
    const error = await model.generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf' }] }])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unsupported_content' });
    expect(String((error as Error).message)).toContain('openai:gpt-4o-mini');
    expect(server!.requests).toHaveLength(0);
  });
});

describe('construction', () => {
  const model = createOpenAI({ apiKey: 'k' }).chat('gpt-4o');
  const field = (make: () => unknown) => {
    try {
      make();
      return 'constructed';
    } catch (error) {
      return (error as { code?: string; field?: string }).code === 'config_invalid' ? (error as { field: string }).field : `other: ${String(error)}`;
    }
  };

  it('declares per known provider: provider family as the adapter provider, capabilities by model family', () => {
    const gpt = new AiSdkModel({ model });
    expect([gpt.provider, gpt.model, gpt.specificationVersion]).toEqual(['openai', 'gpt-4o', 'v3']);
    expect(gpt.capabilities).toMatchObject({ imageTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'], fileTypes: ['application/pdf'], imageUrls: true, fileUrls: false, structuredOutput: true, reasoning: false });
    expect(new AiSdkModel({ model: createOpenAI({ apiKey: 'k' }).chat('gpt-3.5-turbo') }).capabilities).toMatchObject({ imageTypes: [], structuredOutput: false });
    const claude = new AiSdkModel({ model: createAnthropic({ apiKey: 'k' })('claude-sonnet-4-5'), provider: 'my-anthropic' });
    expect(claude.provider).toBe('my-anthropic');
    expect(claude.capabilities).toMatchObject({ fileTypes: ['application/pdf', 'text/plain'], partsInToolResults: true, structuredOutput: true, reasoning: false });
    expect(new AiSdkModel({ model: createAnthropic({ apiKey: 'k' })('claude-3-5-haiku-latest') }).capabilities.structuredOutput).toBe(false);
  });

  it('an unknown provider is text only until the capabilities option says otherwise', () => {
    const custom: AiSdkLanguageModel = { specificationVersion: 'v3', provider: 'acme.chat', modelId: 'acme-1', doGenerate: async () => ({}), doStream: async () => ({}) };
    expect(new AiSdkModel({ model: custom }).capabilities).toMatchObject({ imageTypes: [], fileTypes: [], structuredOutput: false, reasoning: false });
    expect(new AiSdkModel({ model: custom, capabilities: { imageTypes: ['image/png'], structuredOutput: true } }).capabilities).toMatchObject({ imageTypes: ['image/png'], structuredOutput: true });
    expect(new AiSdkModel({ model: custom }).provider).toBe('acme');
  });

  it('rejects bad options naming the field', () => {
    expect(field(() => new AiSdkModel({ model: 'gpt-4o' as never }))).toBe('model');
    expect(field(() => new AiSdkModel(undefined as never))).toBe('model');
    expect(field(() => new AiSdkModel({ model: { ...model, specificationVersion: 'v1' } as never }))).toBe('model');
    expect(field(() => new AiSdkModel({ model: { specificationVersion: 'v3', provider: 'x', modelId: 'y' } as never }))).toBe('model');
    expect(field(() => new AiSdkModel({ model, timeoutMs: 0 }))).toBe('timeoutMs');
    expect(field(() => new AiSdkModel({ model, maxOutputTokens: 1.5 }))).toBe('maxOutputTokens');
    expect(field(() => new AiSdkModel({ model, settings: { temperature: Number.NaN } }))).toBe('settings.temperature');
    expect(field(() => new AiSdkModel({ model, settings: { maxTokens: 5 } as never }))).toBe('settings.maxTokens');
    expect(field(() => new AiSdkModel({ model, settings: { stopSequences: [1] } as never }))).toBe('settings.stopSequences');
    expect(field(() => new AiSdkModel({ model, providerOptions: { openai: 'x' } as never }))).toBe('providerOptions.openai');
    expect(field(() => new AiSdkModel({ model, headers: { a: 1 } as never }))).toBe('headers');
    expect(field(() => new AiSdkModel({ model, toolResultMedia: 'inline' as never }))).toBe('toolResultMedia');
    expect(field(() => new AiSdkModel({ model, capabilities: { imageTypes: ['png'] } }))).toBe('capabilities.imageTypes');
    expect(field(() => new AiSdkModel({ model, retry: { maxAttempts: 0 } }))).toBe('retry.maxAttempts');
  });
});

/** A hand-written specification-v3 model: stream shapes the loopback servers cannot produce. */
function v3Model(parts: () => unknown[], options: { onCall?: (options: Record<string, unknown>) => void; hangAfter?: number; provider?: string } = {}): AiSdkLanguageModel {
  return {
    specificationVersion: 'v3',
    provider: options.provider ?? 'acme.chat',
    modelId: 'acme-1',
    doGenerate: async () => ({ content: [], finishReason: { unified: 'stop', raw: 'stop' }, usage: {}, warnings: [] }),
    doStream: async (callOptions: never) => {
      options.onCall?.(callOptions);
      const queue = parts();
      return {
        stream: new ReadableStream({
          pull(controller) {
            if (options.hangAfter !== undefined && queue.length <= options.hangAfter) return new Promise(() => undefined); // stalls, ignoring abort
            const next = queue.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(next);
            return undefined;
          },
        }),
      };
    },
  };
}
const finish = { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: { inputTokens: { total: 5 }, outputTokens: { total: 2 } } };

describe('stream parts (a hand-written v3 model)', () => {
  it('maps text, reasoning (with merged metadata), incremental and whole tool calls; drops provider-executed calls; reports warnings', async () => {
    const warnings: AiSdkWarning[][] = [];
    const model = new AiSdkModel({
      model: v3Model(() => [
        { type: 'stream-start', warnings: [{ type: 'unsupported', feature: 'topK' }] },
        { type: 'reasoning-start', id: 'r1', providerMetadata: { acme: { id: 'x' } } },
        { type: 'reasoning-delta', id: 'r1', delta: 'hmm' },
        { type: 'reasoning-end', id: 'r1', providerMetadata: { acme: { sig: 'abc' } } },
        { type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: 'Hel' }, { type: 'text-delta', id: 't', delta: 'lo' }, { type: 'text-end', id: 't' },
        { type: 'tool-input-start', id: 'c1', toolName: 'add' }, { type: 'tool-input-delta', id: 'c1', delta: '{"a":' }, { type: 'tool-input-delta', id: 'c1', delta: '1}' },
        { type: 'tool-input-end', id: 'c1' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'add', input: '{"a":1}' },
        { type: 'tool-call', toolCallId: 'c2', toolName: 'search', input: '{"q":"x"}', providerExecuted: true },
        { type: 'tool-result', toolCallId: 'c2', toolName: 'search', result: { hits: 1 } },
        { type: 'tool-call', toolCallId: 'c3', toolName: 'mul', input: '{"b":2}' },
        finish,
      ]),
      onWarnings: (list) => warnings.push([...list]),
    });
    const events = await drain(model.stream(request([user('go')])));
    expect(events.filter((e) => e.type !== 'response')).toEqual([
      { type: 'reasoning_delta', text: 'hmm' },
      { type: 'text_delta', text: 'Hel' }, { type: 'text_delta', text: 'lo' },
      { type: 'tool_call_delta', index: 0, id: 'c1', name: 'add' }, { type: 'tool_call_delta', index: 0, argsDelta: '{"a":' }, { type: 'tool_call_delta', index: 0, argsDelta: '1}' },
      { type: 'tool_call_delta', index: 1, id: 'c3', name: 'mul', argsDelta: '{"b":2}' },
    ]);
    expect(events.at(-1)).toEqual({ type: 'response', response: {
      message: { role: 'assistant', content: 'Hello', toolCalls: [{ id: 'c1', name: 'add', args: { a: 1 } }, { id: 'c3', name: 'mul', args: { b: 2 } }], reasoning: [{ text: 'hmm', providerData: { acme: { id: 'x', sig: 'abc' } } }] },
      usage: { inputTokens: 5, outputTokens: 2 },
      finishReason: 'tool_calls',
    } });
    expect(warnings).toEqual([[{ type: 'unsupported', feature: 'topK' }]]);
  });

  it('an error part before output is retried; after output it is model_unavailable without a retry', async () => {
    let calls = 0;
    const early = new AiSdkModel({ model: v3Model(() => (++calls === 1 ? [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }] : [{ type: 'text-delta', id: 't', delta: 'ok' }, finish])), retry: FAST });
    const events = await drain(early.stream(request([user('go')])));
    expect(events.at(-1)).toMatchObject({ type: 'response', response: { message: { content: 'ok' } } });
    expect(calls).toBe(2);
    let lateCalls = 0;
    const late = new AiSdkModel({ model: v3Model(() => (++lateCalls, [{ type: 'text-delta', id: 't', delta: 'partial' }, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }])), retry: FAST });
    expect(await codeOf(drain(late.stream(request([user('go')]))))).toBe('model_unavailable');
    expect(lateCalls).toBe(1);
  });

  it('a stream that ends without a finish part is incomplete: model_unavailable, never a silent partial answer', async () => {
    const model = new AiSdkModel({ model: v3Model(() => [{ type: 'text-delta', id: 't', delta: 'half an ans' }]), retry: FAST });
    expect(await codeOf(drain(model.stream(request([user('go')]))))).toBe('model_unavailable');
  });

  it('a stream that stalls and ignores the abort signal still ends: the idle timeout fires, and a caller abort is prompt', async () => {
    const stalled = new AiSdkModel({ model: v3Model(() => [{ type: 'text-delta', id: 't', delta: 'a' }, finish], { hangAfter: 1 }), timeoutMs: 100, retry: FAST });
    expect(await codeOf(drain(stalled.stream(request([user('go')]))))).toBe('model_unavailable'); // output was visible: a broken stream, not retried
    const silent = new AiSdkModel({ model: v3Model(() => [finish], { hangAfter: 1 }), timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(await codeOf(drain(silent.stream(request([user('go')]))))).toBe('model_timeout');
    const controller = new AbortController();
    const pending = drain(new AiSdkModel({ model: v3Model(() => [finish], { hangAfter: 1 }), timeoutMs: 30_000 }).stream({ messages: [user('go')], tools: [], signal: controller.signal }));
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('OpenAI Responses API: reasoning is kept in the message but not sent back (its item ids cannot travel with the calls)', async () => {
    const prompts: unknown[] = [];
    const responses = new AiSdkModel({ model: v3Model(() => [finish], { provider: 'openai.responses', onCall: (options) => prompts.push(options.prompt) }) });
    const chat = new AiSdkModel({ model: v3Model(() => [finish], { provider: 'acme.chat', onCall: (options) => prompts.push(options.prompt) }) });
    const transcript: Message[] = [user('go'), { role: 'assistant', content: 'ok', reasoning: [{ text: 'summary', providerData: { openai: { itemId: 'rs_1' } } }] }, user('again')];
    await drain(responses.stream(request(transcript)));
    await drain(chat.stream(request(transcript)));
    expect(prompts.map((prompt) => (prompt as { role: string; content: unknown }[])[1]!.content)).toEqual([
      [{ type: 'text', text: 'ok' }],
      [{ type: 'reasoning', text: 'summary', providerOptions: { openai: { itemId: 'rs_1' } } }, { type: 'text', text: 'ok' }],
    ]);
  });

  it('hostile provider metadata: __proto__ keys never reach providerData, and Object.prototype stays clean', async () => {
    const metadata = JSON.parse('{"__proto__":{"polluted":true},"acme":{"__proto__":{"polluted":true},"sig":"s"}}');
    const model = new AiSdkModel({ model: v3Model(() => [{ type: 'reasoning-delta', id: 'r', delta: 'x', providerMetadata: metadata }, finish]) });
    const last = (await drain(model.stream(request([user('go')])))).at(-1);
    expect(last?.type === 'response' && last.response.message.reasoning).toEqual([{ text: 'x', providerData: { acme: { sig: 's' } } }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    let sent: Record<string, any> | undefined;
    const echo = new AiSdkModel({ model: v3Model(() => [finish], { onCall: (options) => (sent = options) }) });
    await drain(echo.stream(request([user('go'), { role: 'assistant', content: 'a', reasoning: [{ text: 'x', providerData: metadata }] }, user('again')])));
    expect(sent!.prompt[1].content[0]).toEqual({ type: 'reasoning', text: 'x', providerOptions: { acme: { sig: 's' } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('through createRuntime', () => {
  it('prices usage under the provider family (DEFAULT_PRICING for openai:gpt-4o-mini)', async () => {
    const model = await openai([{ reply: { text: 'hi', usage: { inputTokens: 1_000_000, outputTokens: 0 } } }]);
    const result = await createRuntime({ model }).run('hello');
    expect(result.usage).toMatchObject({ inputTokens: 1_000_000, costUsd: 0.15 });
  });
});
