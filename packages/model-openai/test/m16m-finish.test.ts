import { OpenAIModel } from '@agentrt/model-openai';
import { startOpenAIServer } from '@agentrt/testing';
import { expect, it } from 'vitest';

const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });

// docs/models.md, finish-reason table: OpenAI's `content_filter` is `content_filter` (the answer was
// withheld by the provider's filter), not a normal `stop` — generated and streamed alike.
it('maps finish_reason content_filter to content_filter, generated and streamed (mutation m16m)', async () => {
  await using server = await startOpenAIServer([
    { reply: { text: 'partial', finishReason: 'content_filter' } },
    { reply: { text: 'partial', finishReason: 'content_filter' } },
  ]);
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` });
  const generated = await model.generate(request());
  expect(generated.finishReason).toBe('content_filter');
  expect(generated.message.content).toBe('partial');
  let streamed: string | undefined;
  for await (const event of model.stream!(request())) if (event.type === 'response') streamed = event.response.finishReason;
  expect(streamed).toBe('content_filter');
});

// docs/models.md: OpenAIModel's `temperature` (0 to 2) is sent as the request's `temperature`.
it('sends the temperature option on the wire (mutation m16m)', async () => {
  await using server = await startOpenAIServer([{ reply: { text: 'a' } }, { reply: { text: 'b' } }]);
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, temperature: 0.25 });
  await model.generate(request());
  for await (const event of model.stream!(request())) void event;
  expect(server.requests.map((r) => (r.body as { temperature?: unknown }).temperature)).toEqual([0.25, 0.25]);
});
