import { createRuntime, defineTool, MemoryStore, type ContentPart, type ContextPrepareContext, type Message, type ModelAdapter, type ToolMessage } from '@agentrt/core';
import {
  CachedTokenCounter, estimateFileTokens, estimateImageTokens, IMAGE_TOKENS_MIN, IMAGE_TOKENS_UNKNOWN, imageDimensions, MESSAGE_OVERHEAD, o200kTokenizer,
  PDF_PAGE_TOKENS, SlidingWindow, Summarize, TokenBudget, TruncateToolResults,
} from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const b64 = (bytes: number[] | Buffer) => Buffer.from(bytes).toString('base64');
const png = (width: number, height: number) => {
  const bytes = Buffer.alloc(40);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return b64(bytes);
};
const jpeg = (width: number, height: number) => {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const exif = [0xff, 0xe1, 0x04, 0x02, ...new Array(0x0400).fill(0x41)];
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return b64([0xff, 0xd8, ...app0, ...exif, 0xff, 0xc4, 0x00, 0x04, 0, 0, ...sof, 0xff, 0xd9]);
};
const gif = (width: number, height: number) => b64([...Buffer.from('GIF89a'), width & 0xff, width >> 8, height & 0xff, height >> 8, 0, 0, 0]);
const webp = (width: number, height: number) => {
  const bytes = Buffer.alloc(32);
  bytes.write('RIFF', 0, 'latin1');
  bytes.writeUInt32LE(24, 4);
  bytes.write('WEBPVP8X', 8, 'latin1');
  bytes.writeUInt32LE(10, 16);
  bytes.writeUIntLE(width - 1, 24, 3);
  bytes.writeUIntLE(height - 1, 27, 3);
  return b64(bytes);
};
const image = (data: string, mediaType = 'image/png'): ContentPart => ({ type: 'image', mediaType, data });
const context = (): ContextPrepareContext => {
  const state = new Map<string, unknown>();
  return {
    runId: `media-${Math.random()}`, stepIndex: 0, signal: new AbortController().signal, tools: [], model: { provider: 't', model: 't' },
    addUsage: () => undefined, state: { get: (k) => state.get(k), set: (k, v) => void state.set(k, v) },
  };
};

describe('token estimates for images and files', () => {
  it('reads the size of PNG, JPEG (past its metadata), GIF and WebP images', () => {
    expect(imageDimensions(png(800, 600))).toEqual({ width: 800, height: 600 });
    expect(imageDimensions(jpeg(1024, 768))).toEqual({ width: 1024, height: 768 });
    expect(imageDimensions(gif(320, 200))).toEqual({ width: 320, height: 200 });
    expect(imageDimensions(webp(2000, 1000))).toEqual({ width: 2000, height: 1000 });
    expect(imageDimensions(b64(Buffer.from('not an image at all')))).toBeUndefined();
    expect(imageDimensions(b64([0xff, 0xd8, 0xff]))).toBeUndefined();
  });

  it('counts width × height / 750 after scaling to 1 568 px and 1.15 MP, at least 85; 1 600 when unknown', () => {
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: png(1000, 1000) })).toBe(1334);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: png(4000, 3000) })).toBe(1534);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: png(10_000, 100) })).toBe(Math.ceil((1568 * 15.68) / 750) < 85 ? 85 : Math.ceil((1568 * 15.68) / 750));
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: png(16, 16) })).toBe(IMAGE_TOKENS_MIN);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' })).toBe(IMAGE_TOKENS_UNKNOWN);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/heic', data: b64(Buffer.alloc(64, 7)) })).toBe(IMAGE_TOKENS_UNKNOWN);
  });

  it('counts a PDF per page, a text file by its text, other files per 4 bytes, a file by url as one page', () => {
    const pdf = b64(Buffer.from('%PDF-1.7\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R 4 0 R] /Count 3 >> endobj\n%%EOF'));
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data: pdf }, o200kTokenizer)).toBe(3 * PDF_PAGE_TOKENS);
    const pages = b64(Buffer.from('%PDF-1.4 << /Type /Page >> << /Type /Page >> << /Type /Pages >> %%EOF'));
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data: pages }, o200kTokenizer)).toBe(2 * PDF_PAGE_TOKENS);
    const text = 'hello world, this is a plain text file';
    expect(estimateFileTokens({ type: 'file', mediaType: 'text/plain', data: b64(Buffer.from(text)) }, o200kTokenizer)).toBe(o200kTokenizer(text));
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/octet-stream', data: b64(Buffer.alloc(4000)) }, o200kTokenizer)).toBe(1000);
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf' }, o200kTokenizer)).toBe(PDF_PAGE_TOKENS);
  });

  it('counts messages with parts and reasoning, once per message object', () => {
    const counter = new CachedTokenCounter();
    const user: Message = { role: 'user', content: [{ type: 'text', text: 'look' }, image(png(1000, 1000))] };
    expect(counter.message(user)).toBe(MESSAGE_OVERHEAD + o200kTokenizer('look') + 1334);
    const assistant: Message = { role: 'assistant', content: 'ok', reasoning: [{ text: 'a long chain of thought about the image', providerData: { sig: 'x'.repeat(5000) } }] };
    expect(counter.message(assistant)).toBe(MESSAGE_OVERHEAD + o200kTokenizer('ok') + o200kTokenizer('a long chain of thought about the image'));
    counter.message(user);
    expect(counter.hits).toBe(1);
  });
});

