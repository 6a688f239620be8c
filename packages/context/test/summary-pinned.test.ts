import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Summarize followed by a window (TokenBudget, SlidingWindow) in one pipeline: the summary is a
// system message placed after the task, and the window used to drop it first (it was the oldest
// unit), so the model lost everything the summary stood for while older-than-kept history was
// gone too. The summary is now pinned like the system prompt and the task.

const words = (q: number) => Array.from({ length: 60 }, (_, i) => `fact${(q * 7919 + i * 104729) % 100_000}`).join(' ');
const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${words(q)}` });
const isSummary = (message: Message) => message.role === 'system' && typeof message.content === 'string' && message.content.startsWith('Summary of the earlier part of this run');

function setup() {
  let n = 0;
  const model = new ScriptedModel([() => ScriptedModel.call('lookup', { q: ++n })], { whenExhausted: 'cycle' });
  const summarizer = new ScriptedModel([() => ScriptedModel.answer('SUMMARY: facts of the earlier lookups')], { whenExhausted: 'cycle', model: 'summarizer' });
  return { model, summarizer };
}

describe('Summarize followed by a window keeps the summary', () => {
  it('TokenBudget: every request after the first summary carries it, within the budget', async () => {
    const { model, summarizer } = setup();
    const store = new MemoryStore();
    const budget = new TokenBudget({ maxTokens: 900, reserveOutputTokens: 100 });
    // keepLast 4 units (about 700 tokens) do not fit the budget with the task: the window must drop some.
    const context = composeStrategies(new Summarize({ model: summarizer, triggerTokens: 600, keepLast: 4 }), budget);
    const result = await createRuntime({ model, tools: [lookup], store, context, limits: { maxSteps: 12, maxToolCalls: 100 } }).run({ input: 'the task', system: 'sys' });
    expect(result.stopReason).toBe('max_steps');
    expect(summarizer.calls).toBeGreaterThan(0);
    const first = model.requests.findIndex((request) => request.messages.some(isSummary));
    expect(first).toBeGreaterThan(0);
    for (const request of model.requests.slice(first)) {
      expect(request.messages.slice(0, 3).map((m) => m.role)).toEqual(['system', 'user', 'system']);
      expect(isSummary(request.messages[2]!)).toBe(true);
      expect(budget.counter.range(request.messages, 0, request.messages.length) + budget.counter.tools(request.tools)).toBeLessThanOrEqual(800);
    }
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('SlidingWindow: the summary stays while the window drops older kept turns', async () => {
    const { model, summarizer } = setup();
    const context = composeStrategies(new Summarize({ model: summarizer, triggerTokens: 600, keepLast: 4 }), new SlidingWindow({ maxMessages: 6 }));
    const result = await createRuntime({ model, tools: [lookup], context, limits: { maxSteps: 12, maxToolCalls: 100 } }).run({ input: 'the task', system: 'sys' });
    expect(result.stopReason).toBe('max_steps');
    const first = model.requests.findIndex((request) => request.messages.some(isSummary));
    expect(first).toBeGreaterThan(0);
    for (const request of model.requests.slice(first)) {
      expect(isSummary(request.messages[2]!)).toBe(true);
      expect(request.messages.length).toBeLessThanOrEqual(6);
    }
  });
});
