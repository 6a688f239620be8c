import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { startOpenAIServer } from '@agentrt/testing';
import { createOpenAI } from '@ai-sdk/openai';
import { expect, it } from 'vitest';

const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });

// docs/models.md (AI SDK): finish reason `content-filter` maps to `content_filter`, generated and streamed.
it('maps the AI SDK finish reason content-filter to content_filter (mutation m16m)', async () => {
  await using server = await startOpenAIServer([
    { reply: { text: 'partial', finishReason: 'content_filter' } },
    { reply: { text: 'partial', finishReason: 'content_filter' } },
  ]);
  const model = new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini'), retry: { maxAttempts: 1 } });
  expect((await model.generate(request())).finishReason).toBe('content_filter');
  let streamed: string | undefined;
  for await (const event of model.stream(request())) if (event.type === 'response') streamed = event.response.finishReason;
  expect(streamed).toBe('content_filter');
});
