// Red team 15e: rich content through createRuntime + AiSdkModel (@ai-sdk/openai chat, @ai-sdk/anthropic 3.x
// and 2.x) against the strict loopbacks — a real PNG and PDF in and from tools, a mislabelled image and an
// oversized one on Anthropic, and reasoning carried across a one-line swap of adapter mid-run.
import { createRuntime, defineTool, MemoryStore, type AgentRuntime, type ModelAdapter, type RunResult } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { checkRunInvariants, pdfDocument, pngImage, startAnthropicServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createAnthropic as createAnthropicV2 } from '@ai-sdk/anthropic-v2';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = pngImage(4, 3);
const PDF = pdfDocument('Q3 revenue: 42');
const FAST = { maxAttempts: 1 };
const THINKING = { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } };

const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const anthropic = async (steps: LoopbackStep[]) => {
  const s = await startAnthropicServer(steps);
  servers.push(s);
  return s;
};
const onAnthropic = (s: LoopbackServer, version: 'v3' | 'v2' = 'v3', options: Record<string, unknown> = {}) =>
  new AiSdkModel({ model: (version === 'v3' ? createAnthropic : createAnthropicV2)({ apiKey: 'sk-ant-test', baseURL: `${s.url}/v1` })('claude-sonnet-4-5') as never, retry: FAST, maxOutputTokens: 4096, ...options });
const body = (s: LoopbackServer, index: number) => s.requests[index]!.body as Record<string, any>;
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);
const runOf = (runtime: AgentRuntime, options: Record<string, unknown>) => runtime.run(options as never) as Promise<RunResult<unknown>>;
const streamOf = async (runtime: AgentRuntime, options: Record<string, unknown>) => {
  for await (const event of runtime.stream(options as never)) if (event.type === 'run_finished') return event.result as RunResult<unknown>;
  throw new Error('no run_finished');
};
const invariantsOf = async (store: MemoryStore, result: RunResult<unknown>) => (await checkRunInvariants({ store, runId: result.runId, result })).violations;
const tool = (name: string, parts: unknown) => defineTool({ name, description: `returns ${name}`, input: z.object({}), execute: () => parts as never });
const capture = tool('capture', [{ type: 'text', text: 'captured' }, { type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'q3.pdf' }]);

describe('AiSdkModel + createRuntime: a real PNG and PDF in the provider packages\' documented forms', () => {
  for (const mode of ['run', 'stream'] as const) {
    it(`${mode}: openai.chat — image_url and file parts; a tool's media in one user message after the tool message`, async () => {
      const s = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_1', name: 'capture', args: {} }] } }, { reply: { text: 'both seen' } }]);
      servers.push(s);
      const store = new MemoryStore();
      const model = new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1` }).chat('gpt-4o'), retry: FAST });
      const runtime = createRuntime({ model, tools: [capture], store });
      const input = [{ role: 'user', content: [{ type: 'text', text: 'compare' }, { type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'report.pdf' }] }];
      const result = mode === 'run' ? await runOf(runtime, { input }) : await streamOf(runtime, { input });
      expect(result).toMatchObject({ status: 'completed', output: 'both seen' });
      expect(rejections(s)).toEqual([]);
      expect(body(s, 0).messages[0].content).toEqual([
        { type: 'text', text: 'compare' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
      ]);
      const [, , toolMessage, attachments] = body(s, 1).messages;
      expect(toolMessage).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: expect.stringContaining('captured') });
      expect(attachments.role).toBe('user');
      expect(attachments.content.slice(1)).toEqual([
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: 'file', file: { filename: 'q3.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
      ]);
      expect(await invariantsOf(store, result)).toEqual([]);
    });

    for (const version of ['v3', 'v2'] as const) {
      it(`${mode}: anthropic ${version} — image and document blocks; a tool's image and PDF inside tool_result`, async () => {
        const s = await anthropic([{ reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } }, { reply: { text: 'both seen' } }]);
        const store = new MemoryStore();
        const runtime = createRuntime({ model: onAnthropic(s, version), tools: [capture], store });
        const input = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'application/pdf', data: PDF }, { type: 'text', text: 'compare' }] }];
        const result = mode === 'run' ? await runOf(runtime, { input }) : await streamOf(runtime, { input });
        expect(result).toMatchObject({ status: 'completed', output: 'both seen' });
        expect(rejections(s)).toEqual([]);
        expect(body(s, 0).messages[0].content.slice(0, 2)).toMatchObject([
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
        ]);
        expect(body(s, 1).messages[2].content[0]).toMatchObject({
          type: 'tool_result', tool_use_id: 'toolu_1',
          content: [{ type: 'text', text: 'captured' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } }],
        });
        expect(await invariantsOf(store, result)).toEqual([]);
      });
    }
  }
});

