import { OllamaModel } from '@agentrt/model-ollama';
import { startOllamaServer } from '@agentrt/testing';
import { expect, it } from 'vitest';

const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });

// OllamaModel's `keepAlive` is Ollama's `keep_alive` (how long the model stays loaded after the
// call): sent on every call, generated and streamed, as given (a duration string or seconds).
it('sends keepAlive as keep_alive, generated and streamed (mutation m16m)', async () => {
  await using server = await startOllamaServer([{ reply: { text: 'a' } }, { reply: { text: 'b' } }, { reply: { text: 'c' } }]);
  await new OllamaModel({ model: 'llama3.1', host: server.url, keepAlive: '10m' }).generate(request());
  for await (const event of new OllamaModel({ model: 'llama3.1', host: server.url, keepAlive: '10m' }).stream(request())) void event;
  await new OllamaModel({ model: 'llama3.1', host: server.url, keepAlive: 0 }).generate(request());
  expect(server.requests.map((r) => (r.body as { keep_alive?: unknown }).keep_alive)).toEqual(['10m', '10m', 0]);
});
