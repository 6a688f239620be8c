// Red team 13a: AiSdkModel over the official AI SDK provider packages against the strict loopback
// servers — streams the server keeps open after their last event, usage, and the positive path
// (a full run with a tool, streamed and not, through @ai-sdk/openai and @ai-sdk/anthropic).
import { createRuntime, defineTool, MemoryStore, type ModelRequest, type ModelStreamEvent, type RunEvent, type RunResult } from '@agentrt/core';
import { AiSdkModel, aiSdkFetch, type AiSdkModelOptions } from '@agentrt/model-ai-sdk';
import { startAnthropicServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createAnthropic as createAnthropicV2 } from '@ai-sdk/anthropic-v2';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAI as createOpenAIV2 } from '@ai-sdk/openai-v2';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ev = (type: string, data: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const anthropicAnswer = [
  ev('message_start', { message: { id: 'msg_13a', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hello' } }),
  ev('content_block_stop', { index: 0 }),
  ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }),
  ev('message_stop'),
];
const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-13a', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: null, ...choice }], ...extra })}\n\n`;
const openaiAnswer = [
  chunk({ delta: { role: 'assistant', content: 'hello' } }),
  chunk({ delta: {}, finish_reason: 'stop' }),
  `data: ${JSON.stringify({ id: 'chatcmpl-13a', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`,
  'data: [DONE]\n\n',
];

/** A complete answer, then an endless tail; `closed` resolves when the client closed the connection. */
function endlessAfter(answer: readonly string[], tail: string) {
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  function* body() {
    try {
      yield* answer;
      for (;;) yield tail;
    } finally {
      close();
    }
  }
  return { body: body(), closed };
}

type Options = Omit<AiSdkModelOptions, 'model'>;
const anthropic = (server: LoopbackServer, v2 = false, options: Options = {}) =>
  new AiSdkModel({ model: (v2 ? createAnthropicV2 : createAnthropic)({ apiKey: 'sk-ant-test-loopback', baseURL: `${server.url}/v1` })('claude-sonnet-4-5'), retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
const openai = (server: LoopbackServer, v2 = false, options: Options = {}) =>
  new AiSdkModel({ model: (v2 ? createOpenAIV2 : createOpenAI)({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, fetch: aiSdkFetch({ provider: 'openai' }) }).chat('gpt-4o-mini'), retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
const request = (): ModelRequest => ({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal });
async function streamed(adapter: AiSdkModel) {
  const events: ModelStreamEvent[] = [];
  for await (const event of adapter.stream(request())) events.push(event);
  const last = events.at(-1);
  if (last?.type !== 'response') throw new Error('no response event');
  return last.response;
}

describe.each([false, true])('AiSdkModel over @ai-sdk/anthropic (v2 package: %s): a stream ends at its finish part', (v2) => {
  it('keep-alive comments after message_stop: the answer comes at once and the connection is closed', { timeout: 15_000 }, async () => {
    const { body, closed } = endlessAfter(anthropicAnswer, ': keep-alive\n\n');
    await using server = await startAnthropicServer([{ raw: { body } }]);
    // Without the fix the adapter read on after `finish` until its idle timeout (60 s here).
    const response = await streamed(anthropic(server, v2, { timeoutMs: 60_000 }));
    expect(response).toMatchObject({ message: { content: 'hello' }, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 } });
    await closed;
  });

  it('a server that stays silent and open after message_stop: the answer, not a model_unavailable after output', async () => {
    await using server = await startAnthropicServer([{ raw: { body: anthropicAnswer, then: 'stall' } }]);
    const response = await streamed(anthropic(server, v2, { timeoutMs: 2_000, retry: { maxAttempts: 1 } }));
    expect(response.message.content).toBe('hello');
  });
});

describe.each([false, true])('AiSdkModel over @ai-sdk/openai chat with aiSdkFetch (v2 package: %s)', (v2) => {
  it('keep-alive comments after data: [DONE]: the answer comes at once and the connection is closed', { timeout: 15_000 }, async () => {
    const { body, closed } = endlessAfter(openaiAnswer, ': keep-alive\n\n');
    await using server = await startOpenAIServer([{ raw: { body } }]);
    const response = await streamed(openai(server, v2, { timeoutMs: 60_000 }));
    expect(response).toMatchObject({ message: { content: 'hello' }, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 } });
    await closed;
  });

  it('more events after data: [DONE] are not read', async () => {
    const { body, closed } = endlessAfter(openaiAnswer, chunk({ delta: { content: ' and more' } }));
    await using server = await startOpenAIServer([{ raw: { body } }]);
    expect((await streamed(openai(server, v2, { maxResponseBytes: 64 * 1024 }))).message.content).toBe('hello');
    await closed;
  });

  it('bounds the wire: an endless body fails with model_unavailable and details.maxResponseBytes', async () => {
    function* endless() {
      for (;;) yield ': padding padding padding padding padding padding padding padding\n\n';
    }
    await using server = await startOpenAIServer([{ raw: { body: endless() } }]);
    const adapter = new AiSdkModel({
      model: (v2 ? createOpenAIV2 : createOpenAI)({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, fetch: aiSdkFetch({ maxResponseBytes: 64 * 1024 }) }).chat('gpt-4o-mini'),
      retry: { maxAttempts: 1 },
    });
    await expect(streamed(adapter)).rejects.toMatchObject({ code: 'model_unavailable', details: { maxResponseBytes: 64 * 1024 } });
  });
});

describe('AiSdkModel: usage', () => {
  it('absurd counts (1e308, fractions) become sane integers', async () => {
    const body = { id: 'chatcmpl-13a', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1e308, completion_tokens: 2.7, total_tokens: 1e308 } };
    await using server = await startOpenAIServer([{ raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } }]);
    expect((await openai(server).generate(request())).usage).toEqual({ inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: 2 });
  });
});

describe('AiSdkModel: full runs with a tool (positive path)', () => {
  const lookup = defineTool({ name: 'lookup', description: 'Looks a city up.', input: z.object({ city: z.string() }), execute: ({ city }) => `${city}: 21 °C` });
  const script = (): LoopbackStep[] => [
    { reply: { toolCalls: [{ id: 'call_1', name: 'lookup', args: { city: 'Paris' } }], usage: { inputTokens: 30, outputTokens: 8 } } },
    { reply: (body) => ({ text: JSON.stringify(body).includes('Paris: 21 °C') ? 'It is 21 °C in Paris.' : 'tool result missing', usage: { inputTokens: 50, outputTokens: 9 } }) },
  ];
  const expected = { status: 'completed', stopReason: 'final_answer', output: 'It is 21 °C in Paris.', toolCalls: 1, usage: { inputTokens: 80, outputTokens: 17 } };
  const providers = [
    ['@ai-sdk/openai chat', () => startOpenAIServer(script()), (server: LoopbackServer) => openai(server)],
    ['@ai-sdk/anthropic', () => startAnthropicServer(script()), (server: LoopbackServer) => anthropic(server)],
  ] as const;

  it.each(providers)('%s: run (doGenerate) ends with the answer and the summed usage', async (_name, start, create) => {
    await using server = await start();
    const result = await createRuntime({ model: create(server), tools: [lookup], store: new MemoryStore() }).run('Weather in Paris?');
    expect(result).toMatchObject(expected);
    expect(server.requests.some((r) => (r.body as { stream?: boolean }).stream === true)).toBe(false);
  });

  it.each(providers)('%s: stream (doStream) ends with the answer and the summed usage', async (_name, start, create) => {
    await using server = await start();
    let final: RunResult<unknown> | undefined;
    const deltas: string[] = [];
    for await (const event of createRuntime({ model: create(server), tools: [lookup], store: new MemoryStore() }).stream('Weather in Paris?') as AsyncIterable<RunEvent>) {
      if (event.type === 'model_delta') deltas.push(event.text);
      if (event.type === 'run_finished') final = event.result;
    }
    expect(final).toMatchObject(expected);
    expect(deltas.join('')).toBe('It is 21 °C in Paris.');
    expect(server.requests.every((r) => (r.body as { stream?: boolean }).stream === true)).toBe(true);
  });
});
