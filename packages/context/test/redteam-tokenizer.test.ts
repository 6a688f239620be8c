import { AgentrtError, createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { CachedTokenCounter, Summarize, TokenBudget, TokenizerEstimator, TruncateToolResults, o200kTokenizer } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const configField = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (AgentrtError.isInstance(error)) return `${error.code}:${(error as { field?: string }).field}`;
    throw error;
  }
  return 'no error';
};

// Each took 13 s or more before (BPE is quadratic in one pre-tokenized piece, and each of these is one piece); now well under a second.
const LONG_RUNS: readonly [string, string][] = [
  ['CJK without punctuation', '漢'.repeat(60_000)],
  ['base64 of zeros', Buffer.alloc(90_000).toString('base64')],
  ['spaces', ' '.repeat(120_000)],
  ['one letter', 'a'.repeat(120_000)],
  ['punctuation', '='.repeat(120_000)],
  ['accented letters', 'é'.repeat(120_000)],
];

describe('o200kTokenizer on text a tool, a model or a user controls', () => {
  it.each(LONG_RUNS)('counts a long run (%s) in linear time', (_, text) => {
    const started = performance.now();
    const count = o200kTokenizer(text);
    // Generous for a loaded machine: the unchunked count took 13–60 s for each of these.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(count).toBeGreaterThan(0);
  });

  it('counts a long run within 2 % of the exact count', () => {
    for (const text of ['a'.repeat(6_000), 'hello'.repeat(1_200), '漢字'.repeat(1_500), `word ${'x'.repeat(3_000)} word ${'-'.repeat(2_000)}`]) {
      const exact = countTokens(text);
      expect(Math.abs(o200kTokenizer(text) - exact)).toBeLessThanOrEqual(Math.max(2, exact * 0.02));
    }
  });

  it('counts ordinary text exactly as gpt-tokenizer does', () => {
    const text = Array.from({ length: 3_000 }, (_, i) => `word${i % 97} is, in line ${i}, followed by text.${i % 7 === 0 ? '\n' : ' '}`).join('');
    expect(o200kTokenizer(text)).toBe(countTokens(text));
  });

  it('a run whose tool returns 60 KB of base64 zeros twice, under TokenBudget, finishes promptly', async () => {
    const blob = defineTool({ name: 'blob', description: 'returns a blob', input: z.object({}), execute: () => Buffer.alloc(45_000).toString('base64') });
    const model = new ScriptedModel([ScriptedModel.call('blob', {}), ScriptedModel.call('blob', {}), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const started = performance.now();
    const result = await createRuntime({ model, tools: [blob], store, context: new TokenBudget({ maxTokens: 100_000 }), limits: { maxToolOutputChars: 100_000 } }).run('go');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(performance.now() - started).toBeLessThan(5_000);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

describe('hostile tokenizers and multipliers', () => {
  it.each([
    ['Summarize tokenMultiplier NaN', () => new Summarize({ model: new ScriptedModel([]), triggerTokens: 100, tokenMultiplier: Number.NaN }), 'config_invalid:tokenMultiplier'],
    ['Summarize tokenMultiplier -1', () => new Summarize({ model: new ScriptedModel([]), triggerTokens: 100, tokenMultiplier: -1 }), 'config_invalid:tokenMultiplier'],
    ['Summarize tokenMultiplier 0', () => new Summarize({ model: new ScriptedModel([]), triggerTokens: 100, tokenMultiplier: 0 }), 'config_invalid:tokenMultiplier'],
    ['Summarize tokenizer not a function', () => new Summarize({ model: new ScriptedModel([]), triggerTokens: 100, tokenizer: 'o200k' as never }), 'config_invalid:tokenizer'],
    ['TokenBudget tokenizer not a function', () => new TokenBudget({ maxTokens: 100, tokenizer: {} as never }), 'config_invalid:tokenizer'],
    ['TruncateToolResults tokenizer not a function', () => new TruncateToolResults({ maxTokens: 100, tokenizer: 42 as never }), 'config_invalid:tokenizer'],
    ['CachedTokenCounter multiplier Infinity', () => new CachedTokenCounter(undefined, Number.POSITIVE_INFINITY), 'config_invalid:tokenMultiplier'],
  ])('%s is config_invalid naming the field', (_, build, expected) => {
    expect(configField(build)).toBe(expected);
  });

  it.each([['NaN', Number.NaN], ['negative', -1], ['Infinity', Number.POSITIVE_INFINITY], ['a string', '12']])('a tokenizer that returns %s cannot switch TokenBudget off: the text counts as characters / 4', (_, bad) => {
    const budget = new TokenBudget({ maxTokens: 300, tokenizer: () => bad as number });
    const history: Message[] = [{ role: 'user', content: 'task' }, ...Array.from({ length: 20 }, (_, i): Message => ({ role: i % 2 ? 'assistant' : 'user', content: `${i} ${'x'.repeat(200)}` }))];
    const kept = budget.prepare(history, { runId: 'r', stepIndex: 0, signal: new AbortController().signal, tools: [], model: { provider: 'p', model: 'm' }, addUsage() {}, state: { get: () => undefined, set() {} } });
    expect(kept.length).toBeLessThan(history.length);
    expect(budget.counter.range(kept, 0, kept.length)).toBeLessThanOrEqual(300);
  });

  it('TruncateToolResults with a NaN tokenizer still cuts a long result', () => {
    const strategy = new TruncateToolResults({ maxTokens: 50, tokenizer: () => Number.NaN });
    const history: Message[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', args: {} }] },
      { role: 'tool', toolCallId: 'c1', name: 't', content: 'y'.repeat(10_000) },
    ];
    const out = strategy.prepare(history);
    expect((out[2]!.content as string).length).toBeLessThan(1_000);
  });

  it('TokenizerEstimator with a tokenizer that returns NaN estimates a finite count', () => {
    const estimate = new TokenizerEstimator({ tokenizer: () => Number.NaN }).estimate({ messages: [{ role: 'user', content: 'x'.repeat(400) }], tools: [], output: { name: 'o', schema: { type: 'object' } } as never });
    expect(Number.isFinite(estimate)).toBe(true);
    expect(estimate).toBeGreaterThanOrEqual(100);
  });
});
