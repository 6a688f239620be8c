/**
 * Red team 15b: context strategies with rich content (real PNG and PDF bytes), through the real
 * OpenAI SDK against the strict loopback server, and against hostile values.
 */
import { deflateSync } from 'node:zlib';
import { createRuntime, defineTool, findPairingViolations, MemoryStore, type ContentPart, type ContextPrepareContext, type ContextStrategy, type Message, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { CachedTokenCounter, composeStrategies, estimateFileTokens, estimateImageTokens, imageDimensions, o200kTokenizer, SlidingWindow, Summarize, TokenBudget, TokenizerEstimator, TruncateToolResults } from '@agentrt/context';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { OpenAIModel } from '@agentrt/model-openai';
import { assertRunInvariants, crc32, ScriptedModel, startAnthropicServer, startOpenAIServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// ---------------------------------------------------------------- real media bytes

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A real RGB PNG (zlib-compressed scanlines, valid CRCs) of `width` × `height`, base64. */
function png(width: number, height: number, seed = 1): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      raw[at] = (x * seed) & 0xff;
      raw[at + 1] = (y * 7 + seed) & 0xff;
      raw[at + 2] = ((x ^ y) * 13) & 0xff;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}
/** A real PDF 1.4 (catalog, page tree, pages with text, a font, a correct xref table), base64. */
function pdf(pages: number, label = 'report'): string {
  const objects: string[] = [];
  const pageIds = Array.from({ length: pages }, (_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pageIds.forEach((id, i) => {
    const stream = `BT /F1 18 Tf 72 720 Td (${label} page ${i + 1}) Tj ET`;
    objects[id] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${id + 1} 0 R >>`;
    objects[id + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = out.length;
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1').toString('base64');
}

const PHOTO = png(800, 600);
const BIG_PHOTO = png(3000, 2000, 3);
const REPORT = pdf(3);

// ---------------------------------------------------------------- helpers

const textOf = (m: Message) => (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : `[${p.type}]`)).join(' '));

function handContext(state = new Map<string, unknown>(), extra: Partial<ContextPrepareContext> = {}): ContextPrepareContext {
  return {
    runId: 'hand', stepIndex: 0, signal: new AbortController().signal, tools: [], model: { provider: 'p', model: 'm' }, addUsage: () => {},
    state: { get: (k) => state.get(k), set: (k, v) => void state.set(k, v) }, ...extra,
  };
}

/** Request bodies of the OpenAI wire: every base64 payload they carry, and their total size. */
const base64Payloads = (body: unknown) => JSON.stringify(body).match(/base64,[A-Za-z0-9+/=]{100,}/g) ?? [];

// ---------------------------------------------------------------- 1. positive paths

describe('token estimates for real images and PDFs are sane', () => {
  it('a real 800×600 PNG, a 3000×2000 PNG and a 3-page PDF: by size and pages, not base64 length, never zero', () => {
    expect(imageDimensions(PHOTO)).toEqual({ width: 800, height: 600 });
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: PHOTO })).toBe(640);
    expect(imageDimensions(BIG_PHOTO)).toEqual({ width: 3000, height: 2000 });
    const big = estimateImageTokens({ type: 'image', mediaType: 'image/png', data: BIG_PHOTO });
    expect(big).toBeGreaterThan(1_400);
    expect(big).toBeLessThanOrEqual(1_600);
    expect(BIG_PHOTO.length / 4).toBeGreaterThan(big * 5); // base64 as text would count far more
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data: REPORT, filename: 'r.pdf' }, o200kTokenizer)).toBe(6_000);

    const message: Message = { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: BIG_PHOTO }, { type: 'file', mediaType: 'application/pdf', data: REPORT }] };
    const counted = new CachedTokenCounter().message(message);
    expect(counted).toBe(4 + o200kTokenizer('look') + big + 6_000);
    // The budget estimator counts the same way (plus its request priming).
    expect(new TokenizerEstimator().estimate({ messages: [message], tools: [] })).toBe(counted + 3);
  });
});

const scan = defineTool({
  name: 'scan', description: 'Scans a page and returns the scan, its PDF and its OCR text', input: z.object({ page: z.number() }),
  execute: ({ page }): ContentPart[] => [
    { type: 'text', text: `OCR of page ${page}: ${'lorem ipsum dolor '.repeat(120)}` },
    { type: 'image', mediaType: 'image/png', data: png(400 + page, 300, page) },
    { type: 'file', mediaType: 'application/pdf', data: pdf(2, `page${page}`), filename: `page-${page}.pdf` },
  ],
});

const STRATEGIES: [string, () => ContextStrategy][] = [
  ['SlidingWindow', () => new SlidingWindow({ maxMessages: 8 })],
  ['TokenBudget', () => new TokenBudget({ maxTokens: 30_000, reserveOutputTokens: 2_000 })],
  ['TruncateToolResults', () => new TruncateToolResults({ maxChars: 400 })],
  ['Summarize + TokenBudget', () => composeStrategies(new Summarize({ model: summarizerOf([]), triggerTokens: 20_000, keepLast: 2 }), new TokenBudget({ maxTokens: 30_000, reserveOutputTokens: 2_000 }))],
  ['all four', () => composeStrategies(new TruncateToolResults({ maxTokens: 200 }), new Summarize({ model: summarizerOf([]), triggerTokens: 20_000, keepLast: 2 }), new TokenBudget({ maxTokens: 30_000, reserveOutputTokens: 2_000 }), new SlidingWindow({ maxTurns: 6 }))],
];

function summarizerOf(seen: ModelRequest[]): ScriptedModel {
  return new ScriptedModel([(request) => { seen.push(request); return ScriptedModel.answer(`SUMMARY(${request.messages[1]!.content.length} chars read)`, { inputTokens: 10, outputTokens: 5 }); }], { whenExhausted: 'cycle', model: 'summarizer' });
}

/** 9 tool steps (steps 3 and 6 call scan twice in parallel) and a final answer, through the real OpenAI SDK. */
async function mediaRun(context: ContextStrategy, options: { failAt?: number; store?: MemoryStore; runId?: string; resumeWith?: () => ContextStrategy; provider?: 'openai' | 'anthropic' } = {}) {
  const anthropic = options.provider === 'anthropic';
  await using server = anthropic ? await startAnthropicServer() : await startOpenAIServer();
  const replies = [];
  for (let n = 1; n <= 9; n++) {
    replies.push({ reply: { toolCalls: n % 3 === 0 ? [{ id: `call_${n}a`, name: 'scan', args: { page: n } }, { id: `call_${n}b`, name: 'scan', args: { page: n + 100 } }] : [{ id: `call_${n}`, name: 'scan', args: { page: n } }] } });
  }
  replies.push({ reply: { text: 'all pages scanned' } });
  if (options.failAt !== undefined) replies.splice(options.failAt, 0, { status: 503, message: 'overloaded' } as never);
  server.push(...(replies as never[]));
  const model = anthropic
    ? new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-loopback', baseURL: server.url, retry: { maxAttempts: 1 } })
    : new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-loopback', baseURL: `${server.url}/v1`, retry: { maxAttempts: 1 } });
  const store = options.store ?? new MemoryStore();
  const runtime = createRuntime({ model, tools: [scan], store, context, limits: { maxSteps: 30, maxToolCalls: 30 } });
  const input: Message[] = [{ role: 'system', content: 'You are a careful archivist.' }, { role: 'user', content: [{ type: 'text', text: 'Scan every page of this document; here is the cover photo and the original.' }, { type: 'image', mediaType: 'image/png', data: PHOTO }, { type: 'file', mediaType: 'application/pdf', data: REPORT, filename: 'original.pdf' }] }];
  let result = await runtime.run({ input, ...(options.runId ? { runId: options.runId } : {}) });
  if (options.resumeWith && result.status === 'failed') {
    const again = createRuntime({ model, tools: [scan], store, context: options.resumeWith(), limits: { maxSteps: 30, maxToolCalls: 30 } });
    result = await again.resume(result.runId);
  }
  await assertRunInvariants({ store, runId: result.runId, result });
  return { result, requests: server.requests.map((r) => ({ body: r.body as { messages: { role: string; content: unknown; tool_call_id?: string; tool_calls?: { id: string }[] }[] }, rejected: r.rejected })), store };
}

describe('long runs with images and PDFs through every strategy, real OpenAI SDK, strict server', () => {
  for (const [name, make] of STRATEGIES) {
    it(`${name}: no request refused, system prompt and task (with its photo and PDF) in every request, the newest results kept`, async () => {
      const { result, requests } = await mediaRun(make());
      expect(result).toMatchObject({ stopReason: 'final_answer', output: 'all pages scanned' });
      expect(requests).toHaveLength(10);
      expect(requests.filter((r) => r.rejected)).toEqual([]);
      for (const [i, { body }] of requests.entries()) {
        const messages = body.messages;
        expect(messages[0]).toMatchObject({ role: 'system', content: 'You are a careful archivist.' });
        expect(JSON.stringify(messages[1])).toContain('Scan every page');
        expect(JSON.stringify(messages[1])).toContain(PHOTO.slice(0, 200));
        if (i > 0) {
          // The newest step's results are in the request, each after its call (the adapter sends a
          // result's media in a user message right after the tool messages, as OpenAI requires).
          const lastCall = messages.findLastIndex((m) => m.tool_calls?.length);
          const answered = messages.slice(lastCall + 1).filter((m) => m.role === 'tool').map((m) => m.tool_call_id);
          expect(answered).toEqual(messages[lastCall]!.tool_calls!.map((c) => c.id));
          expect(messages.slice(lastCall + 1).every((m) => m.role === 'tool' || m.role === 'user')).toBe(true);
          const callIds = messages.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []);
          for (const m of messages) if (m.role === 'tool') expect(callIds).toContain(m.tool_call_id);
        }
      }
    });
  }

  for (const [name, make] of STRATEGIES) {
    it(`Anthropic wire, ${name}: no request refused (tool_use ids always answered), the task's image and PDF in every request`, async () => {
      const { result, requests } = await mediaRun(make(), { provider: 'anthropic' });
      expect(result).toMatchObject({ stopReason: 'final_answer', output: 'all pages scanned' });
      expect(requests).toHaveLength(10);
      expect(requests.filter((r) => r.rejected)).toEqual([]);
      for (const { body } of requests) {
        const b = body as unknown as { system?: unknown; messages: { role: string; content: unknown }[] };
        expect(JSON.stringify(b.system)).toContain('You are a careful archivist.');
        expect(JSON.stringify(b.messages[0])).toContain('Scan every page');
        expect(JSON.stringify(b.messages[0])).toContain(REPORT.slice(0, 200));
      }
    });
  }

  it('TokenBudget: every request fits the budget as counted, media included; the image parts are sent, not dropped from the kept messages', async () => {
    const counter = new CachedTokenCounter();
    const seen: Message[][] = [];
    const budget = new TokenBudget({ maxTokens: 20_000, reserveOutputTokens: 2_000 });
    const spy: ContextStrategy = { name: 'spy', borrowsHistory: true, prepare: async (messages, context) => { const out = await budget.prepare(messages, context); seen.push([...out]); return out; } };
    const { result, requests } = await mediaRun(spy);
    expect(result.stopReason).toBe('final_answer');
    for (const out of seen) expect(counter.range(out, 0, out.length) + counter.tools([])).toBeLessThanOrEqual(18_000 + 200);
    // The history is far over the budget (each scan step is ~4 500 tokens of media), so the window really cut.
    expect(Math.min(...seen.slice(5).map((out) => out.length))).toBeLessThan(seen.at(-1)!.length + 30);
    expect(base64Payloads(requests.at(-1)!.body).length).toBeGreaterThan(2);
  });

  it("Summarize: the summarizer's requests describe media in a line each and never carry base64", async () => {
    const seen: ModelRequest[] = [];
    const context = composeStrategies(new Summarize({ model: summarizerOf(seen), triggerTokens: 12_000, keepLast: 1 }), new TokenBudget({ maxTokens: 30_000 }));
    const { result } = await mediaRun(context);
    expect(result.stopReason).toBe('final_answer');
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      const text = JSON.stringify(request.messages);
      expect(text.length).toBeLessThan(40_000);
      expect(text).not.toMatch(/iVBORw0KGgo|JVBERi0/); // PNG and PDF magic in base64
      const prompt = request.messages[1]!.content as string;
      expect(prompt).toMatch(/\[image image\/png, \d+ KB\]/);
      expect(prompt).toMatch(/\[file "page-\d+\.pdf" application\/pdf, [\d.]+ (KB|bytes)\]/);
    }
  });

  it('a run that fails mid-way (503) and is resumed by a fresh runtime builds the same requests as an uninterrupted run', async () => {
    const make = () => composeStrategies(new TruncateToolResults({ maxChars: 300 }), new Summarize({ model: summarizerOf([]), triggerTokens: 12_000, keepLast: 2 }), new TokenBudget({ maxTokens: 30_000 }));
    const straight = await mediaRun(make(), { runId: 'straight' });
    const resumed = await mediaRun(make(), { runId: 'straight', failAt: 6, resumeWith: make });
    expect(resumed.result).toMatchObject({ stopReason: 'final_answer', output: 'all pages scanned' });
    const sent = resumed.requests.filter((r) => !JSON.stringify(r.body).includes('"overloaded"')).map((r) => r.body.messages);
    // The refused attempt was a real request with the same body as the one sent again after resume.
    expect(sent).toHaveLength(11);
    expect(sent[6]).toEqual(sent[7]);
    expect([...sent.slice(0, 6), ...sent.slice(7)]).toEqual(straight.requests.map((r) => r.body.messages));
  });
});

