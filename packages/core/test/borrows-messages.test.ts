/**
 * `ModelAdapter.borrowsMessages`: a model that only reads `request.messages` during its call is
 * handed the run's own transcript (no O(history) copy per step). Any other model, and any model
 * while a hook is shown the request, gets a copy it may keep: what it kept never changes later.
 */
import { createRuntime, defineTool, MemoryStore, type Message, type ModelAdapter, type ModelRequest, type ModelResponse, type RuntimeHooks } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

/** Calls `add` three times, then answers; keeps every `request.messages` it was handed, with the length it had during the call. */
function keepingModel(borrows: ModelAdapter['borrowsMessages'] | 'throws'): ModelAdapter & { kept: { messages: readonly Message[]; length: number; lengthAfterAwait: number }[] } {
  const kept: { messages: readonly Message[]; length: number; lengthAfterAwait: number }[] = [];
  const model = {
    provider: 'test',
    model: 'keeper',
    kept,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const length = request.messages.length;
      // The runtime must not change what it lent while the call is in flight.
      await new Promise<void>((resolve) => setImmediate(resolve));
      kept.push({ messages: request.messages, length, lengthAfterAwait: request.messages.length });
      const n = kept.length;
      if (n > 3) return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
    },
  };
  if (borrows === 'throws') {
    Object.defineProperty(model, 'borrowsMessages', {
      get() {
        throw new Error('no such flag here');
      },
    });
  } else if (borrows !== undefined) Object.assign(model, { borrowsMessages: borrows });
  return model as typeof model & ModelAdapter;
}

async function runWith(model: ModelAdapter, hooks: RuntimeHooks[] = []) {
  const runtime = createRuntime({ model, tools: [add], store: new MemoryStore(), hooks });
  const result = await runtime.run('add things');
  expect(result.stopReason).toBe('final_answer');
  return result;
}

describe('borrowsMessages', () => {
  it('a borrowing model is handed the run transcript itself, unchanged while each call is in flight', async () => {
    const model = keepingModel(true);
    await runWith(model);
    expect(model.kept).toHaveLength(4);
    // One array throughout: lent, not copied.
    for (const call of model.kept) expect(call.messages).toBe(model.kept[0]!.messages);
    expect(model.kept.map((call) => call.length)).toEqual([1, 3, 5, 7]);
    for (const call of model.kept) expect(call.lengthAfterAwait).toBe(call.length);
  });

  for (const borrows of [undefined, false, 'yes', 1, 'throws'] as const) {
    it(`a model that does not declare it (${String(borrows)}) keeps snapshots that never change`, async () => {
      const model = keepingModel(borrows as never);
      await runWith(model);
      expect(model.kept).toHaveLength(4);
      expect(new Set(model.kept.map((call) => call.messages)).size).toBe(4);
      expect(model.kept.map((call) => call.messages.length)).toEqual([1, 3, 5, 7]);
    });
  }

  const seers: [string, RuntimeHooks][] = [
    ['beforeModel', { beforeModel: () => undefined }],
    ['wrapModelCall', { wrapModelCall: (_info, _ctx, next) => next() }],
  ];
  for (const [name, hook] of seers) {
    it(`with a ${name} hook a borrowing model gets copies too (the hook may keep what it is shown)`, async () => {
      const model = keepingModel(true);
      await runWith(model, [hook]);
      expect(new Set(model.kept.map((call) => call.messages)).size).toBe(4);
      expect(model.kept.map((call) => call.messages.length)).toEqual([1, 3, 5, 7]);
    });
  }

  it('a hook that sees no request (onEvent, afterTool) keeps lending on', async () => {
    const model = keepingModel(true);
    let events = 0;
    await runWith(model, [{ onEvent: () => void events++, afterTool: () => undefined }]);
    expect(events).toBeGreaterThan(0);
    expect(new Set(model.kept.map((call) => call.messages)).size).toBe(1);
  });

  it('ScriptedModel borrows, and what it records (and hands scripted functions) is its own copy', async () => {
    let handed: readonly Message[] | undefined;
    const model = new ScriptedModel([
      (request) => {
        handed = request.messages;
        return ScriptedModel.call('add', { a: 1, b: 2 });
      },
      ScriptedModel.answer('3'),
    ]);
    expect(model.borrowsMessages).toBe(true);
    await runWith(model);
    expect(handed).toHaveLength(1);
    expect(model.requests.map((request) => request.messages.length)).toEqual([1, 3]);
    expect(model.requests[0]!.messages).toBe(handed);
  });
});