describe('strategies with parts and reasoning', () => {
  it('TruncateToolResults shortens the text parts of a multi-part result and keeps the image', () => {
    const long = 'y'.repeat(3000);
    const tool: ToolMessage = { role: 'tool', toolCallId: 'c1', name: 'shot', content: [{ type: 'text', text: long }, image(png(10, 10)), { type: 'text', text: 'short' }] };
    const history: Message[] = [{ role: 'user', content: 'go' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'shot', args: {} }] }, tool];
    const out = new TruncateToolResults({ maxChars: 500 }).prepare(history);
    const parts = (out[2] as ToolMessage).content as ContentPart[];
    expect(parts[1]).toEqual(image(png(10, 10)));
    expect((parts[0] as { text: string }).text).toContain('tool_output_truncated');
    expect((parts[0] as { text: string }).text.length).toBeLessThan(600);
    expect(parts[2]).toEqual({ type: 'text', text: 'short' });
    expect(history[2]).toBe(tool); // the stored result is untouched
  });

  it('TokenBudget counts images: an old image-heavy turn goes, the task and newest turn stay, reasoning with its turn', () => {
    const big = image(png(1500, 1500));
    const history: Message[] = [
      { role: 'user', content: 'the task' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'shot', args: {} }], reasoning: [{ text: 'take one', providerData: { s: '1' } }] },
      { role: 'tool', toolCallId: 'c1', name: 'shot', content: [big] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c2', name: 'shot', args: {} }], reasoning: [{ text: 'take another', providerData: { s: '2' } }] },
      { role: 'tool', toolCallId: 'c2', name: 'shot', content: [big] },
    ];
    const out = new TokenBudget({ maxTokens: 2_000 }).prepare(history, context());
    expect(out).toEqual([history[0], history[3], history[4]]);
    expect(() => new TokenBudget({ maxTokens: 1_000 }).prepare(history, context())).toThrow(/budget/);
  });

  it('SlidingWindow keeps a repair request (the newest user message) with the answer it follows', () => {
    const history: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'describe' }, image(png(50, 50))] },
      { role: 'assistant', content: 'not json', reasoning: [{ text: 'hmm' }] },
      { role: 'user', content: 'Your final answer was not accepted: …' },
    ];
    const out = new SlidingWindow({ maxMessages: 2 }).prepare(history, context());
    expect(out).toEqual([history[0], history[2]]);
  });

  it('Summarize describes images and files in a line each, never their data, and leaves reasoning out', async () => {
    const seen: string[] = [];
    const summarizer: ModelAdapter = {
      provider: 't', model: 's',
      generate: async (request) => {
        seen.push(String(request.messages[1]!.content));
        return { message: { role: 'assistant', content: 'a summary' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    };
    const photo = png(400, 300);
    const history: Message[] = [
      { role: 'user', content: 'task' },
      { role: 'user', content: [{ type: 'text', text: 'here is a photo' }, image(photo), { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/x.pdf', filename: 'x.pdf' }] },
      { role: 'assistant', content: 'noted', reasoning: [{ text: 'SECRET-CHAIN-OF-THOUGHT' }] },
      { role: 'user', content: 'next' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'last' },
    ];
    await new Summarize({ model: summarizer, triggerTokens: 10, keepLast: 1 }).prepare(history, context());
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('[image image/png, 40 bytes]');
    expect(seen[0]).toContain('[file "x.pdf" application/pdf, by url]');
    expect(seen[0]).not.toContain(photo.slice(0, 16));
    expect(seen[0]).not.toContain('SECRET-CHAIN-OF-THOUGHT');
  });

  it('bounds requests of a run whose tools return images', async () => {
    const shot = defineTool({ name: 'shot', description: 'screenshot', input: z.object({ n: z.number() }), execute: () => [{ type: 'text' as const, text: 'screen' }, image(png(1200, 900))] });
    const model = new ScriptedModel([(_r, i) => ScriptedModel.call('shot', { n: i }, { reasoning: [{ text: `look ${i}`, providerData: { sig: `s${i}` } }] })], { whenExhausted: 'cycle' });
    const store = new MemoryStore();
    const budget = new TokenBudget({ maxTokens: 5_000 });
    const result = await createRuntime({ model, store, tools: [shot], context: budget, limits: { maxSteps: 10, maxToolCalls: 10 } }).run('watch the screen');
    expect(result.stopReason).toBe('max_steps');
    for (const request of model.requests) {
      expect(budget.counter.range(request.messages, 0, request.messages.length) + budget.counter.tools(request.tools)).toBeLessThanOrEqual(5_000);
      for (const message of request.messages) if (message.role === 'assistant') expect(message.reasoning?.[0]?.providerData).toBeDefined();
    }
    expect(model.requests[9]!.messages.length).toBeLessThan(10);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
