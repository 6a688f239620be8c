// Red team 16f: media counts over the whole transcript, as the provider counts what it receives.
import type { Message } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { buildPdf, pngImage, startAnthropicServer, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';

const PNG = pngImage(1, 1);
const PDF = buildPdf('doc').toString('base64');
const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const images = (n: number, mediaType = 'image/png') => Array.from({ length: n }, () => ({ type: 'image' as const, mediaType, data: PNG }));
const pdfs = (n: number) => Array.from({ length: n }, () => ({ type: 'file' as const, mediaType: 'application/pdf', data: PDF, filename: 'doc.pdf' }));
/** A user turn, a tool call, and its result: media in an earlier turn and in a tool result. */
const history = (first: Message['content'], result: Message['content']): Message[] => [
  { role: 'user', content: first as never },
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'look', args: {} }] },
  { role: 'tool', toolCallId: 'call_1', name: 'look', content: result as never },
];
const tools = [{ name: 'look', description: 'look', inputSchema: { type: 'object', properties: {} } }];
const request = (messages: Message[]) => ({ messages, tools, signal: new AbortController().signal }) as never;

describe('red team 16f: AiSdkModel media counts over the history', () => {
  it('anthropic: 60 images in the first turn + 40 media in a tool result pass; one more image anywhere is refused before any request', async () => {
    const s = await startAnthropicServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const model = new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-test', baseURL: `${s.url}/v1` })('claude-sonnet-4-5') as never, retry: { maxAttempts: 1 }, maxOutputTokens: 100 });
    await expect(model.generate(request(history([...images(60, 'IMAGE/JPG'), { type: 'text', text: 'hi' }], [...images(20), ...pdfs(21)])))).rejects.toMatchObject({ code: 'unsupported_content', details: { images: 80, documents: 21 } });
    expect(s.requests).toHaveLength(0);
    await expect(model.generate(request(history([...images(60, 'IMAGE/JPG'), { type: 'text', text: 'hi' }], [...images(20), ...pdfs(20)])))).resolves.toMatchObject({ message: { content: 'ok' } });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
  });

  it('anthropic: a text/plain file in a tool result goes out as text, so it is not counted as a document', async () => {
    const s = await startAnthropicServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const model = new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-test', baseURL: `${s.url}/v1` })('claude-sonnet-4-5') as never, retry: { maxAttempts: 1 }, maxOutputTokens: 100 });
    const notes = { type: 'file' as const, mediaType: 'text/plain', data: Buffer.from('plain notes').toString('base64'), filename: 'notes.txt' };
    await expect(model.generate(request(history([...images(50), { type: 'text', text: 'hi' }], [...images(50), notes])))).resolves.toMatchObject({ message: { content: 'ok' } });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
  });

  it('openai.chat: 250 images in the first turn + 250 in a tool result pass; 251 + 250 are refused before any request', async () => {
    const s = await startOpenAIServer([{ reply: { text: 'ok' } }]);
    servers.push(s);
    const model = new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1` }).chat('gpt-4o'), retry: { maxAttempts: 1 } });
    await expect(model.generate(request(history([...images(251), { type: 'text', text: 'hi' }], images(250))))).rejects.toMatchObject({ code: 'unsupported_content', details: { images: 501 } });
    expect(s.requests).toHaveLength(0);
    await expect(model.generate(request(history([...images(250), { type: 'text', text: 'hi' }], images(250))))).resolves.toMatchObject({ message: { content: 'ok' } });
    expect(s.requests.filter((r) => r.rejected)).toEqual([]);
  });
});
