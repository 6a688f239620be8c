import { pngImage, startAnthropicServer, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

// tools16d: the loopbacks refuse a request over the providers' documented media counts, with their 400.
const PNG = pngImage(1, 1);
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const post = (url: string, headers: Record<string, string>, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('loopback media counts (tools16d)', () => {
  it('Anthropic: at most 100 images and documents per request ("too many images and documents: I + D > 100")', async () => {
    const s = await startAnthropicServer([{ reply: { text: 'ok' } }, { reply: { text: 'ok' } }]);
    servers.push(s);
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } };
    const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' } };
    const request = (images: number, documents: number) => post(`${s.url}/v1/messages`, { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, {
      model: 'claude-sonnet-4-5', max_tokens: 10,
      messages: [{ role: 'user', content: [...Array.from({ length: images }, () => image), ...Array.from({ length: documents }, () => document), { type: 'text', text: 'hi' }] }],
    });
    const over = await request(99, 2);
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'too many images and documents: 99 + 2 > 100' } });
    expect((await request(99, 1)).status).toBe(200);
  });

  it('OpenAI: at most 500 images per request', async () => {
    const s = await startOpenAIServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const request = (images: number) => post(`${s.url}/v1/chat/completions`, { authorization: 'Bearer k' }, {
      model: 'gpt-4o', messages: [{ role: 'user', content: [...Array.from({ length: images }, () => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } })), { type: 'text', text: 'hi' }] }],
    });
    const over = await request(501);
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('at most 500 images, but got 501') } });
    expect((await request(500)).status).toBe(200);
  });
});
