// Red team 15e: rich content through createRuntime + AnthropicModel against the strict loopback —
// a real PNG and PDF in and out of tools (JSON and SSE), a resumed run sending the same bytes,
// hostile parts refused typed before a run exists, a mislabelled image and an oversized one.
import { AgentrtError, createRuntime, defineTool, MemoryStore, StoreError, type AgentRuntime, type RunResult } from '@agentrt/core';
import { AnthropicModel, type AnthropicModelOptions } from '@agentrt/model-anthropic';
import { checkRunInvariants, pdfDocument, pngImage, startAnthropicServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = pngImage(4, 3);
const PDF = pdfDocument('Q3 revenue: 42');
const TEXT = Buffer.from('notes: "quoted", ünïcode\n').toString('base64');

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (steps: LoopbackStep[]) => (server = await startAnthropicServer(steps));
const model = (s: LoopbackServer, options: Partial<AnthropicModelOptions> = {}) =>
  new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', baseURL: s.url, retry: { maxAttempts: 1 }, ...options });
const body = (s: LoopbackServer, index: number) => s.requests[index]!.body as Record<string, any>;
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);
const runOf = (runtime: AgentRuntime, options: Record<string, unknown>) => runtime.run(options as never) as Promise<RunResult<unknown>>;
const streamOf = async (runtime: AgentRuntime, options: Record<string, unknown>) => {
  for await (const event of runtime.stream(options as never)) if (event.type === 'run_finished') return event.result as RunResult<unknown>;
  throw new Error('no run_finished');
};
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};
const invariantsOf = async (store: MemoryStore, result: RunResult<unknown>) => (await checkRunInvariants({ store, runId: result.runId, result })).violations;
const tool = (name: string, parts: unknown) => defineTool({ name, description: `returns ${name}`, input: z.object({}), execute: () => parts as never });

describe('AnthropicModel + createRuntime: a real PNG and PDF reach the API in its documented form', () => {
  for (const mode of ['run', 'stream'] as const) {
    it(`${mode}: user image/document blocks, then a tool's image and PDF inside tool_result.content`, async () => {
      const s = await start([
        { reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } },
        { reply: { text: 'a gradient and a report' } },
      ]);
      const store = new MemoryStore();
      const capture = tool('capture', [
        { type: 'text', text: 'captured' },
        { type: 'image', mediaType: 'image/png', data: PNG },
        { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'q3 "final".pdf' },
      ]);
      const runtime = createRuntime({ model: model(s), tools: [capture], store });
      const input = [{ role: 'user', content: [
        { type: 'text', text: 'compare' },
        { type: 'image', mediaType: 'image/png', data: PNG },
        { type: 'file', mediaType: 'application/pdf', data: PDF, filename: '__proto__' },
        { type: 'file', mediaType: 'text/plain', data: TEXT, filename: 'notes.txt' },
      ] }];
      const result = mode === 'run' ? await runOf(runtime, { input }) : await streamOf(runtime, { input });
      expect(result).toMatchObject({ status: 'completed', output: 'a gradient and a report', toolCalls: 1 });
      expect(rejections(s)).toEqual([]);
      expect(body(s, 0).messages[0].content).toEqual([
        { type: 'text', text: 'compare' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: '__proto__' },
        { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes: "quoted", ünïcode\n' }, title: 'notes.txt' },
      ]);
      expect(body(s, 1).messages[2].content).toEqual([{
        type: 'tool_result', tool_use_id: 'toolu_1', content: [
          { type: 'text', text: 'captured' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'q3 "final".pdf' },
        ],
      }]);
      expect(await invariantsOf(store, result)).toEqual([]);
    });
  }

  it('a run resumed after its model call failed sends the same bytes (tool image and input PDF) as the request before the failure', async () => {
    const s = await start([
      { reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } },
      { status: 503, message: 'overloaded' },
      { reply: { text: 'done' } },
    ]);
    const store = new MemoryStore();
    const capture = tool('capture', [{ type: 'image', mediaType: 'image/png', data: PNG }]);
    const first = await runOf(createRuntime({ model: model(s), tools: [capture], store }), { input: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: PDF }, { type: 'text', text: 'go' }] }] });
    expect(first).toMatchObject({ status: 'failed', error: { code: 'model_unavailable' } });
    // Another process (a new runtime on the same store) resumes it.
    const resumed = await createRuntime({ model: model(s), tools: [capture], store }).resume(first.runId);
    expect(resumed).toMatchObject({ status: 'completed', output: 'done' });
    expect(s.requests).toHaveLength(3);
    expect(JSON.stringify(body(s, 2).messages)).toBe(JSON.stringify(body(s, 1).messages));
    expect(JSON.stringify(body(s, 2).messages)).toContain(PNG);
    expect(await invariantsOf(store, resumed)).toEqual([]);
  });
});

