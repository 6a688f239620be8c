import { createRuntime, defineTool, MemoryStore, ModelError, type ContextStrategy, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { assertRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'adds one', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 });

/** A provider whose window holds `window` messages: longer requests are refused with `context_overflow`. After `steps` calls it answers. */
function windowedModel(window: number, steps: number) {
  const requests: number[] = [];
  let answered = 0;
  const model: ModelAdapter = {
    provider: 'scripted',
    model: 'windowed',
    async generate(request: ModelRequest) {
      requests.push(request.messages.length);
      if (request.messages.length > window) throw new ModelError('context_overflow', `this model's maximum context length is ${window} messages`);
      answered++;
      return answered < steps
        ? { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${answered}`, name: 'add', args: { a: answered } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }
        : { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
    },
  };
  return { model, requests };
}

/** The task and the newest `keep` messages; half as many after an overflow. Records what it was told. */
function lastMessages(keep: number, borrowsHistory: boolean) {
  const told: (number | undefined)[] = [];
  const strategy: ContextStrategy = {
    name: 'last',
    borrowsHistory,
    prepare(messages, context) {
      told.push(context.overflow?.messages);
      const n = context.overflow ? Math.floor(keep / 2) : keep;
      return messages.length <= n + 1 ? messages : [messages[0]!, ...messages.slice(-n)];
    },
  };
  return { strategy, told };
}

describe('a request the provider refuses as too long (RELIABILITY F-08)', () => {
  for (const borrowsHistory of [false, true]) {
    it(`the strategy is asked once more, told so, and the shorter request goes through (borrowsHistory ${borrowsHistory})`, async () => {
      const { model, requests } = windowedModel(5, 6);
      const { strategy, told } = lastMessages(8, borrowsHistory);
      const store = new MemoryStore();
      const runtime = createRuntime({ model, tools: [add], store, context: strategy, loopDetection: false });
      const result = await runtime.run({ input: 'count', runId: `overflow-${borrowsHistory}` });
      expect(result).toMatchObject({ stopReason: 'final_answer', output: 'done', steps: 6 });
      // Steps 0–1 fit; from step 2 on each first request (over 5 messages) is refused and its shorter retry (the task + 4) passes.
      expect(requests).toEqual([1, 3, 5, 7, 5, 9, 5, 9, 5]);
      expect(told).toEqual([undefined, undefined, undefined, undefined, 7, undefined, 9, undefined, 9]);
      const events = await runtime.events(result.runId);
      const retries = events.filter((e) => e.type === 'model_retry');
      expect(retries).toHaveLength(3);
      expect(retries.every((e) => e.type === 'model_retry' && e.code === 'context_overflow' && e.delayMs === 0)).toBe(true);
      // One model_request per call, numbered within its step.
      expect(events.filter((e) => e.type === 'model_request' && e.stepIndex === 4).map((e) => e.type === 'model_request' && [e.attempt, e.messageCount])).toEqual([[1, 9], [2, 5]]);
      await assertRunInvariants({ store, runId: result.runId, result });
    });
  }

  it('with the full history (nothing shorter to send) the run stops context_overflow after that one request', async () => {
    const { model, requests } = windowedModel(2, 6);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, loopDetection: false }).run({ input: 'count', runId: 'full' });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'context_overflow' } });
    expect(requests).toEqual([1, 3]);
    await assertRunInvariants({ store, runId: 'full', result });
  });

  it('a strategy that cannot shorten the request: that one request, then context_overflow', async () => {
    const { model, requests } = windowedModel(0, 6);
    const { strategy, told } = lastMessages(8, true);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, context: strategy }).run({ input: 'x'.repeat(10), runId: 'twice' });
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'context_overflow' } });
    // The task alone is over this window: the strategy cannot shorten it, so one request only.
    expect(requests).toEqual([1]);
    expect(told).toEqual([undefined, 1]);
    await assertRunInvariants({ store, runId: 'twice', result });
  });

  it('a strategy that shortens, and a provider that still refuses: two requests, then context_overflow', async () => {
    const requests: number[] = [];
    const model: ModelAdapter = { provider: 'p', model: 'm', async generate(request) { requests.push(request.messages.length); throw new ModelError('context_overflow', 'prompt is too long'); } };
    const strategy: ContextStrategy = { name: 'drop-one', prepare: (messages, context) => (context.overflow ? messages.slice(1) : messages) };
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, context: strategy }).run({ input: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }], runId: 'still' });
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'context_overflow' } });
    expect(requests).toEqual([2, 1]);
    await assertRunInvariants({ store, runId: 'still', result });
  });

  it('other model errors are not retried this way', async () => {
    let calls = 0;
    const model: ModelAdapter = { provider: 'p', model: 'm', async generate() { calls++; throw new ModelError('model_bad_request', 'bad'); } };
    let prepared = 0;
    const strategy: ContextStrategy = { name: 'count', prepare: (messages) => { prepared++; return messages; } };
    const result = await createRuntime({ model, context: strategy }).run('hi');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_bad_request' } });
    expect([calls, prepared]).toEqual([1, 1]);
  });
});
