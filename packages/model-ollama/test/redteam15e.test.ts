// Red team 15e: rich content through createRuntime + OllamaModel against the strict /api/chat loopback —
// a real PNG in the input and from a tool (JSON and NDJSON), a resumed run sending the same bytes, what
// Ollama cannot take refused typed before any request, and reasoning from other providers in a transcript.
import { createRuntime, defineTool, MemoryStore, type AgentRuntime, type RunResult } from '@agentrt/core';
import { OllamaModel, type OllamaModelOptions } from '@agentrt/model-ollama';
import { checkRunInvariants, pdfDocument, pngImage, startOllamaServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = pngImage(4, 3);
const PDF = pdfDocument('Q3 revenue: 42');

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (steps: LoopbackStep[]) => (server = await startOllamaServer(steps));
const model = (s: LoopbackServer, options: Partial<OllamaModelOptions> = {}) => new OllamaModel({ model: 'llava:13b', host: s.url, retry: { maxAttempts: 1 }, ...options });
const body = (s: LoopbackServer, index: number) => s.requests[index]!.body as Record<string, any>;
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);
const runOf = (runtime: AgentRuntime, options: Record<string, unknown>) => runtime.run(options as never) as Promise<RunResult<unknown>>;
const streamOf = async (runtime: AgentRuntime, options: Record<string, unknown>) => {
  for await (const event of runtime.stream(options as never)) if (event.type === 'run_finished') return event.result as RunResult<unknown>;
  throw new Error('no run_finished');
};
const invariantsOf = async (store: MemoryStore, result: RunResult<unknown>) => (await checkRunInvariants({ store, runId: result.runId, result })).violations;
const tool = (name: string, parts: unknown) => defineTool({ name, description: `returns ${name}`, input: z.object({}), execute: () => parts as never });

describe('OllamaModel + createRuntime: a real PNG reaches /api/chat as base64 `images`', () => {
  for (const mode of ['run', 'stream'] as const) {
    it(`${mode}: images on the user message and on the tool message, text joined into content`, async () => {
      const s = await start([{ reply: { toolCalls: [{ name: 'capture', args: {} }] } }, { reply: { text: 'two images' } }]);
      const store = new MemoryStore();
      const capture = tool('capture', [{ type: 'text', text: 'captured' }, { type: 'image', mediaType: 'image/png', data: PNG }]);
      const runtime = createRuntime({ model: model(s), tools: [capture], store });
      const input = [{ role: 'user', content: [{ type: 'text', text: 'compare' }, { type: 'image', mediaType: 'image/png', data: PNG }, { type: 'text', text: 'closely' }] }];
      const result = mode === 'run' ? await runOf(runtime, { input }) : await streamOf(runtime, { input });
      expect(result).toMatchObject({ status: 'completed', output: 'two images', toolCalls: 1 });
      expect(rejections(s)).toEqual([]);
      expect(body(s, 0).messages[0]).toEqual({ role: 'user', content: 'compare\nclosely', images: [PNG] });
      expect(body(s, 1).messages[2]).toMatchObject({ role: 'tool', tool_name: 'capture', content: 'captured', images: [PNG] });
      expect(await invariantsOf(store, result)).toEqual([]);
    });
  }

  it('a run resumed after its model call failed sends the same bytes', async () => {
    const s = await start([{ reply: { toolCalls: [{ name: 'capture', args: {} }] } }, { status: 500, message: 'llama runner process has terminated' }, { reply: { text: 'done' } }]);
    const store = new MemoryStore();
    const capture = tool('capture', [{ type: 'image', mediaType: 'image/png', data: PNG }]);
    const first = await runOf(createRuntime({ model: model(s), tools: [capture], store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/jpeg', data: PNG }, { type: 'text', text: 'go' }] }] });
    expect(first).toMatchObject({ status: 'failed', error: { code: 'model_unavailable' } });
    const resumed = await createRuntime({ model: model(s), tools: [capture], store }).resume(first.runId);
    expect(resumed).toMatchObject({ status: 'completed', output: 'done' });
    expect(JSON.stringify(body(s, 2).messages)).toBe(JSON.stringify(body(s, 1).messages));
    expect(body(s, 2).messages[2].images).toEqual([PNG]);
    expect(await invariantsOf(store, resumed)).toEqual([]);
  });
});

describe('OllamaModel + createRuntime: what /api/chat cannot take', () => {
  it('a PDF, an image by url, a GIF, and any image on a text-only model: unsupported_content before any request; from a tool after one step', async () => {
    const s = await start([]);
    const store = new MemoryStore();
    const cases: [string, unknown][] = [
      ['llava', { type: 'file', mediaType: 'application/pdf', data: PDF }],
      ['llava', { type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' }],
      ['llava', { type: 'image', mediaType: 'image/svg+xml', data: Buffer.from('<svg/>').toString('base64') }],
      ['llama3.1', { type: 'image', mediaType: 'image/png', data: PNG }],
    ];
    for (const [id, part] of cases) {
      const result = await runOf(createRuntime({ model: model(s, { model: id }), store }), { input: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, part] }] });
      expect(result, `${id} ${JSON.stringify(part).slice(0, 60)}`).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining(`ollama:${id}`) } });
      expect(await invariantsOf(store, result)).toEqual([]);
    }
    expect(s.requests).toHaveLength(0);
    s.push({ reply: { toolCalls: [{ name: 'fetch_report', args: {} }] } }, { reply: { text: 'never' } });
    const report = tool('fetch_report', [{ type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'r.pdf' }]);
    const fromTool = await streamOf(createRuntime({ model: model(s), tools: [report], store }), { input: 'read it' });
    expect(fromTool).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('tool result of "fetch_report"') } });
    expect(s.requests).toHaveLength(1);
    expect(await invariantsOf(store, fromTool)).toEqual([]);
  });

  it('reasoning from Anthropic (signed, redacted) and Ollama in a transcript goes back as `thinking` text only — no signature, no redacted payload', async () => {
    const s = await start([{ reply: { text: 'six' } }]);
    const store = new MemoryStore();
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const result = await runOf(createRuntime({ model: model(s, { model: 'qwen3', think: true }), tools: [add], store }), {
      input: [
        { role: 'user', content: 'add' },
        { role: 'assistant', content: '', reasoning: [{ text: 'anthropic plan', providerData: { anthropic: { signature: 'c2lnbmF0dXJl' } } }, { text: '', providerData: { anthropic: { redacted: 'b3BhcXVl' } } }], toolCalls: [{ id: 'toolu_01', name: 'add', args: { a: 1, b: 2 } }] },
        { role: 'tool', toolCallId: 'toolu_01', name: 'add', content: '3' },
      ],
    });
    expect(result).toMatchObject({ status: 'completed', output: 'six' });
    expect(rejections(s)).toEqual([]);
    expect(body(s, 0).messages[1]).toMatchObject({ role: 'assistant', thinking: 'anthropic plan' });
    const sent = JSON.stringify(body(s, 0));
    for (const secret of ['c2lnbmF0dXJl', 'b3BhcXVl']) expect(sent).not.toContain(secret);
    expect(await invariantsOf(store, result)).toEqual([]);
  });
});
