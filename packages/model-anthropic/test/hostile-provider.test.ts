// A hostile or broken Anthropic-compatible provider, through the real `@anthropic-ai/sdk`
// against the strict loopback server (requests are validated as Anthropic does; answers are raw bytes).
import { AnthropicModel } from '@agentrt/model-anthropic';
import { startAnthropicServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const model = (server: LoopbackServer) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });
const json = (body: unknown): LoopbackStep => ({ raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } });
const message = (fields: Record<string, unknown>) => ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null, ...fields });
const event = (type: string, data: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const start = (usage?: unknown) => event('message_start', { message: message({ content: [], stop_reason: null, ...(usage ? { usage } : {}) }) });

async function streamed(server: LoopbackServer) {
  const deltas: string[] = [];
  let response: unknown;
  for await (const e of model(server).stream!(request())) {
    if (e.type === 'text_delta') deltas.push(e.text);
    if (e.type === 'response') response = e.response;
  }
  return { deltas, response: response as { message: { content: string; toolCalls?: unknown[] }; usage: unknown; finishReason: string } };
}

describe('AnthropicModel against a hostile provider', () => {
  it('keeps a good answer that comes without usage: one request, usage 0', async () => {
    await using server = await startAnthropicServer([json(message({ content: [{ type: 'text', text: 'four' }] }))]);
    expect(await model(server).generate(request())).toMatchObject({ message: { content: 'four' }, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' });
    expect(server.requests).toHaveLength(1);
  });

  it('reads malformed blocks without retrying: null blocks, text that is not a string, tool_use without id or name', async () => {
    await using server = await startAnthropicServer([json(message({
      content: [null, 'text', { type: 'text', text: { not: 'text' } }, { type: 'text', text: 'ok' }, { type: 'tool_use', input: { q: 1 } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 4, output_tokens: 'many' },
    }))]);
    expect(await model(server).generate(request())).toMatchObject({
      message: { content: 'ok', toolCalls: [{ id: '', name: '', args: { q: 1 } }] },
      usage: { inputTokens: 4, outputTokens: 0 },
      finishReason: 'tool_calls',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('a 200 without a content list (HTML page, {}) is model_unavailable "could not be read", retried within the policy', async () => {
    await using server = await startAnthropicServer([
      { raw: { headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' } },
      json({}),
      json(message({ content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 1, output_tokens: 1 } })),
    ]);
    expect((await model(server).generate(request())).message.content).toBe('ok');
    expect(server.requests).toHaveLength(3);
    await using failing = await startAnthropicServer([json({}), json({}), json({})]);
    await expect(model(failing).generate(request())).rejects.toMatchObject({ code: 'model_unavailable', retryable: true, message: expect.stringContaining('could not be read') });
  });

  it('streams: SSE split at every byte with CRLF; no usage; text that is not a string is never "undefined"; a nameless tool_use keeps an empty name', async () => {
    await using server = await startAnthropicServer([{
      raw: {
        splitBytes: 1,
        body: [
          start().replaceAll('\n', '\r\n'),
          event('ping'),
          event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hé😀' } }),
          event('content_block_delta', { index: 0, delta: { type: 'text_delta' } }),
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'llo' } }),
          event('content_block_stop', { index: 0 }),
          event('content_block_start', { index: 1, content_block: { type: 'tool_use', input: {} } }),
          event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":1}' } }),
          event('content_block_stop', { index: 1 }),
          event('message_delta', { delta: { stop_reason: 'tool_use' } }),
          event('message_stop'),
        ],
      },
    }]);
    const { deltas, response } = await streamed(server);
    expect(deltas.join('')).toBe('hé😀llo');
    expect(response).toMatchObject({ message: { content: 'hé😀llo', toolCalls: [{ id: '', name: '', args: { q: 1 } }] }, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'tool_calls' });
  });
});

describe('AnthropicModel: a stream cut after reasoning', () => {
  it('is never retried: the consumer already saw reasoning deltas (model_unavailable, one request)', async () => {
    await using server = await startAnthropicServer([
      // message_start, the thinking block's start, one thinking delta; then the connection drops.
      { reply: { reasoning: [{ text: 'first I will think about this for a long while' }], text: 'answer' }, cutStreamAfter: 3 },
      { reply: { reasoning: [{ text: 'a second, different line of thought' }], text: 'answer' } },
    ]);
    const m = new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, thinking: { budgetTokens: 1024 }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const reasoning: string[] = [];
    const attempt = (async () => {
      for await (const event of m.stream!(request())) if (event.type === 'reasoning_delta') reasoning.push(event.text);
    })();
    await expect(attempt).rejects.toMatchObject({ code: 'model_unavailable', details: { afterVisibleOutput: true } });
    expect(reasoning.length).toBeGreaterThan(0);
    expect(reasoning.join('')).not.toContain('second');
    expect(server.requests).toHaveLength(1);
  });
});