describe('AiSdkModel on Anthropic: hostile images', () => {
  for (const version of ['v3', 'v2'] as const) {
    it(`${version}: PNG bytes labelled image/jpeg (input and tool) go out as image/png; the run completes`, async () => {
      const s = await anthropic([{ reply: { toolCalls: [{ id: 'toolu_1', name: 'capture', args: {} }] } }, { reply: { text: 'seen' } }]);
      const store = new MemoryStore();
      const lying = tool('capture', [{ type: 'image', mediaType: 'image/jpeg', data: PNG }]);
      const result = await runOf(createRuntime({ model: onAnthropic(s, version), tools: [lying], store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/webp', data: PNG }, { type: 'text', text: 'what?' }] }] });
      expect(rejections(s)).toEqual([]);
      expect(result).toMatchObject({ status: 'completed', output: 'seen' });
      expect(body(s, 1).messages[0].content[0].source.media_type).toBe('image/png');
      expect(body(s, 1).messages[2].content[0].content[0].source.media_type).toBe('image/png');
      expect(await invariantsOf(store, result)).toEqual([]);
    });

    it(`${version}: an image over the API's 5 MB of base64 is unsupported_content before any request`, async () => {
      const s = await anthropic([{ reply: { text: 'never' } }]);
      const store = new MemoryStore();
      const big = Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(4 * 1024 * 1024)]).toString('base64');
      const result = await runOf(createRuntime({ model: onAnthropic(s, version), store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: big }, { type: 'text', text: 'hi' }] }] });
      expect(result).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('5 MB') } });
      expect(s.requests).toHaveLength(0);
      expect(await invariantsOf(store, result)).toEqual([]);
    });
  }
});

describe('AiSdkModel on Anthropic: image sides', () => {
  for (const version of ['v3', 'v2'] as const) {
    it(`${version}: over 8000 px, or over 2000 px with more than 20 images in the request: unsupported_content before any request`, async () => {
      const s = await anthropic([{ reply: { text: 'fits' } }]);
      const store = new MemoryStore();
      const huge = await runOf(createRuntime({ model: onAnthropic(s, version), store }), { input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: pngImage(2, 8001) }] }] });
      expect(huge).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('2×8001 px') } });
      const images = (wide: string) => [...Array.from({ length: 20 }, () => ({ type: 'image', mediaType: 'image/png', data: PNG })), { type: 'image', mediaType: 'image/png', data: wide }];
      const many = await runOf(createRuntime({ model: onAnthropic(s, version), store }), { input: [{ role: 'user', content: images(pngImage(2001, 2)) }] });
      expect(many).toMatchObject({ status: 'failed', error: { code: 'unsupported_content', message: expect.stringContaining('21 images') } });
      expect(s.requests).toHaveLength(0);
      const fits = await runOf(createRuntime({ model: onAnthropic(s, version), store }), { input: [{ role: 'user', content: images(pngImage(2000, 2)) }] });
      expect(fits).toMatchObject({ status: 'completed', output: 'fits' });
      expect(rejections(s)).toEqual([]);
      for (const r of [huge, many, fits]) expect(await invariantsOf(store, r)).toEqual([]);
    });
  }
});

