import { createRuntime, defineTool, MemoryStore, ModelError, type ContextPrepareContext, type Message, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { SlidingWindow, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Promises of docs/context.md that no test checked (m16l mutation testing): each test here
// fails on a mutant of packages/context/src that the rest of the suite let through.

const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}` });
const runaway = () => {
  let n = 0;
  return new ScriptedModel([() => ScriptedModel.call('lookup', { q: ++n })], { whenExhausted: 'cycle' });
};

describe('SlidingWindow({ maxTurns })', () => {
  it('keeps at most maxTurns turns (a tool call with its result is one turn) after the pinned system prompt and task', async () => {
    const model = runaway();
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [lookup], store, context: new SlidingWindow({ maxTurns: 2 }), limits: { maxSteps: 6, maxToolCalls: 100 } })
      .run({ input: 'the task', system: 'sys' });
    expect(result.stopReason).toBe('max_steps');
    // Request k (0-based) sees k earlier steps of two messages each; from k = 2 on, only the newest two turns.
    model.requests.forEach((request, k) => {
      const turns = Math.min(k, 2);
      expect(request.messages).toHaveLength(2 + 2 * turns);
      expect(request.messages.slice(0, 2)).toEqual([{ role: 'system', content: 'sys' }, { role: 'user', content: 'the task' }]);
      const results = request.messages.filter((message) => message.role === 'tool').map((message) => message.content);
      expect(results).toEqual(Array.from({ length: turns }, (_, i) => `result ${k - turns + 1 + i}`));
    });
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

describe('TokenBudget at its exact limit', () => {
  // One token per character (plus 4 of framing per message): the count is easy to state exactly.
  const chars = (text: string) => text.length;
  const transcript = [
    { role: 'user' as const, content: 'task' }, // 8 tokens, pinned
    { role: 'assistant' as const, content: 'earlier' }, // 11
    { role: 'user' as const, content: 'newest question' }, // 19
  ];

  it('sends a request whose count equals maxTokens − reserveOutputTokens (it does not exceed the budget)', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('done')]);
    const context = new TokenBudget({ maxTokens: 8 + 11 + 19 + 10, reserveOutputTokens: 10, tokenizer: chars });
    const result = await createRuntime({ model, context }).run(transcript);
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(model.requests[0]!.messages.map((message) => message.content)).toEqual(['task', 'earlier', 'newest question']);
  });

  it('drops the oldest unit when the budget is one token short of it', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('done')]);
    const context = new TokenBudget({ maxTokens: 8 + 11 + 19 - 1, tokenizer: chars });
    const result = await createRuntime({ model, context }).run(transcript);
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[0]!.messages.map((message) => message.content)).toEqual(['task', 'newest question']);
  });
});

describe('TokenBudget keeps room for the newest user message', () => {
  it('drops an older turn rather than fail with context_overflow when the newest user message is older than the kept turns', async () => {
    const chars = (text: string) => text.length;
    const transcript = [
      { role: 'user' as const, content: 'task' }, // 8 tokens, pinned
      { role: 'user' as const, content: 'newest question' }, // 19, always kept
      { role: 'assistant' as const, content: 'first answer' }, // 16
      { role: 'assistant' as const, content: 'second answer' }, // 17
    ];
    const model = new ScriptedModel([ScriptedModel.answer('done')]);
    const context = new TokenBudget({ maxTokens: 8 + 19 + 17 + 16 - 1, tokenizer: chars });
    const result = await createRuntime({ model, context }).run(transcript);
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(model.requests[0]!.messages.map((message) => message.content)).toEqual(['task', 'newest question', 'second answer']);
  });
});

describe('TruncateToolResults', () => {
  const page = `HEAD-${'x'.repeat(5_000)}-TAIL`;
  const history: Message[] = [
    { role: 'user', content: 'read the page' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'fetch', args: {} }] },
    { role: 'tool', toolCallId: 'c1', name: 'fetch', content: page },
  ];
  const context = { runId: 'm16l-truncate', stepIndex: 1, tools: [] } as unknown as ContextPrepareContext;

  it('keeps both the head and the tail of a long result, with the marker between them', () => {
    const sent = new TruncateToolResults({ maxChars: 400 }).prepare(history, context)[2]!;
    const text = sent.content as string;
    expect(text.length).toBeLessThanOrEqual(400);
    expect(text.startsWith('HEAD-')).toBe(true);
    expect(text.endsWith('-TAIL')).toBe(true);
    expect(text).toContain('tool_output_truncated');
  });

  it('hands out the same truncated message object every step (cached per message, so token counts stay cached)', () => {
    const strategy = new TruncateToolResults({ maxChars: 400 });
    const first = strategy.prepare(history, context)[2];
    const second = strategy.prepare([...history, { role: 'user', content: 'more' }], { ...context, stepIndex: 2 })[2];
    expect(first).not.toBe(history[2]);
    expect(second).toBe(first);
  });
});

describe('TokenBudget after the provider refuses a request as too long', () => {
  it('retries in half the tokens it counted for the refused request, the newest user message included', async () => {
    const chars = (text: string) => text.length;
    // task 5 tokens (pinned), newest user message 24, then ten answers of 10 each.
    const transcript: Message[] = [
      { role: 'user', content: 't' },
      { role: 'user', content: 'q'.repeat(20) },
      ...Array.from({ length: 10 }, (_, i): Message => ({ role: 'assistant', content: `answr${i}` })),
    ];
    const requests: ModelRequest[] = [];
    const model: ModelAdapter = {
      provider: 'fake',
      model: 'refuses-once',
      async generate(request) {
        requests.push(request);
        if (requests.length === 1) throw new ModelError('context_overflow', 'the request is too long');
        return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    };
    const result = await createRuntime({ model, context: new TokenBudget({ maxTokens: 110, tokenizer: chars }) }).run(transcript);
    expect(result.stopReason).toBe('final_answer');
    // 110 tokens: task 5 + newest user 24 + eight answers = 109, sent without the two oldest answers.
    expect(requests[0]!.messages.map((message) => message.content)).toEqual(['t', 'q'.repeat(20), ...Array.from({ length: 8 }, (_, i) => `answr${i + 2}`)]);
    // Half of 109 is 54: task 5 + newest user 24 + two answers of 10 (a third would make 59).
    expect(requests[1]!.messages.map((message) => message.content)).toEqual(['t', 'q'.repeat(20), 'answr8', 'answr9']);
  });
});
