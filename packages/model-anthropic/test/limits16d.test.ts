import { createRuntime } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { MEDIA_SAMPLES, pngImage, startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

// tools16d: over 100 images and documents is unsupported_content before any request; image/jpg is accepted.
const PNG = pngImage(1, 1);
const PDF = MEDIA_SAMPLES.pdf;
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const model = (s: LoopbackServer) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test', baseURL: s.url, retry: { maxAttempts: 1 } });
const images = (n: number) => Array.from({ length: n }, () => ({ type: 'image' as const, mediaType: 'image/png', data: PNG }));

describe('AnthropicModel media count and image/jpg (tools16d)', () => {
  it('99 images + 2 PDFs: unsupported_content naming the counts, no HTTP request; 99 + 1 pass the strict loopback', async () => {
    const s = await startAnthropicServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const request = (documents: number) => model(s).generate({
      messages: [{ role: 'user', content: [...images(99), ...Array.from({ length: documents }, () => ({ type: 'file' as const, mediaType: 'application/pdf', data: PDF })), { type: 'text', text: 'hi' }] }],
      tools: [], signal: new AbortController().signal,
    });
    await expect(request(2)).rejects.toMatchObject({ code: 'unsupported_content', message: expect.stringContaining('99 images and 2 documents'), details: { images: 99, documents: 2, maxMedia: 100 } });
    expect(s.requests).toHaveLength(0);
    await expect(request(1)).resolves.toMatchObject({ message: { content: 'ok' } });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
  });

  it('a run with an image labelled image/jpg is accepted and goes out as image/jpeg', async () => {
    const s = await startAnthropicServer([{ reply: { text: 'seen' } }]);
    servers.push(s);
    const result = await createRuntime({ model: model(s) }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/jpg', data: MEDIA_SAMPLES.jpeg }, { type: 'text', text: 'what?' }] }] } as never);
    expect(result).toMatchObject({ status: 'completed', output: 'seen' });
    expect((s.requests[0]!.body as { messages: { content: { source?: { media_type: string } }[] }[] }).messages[0]!.content[0]!.source!.media_type).toBe('image/jpeg');
  });
});