describe('reasoning across a one-line swap of adapter mid-run (same store, resume)', () => {
  const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
  const signed = (s: LoopbackServer): Record<string, () => ModelAdapter> => ({
    'AnthropicModel': () => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'k', baseURL: s.url, retry: FAST, maxTokens: 4096, thinking: { budgetTokens: 1024 } }),
    'AiSdkModel anthropic v3': () => onAnthropic(s, 'v3', { providerOptions: THINKING }),
    'AiSdkModel anthropic v2': () => onAnthropic(s, 'v2', { providerOptions: THINKING }),
  });
  for (const from of ['AnthropicModel', 'AiSdkModel anthropic v3', 'AiSdkModel anthropic v2']) {
    for (const to of ['AnthropicModel', 'AiSdkModel anthropic v3', 'AiSdkModel anthropic v2']) {
      if (from === to) continue;
      it(`${from} → ${to}: signed and redacted thinking goes back unchanged; the API accepts the continuation with thinking on`, async () => {
        const s = await anthropic([
          { reply: { reasoning: [{ text: 'first, add one and two' }, { redacted: true }], toolCalls: [{ id: 'toolu_1', name: 'add', args: { a: 1, b: 2 } }] } },
          { status: 529, message: 'Overloaded' },
          { reply: { reasoning: [{ text: 'three it is' }], text: 'The sum is 3.' } },
        ]);
        const store = new MemoryStore();
        const first = await streamOf(createRuntime({ model: signed(s)[from]!(), tools: [add], store }), { input: 'add 1 and 2' });
        expect(first).toMatchObject({ status: 'failed', error: { code: 'model_unavailable' } });
        const resumed = await createRuntime({ model: signed(s)[to]!(), tools: [add], store }).resume(first.runId);
        expect(rejections(s)).toEqual([]);
        expect(resumed).toMatchObject({ status: 'completed', output: 'The sum is 3.' });
        const assistant = body(s, 2).messages[1].content;
        expect(assistant.map((block: { type: string }) => block.type)).toEqual(['thinking', 'redacted_thinking', 'tool_use']);
        expect(s.wire.inspect!(body(s, 2)).reasoning).toBe(true);
        expect(await invariantsOf(store, resumed)).toEqual([]);
      });
    }
  }

  it('Anthropic thinking → openai.chat and back: nothing of the reasoning reaches Chat Completions; back on Anthropic the signatures still verify', async () => {
    const a = await anthropic([
      { reply: { reasoning: [{ text: 'secret plan' }], toolCalls: [{ id: 'toolu_1', name: 'add', args: { a: 1, b: 2 } }] } },
      { status: 529, message: 'Overloaded' },
    ]);
    const o = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_2', name: 'add', args: { a: 3, b: 3 } }] } }, { status: 503, message: 'down' }]);
    servers.push(o);
    const store = new MemoryStore();
    const first = await runOf(createRuntime({ model: onAnthropic(a, 'v3', { providerOptions: THINKING }), tools: [add], store }), { input: 'add' });
    expect(first.error?.code).toBe('model_unavailable');
    const viaOpenAI = await createRuntime({ model: new AiSdkModel({ model: createOpenAI({ apiKey: 'sk', baseURL: `${o.url}/v1` }).chat('gpt-4o'), retry: FAST }), tools: [add], store }).resume(first.runId);
    expect(viaOpenAI.error?.code).toBe('model_unavailable');
    expect(rejections(o)).toEqual([]);
    expect(JSON.stringify(o.requests.map((r) => r.body))).not.toContain('secret plan');
    a.push({ reply: { reasoning: [{ text: 'done' }], text: 'The sum is 6.' } });
    const back = await createRuntime({ model: new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'k', baseURL: a.url, retry: FAST, maxTokens: 4096, thinking: { budgetTokens: 1024 } }), tools: [add], store }).resume(first.runId);
    expect(rejections(a)).toEqual([]);
    expect(back).toMatchObject({ status: 'completed', output: 'The sum is 6.' });
    // The OpenAI turn carries no thinking: that continuation goes out with thinking off, the first turn's signed block kept.
    const last = body(a, a.requests.length - 1);
    expect(last.messages[1].content[0]).toMatchObject({ type: 'thinking', thinking: 'secret plan' });
    expect(await invariantsOf(store, back)).toEqual([]);
  });
});