// ---------------------------------------------------------------- 2. hostile values

describe('a hostile PDF does not block the event loop (page count is linear)', () => {
  it('1 MB of "/Type /Pages" with no dictionary end is counted in well under 3 seconds', () => {
    // A tool that fetches documents can return this (5 MiB are allowed per part). The page-tree
    // regex scanned to the end of the text for every "/Type /Pages": quadratic, ~14 s for 1 MB and
    // minutes for 5 MB, with no timeout or kill able to fire meanwhile.
    for (const body of ['/Type /Pages '.repeat(80_000), '/Count 7 '.repeat(120_000)]) {
      const data = Buffer.from(`%PDF-1.4\n${body}`, 'latin1').toString('base64');
      const started = performance.now();
      const tokens = estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data }, o200kTokenizer);
      expect(performance.now() - started).toBeLessThan(3_000); // ~45 s before the fix
      expect(tokens).toBeGreaterThanOrEqual(2_000);
    }
  });

  it('page counts of well-formed documents are unchanged: the page tree count, nested trees, /Count before /Type', () => {
    const count = (text: string) => estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data: Buffer.from(text, 'latin1').toString('base64') }, o200kTokenizer) / 2_000;
    expect(count(Buffer.from(pdf(7), 'base64').toString('latin1'))).toBe(7);
    expect(count('<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 12 >> << /Type /Pages /Parent 1 0 R /Count 5 >>')).toBe(12);
    expect(count('<< /Count 4 /Kids [] /Type /Pages >>')).toBe(4);
    // An outline's /Count is not a page count.
    expect(count('<< /Type /Outlines /Count 40 >> << /Type /Page >> << /Type /Page >>')).toBe(2);
    expect(count('<< /Type /Pages /Count 3 >> << /Type /Outlines /Count 99 >>')).toBe(3);
  });
});

