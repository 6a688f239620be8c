import { createRuntime, type StateStore } from '@agentrt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEffectCounter, type EffectCounter } from '../crash/effect-counter.js';
import { startCrashChild } from '../crash/harness.js';
import { approvalScenarioModel, slowScenarioModel, slowScenarioTools } from '../crash/scenario.js';
import { checkRunInvariants } from '../invariants.js';
import { ScriptedModel } from '../scripted-model.js';

/** Options of `describeCrossProcess`. */
export interface CrossProcessSuiteOptions {
  readonly name: string;
  /** File URL of a module exporting `createStore(options): StateStore` (loaded by child processes, built code). */
  readonly storeModule: string;
  readonly storeOptions: unknown;
  /** Opens another connection/handle to the same storage, in this process. */
  createStore(): StateStore | Promise<StateStore>;
}

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * Kill, incident stop, approvals and idempotency between processes that share one durable
 * store: a child process drives the run, this process intervenes through its own runtime.
 */
export function describeCrossProcess(options: CrossProcessSuiteOptions): void {
  describe(`cross-process: ${options.name}`, () => {
    let counter: EffectCounter;
    let store: StateStore;
    beforeAll(async () => {
      counter = await startEffectCounter();
      store = await options.createStore();
    });
    afterAll(async () => {
      await store.close?.();
      await counter.close();
    });
    const base = () => ({ storeModule: options.storeModule, storeOptions: options.storeOptions, counterUrl: counter.url, leaseTtlMs: 2_000 });

    it('kill from another process stops the run before its next model or tool call', async () => {
      const runId = `xp-kill-${Date.now()}`;
      const child = startCrashChild({ ...base(), mode: 'start', runId, scenario: 'slow' });
      await waitFor(async () => ((await store.getRun(runId))?.stepCount ?? 0) >= 2, 15_000);
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      const killedAt = Date.now();
      await operator.kill(runId, 'stopped by the operator');
      const outcome = await child.exited;
      const latency = Date.now() - killedAt;
      expect(outcome.result).toMatchObject({ stopReason: 'killed', stopDetail: 'stopped by the operator', status: 'stopped' });
      expect(latency).toBeLessThan(2_000);
      const record = await store.getRun(runId);
      expect(record?.result?.stopReason).toBe('killed');
      const events = await store.listEvents(runId);
      const killIndex = events.findIndex((event) => event.type === 'run_killed');
      expect(events.slice(killIndex).some((event) => event.type === 'model_request' || event.type === 'tool_started')).toBe(false);
      expect((await checkRunInvariants({ store, runId, result: outcome.result! })).violations).toEqual([]);
    });

    it('killAll from another process stops the run and refuses new runs until clearKill', async () => {
      const runId = `xp-killall-${Date.now()}`;
      const child = startCrashChild({ ...base(), mode: 'start', runId, scenario: 'slow' });
      await waitFor(async () => ((await store.getRun(runId))?.stepCount ?? 0) >= 1, 15_000);
      const operator = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store });
      await operator.killAll('incident');
      try {
        expect((await child.exited).result?.stopReason).toBe('killed');
        expect((await operator.run('new work')).stopReason).toBe('killed');
      } finally {
        await operator.clearKill();
      }
      expect((await operator.run('after the incident')).stopReason).toBe('final_answer');
    });

    it('a run paused for approval in one process is approved and finished in another', async () => {
      const runId = `xp-approval-${Date.now()}`;
      const paused = await startCrashChild({ ...base(), mode: 'start', runId, scenario: 'approval' }).exited;
      expect(paused.result).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval', pendingApprovals: [{ toolCallId: 'tx-1', tool: 'transfer' }] });
      expect(counter.attempts.get(`${runId}:tx-1`)).toBeUndefined();
      const approver = createRuntime({ model: approvalScenarioModel(), tools: slowScenarioTools(counter.url), store });
      const done = await approver.resume(runId, { approvals: { 'tx-1': { decision: 'approve' } }, waitForLeaseMs: 5_000 });
      expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
      expect(counter.attempts.get(`${runId}:tx-1`)).toBe(1);
      expect((await checkRunInvariants({ store, runId, result: done })).violations).toEqual([]);
    });

    it('concurrent submissions with one idempotency key through separate connections make one run', async () => {
      const key = `xp-idem-${Date.now()}`;
      const stores = await Promise.all([options.createStore(), options.createStore()]);
      try {
        const model = new ScriptedModel([{ text: 'one answer', delayMs: 30 }]);
        const runtimes = stores.map((s) => createRuntime({ model, store: s }));
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => runtimes[i % 2]!.run({ input: 'same input', idempotencyKey: key })));
        expect(new Set(results.map((r) => r.runId)).size).toBe(1);
        expect(model.calls).toBe(1);
        await expect(runtimes[0]!.run({ input: 'other input', idempotencyKey: key })).rejects.toMatchObject({ code: 'idempotency_conflict' });
      } finally {
        await Promise.all(stores.map((s) => s.close?.()));
      }
    });

    it('resume detects a changed tool set (resume_mismatch) and an unknown run (run_not_found)', async () => {
      const runId = `xp-mismatch-${Date.now()}`;
      const paused = await startCrashChild({ ...base(), mode: 'start', runId, scenario: 'approval' }).exited;
      expect(paused.result?.stopReason).toBe('awaiting_approval');
      const other = createRuntime({ model: approvalScenarioModel(), tools: slowScenarioTools(counter.url).slice(0, 1), store });
      await expect(other.resume(runId)).rejects.toMatchObject({ code: 'resume_mismatch' });
      await expect(other.resume('no-such-run')).rejects.toMatchObject({ code: 'run_not_found' });
    });
  });
}
