import { createRuntime, defineTool, type RunEvent, type RunResult } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { describeModelAdapterRuns, startAnthropicServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anthropicSuite, anthropicV2Suite, openaiSuite, openaiV2Suite } from './suite.js';

// Run-level rich messages (image in, tool image, PDF, text-only refusal, structured output and
// repair, reasoning over three tool steps): createRuntime + AiSdkModel + the strict loopback servers.
describeModelAdapterRuns(openaiSuite);
describeModelAdapterRuns(anthropicSuite);
describeModelAdapterRuns(openaiV2Suite);
describeModelAdapterRuns(anthropicV2Suite);

const FAST = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 };
const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const providers = {
  openai: async (steps: LoopbackStep[], options: object = {}) => {
    server = await startOpenAIServer(steps);
    return new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-loopback', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini'), retry: FAST, ...options });
  },
  anthropic: async (steps: LoopbackStep[], options: object = {}) => {
    server = await startAnthropicServer(steps);
    return new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-loopback', baseURL: `${server.url}/v1` })('claude-sonnet-4-5'), retry: FAST, ...options });
  },
};
const maxTokensOf = (s: LoopbackServer) => s.requests.map((r) => s.wire.inspect!(r.body).maxOutputTokens);

describe('runs through createRuntime', () => {
  for (const [name, make] of Object.entries(providers)) {
    it(`${name}: a streamed run with tool steps emits deltas, runs the tools and ends with the answer; maxOutputTokens is on every request`, async () => {
      const model = await make([
        { reply: { text: 'Let me add.', toolCalls: [{ id: 'call_1', name: 'add', args: { a: 40, b: 2 } }] } },
        { reply: { toolCalls: [{ id: 'call_2', name: 'add', args: { a: 42, b: 1 } }] } },
        { reply: { text: 'The total is 43.' } },
      ], { maxOutputTokens: 256 });
      const runtime = createRuntime({ model, tools: [add] });
      const events: RunEvent[] = [];
      for await (const event of runtime.stream({ input: 'add 40 and 2, then 1', system: 'be brief' })) events.push(event);
      const result = (events.at(-1) as { result: RunResult }).result;
      expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'The total is 43.', steps: 3, toolCalls: 2 });
      expect(events.filter((e) => e.type === 'model_delta').map((e) => (e as { text: string }).text).join('')).toBe('Let me add.The total is 43.');
      expect(events.filter((e) => e.type === 'tool_finished').map((e) => (e as { content: unknown }).content)).toEqual(['42', '43']);
      expect(rejections(server!)).toEqual([]);
      expect(maxTokensOf(server!)).toEqual([256, 256, 256]);
    });

    it(`${name}: killing a run mid-stream aborts the HTTP stream, records killed, and makes no further request`, async () => {
      const model = await make([{ reply: { text: 'word '.repeat(20_000) } }, { reply: { text: 'never asked' } }]);
      const runtime = createRuntime({ model, tools: [add] });
      let deltas = 0;
      let result: RunResult<unknown> | undefined;
      for await (const event of runtime.stream('write a long essay')) {
        if (event.type === 'model_delta' && ++deltas === 1) await runtime.kill(event.runId, 'operator stop');
        if (event.type === 'run_finished') result = event.result;
      }
      expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', steps: 0 });
      expect(result!.output).toBeUndefined();
      expect(deltas).toBeLessThan(2_000); // the 20 000-word stream (2 500 deltas) was cut short
      expect(server!.requests).toHaveLength(1);
      expect(server!.pending).toBe(1);
    });
  }

  for (const [name, make] of Object.entries(providers)) {
    it(`${name}: structured output with tools: the run's tools stay usable, the schema goes out natively, result.output is the parsed value`, async () => {
      const model = await make([
        { reply: { toolCalls: [{ id: 'call_s', name: 'add', args: { a: 19, b: 2 } }] } },
        { reply: { text: '{"city":"Paris","celsius":21}' } },
      ]);
      // An open object inside (a record): not strict for OpenAI; for Anthropic the AI SDK's 'auto' mode would pick the JSON-tool fallback.
      const weather = z.object({ city: z.string(), celsius: z.number(), notes: z.record(z.string(), z.string()).optional() });
      const result = await createRuntime({ model, tools: [add] }).run({ input: 'weather in Paris, computed', output: weather });
      expect(result).toMatchObject({ stopReason: 'final_answer', output: { city: 'Paris', celsius: 21 }, toolCalls: 1 });
      expect(rejections(server!)).toEqual([]);
      for (const request of server!.requests) {
        expect(server!.wire.inspect!(request.body).outputSchema).toMatchObject({ type: 'object', properties: { city: { type: 'string' } } });
        // Never the Anthropic JSON-tool fallback: only the run's own tool is advertised, and no tool is forced.
        const sent = request.body as { tools: unknown[]; tool_choice?: unknown };
        expect(sent.tools).toHaveLength(1);
        expect(sent.tool_choice).toBeUndefined();
      }
    });
  }

  it('anthropic: a thinking agent across three tool steps, signatures sent back each step, within its token limit on the wire', async () => {
    const model = await providers.anthropic([
      ...[1, 2, 3].map((n) => ({ reply: { reasoning: [{ text: `step ${n}: which pair next` }], toolCalls: [{ id: `toolu_${n}`, name: 'add', args: { a: n, b: n } }] } })),
      { reply: { reasoning: [{ text: 'summing up' }], text: '2, 4 and 6' } },
    ], { providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } }, maxOutputTokens: 2048 });
    const runtime = createRuntime({ model, tools: [add] });
    const result = await runtime.run('double 1, 2 and 3');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: '2, 4 and 6', steps: 4, toolCalls: 3 });
    expect(rejections(server!)).toEqual([]);
    expect(maxTokensOf(server!)).toEqual([2048, 2048, 2048, 2048]);
    for (const request of server!.requests) expect((request.body as { thinking: unknown }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    const last = JSON.stringify(server!.requests[3]!.body);
    for (const n of [1, 2, 3]) expect(last).toContain(`step ${n}: which pair next`);
    // Each assistant turn goes back starting with its signed thinking block (the server verifies every signature).
    const turns = (server!.requests[3]!.body as { messages: { role: string; content: { type: string; signature?: string }[] }[] }).messages.filter((m) => m.role === 'assistant');
    expect(turns.map((turn) => [turn.content[0]!.type, typeof turn.content[0]!.signature])).toEqual(Array(3).fill(['thinking', 'string']));
  });
});
