import { createRuntime, defineTool, findPairingViolations, MemoryStore, type ContextPrepareContext, type ContextStrategy, type Message, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const summarizer: ModelAdapter = {
  provider: 'scripted',
  model: 'summarizer',
  generate: async () => ({ message: { role: 'assistant', content: 'SUMMARY' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }),
};

const ctx = (state: Map<string, unknown>, stepIndex: number): ContextPrepareContext => ({
  runId: 'rt9', stepIndex, signal: new AbortController().signal, tools: [], model: { provider: 'x', model: 'y' },
  addUsage: () => undefined, state: state as unknown as ContextPrepareContext['state'],
});

/** Steps alternating two parallel calls and one call; every third result is long enough to cross the trigger. */
function step(history: Message[], i: number): void {
  const ids = Array.from({ length: i % 2 === 0 ? 2 : 1 }, (_, j) => `c${i}_${j}`);
  history.push({ role: 'assistant', content: '', toolCalls: ids.map((id) => ({ id, name: 't', args: {} })) });
  for (const id of ids) history.push({ role: 'tool', toolCallId: id, name: 't', content: `${i % 3 === 0 ? 'x '.repeat(40) : 'ok'} ${id}` });
}

const trimmers: Record<string, () => ContextStrategy> = {
  SlidingWindow: () => new SlidingWindow({ maxMessages: 8 }),
  TokenBudget: () => new TokenBudget({ maxTokens: 260 }),
};

describe('Summarize after a strategy that drops messages (composeStrategies)', () => {
  for (const [name, trimmer] of Object.entries(trimmers)) {
    it(`${name} then Summarize: the summary boundary follows the dropped messages, no orphaned results, the newest call kept`, async () => {
      const strategy = composeStrategies(trimmer(), new Summarize({ model: summarizer, triggerTokens: 120, keepLast: 1 }));
      const history: Message[] = [{ role: 'system', content: 'SYS' }, { role: 'user', content: 'task' }];
      const state = new Map<string, unknown>();
      for (let i = 0; i < 30; i++) {
        step(history, i);
        const out = await strategy.prepare(history, ctx(state, i));
        expect(findPairingViolations(out), `step ${i}`).toEqual([]);
        expect(out.slice(0, 2)).toEqual(history.slice(0, 2));
        // The newest step (its call and every result) is sent as it is.
        const newest = history.findLastIndex((m) => m.role === 'assistant');
        expect(out.slice(-(history.length - newest)), `step ${i}`).toEqual(history.slice(newest));
      }
    });
  }

  it('in a run: every request keeps its newest tool call and results (no pairs repaired away)', async () => {
    const store = new MemoryStore();
    const echo = defineTool({ name: 'echo', description: 'echoes', input: z.object({ i: z.number() }), execute: ({ i }) => (i % 3 === 0 ? 'x '.repeat(40) : 'ok') });
    const model = new ScriptedModel([(request: ModelRequest, i: number) =>
      i % 2 === 0 ? ScriptedModel.parallel([{ name: 'echo', args: { i } }, { name: 'echo', args: { i: i + 1 } }]) : ScriptedModel.call('echo', { i })], { whenExhausted: 'cycle' });
    const context = composeStrategies(new SlidingWindow({ maxMessages: 8 }), new Summarize({ model: summarizer, triggerTokens: 120, keepLast: 1 }));
    const result = await createRuntime({ model, store, tools: [echo], context, limits: { maxSteps: 20 } }).run({ input: [{ role: 'system', content: 'SYS' }, { role: 'user', content: 'task' }] });
    expect(result.stopReason).toBe('max_steps');
    const requests = (await store.listEvents(result.runId)).filter((event) => event.type === 'model_request');
    expect(requests.map((event) => (event as { repairedPairs?: number }).repairedPairs ?? 0)).toEqual(requests.map(() => 0));
    model.requests.slice(1).forEach((request, i) => {
      const calls = request.messages.filter((m) => m.role === 'assistant' && m.toolCalls?.length);
      expect(calls.length, `request ${i + 1}`).toBeGreaterThan(0);
    });
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
