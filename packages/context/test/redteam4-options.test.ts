import { type ContextPrepareContext, type Message, type ModelAdapter } from '@agentrt/core';
import { SlidingWindow, Summarize, TokenBudget } from '@agentrt/context';
import { describe, expect, it } from 'vitest';

const model: ModelAdapter = { provider: 'p', model: 's', generate: async () => ({ message: { role: 'assistant', content: 'summary' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }) };
const ctx = (state: Map<string, unknown> = new Map()): ContextPrepareContext => ({
  runId: 'r', stepIndex: 0, signal: new AbortController().signal, tools: [], model: { provider: 'p', model: 'm' },
  addUsage: () => undefined, state: state as unknown as ContextPrepareContext['state'],
});

describe('context strategy options at their edges', () => {
  // Options read from JSON or environment arrive as strings: "false" is truthy, and would pin the
  // task message (or keep caching) that the configuration meant to turn off.
  it('boolean options that are not booleans are config_invalid at construction', () => {
    const bad = ['false', 0, 1, null, {}];
    for (const value of bad) {
      expect(() => new SlidingWindow({ maxMessages: 3, pinFirstUser: value as unknown as boolean })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'pinFirstUser' }));
      expect(() => new TokenBudget({ maxTokens: 100, pinFirstUser: value as unknown as boolean })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'pinFirstUser' }));
      expect(() => new TokenBudget({ maxTokens: 100, cache: value as unknown as boolean })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'cache' }));
      expect(() => new Summarize({ model, triggerTokens: 100, pinFirstUser: value as unknown as boolean })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'pinFirstUser' }));
    }
    for (const instructions of [42, '', '  ', {}]) {
      expect(() => new Summarize({ model, triggerTokens: 100, instructions: instructions as unknown as string })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'instructions' }));
    }
    // The legitimate values still construct.
    expect(new SlidingWindow({ maxMessages: 3, pinFirstUser: false })).toBeInstanceOf(SlidingWindow);
    expect(new TokenBudget({ maxTokens: 100, pinFirstUser: true, cache: false })).toBeInstanceOf(TokenBudget);
    expect(new Summarize({ model, triggerTokens: 100, pinFirstUser: false, instructions: 'Be brief.' })).toBeInstanceOf(Summarize);
  });

  // The summary state survives resume in the run's state: one that does not fit the history
  // (a negative or pinned-over `coveredUntil`) must not drop messages that were never summarized.
  it('Summarize ignores a saved state whose coveredUntil falls before the pinned prefix', async () => {
    const history: Message[] = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'task' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'u2' },
      { role: 'assistant', content: 'a2' },
      { role: 'user', content: 'u3' },
    ];
    for (const coveredUntil of [-1, -3, 0, 1]) {
      const strategy = new Summarize({ model, triggerTokens: 10_000 });
      const out = await strategy.prepare(history, ctx(new Map([['agentrt.summarize', { summary: 'S', coveredUntil }]])));
      expect(out, `coveredUntil ${coveredUntil}`).toEqual(history);
      expect(strategy.calls).toBe(0);
    }
  });
});
