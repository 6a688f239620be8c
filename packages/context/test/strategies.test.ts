import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { OpenAIModel } from '@agentrt/model-openai';
import { assertRunInvariants, ScriptedModel, startOpenAIServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const words = (q: number) => Array.from({ length: 60 }, (_, i) => `fact${(q * 7919 + i * 104729) % 100_000}`).join(' ');
const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${words(q)}` });
const runaway = (steps: number, parallel = 1) => {
  let n = 0;
  return new ScriptedModel([() => ScriptedModel.parallel(Array.from({ length: parallel }, () => ({ name: 'lookup', args: { q: ++n } })))], { whenExhausted: 'cycle' });
};

describe('context strategies in a run', () => {
  it('SlidingWindow bounds every request and keeps system + task', async () => {
    const model = runaway(20, 2);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [lookup], store, context: new SlidingWindow({ maxMessages: 8 }), limits: { maxSteps: 20, maxToolCalls: 100 } }).run({ input: 'the task', system: 'sys' });
    expect(result.stopReason).toBe('max_steps');
    for (const request of model.requests) {
      expect(request.messages.length).toBeLessThanOrEqual(8);
      expect(request.messages[0]).toEqual({ role: 'system', content: 'sys' });
      expect(request.messages[1]).toEqual({ role: 'user', content: 'the task' });
    }
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('TokenBudget keeps requests within the budget; the full history stays in the store', async () => {
    const model = runaway(15);
    const store = new MemoryStore();
    const budget = new TokenBudget({ maxTokens: 1_200, reserveOutputTokens: 200 });
    const result = await createRuntime({ model, tools: [lookup], store, context: budget, limits: { maxSteps: 15, maxToolCalls: 100 } }).run('go');
    for (const request of model.requests) expect(budget.counter.range(request.messages, 0, request.messages.length) + budget.counter.tools(request.tools)).toBeLessThanOrEqual(1_000);
    expect((await store.loadSteps(result.runId)).length).toBe(15);
    expect(budget.counter.hits).toBeGreaterThan(budget.counter.misses); // cached: each message counted once
  });

  it('ends the run with error context_overflow when even the minimum does not fit', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('never')]);
    const result = await createRuntime({ model, context: new TokenBudget({ maxTokens: 20 }) }).run('x'.repeat(2_000));
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'context_overflow' } });
    expect(model.calls).toBe(0);
  });

  it('TruncateToolResults shortens results in the request only', async () => {
    const model = runaway(2);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [lookup], store, context: new TruncateToolResults({ maxChars: 120 }), limits: { maxSteps: 2 } }).run('go');
    const sent = model.requests[1]!.messages.find((m) => m.role === 'tool')!;
    expect(sent.content.length).toBeLessThanOrEqual(120);
    expect(sent.content).toContain('tool_output_truncated');
    const stored = (await store.loadSteps(result.runId))[0]!.messages[1]!;
    expect(stored.content.length).toBeGreaterThan(300);
  });

  it('Summarize compresses incrementally, counts its usage, and survives resume without recomputing', async () => {
    const summarizer = new ScriptedModel([(request) => ScriptedModel.answer(`SUMMARY-${request.messages[1]!.content.length}`, { inputTokens: 100, outputTokens: 20 })], { whenExhausted: 'cycle', provider: 'scripted', model: 'summarizer' });
    const approveMe = defineTool({ name: 'approve_me', description: 'needs a human', input: z.object({}), requiresApproval: true, execute: () => 'approved work done' });
    let n = 0;
    const model = new ScriptedModel([(_, i) => (i === 5 ? ScriptedModel.call('approve_me', {}, { id: 'ap-1' }) : ScriptedModel.call('lookup', { q: ++n }))], { whenExhausted: 'cycle' });
    const store = new MemoryStore();
    const summarize = new Summarize({ model: summarizer, triggerTokens: 400, keepLast: 2 });
    const paused = await createRuntime({ model, tools: [lookup, approveMe], store, context: summarize, limits: { maxSteps: 8, maxToolCalls: 100 } }).run({ input: 'the task', runId: 'sum' });
    expect(paused.stopReason).toBe('awaiting_approval');
    expect(summarize.calls).toBeGreaterThan(0);
    expect(summarize.calls).toBeLessThan(6); // not every step: only when the view exceeds the trigger
    const lastBefore = model.requests.at(-1)!.messages.find((m: Message) => m.role === 'system' && m.content.includes('Summary of the earlier part'));
    expect(lastBefore).toBeDefined();
    // Summarizer usage counts toward the run (6 calls × 15 tokens from the main model, plus the summaries).
    expect(paused.usage.inputTokens + (await store.getRun('sum'))!.usage.inputTokens).toBeGreaterThan(0);
    expect((await store.loadSteps('sum')).some((s) => s.contextState)).toBe(true);

    // Another runtime with a fresh Summarize (as after a restart) continues from the stored summary.
    const fresh = new Summarize({ model: summarizer, triggerTokens: 100_000, keepLast: 2 });
    const requestsBefore = model.requests.length;
    const done = await createRuntime({ model, tools: [lookup, approveMe], store, context: fresh, limits: { maxSteps: 8, maxToolCalls: 100 } }).resume('sum', { approvals: { 'ap-1': { decision: 'approve' } } });
    expect(done.stopReason).toBe('max_steps');
    expect(fresh.calls).toBe(0);
    const firstAfter = model.requests[requestsBefore]!.messages;
    expect(firstAfter.some((m: Message) => m.role === 'system' && m.content === lastBefore!.content)).toBe(true);
    await assertRunInvariants({ store, runId: 'sum', result: done });
  });

  it('counts summarizer usage toward token budgets', async () => {
    const summarizer = new ScriptedModel([ScriptedModel.answer('short summary', { inputTokens: 5_000, outputTokens: 100 })], { whenExhausted: 'cycle', provider: 'scripted', model: 'summarizer' });
    const model = runaway(20);
    const result = await createRuntime({ model, tools: [lookup], context: new Summarize({ model: summarizer, triggerTokens: 300, keepLast: 1 }), limits: { maxSteps: 20, maxToolCalls: 100, maxTokens: 12_000 } }).run('go');
    expect(result.stopReason).toBe('token_budget');
    expect(result.usage.inputTokens).toBeGreaterThanOrEqual(10_000);
  });

  it('composeStrategies applies strategies in order', async () => {
    const order: string[] = [];
    const tag = (name: string) => ({ name, prepare: (m: readonly Message[]) => { order.push(name); return m; } });
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    await createRuntime({ model, context: composeStrategies(tag('a'), tag('b'), new SlidingWindow({ maxTurns: 4 })) }).run('go');
    expect(order).toEqual(['a', 'b']);
  });

  it('through the OpenAI adapter against a strict server that rejects orphans: no request is refused', async () => {
    await using server = await startOpenAIServer();
    let n = 0;
    for (let i = 0; i < 12; i++) server.push({ reply: { toolCalls: [{ id: `call_${++n}`, name: 'lookup', args: { q: n } }, { id: `call_${++n}`, name: 'lookup', args: { q: n } }] } });
    server.push({ reply: { text: 'done' } });
    const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-loopback', baseURL: `${server.url}/v1` });
    const context = composeStrategies(new TruncateToolResults({ maxChars: 200 }), new SlidingWindow({ maxMessages: 6 }));
    const result = await createRuntime({ model, tools: [lookup], context, limits: { maxSteps: 20, maxToolCalls: 100 } }).run({ input: 'go', system: 'sys' });
    expect(result.stopReason).toBe('final_answer');
    expect(server.requests.filter((r) => r.rejected)).toEqual([]);
    expect(server.requests).toHaveLength(13);
  });
});
