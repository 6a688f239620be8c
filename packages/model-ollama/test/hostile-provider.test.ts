// A hostile or broken Ollama server, through the real `ollama` client against the strict
// loopback server (requests are validated as Ollama does; answers are raw bytes).
import { OllamaModel } from '@agentrt/model-ollama';
import { startOllamaServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const model = (server: LoopbackServer) => new OllamaModel({ model: 'llama3.1', host: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });
const line = (fields: Record<string, unknown>) => `${JSON.stringify({ model: 'llama3.1', created_at: '2025-01-01T00:00:00Z', ...fields })}\n`;
const json = (body: unknown): LoopbackStep => ({ raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } });

describe('OllamaModel against a hostile server', () => {
  it('reads malformed tool calls and content without retrying: entries that are not calls, a call without function, content not text', async () => {
    await using server = await startOllamaServer([
      json({ model: 'llama3.1', message: { role: 'assistant', content: 5, thinking: { no: 1 }, tool_calls: [null, {}, { function: { name: 'lookup', arguments: { q: 1 } } }] }, done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 'x' }),
      json({ model: 'llama3.1', message: { role: 'assistant', content: 'plain', tool_calls: 'not a list' }, done: true, done_reason: 'stop' }),
    ]);
    const m = model(server);
    expect(await m.generate(request())).toMatchObject({
      message: { content: '', toolCalls: [{ id: '', name: '', args: undefined }, { id: '', name: 'lookup', args: { q: 1 } }] },
      usage: { inputTokens: 3, outputTokens: 0 },
      finishReason: 'tool_calls',
    });
    const second = await m.generate(request());
    expect(second.message).toEqual({ role: 'assistant', content: 'plain' });
    expect(server.requests).toHaveLength(2);
  });

  it('a 200 that is not an answer object is model_unavailable "could not be read", retried within the policy', async () => {
    await using server = await startOllamaServer([json(null), json('text'), json({ model: 'llama3.1', message: { role: 'assistant', content: 'ok' }, done: true, done_reason: 'stop' })]);
    expect((await model(server).generate(request())).message.content).toBe('ok');
    expect(server.requests).toHaveLength(3);
    await using failing = await startOllamaServer([json(null), json(null), json(null)]);
    await expect(model(failing).generate(request())).rejects.toMatchObject({ code: 'model_unavailable', retryable: true, message: expect.stringContaining('could not be read') });
  });

  it('streams NDJSON split at every byte (inside UTF-8 characters); malformed tool calls and content do not break the stream', async () => {
    await using server = await startOllamaServer([{
      raw: {
        splitBytes: 1,
        headers: { 'content-type': 'application/x-ndjson' },
        body: [
          line({ message: { role: 'assistant', content: 'hé😀' }, done: false }),
          line({ message: { role: 'assistant', content: { not: 'text' }, tool_calls: [{}, null] }, done: false }),
          line({ message: { role: 'assistant', content: 'llo' }, done: false }),
          line({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 2, eval_count: 3 }),
        ],
      },
    }]);
    const deltas: string[] = [];
    let response: unknown;
    for await (const event of model(server).stream!(request())) {
      if (event.type === 'text_delta') deltas.push(event.text);
      if (event.type === 'response') response = event.response;
    }
    expect(deltas.join('')).toBe('hé😀llo');
    expect(response).toMatchObject({ message: { content: 'hé😀llo', toolCalls: [{ id: '', name: '' }] }, usage: { inputTokens: 2, outputTokens: 3 }, finishReason: 'tool_calls' });
    expect(server.requests).toHaveLength(1);
  });
});
