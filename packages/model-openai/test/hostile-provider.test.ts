// A hostile or broken OpenAI-compatible provider, through the real `openai` SDK against the
// strict loopback server (requests are still validated as OpenAI does; answers are raw bytes).
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer) => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });
const chunk = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: choice ? [{ index: 0, finish_reason: null, ...choice }] : [], ...extra })}\n\n`;
const sse = (...frames: string[]): LoopbackStep => ({ raw: { body: frames } });
const json = (body: unknown): LoopbackStep => ({ raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } });
const completion = (message: unknown, finish = 'stop') => ({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message, finish_reason: finish }], usage: { prompt_tokens: 3, completion_tokens: 2 } });

async function streamed(server: LoopbackServer) {
  let response: unknown;
  for await (const event of model(server).stream!(request())) if (event.type === 'response') response = event.response;
  return response as { message: { content: string; toolCalls?: { id: string; name: string; args: unknown }[] }; usage: unknown; finishReason: string };
}

const polluted = ['id', 'name', 'args'];
afterEach(() => {
  for (const key of polluted) delete (Array.prototype as unknown as Record<string, unknown>)[key];
});

describe('OpenAIModel against a hostile provider', () => {
  it('reads SSE split at every byte (inside data: and inside UTF-8 characters), CRLF, comments, no [DONE]', async () => {
    await using server = await startOpenAIServer([{
      raw: {
        splitBytes: 1,
        body: [': keepalive\r\n\r\n', chunk({ delta: { role: 'assistant', content: 'hé😀llo' } }).replaceAll('\n', '\r\n'), ': ping\r\n\r\n', chunk({ delta: {}, finish_reason: 'stop' }), chunk(undefined, { usage: { prompt_tokens: 3, completion_tokens: 4 } })],
      },
    }]);
    const response = await streamed(server);
    expect(response).toMatchObject({ message: { content: 'hé😀llo' }, usage: { inputTokens: 3, outputTokens: 4 }, finishReason: 'stop' });
  });

  it('never writes a server-chosen tool call index through a prototype ("__proto__", -1, missing): no pollution, no call dropped', async () => {
    await using server = await startOpenAIServer([sse(
      chunk({ delta: { tool_calls: [{ index: '__proto__', id: 'call_p', type: 'function', function: { name: 'lookup', arguments: '{"q":' } }] } }),
      chunk({ delta: { tool_calls: [{ index: '__proto__', function: { arguments: '1}' } }] } }),
      chunk({ delta: { tool_calls: [{ index: -1, id: 'call_n', type: 'function', function: { name: 'lookup', arguments: '{"q":2}' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: 'lookup', arguments: '{"q":0}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
      'data: [DONE]\n\n',
    )]);
    const response = await streamed(server);
    expect(Object.keys(Array.prototype)).toEqual([]);
    expect(response.message.toolCalls).toEqual([
      { id: 'call_0', name: 'lookup', args: { q: 0 } },
      { id: 'call_p', name: 'lookup', args: { q: 1 } },
      { id: 'call_n', name: 'lookup', args: { q: 2 } },
    ]);
  });

  it('assembles parallel tool calls interleaved by index', async () => {
    await using server = await startOpenAIServer([sse(
      chunk({ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"y"' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x"' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 1, function: { arguments: ':2}' } }, { index: 0, function: { arguments: ':1}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    )]);
    expect((await streamed(server)).message.toolCalls).toEqual([{ id: 'call_a', name: 'a', args: { x: 1 } }, { id: 'call_b', name: 'b', args: { y: 2 } }]);
  });

  it('keeps the answer when chunks come without delta (Azure content filter) or without choices (usage), after the text', async () => {
    await using server = await startOpenAIServer([sse(
      chunk({ delta: { content: 'four' } }),
      chunk({ content_filter_results: { hate: { filtered: false, severity: 'safe' } } }),
      chunk({ finish_reason: 'stop' }),
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', usage: { prompt_tokens: 5, completion_tokens: 1 } })}\n\n`,
      'data: [DONE]\n\n',
    )]);
    expect(await streamed(server)).toMatchObject({ message: { content: 'four' }, usage: { inputTokens: 5, outputTokens: 1 }, finishReason: 'stop' });
    expect(server.requests).toHaveLength(1);
  });

  it('reads malformed completions without retrying a good answer: tool_calls not an array, a call without function, content not text', async () => {
    await using server = await startOpenAIServer([
      json(completion({ role: 'assistant', content: { unexpected: true }, tool_calls: { not: 'an array' } })),
      json(completion({ role: 'assistant', content: null, tool_calls: [null, { id: 'call_1', type: 'function' }] }, 'tool_calls')),
      json(completion({ role: 'assistant', content: [{ type: 'text', text: 'from ' }, { type: 'text', text: 'parts' }] })),
    ]);
    const m = model(server);
    expect(await m.generate(request())).toMatchObject({ message: { role: 'assistant', content: '' }, finishReason: 'stop' });
    expect(await m.generate(request())).toMatchObject({ message: { content: '', toolCalls: [{ id: 'call_1', name: '', args: '' }] }, finishReason: 'tool_calls' });
    expect((await m.generate(request())).message.content).toBe('from parts');
    expect(server.requests).toHaveLength(3);
  });

  it('a 200 that is not a completion (HTML page, {}) is model_unavailable, retried within the policy', async () => {
    await using server = await startOpenAIServer([
      { raw: { headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' } },
      json({}),
      json(completion({ role: 'assistant', content: 'ok' })),
    ]);
    expect((await model(server).generate(request())).message.content).toBe('ok');
    expect(server.requests).toHaveLength(3);
    await using failing = await startOpenAIServer([json({}), json({}), json({})]);
    await expect(model(failing).generate(request())).rejects.toMatchObject({ code: 'model_unavailable', retryable: true, message: expect.stringContaining('could not be read') });
  });

  it('at run level: a nameless call is answered with tool_not_found and the run goes on', async () => {
    await using server = await startOpenAIServer([
      json(completion({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { arguments: '{}' } }] }, 'tool_calls')),
      { reply: { text: 'done' } },
    ]);
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const result = await createRuntime({ model: model(server), tools: [echo], store: new MemoryStore() }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    const sent = (server.requests[1]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(sent.find((m) => m.role === 'tool')!.content).toContain('tool_not_found');
  });
});
