import { OpenAIModel } from '@agentrt/model-openai';
import { startOpenAIServer } from '@agentrt/testing';
import { expect, it } from 'vitest';

const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });

// DESIGN.md / docs/models.md "One retry layer": 408, 409, 429 and 5xx are retried; any other 4xx is not.
it('retries a 409 (conflict) and a 408, not a 400 or a 422 (mutation m16m)', async () => {
  await using server = await startOpenAIServer([
    { status: 409, message: 'conflict, try again' }, { reply: { text: 'after 409' } },
    { status: 408, message: 'request timeout' }, { reply: { text: 'after 408' } },
    { status: 400, message: 'bad' },
    { status: 422, message: 'unprocessable' },
  ]);
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  expect((await model.generate(request())).message.content).toBe('after 409');
  expect(server.requests).toHaveLength(2);
  expect((await model.generate(request())).message.content).toBe('after 408');
  expect(server.requests).toHaveLength(4);
  await expect(model.generate(request())).rejects.toMatchObject({ code: 'model_bad_request', status: 400, retryable: false });
  expect(server.requests).toHaveLength(5);
  await expect(model.generate(request())).rejects.toMatchObject({ code: 'model_bad_request', status: 422, retryable: false });
  expect(server.requests).toHaveLength(6);
});
