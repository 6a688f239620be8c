import { acceptsMediaType, createRuntime, normalizeContent } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { MEDIA_SAMPLES, pngImage, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

// tools16d: over 500 images is unsupported_content before any request; image/jpg is image/jpeg.
const PNG = pngImage(1, 1);
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const model = (s: LoopbackServer) => new OpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: `${s.url}/v1`, retry: { maxAttempts: 1 } });
const images = (n: number) => Array.from({ length: n }, () => ({ type: 'image' as const, mediaType: 'image/png', data: PNG }));

describe('OpenAIModel image count and image/jpg (tools16d)', () => {
  it('501 images: unsupported_content naming the count, no HTTP request; 500 pass the strict loopback', async () => {
    const s = await startOpenAIServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const request = (n: number) => model(s).generate({ messages: [{ role: 'user', content: [...images(n), { type: 'text', text: 'hi' }] }], tools: [], signal: new AbortController().signal });
    await expect(request(501)).rejects.toMatchObject({ code: 'unsupported_content', message: expect.stringContaining('501 images'), details: { images: 501, maxImages: 500 } });
    expect(s.requests).toHaveLength(0);
    await expect(request(500)).resolves.toMatchObject({ message: { content: 'ok' } });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
  });

  it('a run with an image labelled image/jpg is accepted and goes out as image/jpeg', async () => {
    expect(acceptsMediaType(['image/jpeg'], 'image/jpg')).toBe(true);
    expect(acceptsMediaType(['image/jpeg'], 'IMAGE/JPG')).toBe(true);
    expect(normalizeContent([{ type: 'image', mediaType: 'image/JPG', data: MEDIA_SAMPLES.jpeg }])).toEqual([{ type: 'image', mediaType: 'image/jpeg', data: MEDIA_SAMPLES.jpeg }]);
    const s = await startOpenAIServer([{ reply: { text: 'seen' } }]);
    servers.push(s);
    const result = await createRuntime({ model: model(s) }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/jpg', data: MEDIA_SAMPLES.jpeg }, { type: 'text', text: 'what?' }] }] } as never);
    expect(result).toMatchObject({ status: 'completed', output: 'seen' });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
    expect((s.requests[0]!.body as { messages: { content: { image_url?: { url: string } }[] }[] }).messages[0]!.content[0]!.image_url!.url).toMatch(/^data:image\/jpeg;base64,/);
  });
});
