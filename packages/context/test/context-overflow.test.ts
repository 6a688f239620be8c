import { createRuntime, defineTool, MemoryStore, type ContextStrategy } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { OpenAIModel } from '@agentrt/model-openai';
import { assertRunInvariants, ScriptedModel, startOpenAIServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const words = (q: number) => Array.from({ length: 60 }, (_, i) => `fact${(q * 7919 + i * 104729) % 100_000}`).join(' ');
const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${words(q)}` });
const TOO_LONG = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.";

/**
 * RELIABILITY F-08 through the real OpenAI SDK against the loopback server: 6 tool steps, then the
 * provider refuses the 7th request as too long (HTTP 400, as OpenAI words it); the run goes on with
 * the strategy's shorter request, once.
 */
async function overflowRun(context: ContextStrategy, refuseTwice = false) {
  await using server = await startOpenAIServer();
  for (let n = 1; n <= 6; n++) server.push({ reply: { toolCalls: [{ id: `call_${n}`, name: 'lookup', args: { q: n } }] } });
  server.push({ status: 400, message: TOO_LONG });
  if (refuseTwice) server.push({ status: 400, message: TOO_LONG });
  else server.push({ reply: { text: 'done' } });
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-loopback', baseURL: `${server.url}/v1` });
  const store = new MemoryStore();
  const runtime = createRuntime({ model, tools: [lookup], store, context, limits: { maxSteps: 20 } });
  const result = await runtime.run({ input: 'go', system: 'sys' });
  await assertRunInvariants({ store, runId: result.runId, result });
  const sent = server.requests.map((r) => (r.body as { messages: unknown[] }).messages.length);
  return { result, sent, rejected: server.requests.filter((r) => r.rejected), events: await runtime.events(result.runId) };
}

describe('the provider refuses a request as too long (F-08), real OpenAI SDK', () => {
  it('SlidingWindow: prepared once more with half the window; the run completes', async () => {
    const { result, sent, rejected, events } = await overflowRun(new SlidingWindow({ maxMessages: 12 }));
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'done' });
    expect(rejected).toEqual([]);
    // 7th request: sys, task and 10 newest (12); the retry: half of that window, the newest unit kept whole.
    expect(sent.slice(6)).toEqual([12, 6]);
    expect(events.filter((e) => e.type === 'model_retry').map((e) => e.type === 'model_retry' && e.code)).toEqual(['context_overflow']);
  });

  it('TokenBudget: prepared once more with half the budget', async () => {
    const { result, sent } = await overflowRun(new TokenBudget({ maxTokens: 4_000 }));
    expect(result.stopReason).toBe('final_answer');
    expect(sent).toHaveLength(8);
    expect(sent[7]!).toBeLessThan(sent[6]!);
  });

  it('Summarize: summarizes at once instead of waiting for its trigger', async () => {
    const summarizer = new ScriptedModel([ScriptedModel.answer('looked up 1 to 6')], { whenExhausted: 'cycle' });
    const strategy = composeStrategies(new Summarize({ model: summarizer, triggerTokens: 1_000_000, keepLast: 2 }), new TokenBudget({ maxTokens: 100_000 }));
    const { result, sent } = await overflowRun(strategy);
    expect(result.stopReason).toBe('final_answer');
    expect(summarizer.calls).toBe(1);
    expect(sent[7]!).toBeLessThan(sent[6]!);
  });

  it('refused again: the run stops with context_overflow after exactly two requests for that step', async () => {
    const { result, sent } = await overflowRun(new SlidingWindow({ maxMessages: 12 }), true);
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'context_overflow' } });
    expect(sent).toHaveLength(8);
  });

  it('TruncateToolResults: prepared once more with half its limit (same messages, shorter results)', async () => {
    await using server = await startOpenAIServer();
    server.push({ reply: { toolCalls: [{ id: 'call_1', name: 'lookup', args: { q: 1 } }] } });
    server.push({ status: 400, message: TOO_LONG });
    server.push({ reply: { text: 'done' } });
    const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-loopback', baseURL: `${server.url}/v1` });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [lookup], store, context: new TruncateToolResults({ maxChars: 300 }) }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const toolText = (i: number) => JSON.stringify(server.requests[i]!.body).length;
    expect(server.requests).toHaveLength(3);
    expect(toolText(2)).toBeLessThan(toolText(1));
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
