// Red team 16f: the media count covers the whole request — earlier turns and tool results — as the
// provider counts it; exactly at the limit passes the strict loopback, one over is refused first.
import type { Message } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { buildPdf, pngImage, startAnthropicServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const PNG = pngImage(1, 1);
const PDF = buildPdf('doc').toString('base64');
const LIMIT: number = 100;
const images = (n: number, mediaType = 'image/png') => Array.from({ length: n }, () => ({ type: 'image' as const, mediaType, data: PNG }));
const pdfs = (n: number) => Array.from({ length: n }, () => ({ type: 'file' as const, mediaType: 'application/pdf', data: PDF, filename: 'doc.pdf' }));
const history = (first: number, result: Message['content']): Message[] => [
  { role: 'user', content: [...images(first, 'IMAGE/JPG'), { type: 'text', text: 'hi' }] },
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'look', args: {} }] },
  { role: 'tool', toolCallId: 'call_1', name: 'look', content: result as never },
];
const tools = [{ name: 'look', description: 'look', inputSchema: { type: 'object', properties: {} } }];

describe('red team 16f: media count over the history (anthropic)', () => {
  it('the limit split over the first turn and a tool result passes; one more is refused before any request', async () => {
    await using s = await startAnthropicServer([{ reply: { text: 'ok' } }]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test', baseURL: s.url, retry: { maxAttempts: 1 } });
    const half = LIMIT / 2;
    const over = history(half + 1, LIMIT === 100 ? [...images(half - 10), ...pdfs(10)] : images(half));
    await expect(model.generate({ messages: over, tools, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'unsupported_content' });
    expect(s.requests).toHaveLength(0);
    const at = history(half, LIMIT === 100 ? [...images(half - 10), ...pdfs(10)] : images(half));
    await expect(model.generate({ messages: at, tools, signal: new AbortController().signal })).resolves.toMatchObject({ message: { content: 'ok' } });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
  });
});
