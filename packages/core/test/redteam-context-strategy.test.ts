import { createRuntime, defineTool, MemoryStore, type ContextPrepareContext, type ContextStrategy, type Message } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ n: z.number() }), execute: ({ n }) => `n=${n}` });
const runaway = () => {
  let n = 0;
  return new ScriptedModel([() => ScriptedModel.call('echo', { n: ++n })], { whenExhausted: 'cycle' });
};

/** A strategy that never settles from step `from` on (e.g. its own model call ignores the signal), recording the contexts it was given. */
function stuckFrom(from: number, seen: ContextPrepareContext[]): ContextStrategy {
  return {
    name: 'stuck',
    prepare(messages: readonly Message[], context: ContextPrepareContext) {
      seen.push(context);
      return context.stepIndex >= from ? new Promise<readonly Message[]>(() => {}) : Promise.resolve(messages);
    },
  };
}

describe('a context strategy that never settles', () => {
  it('cannot outlive the run timeout: the run stops with timeout, pairs valid, and the strategy saw the deadline', async () => {
    const seen: ContextPrepareContext[] = [];
    const store = new MemoryStore();
    const before = Date.now();
    const result = await createRuntime({ model: runaway(), tools: [echo], store, context: stuckFrom(1, seen), limits: { timeoutMs: 300, finalize: false } }).run('go');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout', steps: 1 });
    expect(seen[1]!.deadline).toBeGreaterThanOrEqual(before + 300);
    expect(seen[1]!.deadline).toBeLessThanOrEqual(Date.now() + 300);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('cannot hold a run against kill', async () => {
    const seen: ContextPrepareContext[] = [];
    const store = new MemoryStore();
    const runtime = createRuntime({ model: runaway(), tools: [echo], store, context: stuckFrom(1, seen), limits: { timeoutMs: 120_000 } });
    const pending = runtime.run({ input: 'go', runId: 'stuck-kill' });
    await waitFor(() => seen.length === 2);
    await runtime.kill('stuck-kill', 'operator');
    const result = await pending;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('cannot hold a finalize call past its grace; the finalize context carries the grace as its deadline', async () => {
    const seen: ContextPrepareContext[] = [];
    const store = new MemoryStore();
    const result = await createRuntime({ model: runaway(), tools: [echo], store, context: stuckFrom(2, seen), limits: { maxSteps: 2, finalize: { graceMs: 300 } } }).run('go');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'max_steps', steps: 2 });
    expect(result.finalized).not.toBe(true);
    const finalizeContext = seen[2]!;
    expect(typeof finalizeContext.deadline).toBe('number');
    const failed = (await store.listEvents(result.runId)).filter((event) => event.type === 'finalize_failed');
    expect(failed).toEqual([expect.objectContaining({ stopReason: 'max_steps', code: 'timeout' })]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('usage a strategy reports that is NaN, negative, Infinity or missing counts as 0, never poisons the totals', async () => {
    const store = new MemoryStore();
    const hostile: ContextStrategy = {
      name: 'hostile_usage',
      prepare(messages, context) {
        context.addUsage({ inputTokens: Number.NaN, outputTokens: -5 });
        context.addUsage({ inputTokens: Number.POSITIVE_INFINITY, outputTokens: '7' as unknown as number });
        context.addUsage(undefined as never);
        context.addUsage({ inputTokens: 3, outputTokens: 2 });
        return messages;
      },
    };
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done', { inputTokens: 10, outputTokens: 5 })]), store, context: hostile, pricing: { 'scripted/scripted': { inputPerMillionUsd: 1, outputPerMillionUsd: 1 } } }).run('go');
    expect(result).toMatchObject({ status: 'completed', usage: { inputTokens: 13, outputTokens: 7 } });
    expect(Number.isFinite(result.usage.costUsd)).toBe(true);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