describe('AnthropicModel + createRuntime: a tool\'s image replayed from the ledger', () => {
  it('the store fails the commit of the step whose tool returned an image and a PDF: the resume replays the recorded parts (the tool is not run again) and sends the same bytes', async () => {
    const s = await start([{ reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } }, { reply: { text: 'seen after resume' } }]);
    let failCommits = 1;
    class FlakyStore extends MemoryStore {
      override async commitStep(input: Parameters<MemoryStore['commitStep']>[0]) {
        if (failCommits-- > 0) throw new StoreError('store_unavailable', 'connection reset while committing', { retryable: true });
        return super.commitStep(input);
      }
    }
    const store = new FlakyStore();
    let runs = 0;
    // A tool with effects: its decision is saved before it runs, so a resume acts on it rather than asking again.
    const capture = defineTool({ name: 'capture', description: 'captures', input: z.object({}), sideEffects: 'non-idempotent', execute: () => {
      runs++;
      return [{ type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'r.pdf' }] as never;
    } });
    const first = await runOf(createRuntime({ model: model(s), tools: [capture], store }), { input: 'capture' });
    expect(first).toMatchObject({ status: 'failed', error: { code: 'store_unavailable' } });
    expect(await store.loadSteps(first.runId)).toHaveLength(0);
    const resumed = await createRuntime({ model: model(s), tools: [capture], store }).resume(first.runId);
    expect(resumed.error).toBeUndefined();
    expect(resumed).toMatchObject({ status: 'completed', output: 'seen after resume' });
    expect(runs).toBe(1);
    expect(rejections(s)).toEqual([]);
    expect(body(s, 1).messages[2].content[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'r.pdf' },
    ]);
    expect(await invariantsOf(store, resumed)).toEqual([]);
  });
});

