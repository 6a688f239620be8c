import { findPairingViolations, type ContextPrepareContext, type ContextStrategy, type Message, type ModelAdapter } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Random agent histories: optional system prompt, the task, then user turns and steps with 0–4 parallel calls (some failing). */
const historyArb = fc
  .record({
    system: fc.boolean(),
    task: fc.string({ minLength: 1, maxLength: 120 }),
    steps: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('user' as const), text: fc.string({ minLength: 1, maxLength: 200 }) }),
        fc.record({ kind: fc.constant('step' as const), text: fc.string({ maxLength: 160 }), calls: fc.array(fc.record({ error: fc.boolean(), out: fc.string({ maxLength: 600 }) }), { maxLength: 4 }) }),
      ),
      { maxLength: 40 },
    ),
  })
  .map(({ system, task, steps }) => {
    const messages: Message[] = [];
    if (system) messages.push({ role: 'system', content: 'You are careful.' });
    messages.push({ role: 'user', content: task });
    let id = 0;
    for (const step of steps) {
      if (step.kind === 'user') {
        messages.push({ role: 'user', content: step.text });
        continue;
      }
      const calls = step.calls.map(() => ({ id: `c${++id}`, name: 'lookup', args: { q: id } }));
      messages.push({ role: 'assistant', content: step.text, ...(calls.length ? { toolCalls: calls } : {}) });
      step.calls.forEach((call, i) => messages.push({ role: 'tool', toolCallId: calls[i]!.id, name: 'lookup', content: call.out, ...(call.error ? { isError: true, code: 'tool_failed' } : {}) }));
    }
    return messages;
  });

const context = (): ContextPrepareContext => {
  const state = new Map<string, unknown>();
  return {
    runId: `prop-${Math.random()}`, stepIndex: 0, signal: new AbortController().signal, tools: [],
    model: { provider: 'test', model: 'test' }, addUsage: () => undefined,
    state: { get: (k) => state.get(k), set: (k, v) => void state.set(k, v) },
  };
};

const summarizer: ModelAdapter = {
  provider: 'test', model: 'summarizer',
  generate: async (request) => ({ message: { role: 'assistant', content: `summary(${request.messages[1]!.content.length})` }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }),
};

const strategies: [string, () => ContextStrategy][] = [
  ['SlidingWindow(maxMessages: 5)', () => new SlidingWindow({ maxMessages: 5 })],
  ['SlidingWindow(maxMessages: 1)', () => new SlidingWindow({ maxMessages: 1 })],
  ['SlidingWindow(maxTurns: 3)', () => new SlidingWindow({ maxTurns: 3 })],
  ['TokenBudget(400)', () => new TokenBudget({ maxTokens: 400, reserveOutputTokens: 50 })],
  ['TruncateToolResults(100 chars)', () => new TruncateToolResults({ maxChars: 100 })],
  ['Summarize(trigger 300)', () => new Summarize({ model: summarizer, triggerTokens: 300, keepLast: 2 })],
  ['compose(Truncate, Summarize, TokenBudget)', () => composeStrategies(new TruncateToolResults({ maxTokens: 40 }), new Summarize({ model: summarizer, triggerTokens: 500, keepLast: 3 }), new TokenBudget({ maxTokens: 600 }))],
];

const newestUser = (messages: readonly Message[]) => [...messages].reverse().find((m) => m.role === 'user');

describe('context strategy invariants (property tests)', () => {
  it.each(strategies)('%s: pairs kept together, system and newest user kept, deterministic', async (_name, make) => {
    await fc.assert(
      fc.asyncProperty(historyArb, async (history) => {
        let out: readonly Message[];
        try {
          out = await make().prepare(history, context());
        } catch (error) {
          // The only acceptable failure: the minimum does not fit the budget, as a typed error.
          expect((error as { code?: string }).code).toBe('context_overflow');
          return;
        }
        expect(findPairingViolations(out)).toEqual([]);
        expect(out[0]?.role === 'tool').toBe(false);
        for (const message of history) if (message.role === 'system') expect(out).toContain(message);
        const user = newestUser(history);
        if (user) expect(out.some((m) => m === user || (m.role === 'user' && m.content === user.content))).toBe(true);
        const again = await make().prepare(history, context());
        expect(again).toEqual(out);
      }),
      { numRuns: 1_000 },
    );
  });

  it('TokenBudget never exceeds its budget when it answers', async () => {
    const budget = new TokenBudget({ maxTokens: 500, reserveOutputTokens: 100 });
    await fc.assert(
      fc.asyncProperty(historyArb, async (history) => {
        let out: readonly Message[];
        try {
          out = budget.prepare(history, context());
        } catch {
          return;
        }
        expect(budget.counter.range(out, 0, out.length)).toBeLessThanOrEqual(400);
      }),
      { numRuns: 1_000 },
    );
  });
});
