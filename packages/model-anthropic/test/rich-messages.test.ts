import { AgentrtError, type ConfigError, type Message, type ModelStreamEvent } from '@agentrt/core';
import { AnthropicModel, type AnthropicModelOptions } from '@agentrt/model-anthropic';
import { MEDIA_SAMPLES, startAnthropicServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (steps: LoopbackStep[]) => (server = await startAnthropicServer(steps));
const model = (s: LoopbackServer, options: Partial<AnthropicModelOptions> = {}) =>
  new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', baseURL: s.url, retry: { maxAttempts: 1 }, ...options });
const signal = () => new AbortController().signal;
const request = (messages: Message[], extra: Record<string, unknown> = {}) => ({ messages, tools: [], signal: signal(), ...extra });
const body = (s: LoopbackServer, index: number) => s.requests[index]!.body as Record<string, any>;
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
const fieldOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return (error as ConfigError).field ?? String(error);
  }
};
const call = { id: 'toolu_1', name: 'shot', args: {} };
const THINKING = { thinking: { budgetTokens: 2048 } } as const;

describe('AnthropicModel: media blocks', () => {
  it('maps images, PDFs (base64 and URL) and plain-text files to image and document blocks', async () => {
    const s = await start([{ reply: { text: 'seen' } }]);
    await model(s).generate(request([{
      role: 'user',
      content: [
        { type: 'text', text: 'compare' },
        { type: 'text', text: '' },
        { type: 'image', mediaType: 'IMAGE/PNG', data: MEDIA_SAMPLES.png },
        { type: 'image', mediaType: 'image/jpeg', url: 'https://example.com/a.jpg' },
        { type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf, filename: 'q3.pdf' },
        { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/q4.pdf' },
        { type: 'file', mediaType: 'text/plain', data: MEDIA_SAMPLES.text, filename: 'notes.txt' },
      ],
    }]));
    expect(s.requests[0]!.rejected).toBeUndefined();
    expect(body(s, 0).messages[0].content).toEqual([
      { type: 'text', text: 'compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: MEDIA_SAMPLES.png } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: MEDIA_SAMPLES.pdf }, title: 'q3.pdf' },
      { type: 'document', source: { type: 'url', url: 'https://example.com/q4.pdf' } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Quarterly revenue: 42 million.\n' }, title: 'notes.txt' },
    ]);
  });

  it('puts a tool\'s images inside its tool_result, which comes first in the user turn', async () => {
    const s = await start([{ reply: { text: 'blank screen' } }]);
    await model(s).generate(request([
      { role: 'user', content: 'look' },
      { role: 'assistant', content: '', toolCalls: [call] },
      { role: 'tool', toolCallId: 'toolu_1', name: 'shot', content: [{ type: 'text', text: 'captured' }, { type: 'image', mediaType: 'image/png', data: MEDIA_SAMPLES.png }] },
      { role: 'user', content: 'what do you see?' },
    ]));
    expect(s.requests[0]!.rejected).toBeUndefined();
    expect(body(s, 0).messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'captured' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: MEDIA_SAMPLES.png } }] },
      { type: 'text', text: 'what do you see?' },
    ]);
  });

  it('refuses a plain-text file by URL and an unsupported document type before any request', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'text/plain', url: 'https://example.com/a.txt' }] }])))).toBe('unsupported_content');
    expect(await codeOf(model(s).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'application/zip', data: 'UEsDBA==' }] }])))).toBe('unsupported_content');
    expect(await codeOf(model(s, { capabilities: { fileTypes: ['application/zip'] } }).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'application/zip', data: 'UEsDBA==' }] }])))).toBe('unsupported_content');
    expect(s.requests).toHaveLength(0);
  });
});