describe('AnthropicModel + createRuntime: hostile parts', () => {
  it('refuses malformed input parts with content_invalid before a run exists (nothing stored, nothing sent)', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model: model(s), store });
    const urlSafe = Buffer.from([0xfb, 0xff, 0xfe, 0x01]).toString('base64url');
    const cases: unknown[] = [
      { type: 'image', mediaType: 'image/png; charset', data: PNG }, // tools17c: 'image/png; charset=utf-8' is a media type now; a parameter without a value is not
      { type: 'image', mediaType: 'application/pdf', data: PDF },
      { type: 'image', mediaType: 'image/png', data: `${PNG.slice(0, 8)}\n${PNG.slice(8)}` },
      { type: 'image', mediaType: 'image/png', data: urlSafe },
      { type: 'image', mediaType: 'image/png', data: PNG.replace(/=+$/, '') },
      { type: 'image', mediaType: 'image/png', data: 'QQ=' },
      { type: 'image', mediaType: 'image/png', data: 'QR==' },
      { type: 'image', mediaType: 'image/png', data: '' },
      { type: 'image', mediaType: 'image/png', url: `data:image/png;base64,${PNG}` },
      { type: 'image', mediaType: 'image/png', url: 'javascript:alert(1)' },
      { type: 'file', mediaType: 'application/pdf', url: 'file:///etc/passwd' },
      { type: 'image', mediaType: 'image/png', data: PNG, url: 'https://example.com/a.png' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: '../../etc/passwd' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'a\nb.pdf' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'invoice\u202efdp.exe' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'C:\\x.pdf' },
      { type: 'audio', mediaType: 'audio/wav', data: PNG },
    ];
    for (const part of cases) {
      expect(await codeOf(runOf(runtime, { input: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, part] }] })), JSON.stringify(part).slice(0, 80)).toBe('content_invalid');
    }
    expect(await store.listRuns({})).toEqual([]);
    expect(s.requests).toHaveLength(0);
  });

  it('an SVG, a GIF by a text-only override, a plain-text document by url: unsupported_content before any request, run stored, invariants hold', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const store = new MemoryStore();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64');
    for (const part of [
      { type: 'image', mediaType: 'image/svg+xml', data: svg },
      { type: 'file', mediaType: 'text/plain', url: 'https://example.com/notes.txt' },
      { type: 'file', mediaType: 'application/zip', data: PDF },
    ]) {
      const result = await runOf(createRuntime({ model: model(s), store }), { input: [{ role: 'user', content: [part, { type: 'text', text: 'hi' }] }] });
      expect(result, part.mediaType).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'unsupported_content' } });
      expect(await invariantsOf(store, result)).toEqual([]);
    }
    expect(s.requests).toHaveLength(0);
  });

  it('a tool that returns PNG bytes labelled image/jpeg: the image goes out as what its bytes are, and the run completes', async () => {
    // The Messages API decodes the bytes and answers 400 "Image does not match the provided media
    // type image/jpeg"; the run would fail model_bad_request, and every resume again (the
    // transcript keeps the part). A tool naming a PNG by its .jpg file name is common.
    const s = await start([{ reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } }, { reply: { text: 'seen' } }]);
    const store = new MemoryStore();
    const capture = tool('capture', [{ type: 'image', mediaType: 'image/jpeg', data: PNG }]);
    for (const mode of ['run', 'stream'] as const) {
      s.push({ reply: { toolCalls: [{ id: 'toolu_2', name: 'capture', args: {} }] } }, { reply: { text: 'seen' } });
      const runtime = createRuntime({ model: model(s), tools: [capture], store });
      const input = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/gif', data: PNG }, { type: 'text', text: 'and this?' }] }];
      const result = mode === 'run' ? await runOf(runtime, { input }) : await streamOf(runtime, { input });
      expect(result, mode).toMatchObject({ status: 'completed', output: 'seen' });
      expect(await invariantsOf(store, result)).toEqual([]);
    }
    expect(rejections(s)).toEqual([]);
    const last = body(s, s.requests.length - 1);
    expect(last.messages[0].content[0].source).toEqual({ type: 'base64', media_type: 'image/png', data: PNG });
    expect(last.messages[2].content[0].content[0].source).toEqual({ type: 'base64', media_type: 'image/png', data: PNG });
    // The run's records keep the part as the tool returned it.
    const stored = (await store.loadSteps((await store.listRuns({}))[0]!.runId))[0]!;
    expect(JSON.stringify(stored)).toContain('image/jpeg');
  });

  it('the loopback refuses an image over 5 MB of base64, as the API does ("image exceeds 5 MB maximum")', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const big = Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(4 * 1024 * 1024)]).toString('base64');
    const response = await fetch(`${s.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: big } }] }] }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain(`messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: ${big.length} bytes > 5242880 bytes`);
  });

  it('an image within maxPartBytes but over the API\'s 5 MB of base64 fails unsupported_content before any request (input, and from a tool)', async () => {
    const s = await start([{ reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } }, { reply: { text: 'never' } }, { reply: { text: 'never' } }]);
    const store = new MemoryStore();
    const big = Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(4 * 1024 * 1024)]).toString('base64'); // 4 MiB decoded, 5.3 MiB base64
    const fromInput = await runOf(createRuntime({ model: model(s), store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: big }, { type: 'text', text: 'hi' }] }] });
    expect(fromInput).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('5 MB') } });
    expect(s.requests).toHaveLength(0);
    const capture = tool('capture', [{ type: 'image', mediaType: 'image/png', data: big }]);
    const fromTool = await streamOf(createRuntime({ model: model(s), tools: [capture], store }), { input: 'capture' });
    expect(fromTool).toMatchObject({ status: 'failed', error: { code: 'unsupported_content' } });
    expect(s.requests).toHaveLength(1);
    for (const result of [fromInput, fromTool]) expect(await invariantsOf(store, result)).toEqual([]);
    // Just under the limit goes out.
    const fits = Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(3 * 1024 * 1024)]).toString('base64');
    expect(await runOf(createRuntime({ model: model(s), store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: fits }] }] })).toMatchObject({ status: 'completed' });
    expect(rejections(s)).toEqual([]);
  });

  it('tool screenshots that add up past the API\'s 32 MB request limit: one 413 request_too_large, the run fails typed (context_overflow), invariants hold', async () => {
    const shot = Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(3_600_000)]).toString('base64'); // 4.8 MB of base64: under the 5 MB image limit
    const s = await start(Array.from({ length: 7 }, (_, i) => ({ reply: { toolCalls: [{ id: `toolu_${i}`, name: 'capture', args: { screen: i } }] } })));
    const store = new MemoryStore();
    const capture = defineTool({ name: 'capture', description: 'captures a screen', input: z.object({ screen: z.number() }), execute: () => [{ type: 'image', mediaType: 'image/png', data: shot }] as never });
    const result = await runOf(createRuntime({ model: model(s), tools: [capture], store, limits: { maxSteps: 20 } }), { input: 'keep capturing' });
    expect(s.requests.map((r) => r.rejected?.status)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, 413]);
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'context_overflow', message: expect.stringContaining('Request exceeds the maximum size') } });
    expect(await invariantsOf(store, result)).toEqual([]);
  });

  it('the loopback refuses an image over 8000 px a side, and over 2000 px in a request of more than 20 images, as the API does', async () => {
    const s = await start([{ reply: { text: 'fits' } }]);
    const post = (content: unknown[]) => fetch(`${s.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content }] }),
    });
    const image = (data: string) => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data } });
    const huge = await post([image(pngImage(8001, 2))]);
    expect(huge.status).toBe(400);
    expect(JSON.stringify(await huge.json())).toContain('messages.0.content.0.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels');
    const many = await post([...Array.from({ length: 20 }, () => image(PNG)), image(pngImage(2001, 2))]);
    expect(many.status).toBe(400);
    expect(JSON.stringify(await many.json())).toContain('messages.0.content.20.image.source.base64.data: At least one of the image dimensions exceed max allowed size for many-image requests: 2000 pixels');
    expect((await post([...Array.from({ length: 19 }, () => image(PNG)), image(pngImage(2001, 2))])).status).toBe(200);
  });

  it('an image over 8000 px, or over 2000 px once the request holds more than 20 images: unsupported_content before the request that would draw the 400', async () => {
    const s = await start([]);
    const store = new MemoryStore();
    const huge = await runOf(createRuntime({ model: model(s), store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: pngImage(8001, 2) }] }] });
    expect(huge).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('8001×2 px') } });
    expect(s.requests).toHaveLength(0);
    // A tool that returns a 2100 px screenshot each step: the request with the 21st image is never sent.
    const wide = pngImage(2100, 4);
    s.push(...Array.from({ length: 21 }, (_, i) => ({ reply: { toolCalls: [{ id: `toolu_${i}`, name: 'capture', args: { screen: i } }] } })));
    const capture = defineTool({ name: 'capture', description: 'captures a screen', input: z.object({ screen: z.number() }), execute: () => [{ type: 'image', mediaType: 'image/png', data: wide }] as never });
    const result = await streamOf(createRuntime({ model: model(s), tools: [capture], store, limits: { maxSteps: 40 } }), { input: 'keep capturing' });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('21 images') } });
    expect(s.requests).toHaveLength(21);
    expect(rejections(s)).toEqual([]);
    for (const r of [huge, result]) expect(await invariantsOf(store, r)).toEqual([]);
  });
});
