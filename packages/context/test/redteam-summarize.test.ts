import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { Summarize } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${'word '.repeat(80)}` });
const runaway = () => {
  let n = 0;
  return new ScriptedModel([() => ScriptedModel.call('lookup', { q: ++n })], { whenExhausted: 'cycle' });
};
/** A summarizer that never answers and ignores its signal. */
const hanging = (seen: ModelRequest[]): ModelAdapter => ({ provider: 'p', model: 'hang', generate: (request) => { seen.push(request); return new Promise(() => {}); } });

describe('Summarize against a hostile summarizer model', () => {
  it('a summarizer that hangs and ignores its signal does not outlive the run timeout; its request carries the run deadline', async () => {
    const seen: ModelRequest[] = [];
    const store = new MemoryStore();
    const started = Date.now();
    const result = await createRuntime({ model: runaway(), tools: [lookup], store, context: new Summarize({ model: hanging(seen), triggerTokens: 100, keepLast: 1 }), limits: { maxSteps: 20, timeoutMs: 400 } }).run('go');
    expect(seen.length).toBe(1);
    expect(result.stopReason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(typeof seen[0]!.deadline).toBe('number');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('kill reaches a run whose summarizer hangs and ignores its signal', async () => {
    const seen: ModelRequest[] = [];
    const store = new MemoryStore();
    const runtime = createRuntime({ model: runaway(), tools: [lookup], store, context: new Summarize({ model: hanging(seen), triggerTokens: 100, keepLast: 1 }), limits: { maxSteps: 20, timeoutMs: 60_000 } });
    const pending = runtime.run({ input: 'go', runId: 'r-kill' });
    // The kill must arrive while the summarizer call is in flight.
    await waitFor(() => seen.length === 1);
    await runtime.kill('r-kill', 'stop it');
    const result = await pending;
    expect(result.stopReason).toBe('killed');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  for (const [label, response, code] of [
    ['content that is not a string', { message: { role: 'assistant', content: 42 }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }, 'model_output_invalid'],
    ['no message', { usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }, 'model_output_invalid'],
    ['null', null, 'model_output_invalid'],
  ] as const) {
    it(`a summarizer answer with ${label} ends the run with error ${code}, not a TypeError`, async () => {
      const store = new MemoryStore();
      const summarizer: ModelAdapter = { provider: 'p', model: 's', generate: async () => response as never };
      const result = await createRuntime({ model: runaway(), tools: [lookup], store, context: new Summarize({ model: summarizer, triggerTokens: 100, keepLast: 1 }), limits: { maxSteps: 6 } }).run('go');
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code } });
      await assertRunInvariants({ store, runId: result.runId, result });
    });
  }

  for (const [label, usage] of [['NaN and negative', { inputTokens: Number.NaN, outputTokens: -5 }], ['missing', undefined]] as const) {
    it(`a summarizer whose usage is ${label} still summarizes; the totals stay finite`, async () => {
      const store = new MemoryStore();
      const summarizer: ModelAdapter = { provider: 'p', model: 's', generate: async () => ({ message: { role: 'assistant', content: 'SUMMARY' }, usage, finishReason: 'stop' }) as never };
      const model = runaway();
      const result = await createRuntime({ model, tools: [lookup], store, context: new Summarize({ model: summarizer, triggerTokens: 100, keepLast: 1 }), limits: { maxSteps: 4 } }).run('go');
      expect(result).toMatchObject({ stopReason: 'max_steps', steps: 4 });
      expect(Number.isFinite(result.usage.inputTokens) && Number.isFinite(result.usage.costUsd)).toBe(true);
      expect(model.requests.at(-1)!.messages.some((m) => m.role === 'system' && m.content.includes('SUMMARY'))).toBe(true);
      await assertRunInvariants({ store, runId: result.runId, result });
    });
  }

  it('a summarizer that throws a plain Error ends the run with model_unavailable, naming the summarizer', async () => {
    const store = new MemoryStore();
    const summarizer: ModelAdapter = { provider: 'p', model: 's', generate: async () => { throw new Error('boom'); } };
    const result = await createRuntime({ model: runaway(), tools: [lookup], store, context: new Summarize({ model: summarizer, triggerTokens: 100, keepLast: 1 }), limits: { maxSteps: 6 } }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_unavailable' } });
    expect(result.error!.message).toContain('summarizer');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a summarizer that throws synchronously (not a rejected promise) is model_unavailable too', async () => {
    const store = new MemoryStore();
    const summarizer: ModelAdapter = { provider: 'p', model: 's', generate: () => { throw new TypeError('sync boom'); } };
    const result = await createRuntime({ model: runaway(), tools: [lookup], store, context: new Summarize({ model: summarizer, triggerTokens: 100, keepLast: 1 }), limits: { maxSteps: 6 } }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_unavailable' } });
  });

  it('used by hand (no runtime race around it), prepare still rejects with the abort reason when its signal aborts', async () => {
    const seen: ModelRequest[] = [];
    const controller = new AbortController();
    const state = new Map<string, unknown>();
    const history = [{ role: 'user', content: 'task' }, ...Array.from({ length: 10 }, (_, i) => ({ role: 'user' as const, content: `message ${i} ${'word '.repeat(50)}` }))] as const;
    const preparing = new Summarize({ model: hanging(seen), triggerTokens: 100, keepLast: 1 }).prepare(history, {
      runId: 'r', stepIndex: 0, signal: controller.signal, deadline: Date.now() + 1_000, tools: [], model: { provider: 'p', model: 'm' }, addUsage() {}, state: { get: (k) => state.get(k), set: (k, v) => state.set(k, v) },
    });
    await waitFor(() => seen.length === 1);
    expect(seen[0]!.deadline).toBeTypeOf('number');
    controller.abort(new Error('stop now'));
    await expect(preparing).rejects.toThrow('stop now');
  });

});

describe('Summarize against a summarizer that writes too much', () => {
  it('a summary longer than the trigger is cut to half of it, so the run does not pay a summarizer call every step', async () => {
    const seen: ModelRequest[] = [];
    // Ignores maxOutputTokens: every summary is about three times the trigger.
    const verbose: ModelAdapter = { provider: 'p', model: 'verbose', generate: async (request) => { seen.push(request); return { message: { role: 'assistant', content: 'detail '.repeat(300) }, usage: { inputTokens: 10, outputTokens: 300 }, finishReason: 'stop' }; } };
    const store = new MemoryStore();
    const strategy = new Summarize({ model: verbose, triggerTokens: 400, keepLast: 2 });
    // Results of ~20 tokens: after a summary of ≤ 200, several steps fit before the trigger again.
    const small = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${'word '.repeat(15)}` });
    const result = await createRuntime({ model: runaway(), tools: [small], store, context: strategy, limits: { maxSteps: 30, maxToolCalls: 30 } }).run('go');
    expect(result.stopReason).toBe('max_steps');
    // Asked for at most half the trigger.
    for (const request of seen) expect(request.maxOutputTokens).toBeLessThanOrEqual(200);
    // Without the cap the ~600-token summary alone is over the trigger: a summarizer call every step (about 26).
    expect(strategy.calls).toBeLessThanOrEqual(10);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