describe('AnthropicModel: extended thinking', () => {
  it('keeps signed and redacted thinking as reasoning and sends both back unchanged before the tool call', async () => {
    const s = await start([
      { reply: { reasoning: [{ text: 'plan the shot' }, { redacted: true }], text: 'taking it', toolCalls: [{ id: 'toolu_1', name: 'shot', args: {} }] } },
      { reply: { reasoning: [{ text: 'looks fine' }], text: 'done' } },
    ]);
    const adapter = model(s, THINKING);
    const first = await adapter.generate(request([{ role: 'user', content: 'go' }]));
    expect(first.message.content).toBe('taking it');
    expect(first.message.reasoning).toHaveLength(2);
    expect(first.message.reasoning![0]).toMatchObject({ text: 'plan the shot', providerData: { anthropic: { signature: expect.any(String) } } });
    expect(first.message.reasoning![1]).toMatchObject({ text: '', providerData: { anthropic: { redacted: expect.any(String) } } });
    const second = await adapter.generate(request([{ role: 'user', content: 'go' }, first.message, { role: 'tool', toolCallId: 'toolu_1', name: 'shot', content: 'ok' }]));
    expect(second.message).toMatchObject({ content: 'done', reasoning: [{ text: 'looks fine' }] });
    expect(s.requests.map((r) => r.rejected)).toEqual([undefined, undefined]);
    const sent = body(s, 1).messages[1].content;
    expect(sent.map((b: { type: string }) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text', 'tool_use']);
    expect(sent[0]).toEqual({ type: 'thinking', thinking: 'plan the shot', signature: (first.message.reasoning![0]!.providerData as any).anthropic.signature });
    expect(sent[1]).toEqual({ type: 'redacted_thinking', data: (first.message.reasoning![1]!.providerData as any).anthropic.redacted });
    expect(body(s, 1).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  });

  it('a thinking block edited after the fact gets the provider\'s 400 (model_bad_request)', async () => {
    const s = await start([{ reply: { reasoning: [{ text: 'plan' }], toolCalls: [{ id: 'toolu_1', name: 'shot', args: {} }] } }, { reply: { text: 'never' } }]);
    const adapter = model(s, THINKING);
    const first = await adapter.generate(request([{ role: 'user', content: 'go' }]));
    const edited = { ...first.message, reasoning: [{ ...first.message.reasoning![0]!, text: 'a better plan' }] };
    expect(await codeOf(adapter.generate(request([{ role: 'user', content: 'go' }, edited, { role: 'tool', toolCallId: 'toolu_1', name: 'shot', content: 'ok' }])))).toBe('model_bad_request');
    expect(s.requests[1]!.rejected?.message).toContain('Invalid `signature` in `thinking` block');
  });

  it('streams thinking as reasoning_delta events, keeping signature and redacted data', async () => {
    const s = await start([{ reply: { reasoning: [{ text: 'first I think' }, { redacted: true }], text: 'then I answer' } }]);
    const events = await drain(model(s, THINKING).stream(request([{ role: 'user', content: 'go' }])));
    expect(events.filter((e) => e.type === 'reasoning_delta').map((e) => (e as { text: string }).text).join('')).toBe('first I think');
    expect(events.filter((e) => e.type === 'text_delta').map((e) => (e as { text: string }).text).join('')).toBe('then I answer');
    const last = events.at(-1);
    const message = last?.type === 'response' ? last.response.message : undefined;
    expect(message?.content).toBe('then I answer');
    expect(message?.reasoning).toMatchObject([
      { text: 'first I think', providerData: { anthropic: { signature: expect.any(String) } } },
      { text: '', providerData: { anthropic: { redacted: expect.any(String) } } },
    ]);
  });

  it('repair path: reasoning without a signature (a broken provider, or another provider\'s) is kept but not sent, and that continuation goes with thinking off', async () => {
    const s = await start([
      { reply: { reasoning: [{ text: 'unsigned musing', signature: null }], toolCalls: [{ id: 'toolu_1', name: 'shot', args: {} }] } },
      { reply: { text: 'fine' } },
      { reply: { text: 'fine again' } },
    ]);
    const adapter = model(s, THINKING);
    const first = await adapter.generate(request([{ role: 'user', content: 'go' }]));
    expect(first.message.reasoning).toEqual([{ text: 'unsigned musing' }]);
    const tool: Message = { role: 'tool', toolCallId: 'toolu_1', name: 'shot', content: 'ok' };
    await adapter.generate(request([{ role: 'user', content: 'go' }, first.message, tool]));
    // A turn from Ollama (plain reasoning text) continued on Anthropic.
    const ollamaTurn: Message = { role: 'assistant', content: '', reasoning: [{ text: 'local thoughts' }], toolCalls: [call] };
    await adapter.generate(request([{ role: 'user', content: 'go' }, ollamaTurn, tool]));
    expect(s.requests.map((r) => r.rejected)).toEqual([undefined, undefined, undefined]);
    for (const index of [1, 2]) {
      expect(body(s, index).thinking).toBeUndefined();
      expect(JSON.stringify(body(s, index).messages)).not.toMatch(/unsigned musing|local thoughts/);
    }
  });

  it('fits the thinking budget into max_tokens: shrinks it, or turns thinking off below 1024', async () => {
    const s = await start([{ reply: { text: 'a' } }, { reply: { text: 'b' } }, { reply: { text: 'c' } }]);
    const adapter = model(s, { maxTokens: 8000, thinking: { budgetTokens: 4000 } });
    await adapter.generate(request([{ role: 'user', content: 'go' }], { maxOutputTokens: 6000 }));
    await adapter.generate(request([{ role: 'user', content: 'go' }], { maxOutputTokens: 2000 }));
    await adapter.generate(request([{ role: 'user', content: 'go' }], { maxOutputTokens: 900 }));
    expect(s.requests.map((r) => [r.rejected, (r.body as any).max_tokens, (r.body as any).thinking])).toEqual([
      [undefined, 6000, { type: 'enabled', budget_tokens: 4000 }],
      [undefined, 2000, { type: 'enabled', budget_tokens: 1999 }],
      [undefined, 900, undefined],
    ]);
  });

  it('sends adaptive thinking as thinking.type adaptive', async () => {
    const s = await start([{ reply: { reasoning: [{ text: 'adaptive thought' }], text: 'ok' } }]);
    const response = await model(s, { model: 'claude-opus-4-6', thinking: { adaptive: true } }).generate(request([{ role: 'user', content: 'go' }]));
    expect(body(s, 0).thinking).toEqual({ type: 'adaptive' });
    expect(response.message.reasoning?.[0]?.text).toBe('adaptive thought');
  });

  it.each([
    ['a budget under 1024', { thinking: { budgetTokens: 512 } }, 'thinking.budgetTokens'],
    ['a budget not below maxTokens', { maxTokens: 2048, thinking: { budgetTokens: 2048 } }, 'thinking.budgetTokens'],
    ['a fractional budget', { thinking: { budgetTokens: 1500.5 } }, 'thinking.budgetTokens'],
    ['adaptive: false', { thinking: { adaptive: false } }, 'thinking.adaptive'],
    ['a string', { thinking: 'on' }, 'thinking'],
    ['temperature with thinking', { thinking: { budgetTokens: 1024 }, temperature: 0.2 }, 'temperature'],
    ['a malformed capabilities override', { capabilities: { imageTypes: ['png'] } }, 'capabilities.imageTypes'],
  ])('refuses %s at construction, naming the field', (_name, options, field) => {
    expect(fieldOf(() => new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'k', ...(options as object) }))).toBe(field);
  });
});

describe('AnthropicModel: structured output and capabilities', () => {
  it('sends output_config.format with a schema JSON outputs accept (constraints moved into descriptions)', async () => {
    const s = await start([{ reply: { text: '{"name":"Ada","age":36}' } }]);
    const schema = { type: 'object', properties: { name: { type: 'string', minLength: 1 }, age: { type: 'integer', minimum: 0 } }, required: ['name', 'age'], additionalProperties: false };
    const response = await model(s).generate(request([{ role: 'user', content: 'who?' }], { output: { name: 'person', schema } }));
    expect(s.requests[0]!.rejected).toBeUndefined();
    expect(JSON.parse(response.message.content)).toEqual({ name: 'Ada', age: 36 });
    const sent = body(s, 0).output_config.format;
    expect(sent.type).toBe('json_schema');
    expect(sent.schema.properties.age).toEqual({ type: 'integer', description: '{minimum: 0}' });
    expect(sent.schema.additionalProperties).toBe(false);
  });

  it('declares capabilities by model: structured output from Claude 4.5 on, reasoning only with thinking', () => {
    const caps = (id: string, options: Partial<AnthropicModelOptions> = {}) => new AnthropicModel({ model: id, apiKey: 'k', ...options }).capabilities;
    expect(caps('claude-sonnet-4-5').structuredOutput).toBe(true);
    expect(caps('claude-haiku-4-5-20251001').structuredOutput).toBe(true);
    expect(caps('claude-opus-5').structuredOutput).toBe(true);
    expect(caps('claude-sonnet-4-20250514').structuredOutput).toBe(false);
    expect(caps('claude-3-7-sonnet-latest').structuredOutput).toBe(false);
    expect(caps('claude-sonnet-4-6').reasoning).toBe(false);
    expect(caps('claude-sonnet-4-6', THINKING).reasoning).toBe(true);
    expect(caps('claude-sonnet-4-6').imageTypes).toEqual(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
    expect(caps('claude-sonnet-4-6', { capabilities: { imageTypes: [] } }).imageTypes).toEqual([]);
  });

  it('does not send output_config where the model has no structured output', async () => {
    const s = await start([{ reply: { text: '{"a":1}' } }]);
    await model(s, { model: 'claude-sonnet-4-20250514' }).generate(request([{ role: 'user', content: 'x' }], { output: { name: 'a', schema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false } } }));
    expect(body(s, 0).output_config).toBeUndefined();
  });
});