/** A summarizer whose answers are scripted; its requests are kept. */
function summarizerAnswering(answer: (request: ModelRequest) => { content: string; toolCalls?: unknown[] }, seen: ModelRequest[] = []): ModelAdapter {
  return {
    provider: 'p', model: 'summarizer',
    generate: async (request) => {
      seen.push(request);
      const { content, toolCalls } = answer(request);
      return { message: { role: 'assistant', content, ...(toolCalls ? { toolCalls } : {}) }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: toolCalls ? 'tool_calls' : 'stop' } as never;
    },
  };
}

describe('Summarize after a window, with repeated identical messages ("ok", "continue")', () => {
  for (const distinct of [true, false]) {
    it(`${distinct ? 'distinct' : 'identical'} turns: every turn is either shown in full or summarized, none vanishes`, async () => {
      const seen: ModelRequest[] = [];
      const summarizer = summarizerAnswering(() => ({ content: `S${seen.length}` }), seen);
      const strategy = composeStrategies(new SlidingWindow({ maxMessages: 10 }), new Summarize({ model: summarizer, triggerTokens: 120, keepLast: 2 }));
      const state = new Map<string, unknown>();
      const history: Message[] = [{ role: 'system', content: 'sys' }, { role: 'user', content: 'task' }];
      const pad = ' lorem'.repeat(20);
      const lastShown = new Map<Message, number>();
      for (let i = 0; i < 14; i++) {
        history.push({ role: 'assistant', content: `${distinct ? `done ${i}` : 'done'}${pad}` }, { role: 'user', content: distinct ? `continue ${i}` : 'continue' });
        const out = await strategy.prepare(history, handContext(state, { stepIndex: i }));
        expect(out.at(-1)).toBe(history.at(-1)); // the newest user message is always sent
        for (const m of out) lastShown.set(m, i);
      }
      // Turns that left the request went to the summarizer first: count the assistant turns it read.
      const summarized = seen.map((r) => r.messages[1]!.content as string).join('\n').split('assistant: done').length - 1;
      const stillShown = history.filter((m, j) => j >= 2 && m.role === 'assistant' && lastShown.get(m) === 13).length;
      expect(summarized + stillShown).toBeGreaterThanOrEqual(14);
    });
  }
});

