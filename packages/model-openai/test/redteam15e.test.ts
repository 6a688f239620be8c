// Red team 15e: rich content through createRuntime + OpenAIModel against the strict Chat Completions
// loopback — a real PNG and PDF in and from tools (JSON and SSE), the tool-media workaround, a resumed
// run sending the same bytes, content Chat Completions cannot take refused typed before any request,
// and another provider's reasoning in a transcript never reaching the wire.
import { AgentrtError, createRuntime, defineTool, MemoryStore, type AgentRuntime, type RunResult } from '@agentrt/core';
import { OpenAIModel, type OpenAIModelOptions } from '@agentrt/model-openai';
import { checkRunInvariants, pdfDocument, pngImage, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = pngImage(4, 3);
const PDF = pdfDocument('Q3 revenue: 42');

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (steps: LoopbackStep[]) => (server = await startOpenAIServer(steps));
const model = (s: LoopbackServer, options: Partial<OpenAIModelOptions> = {}) =>
  new OpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: `${s.url}/v1`, retry: { maxAttempts: 1 }, ...options });
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

describe('OpenAIModel + createRuntime: a real PNG and PDF reach Chat Completions in its documented form', () => {
  for (const mode of ['run', 'stream'] as const) {
    it(`${mode}: image_url / file parts in the user turn; a tool's image and PDF by the workaround (text-only tool message, media in the next user message)`, async () => {
      const s = await start([
        { reply: { toolCalls: [{ id: 'call_a', name: 'capture', args: {} }, { id: 'call_b', name: 'plain', args: {} }] } },
        { reply: { text: 'both seen' } },
      ]);
      const store = new MemoryStore();
      const capture = tool('capture', [{ type: 'text', text: 'captured' }, { type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'q3 "final".pdf' }]);
      const plain = tool('plain', 'just text');
      const runtime = createRuntime({ model: model(s), tools: [capture, plain], store });
      const input = [{ role: 'user', content: [
        { type: 'text', text: 'compare' },
        { type: 'image', mediaType: 'image/png', data: PNG },
        { type: 'file', mediaType: 'application/pdf', data: PDF, filename: '__proto__' },
        { type: 'file', mediaType: 'application/pdf', data: PDF },
      ] }];
      const result = mode === 'run' ? await runOf(runtime, { input }) : await streamOf(runtime, { input });
      expect(result).toMatchObject({ status: 'completed', output: 'both seen', toolCalls: 2 });
      expect(rejections(s)).toEqual([]);
      expect(body(s, 0).messages[0].content).toEqual([
        { type: 'text', text: 'compare' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: '__proto__' } },
        { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'document.pdf' } },
      ]);
      const messages = body(s, 1).messages;
      expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
      expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_a', content: 'captured\n[2 attachments returned by this tool follow in the next user message]' });
      expect(messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_b', content: 'just text' });
      expect(messages[4].content).toEqual([
        { type: 'text', text: 'Attachments returned by tool call call_a (capture):' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'q3 "final".pdf' } },
      ]);
      expect(await invariantsOf(store, result)).toEqual([]);
    });
  }

  it('a run resumed after its model call failed sends the same bytes as the request before the failure', async () => {
    const s = await start([{ reply: { toolCalls: [{ id: 'call_a', name: 'capture', args: {} }] } }, { status: 503, message: 'down' }, { reply: { text: 'done' } }]);
    const store = new MemoryStore();
    const capture = tool('capture', [{ type: 'image', mediaType: 'image/png', data: PNG }]);
    const first = await streamOf(createRuntime({ model: model(s), tools: [capture], store }), { input: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'r.pdf' }, { type: 'text', text: 'go' }] }] });
    expect(first).toMatchObject({ status: 'failed', error: { code: 'model_unavailable' } });
    const resumed = await createRuntime({ model: model(s), tools: [capture], store }).resume(first.runId);
    expect(resumed).toMatchObject({ status: 'completed', output: 'done' });
    expect(JSON.stringify(body(s, 2).messages)).toBe(JSON.stringify(body(s, 1).messages));
    expect(JSON.stringify(body(s, 2).messages)).toContain(PNG);
    expect(await invariantsOf(store, resumed)).toEqual([]);
  });
});

