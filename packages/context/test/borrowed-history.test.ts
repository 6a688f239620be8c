import { createRuntime, defineTool, MemoryStore, type ContextStrategy, type Message, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'adds one', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 });

/** A model that keeps every request it is sent and always calls `add` again. */
function keepingModel() {
  const requests: ModelRequest[] = [];
  const lengthsAtCall: number[] = [];
  let n = 0;
  const model: ModelAdapter = {
    provider: 'scripted',
    model: 'keeper',
    async generate(request) {
      requests.push(request);
      lengthsAtCall.push(request.messages.length);
      n++;
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
    },
  };
  return { model, requests, lengthsAtCall };
}

/** Wraps a strategy, recording the array each `prepare` receives and its length then. */
function recording(inner: ContextStrategy, borrowsHistory: boolean | undefined) {
  const seen: { messages: readonly Message[]; length: number; first: Message | undefined }[] = [];
  const strategy: ContextStrategy = {
    name: `recording(${inner.name})`,
    ...(borrowsHistory === undefined ? {} : { borrowsHistory }),
    prepare(messages, context) {
      seen.push({ messages, length: messages.length, first: messages[0] });
      return inner.prepare(messages, context);
    },
  };
  return { strategy, seen };
}

const run = (model: ModelAdapter, context: ContextStrategy, steps: number, store = new MemoryStore()) =>
  createRuntime({ model, tools: [add], store, context, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps } }).run({ input: 'count', runId: `r-${steps}-${Math.random()}` });

describe('strategies that borrow the history (ContextStrategy.borrowsHistory)', () => {
  it('the built-in strategies declare it; composeStrategies only when every part does', () => {
    const model = keepingModel().model;
    for (const strategy of [new SlidingWindow({ maxMessages: 4 }), new TokenBudget({ maxTokens: 1_000 }), new Summarize({ model, triggerTokens: 1_000 }), new TruncateToolResults({ maxChars: 100 })]) {
      expect(strategy.borrowsHistory).toBe(true);
    }
    expect(composeStrategies(new TruncateToolResults({ maxChars: 100 }), new SlidingWindow({ maxMessages: 4 })).borrowsHistory).toBe(true);
    const copying: ContextStrategy = { name: 'mine', prepare: (messages) => messages };
    expect(composeStrategies(new SlidingWindow({ maxMessages: 4 }), copying).borrowsHistory).toBe(false);
  });

  it('a borrowing strategy reads the run history without a per-step copy; the requests the model keeps never change', async () => {
    const { model, requests, lengthsAtCall } = keepingModel();
    const { strategy, seen } = recording(new SlidingWindow({ maxMessages: 6 }), true);
    const store = new MemoryStore();
    const result = await run(model, strategy, 40, store);
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 40 });
    // One array, growing by one call and its result each step: the run's own history, not a copy per step.
    expect(new Set(seen.map((s) => s.messages)).size).toBe(1);
    expect(seen.map((s) => s.length)).toEqual(Array.from({ length: 40 }, (_, i) => 1 + 2 * i));
    // Every request the model kept is exactly what it was sent: bounded by the window, never appended to later.
    expect(requests.map((r) => r.messages.length)).toEqual(lengthsAtCall);
    expect(Math.max(...lengthsAtCall)).toBeLessThanOrEqual(6);
    // While the whole history fits, the strategy hands the history itself back: the request is a copy of it.
    expect(requests[0]!.messages).not.toBe(seen[0]!.messages);
    expect(requests[1]!.messages).toHaveLength(3);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a strategy that does not declare it gets a fresh copy every step, and what it kept never changes', async () => {
    for (const borrows of [undefined, false]) {
      const { model, requests } = keepingModel();
      // Returns its input unchanged: the model is sent the copy it was given.
      const { strategy, seen } = recording({ name: 'identity', prepare: (messages) => messages }, borrows);
      const result = await run(model, strategy, 12);
      expect(result.steps).toBe(12);
      expect(new Set(seen.map((s) => s.messages)).size).toBe(12);
      for (const [i, s] of seen.entries()) {
        expect(s.messages).toHaveLength(s.length);
        expect(s.messages).toHaveLength(1 + 2 * i);
        expect(requests[i]!.messages).toBe(s.messages);
      }
    }
  });

  it('a composed strategy with one copying part gives every part a stable array', async () => {
    const { model } = keepingModel();
    const inner = recording({ name: 'keeps', prepare: (messages) => messages }, undefined);
    const composed = composeStrategies(new TruncateToolResults({ maxChars: 1_000 }), inner.strategy, new SlidingWindow({ maxMessages: 5 }));
    expect(composed.borrowsHistory).toBe(false);
    await run(model, composed, 10);
    // TruncateToolResults hands its (unchanged) input on: without the copy, `keeps` would hold the live history.
    for (const [i, s] of inner.seen.entries()) expect(s.messages).toHaveLength(1 + 2 * i);
  });

  it('Summarize and TokenBudget borrowing: a summarizing run keeps its pairs valid and its requests bounded', async () => {
    const summarizer = new ScriptedModel([ScriptedModel.answer('the counter went up')], { whenExhausted: 'cycle' });
    const { model, requests, lengthsAtCall } = keepingModel();
    const store = new MemoryStore();
    const strategy = composeStrategies(new Summarize({ model: summarizer, triggerTokens: 120, keepLast: 2 }), new TokenBudget({ maxTokens: 2_000 }));
    expect(strategy.borrowsHistory).toBe(true);
    const result = await run(model, strategy, 30, store);
    expect(result.steps).toBe(30);
    expect(summarizer.calls).toBeGreaterThan(0);
    expect(requests.map((r) => r.messages.length)).toEqual(lengthsAtCall);
    expect(Math.max(...lengthsAtCall.slice(10))).toBeLessThan(20);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