describe('Summarize: a summarizer answer that carries no summary does not silently drop the covered turns', () => {
  const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${'fact '.repeat(80)}` });
  const runaway = () => {
    let n = 0;
    return new ScriptedModel([() => ScriptedModel.call('lookup', { q: ++n })], { whenExhausted: 'cycle' });
  };
  for (const [label, answer] of [
    ['an empty text', { content: '' }],
    ['only whitespace', { content: '  \n ' }],
    ['only a tool call', { content: '', toolCalls: [{ id: 'c1', name: 'write_summary', args: { text: 'facts' } }] }],
  ] as const) {
    it(`${label}: the run ends with model_output_invalid instead of replacing the turns with "(nothing to summarize)"`, async () => {
      const store = new MemoryStore();
      const model = runaway();
      const result = await createRuntime({ model, tools: [lookup], store, context: new Summarize({ model: summarizerAnswering(() => answer as never), triggerTokens: 300, keepLast: 1 }), limits: { maxSteps: 8 } }).run('go');
      for (const request of model.requests) expect(JSON.stringify(request.messages)).not.toContain('(nothing to summarize)');
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_output_invalid' } });
      await assertRunInvariants({ store, runId: result.runId, result });
    });
  }
});

describe('Summarize with a small trigger keeps what the summarizer wrote', () => {
  it('triggerTokens 32 (summary cap 16 tokens): a short summary is sent, not replaced by "(nothing to summarize)"', async () => {
    const strategy = new Summarize({ model: summarizerAnswering(() => ({ content: 'Paris, 42.' })), triggerTokens: 32, keepLast: 1 });
    const history: Message[] = [{ role: 'user', content: 'task' }, { role: 'assistant', content: 'the capital is Paris and the answer is 42' }, { role: 'user', content: 'and then?' }, { role: 'assistant', content: 'more words here to pass the trigger' }, { role: 'user', content: 'next' }];
    const out = await strategy.prepare(history, handContext());
    const summary = out.find((m) => m.role === 'system');
    expect(summary && textOf(summary)).toContain('Paris, 42.');
  });
});

describe('secrets in file names of tool results (redaction)', () => {
  const CANARY = 'sk-agentrt-CANARY-0123456789abcdefghij';
  it('a file name holding a secret is redacted like the text beside it: not in the model requests, the summarizer prompt, the events or the stored summary', async () => {
    const leak = defineTool({
      name: 'leak', description: 'Returns a file', input: z.object({ n: z.number() }),
      execute: ({ n }): ContentPart[] => [
        { type: 'text', text: `key ${CANARY} and ${'filler '.repeat(60)}` },
        { type: 'file', mediaType: 'application/pdf', data: pdf(1, `n${n}`), filename: `${CANARY}-${n}.pdf` },
        // Fields a part does not have (alt text, a title) are dropped, not carried along.
        { type: 'image', mediaType: 'image/png', data: png(8, 8), alt: `photo of ${CANARY}`, title: CANARY } as ContentPart,
      ],
    });
    let n = 0;
    const model = new ScriptedModel([() => (n < 5 ? ScriptedModel.call('leak', { n: ++n }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
    const seen: ModelRequest[] = [];
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [leak], store, context: new Summarize({ model: summarizerAnswering((r) => ({ content: `summary: ${(r.messages[1]!.content as string).slice(0, 300)}` }), seen), triggerTokens: 3_000, keepLast: 1 }), limits: { maxSteps: 10 } });
    const result = await runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'go' }, { type: 'image', mediaType: 'image/png', data: png(8, 8), alt: CANARY } as ContentPart] }] });
    expect(result.stopReason).toBe('final_answer');
    expect(seen.length).toBeGreaterThan(0);
    const everything = JSON.stringify({ requests: model.requests.map((r) => r.messages), summarizer: seen.map((r) => r.messages), events: await runtime.events(result.runId), steps: await store.loadSteps(result.runId) });
    expect(everything).toContain('filler'); // the tool text is there
    expect(everything).not.toContain(CANARY);
  });
});

describe('budgets and limits at their edges', () => {
  const make: Record<string, (n: number) => unknown> = {
    'TokenBudget.maxTokens': (n) => new TokenBudget({ maxTokens: n }),
    'TokenBudget.reserveOutputTokens': (n) => new TokenBudget({ maxTokens: 1_000, reserveOutputTokens: n }),
    'SlidingWindow.maxMessages': (n) => new SlidingWindow({ maxMessages: n }),
    'SlidingWindow.maxTurns': (n) => new SlidingWindow({ maxTurns: n }),
    'TruncateToolResults.maxChars': (n) => new TruncateToolResults({ maxChars: n }),
    'TruncateToolResults.maxTokens': (n) => new TruncateToolResults({ maxTokens: n }),
    'Summarize.triggerTokens': (n) => new Summarize({ model: summarizerAnswering(() => ({ content: 's' })), triggerTokens: n }),
    'Summarize.keepLast': (n) => new Summarize({ model: summarizerAnswering(() => ({ content: 's' })), triggerTokens: 100, keepLast: n }),
    'TokenBudget.tokenMultiplier': (n) => new TokenBudget({ maxTokens: 1_000, tokenMultiplier: n }),
    'TokenizerEstimator.tokenMultiplier': (n) => new TokenizerEstimator({ tokenMultiplier: n }),
  };
  for (const [name, construct] of Object.entries(make)) {
    it(`${name}: 0, negative, fractional, NaN, ±Infinity and a string are config_invalid at construction`, () => {
      for (const bad of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '100' as unknown as number, ...(name.endsWith('reserveOutputTokens') ? [1_000] : [])]) {
        if (name.endsWith('reserveOutputTokens') && bad === 0) continue; // no reserve is fine
        if (name.endsWith('tokenMultiplier') && bad === 2.5) continue; // a multiplier may be fractional
        expect(() => construct(bad), `${name} = ${String(bad)}`).toThrow(expect.objectContaining({ code: 'config_invalid' }));
      }
    });
  }

  it('a single message larger than the whole budget: context_overflow before any model call, never a 400', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('never')]);
    const store = new MemoryStore();
    const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'file', mediaType: 'application/pdf', data: pdf(30) }] }];
    const result = await createRuntime({ model, store, context: composeStrategies(new TruncateToolResults({ maxChars: 100 }), new TokenBudget({ maxTokens: 8_000 })) }).run({ input });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'context_overflow' } });
    expect(result.error!.message).toMatch(/60\d\d\d tokens but the budget is 8000/);
    expect(model.calls).toBe(0);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('20,000 tiny messages with tool pairs: each strategy prepares quickly and keeps the pairs and the newest user message', async () => {
    const history: Message[] = [{ role: 'system', content: 's' }, { role: 'user', content: 't' }];
    for (let i = 0; history.length < 20_000; i++) {
      if (i % 50 === 0) history.push({ role: 'user', content: `u${i}` });
      history.push({ role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'x', args: {} }, { id: `d${i}`, name: 'x', args: {} }] }, { role: 'tool', toolCallId: `c${i}`, name: 'x', content: 'r' }, { role: 'tool', toolCallId: `d${i}`, name: 'x', content: 'r' });
    }
    const newestUser = history.findLast((m) => m.role === 'user')!;
    const seen: ModelRequest[] = [];
    for (const strategy of [new SlidingWindow({ maxTurns: 7 }), new TokenBudget({ maxTokens: 2_000 }), new TruncateToolResults({ maxChars: 64 }), new Summarize({ model: summarizerAnswering(() => ({ content: 'S' }), seen), triggerTokens: 2_000, keepLast: 3 }),
      composeStrategies(new TokenBudget({ maxTokens: 5_000 }), new Summarize({ model: summarizerAnswering(() => ({ content: 'S' })), triggerTokens: 1_000, keepLast: 2 }), new SlidingWindow({ maxMessages: 9 }))]) {
      const started = performance.now();
      const out = await strategy.prepare(history, handContext());
      expect(performance.now() - started, strategy.name).toBeLessThan(5_000);
      expect(findPairingViolations(out), strategy.name).toEqual([]);
      expect(out[0]).toBe(history[0]);
      expect(out).toContain(newestUser);
    }
    // The summarizer reads the 20,000 messages in parts of about the trigger, never in one prompt.
    expect(seen.length).toBeGreaterThan(1);
    const counter = new CachedTokenCounter();
    for (const request of seen) expect(counter.range(request.messages, 0, request.messages.length)).toBeLessThanOrEqual(4_000 + 500);
  });

  it('__proto__ keys in messages, tool call arguments and content parts are data: no prototype is changed, the counts are finite', async () => {
    const hostile = JSON.parse('[{"role":"user","content":"go","__proto__":{"polluted":1}},{"role":"assistant","content":"","toolCalls":[{"id":"c1","name":"x","args":{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}}}]},{"role":"tool","toolCallId":"c1","name":"x","content":[{"type":"text","text":"r","__proto__":{"polluted":4}}]},{"role":"user","content":"next"}]') as Message[];
    for (const strategy of [new SlidingWindow({ maxMessages: 3 }), new TokenBudget({ maxTokens: 1_000 }), new TruncateToolResults({ maxChars: 64 }), new Summarize({ model: summarizerAnswering(() => ({ content: 'S' })), triggerTokens: 16, keepLast: 1 })]) {
      const out = await strategy.prepare(hostile, handContext());
      expect(findPairingViolations(out)).toEqual([]);
    }
    expect(Number.isFinite(new TokenizerEstimator().estimate({ messages: hostile, tools: [] }))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('content parts of an unknown type (from a store written by a newer version, or a strategy before): counted, described, never a TypeError', async () => {
    const odd = [{ type: 'audio', mediaType: 'audio/wav', data: Buffer.alloc(4_000).toString('base64') }, { type: 'video' }, { type: 'file', data: 'AAAA' }] as unknown as ContentPart[];
    const history: Message[] = [{ role: 'user', content: 'task' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'x', args: {} }] }, { role: 'tool', toolCallId: 'c1', name: 'x', content: [{ type: 'text', text: 'here' }, ...odd] }, { role: 'user', content: 'next' }];
    const seen: ModelRequest[] = [];
    for (const strategy of [new TokenBudget({ maxTokens: 10_000 }), new TruncateToolResults({ maxChars: 64 }), new Summarize({ model: summarizerAnswering(() => ({ content: 'S' }), seen), triggerTokens: 16, keepLast: 1 })]) {
      await expect(Promise.resolve().then(() => strategy.prepare(history, handContext())), strategy.name).resolves.toBeDefined();
    }
    const tokens = new CachedTokenCounter().message(history[2]!);
    expect(tokens).toBeGreaterThan(1_000); // 4 KB of audio is not free
    expect(Number.isFinite(tokens)).toBe(true);
    expect(seen[0]!.messages[1]!.content).not.toContain('AAAAAAAA');
  });

  it('a tokenizer that returns NaN or a negative count: TokenBudget still bounds the request (characters / 4)', async () => {
    for (const tokenizer of [() => Number.NaN, () => -50, () => Number.POSITIVE_INFINITY]) {
      const history: Message[] = [{ role: 'user', content: 'task' }];
      for (let i = 0; i < 200; i++) history.push({ role: 'assistant', content: 'x'.repeat(400) }, { role: 'user', content: `q${i}` });
      const out = await new TokenBudget({ maxTokens: 2_000, tokenizer }).prepare(history, handContext());
      expect(out.length).toBeLessThan(40);
      expect(out.length).toBeGreaterThan(4);
      expect(out.at(-1)).toBe(history.at(-1));
    }
  });

  it('a summarizer that writes 5 MB: capped to half the trigger within a couple of seconds', async () => {
    const huge = 'The quarterly figures rose by four percent. '.repeat(120_000);
    const strategy = new Summarize({ model: summarizerAnswering(() => ({ content: huge })), triggerTokens: 400, keepLast: 1 });
    const history: Message[] = [{ role: 'user', content: 'task' }];
    for (let i = 0; i < 20; i++) history.push({ role: 'assistant', content: `answer ${i} ${'word '.repeat(30)}` }, { role: 'user', content: `more ${i}` });
    const started = performance.now();
    const out = await strategy.prepare(history, handContext());
    expect(performance.now() - started).toBeLessThan(5_000);
    const summary = out.find((m) => m.role === 'system')!;
    expect(new CachedTokenCounter().message(summary)).toBeLessThanOrEqual(200 + 30);
    expect(textOf(summary)).toContain('quarterly figures');
  });
});

describe('strategies composed in odd orders over random histories with media', () => {
  it('every order of the four keeps tool pairs, the system prompt, the task and the newest user message', async () => {
    const { seededRandom } = await import('@agentrt/testing');
    const next = seededRandom(1515);
    const image = png(64, 48);
    const doc = pdf(2);
    const orders: ContextStrategy[][] = [];
    const parts = () => ({
      t: new TruncateToolResults({ maxChars: 200 }),
      s: new Summarize({ model: summarizerAnswering(() => ({ content: `S${Math.floor(next() * 1e6)}` })), triggerTokens: 3_000, keepLast: 2 }),
      b: new TokenBudget({ maxTokens: 9_000 }),
      w: new SlidingWindow({ maxMessages: 11 }),
    });
    for (const order of ['bswt', 'wsbt', 'tbws', 'swbt', 'wbst', 'bwts']) orders.push([...order].map((k) => parts()[k as 't']));
    for (const [o, strategies] of orders.entries()) {
      const strategy = composeStrategies(...strategies);
      const state = new Map<string, unknown>();
      const history: Message[] = [{ role: 'system', content: 'sys' }, { role: 'user', content: [{ type: 'text', text: 'the task' }, { type: 'image', mediaType: 'image/png', data: image }] }];
      for (let step = 0; step < 40; step++) {
        const r = next();
        if (r < 0.15) history.push({ role: 'user', content: [{ type: 'text', text: `follow-up ${step}` }, ...(next() < 0.5 ? [{ type: 'file' as const, mediaType: 'application/pdf', data: doc, filename: 'f.pdf' }] : [])] });
        else if (r < 0.3) history.push({ role: 'assistant', content: r < 0.2 ? 'ok' : `thinking about ${step}`, reasoning: [{ text: 'hmm' }] });
        else {
          const calls = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, k) => ({ id: `c${o}_${step}_${k}`, name: 'scan', args: { step } }));
          history.push({ role: 'assistant', content: '', toolCalls: calls });
          for (const call of calls) history.push({ role: 'tool', toolCallId: call.id, name: 'scan', content: next() < 0.5 ? 'r'.repeat(Math.floor(next() * 2_000)) : [{ type: 'text', text: 'scan' }, { type: 'image', mediaType: 'image/png', data: image }] });
        }
        let out: readonly Message[];
        try {
          out = await strategy.prepare(history, handContext(state, { stepIndex: step }));
        } catch (error) {
          expect((error as { code?: string }).code, `order ${o} step ${step}`).toBe('context_overflow');
          continue;
        }
        const where = `order ${o} (${strategy.name}) step ${step}`;
        expect(findPairingViolations(out), where).toEqual([]);
        expect(out[0], where).toBe(history[0]);
        expect(out[1], where).toBe(history[1]);
        const newestUser = history.findLast((m) => m.role === 'user')!;
        expect(out.includes(newestUser), where).toBe(true);
      }
    }
  });
});

describe('run({ input: Message[], system })', () => {
  // The runtime prepends `system` only when `input` is a string; with an array of messages it is
  // dropped without a word (the run then has no system prompt at all). Fix in
  // packages/core/src/runtime/agent-runtime.ts (parseRunOptions / the input build near line 598):
  // prepend `{ role: 'system', content: system }` to an array input too (unless it already starts
  // with that system message), or reject the combination as config_invalid naming `system`.
  it('a system prompt given with an array input reaches the model first, or is refused when the transcript has its own — never silently dropped', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model });
    const result = await runtime.run({ input: [{ role: 'user', content: 'hi' }], system: 'You are terse.' });
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[0]!.messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
    expect((await runtime.messages(result.runId))[0]).toEqual({ role: 'system', content: 'You are terse.' });
    await expect(runtime.run({ input: [{ role: 'system', content: 'own' }, { role: 'user', content: 'hi' }], system: 'You are terse.' })).rejects.toMatchObject({ code: 'config_invalid', field: 'system' });
  });
});

describe("Summarize bounds its summarizer's request", () => {
  it('a run started with a long conversation (≈ 100k tokens) asks the summarizer in parts of at most triggerTokens, each building on the last', async () => {
    const seen: ModelRequest[] = [];
    const strategy = new Summarize({ model: summarizerAnswering((r) => ({ content: `S${seen.length}: ${(r.messages[1]!.content as string).length} chars` }), seen), triggerTokens: 8_000, keepLast: 2 });
    const history: Message[] = [{ role: 'system', content: 'sys' }, { role: 'user', content: 'the task' }];
    for (let i = 0; i < 200; i++) {
      history.push({ role: 'assistant', content: `answer ${i}: ${Array.from({ length: 250 }, (_, k) => `w${(i * 31 + k) % 997}`).join(' ')}` }, { role: 'user', content: `question ${i + 1}` });
    }
    const counter = new CachedTokenCounter();
    const out = await strategy.prepare(history, handContext());
    expect(seen.length).toBeGreaterThan(1);
    for (const request of seen) expect(counter.range(request.messages, 0, request.messages.length)).toBeLessThanOrEqual(8_000 + 500);
    // Each part builds on the summary so far; every answer was read once.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.messages[1]!.content).toContain(`Summary so far:\nS${i}:`);
    const read = seen.map((r) => r.messages[1]!.content as string).join('\n');
    for (let i = 0; i < 199; i++) expect(read.split(`answer ${i}:`).length - 1, `answer ${i}`).toBe(1);
    expect(out.at(-1)).toBe(history.at(-1));
    expect(findPairingViolations(out)).toEqual([]);
  });
});