describe('OpenAIModel + createRuntime: content Chat Completions cannot take', () => {
  it('a PDF by url, a text/plain file, an SVG, a BMP, and any image on a text-only model id: unsupported_content before any request', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const store = new MemoryStore();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64');
    const cases: [string, unknown][] = [
      ['gpt-4o', { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/r.pdf' }],
      ['gpt-4o', { type: 'file', mediaType: 'text/plain', data: Buffer.from('hi').toString('base64') }],
      ['gpt-4o', { type: 'image', mediaType: 'image/svg+xml', data: svg }],
      ['gpt-4o', { type: 'image', mediaType: 'image/bmp', data: PNG }],
      ['gpt-3.5-turbo', { type: 'image', mediaType: 'image/png', data: PNG }],
      ['my-vllm-model', { type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' }],
    ];
    for (const [id, part] of cases) {
      const result = await runOf(createRuntime({ model: model(s, { model: id }), store }), { input: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, part] }] });
      expect(result, `${id} ${JSON.stringify(part).slice(0, 60)}`).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining(`openai:${id}`) } });
      expect(await invariantsOf(store, result)).toEqual([]);
    }
    // The same from a tool: the first step was spent, the second is never sent.
    expect(s.requests).toHaveLength(0);
    await s.close();
    const s2 = await start([{ reply: { toolCalls: [{ id: 'call_t', name: 'notes', args: {} }] } }, { reply: { text: 'never' } }]);
    const notes = tool('notes', [{ type: 'file', mediaType: 'text/plain', data: Buffer.from('notes').toString('base64') }]);
    const fromTool = await runOf(createRuntime({ model: model(s2), tools: [notes], store }), { input: 'read the notes' });
    expect(fromTool).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('tool result of "notes"') } });
    expect(s2.requests).toHaveLength(1);
    expect(await invariantsOf(store, fromTool)).toEqual([]);
  });

  it('hostile input parts are content_invalid before a run exists', async () => {
    const s = await start([]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model: model(s), store });
    for (const part of [
      { type: 'image', mediaType: 'image/png;charset', data: PNG }, // tools17c: 'image/png;charset=utf-8' is a media type now; a parameter without a value is not
      { type: 'image', mediaType: 'image/png', data: ` ${PNG}` },
      { type: 'image', mediaType: 'image/png', data: PNG.replace(/\+/g, '-').replace(/\//g, '_') + (/[+/]/.test(PNG) ? '' : '-') },
      { type: 'image', mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' },
      { type: 'image', mediaType: 'image/png', url: 'JAVASCRIPT:alert(1)' },
      // The URL parser strips or ignores these, so `new URL()` accepts the string, but the part would carry it raw to the provider
      // (and a tab inside the host reads as another name: "exa\tmple.com" is example.com).
      { type: 'image', mediaType: 'image/png', url: ' https://example.com/a.png' },
      { type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png\n' },
      { type: 'image', mediaType: 'image/png', url: 'https://exa\tmple.com/a.png' },
      { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a b.pdf' },
      { type: 'image', mediaType: 'image/png', url: 'https://example.com/\u0000a.png' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'x/../y.pdf' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: '\u200breport.pdf' },
      { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'a'.repeat(256) },
    ]) {
      expect(await codeOf(runOf(runtime, { input: [{ role: 'user', content: [part] }] })), JSON.stringify(part).slice(0, 60)).toBe('content_invalid');
    }
    expect(await codeOf(runOf(createRuntime({ model: model(s), store, limits: { maxPartBytes: 1024 } }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: pngImage(64, 64) }] }] }))).toBe('content_too_large');
    expect(await store.listRuns({})).toEqual([]);
    expect(s.requests).toHaveLength(0);
  });

  it('PNG bytes labelled image/jpeg go out as labelled (Chat Completions decodes the bytes itself) and the run completes', async () => {
    const s = await start([{ reply: { text: 'seen' } }]);
    const store = new MemoryStore();
    const result = await runOf(createRuntime({ model: model(s), store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/jpeg', data: PNG }] }] });
    expect(result).toMatchObject({ status: 'completed', output: 'seen' });
    expect(rejections(s)).toEqual([]);
  });

  it('another provider\'s reasoning in a transcript (Anthropic signed and redacted thinking, Ollama thinking) never reaches Chat Completions', async () => {
    const s = await start([{ reply: { text: 'six' } }]);
    const store = new MemoryStore();
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const result = await runOf(createRuntime({ model: model(s), tools: [add], store }), {
      input: [
        { role: 'user', content: 'add 1 and 2, then 3 and 3' },
        { role: 'assistant', content: '', reasoning: [{ text: 'anthropic plan', providerData: { anthropic: { signature: 'c2ln' } } }, { text: '', providerData: { anthropic: { redacted: 'b3BhcXVl' } } }], toolCalls: [{ id: 'toolu_01', name: 'add', args: { a: 1, b: 2 } }] },
        { role: 'tool', toolCallId: 'toolu_01', name: 'add', content: '3' },
        { role: 'assistant', content: '', reasoning: [{ text: 'ollama plan' }], toolCalls: [{ id: 'call_1_0', name: 'add', args: { a: 3, b: 3 } }] },
        { role: 'tool', toolCallId: 'call_1_0', name: 'add', content: '6' },
      ],
    });
    expect(result).toMatchObject({ status: 'completed', output: 'six' });
    expect(rejections(s)).toEqual([]);
    const sent = JSON.stringify(body(s, 0));
    for (const secret of ['anthropic plan', 'c2ln', 'b3BhcXVl', 'ollama plan']) expect(sent).not.toContain(secret);
    expect(await invariantsOf(store, result)).toEqual([]);
  });

  it('the loopback refuses inline file_data without a filename, as the API does (the 400 names file_id)', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const post = (file: Record<string, unknown>) => fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'read' }, { type: 'file', file }] }] }),
    });
    const response = await post({ file_data: `data:application/pdf;base64,${PDF}` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { message: "Missing required parameter: 'messages[0].content[1].file.file_id'.", param: 'messages[0].content[1].file.file_id' } });
    expect((await post({ file_data: `data:application/pdf;base64,${PDF}`, filename: 'r.pdf' })).status).toBe(200);
  });
});
