import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { pngImage, startAnthropicServer, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';

// tools16d: AiSdkModel refuses over the providers' media counts before any request (openai.* 500 images, anthropic.* 100 images and documents).
const PNG = pngImage(1, 1);
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const images = (n: number) => Array.from({ length: n }, () => ({ type: 'image' as const, mediaType: 'image/png', data: PNG }));
const request = (n: number) => ({ messages: [{ role: 'user' as const, content: [...images(n), { type: 'text' as const, text: 'hi' }] }], tools: [], signal: new AbortController().signal });

describe('AiSdkModel media counts (tools16d)', () => {
  it('openai.chat: 501 images refused, 500 sent', async () => {
    const s = await startOpenAIServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const model = new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1` }).chat('gpt-4o'), retry: { maxAttempts: 1 } });
    await expect(model.generate(request(501))).rejects.toMatchObject({ code: 'unsupported_content', details: { images: 501, maxImages: 500 } });
    expect(s.requests).toHaveLength(0);
    await expect(model.generate(request(500))).resolves.toMatchObject({ message: { content: 'ok' } });
  });

  it('anthropic: 101 images refused, 100 sent', async () => {
    const s = await startAnthropicServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const model = new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-test', baseURL: `${s.url}/v1` })('claude-sonnet-4-5') as never, retry: { maxAttempts: 1 }, maxOutputTokens: 100 });
    await expect(model.generate(request(101))).rejects.toMatchObject({ code: 'unsupported_content', details: { images: 101, documents: 0, maxMedia: 100 } });
    expect(s.requests).toHaveLength(0);
    await expect(model.generate(request(100))).resolves.toMatchObject({ message: { content: 'ok' } });
  });
});
