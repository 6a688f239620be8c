/**
 * Red team 16f: the failed run now clears its own kill flag when recorded (kill-race-failed-run).
 * The incident stop (`killAll`, scope '*') must survive that, and a kill that raced a run which then
 * PAUSES (awaiting approval) must still stop its resume.
 */
import { createRuntime, defineTool, MemoryStore, ModelError, type ModelAdapter, type StateStore } from '@agentrt/core';
import { waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** The shared store as a runtime without kill pushes sees it (like SQLite: flags are polled). */
function withoutPush(store: MemoryStore): StateStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'subscribeKills') return undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as StateStore;
}

function gatedModel(first: () => never | Promise<never> | ReturnType<ModelAdapter['generate']>) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { calls: 0, inCall: false, release: () => release() };
  const model: ModelAdapter = {
    provider: 'test',
    model: 'gated',
    async generate() {
      if (++state.calls === 1) {
        state.inCall = true;
        await gate;
        return first();
      }
      return { message: { role: 'assistant', content: 'after' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
    },
  };
  return { model, state };
}

describe('red team 16f: kills racing a run\'s failure or pause in another runtime', () => {
  it('killAll set while a run fails survives the failed run clearing its own flag: its resume and new runs are killed', async () => {
    const shared = new MemoryStore();
    const { model, state } = gatedModel(() => {
      throw new ModelError('model_unavailable', 'upstream 503', { retryable: true, status: 503 });
    });
    const worker = createRuntime({ model, store: withoutPush(shared), killPollMs: 60_000 });
    const operator = createRuntime({ model, store: shared });
    const running = worker.run({ input: 'go', runId: 'raced-all' });
    await waitFor(() => state.inCall);
    await operator.kill('raced-all', 'this one');
    await operator.killAll('incident');
    state.release();
    const failed = await running;
    expect(failed.stopReason).toBe('error');
    expect(await shared.getKillFlag('raced-all')).toMatchObject({ scope: '*' });
    const resumed = await worker.resume('raced-all');
    expect(resumed.stopReason).toBe('killed');
    expect((await worker.run('another')).stopReason).toBe('killed');
    expect(state.calls).toBe(1);
  });

  it('a kill that raced a run which then pauses for approval stops the run: the approved call never runs', async () => {
    const shared = new MemoryStore();
    let executed = 0;
    const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), requiresApproval: true, sideEffects: 'non-idempotent', execute: () => (executed++, 'paid') });
    const { model, state } = gatedModel(async () => ({ message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'pay', args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }));
    const worker = createRuntime({ model, tools: [pay], store: withoutPush(shared), killPollMs: 60_000 });
    const operator = createRuntime({ model, tools: [pay], store: shared });
    const running = worker.run({ input: 'go', runId: 'raced-pause' });
    await waitFor(() => state.inCall);
    await operator.kill('raced-pause', 'stop the payment');
    state.release();
    const first = await running;
    if (first.status === "paused") {
      const resumed = await worker.resume('raced-pause', { approvals: { c1: { decision: 'approve' } } });
      expect(resumed.stopReason).toBe('killed');
    } else expect(first.stopReason).toBe('killed');
    expect(executed).toBe(0);
    expect((await shared.getRun('raced-pause'))?.result?.stopReason).toBe('killed');
  });
});
