import { createRuntime, type StateStore } from '@agentrt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEffectCounter, type EffectCounter } from '../crash/effect-counter.js';
import { startCrashChild } from '../crash/harness.js';
import { approvalScenarioModel, HOLD_CALL_ID, HOLD_MS, slowScenarioTools } from '../crash/scenario.js';
import { checkRunInvariants } from '../invariants.js';
import { ScriptedModel } from '../scripted-model.js';
import { waitFor } from '../wait-for.js';

/** Options of `describeCrossProcess`. */
export interface CrossProcessSuiteOptions {
  readonly name: string;
  /** File URL of a module exporting `createStore(options): StateStore` (loaded by child processes, built code). */
  readonly storeModule: string;
  readonly storeOptions: unknown;
  /** Opens another connection/handle to the same storage, in this process. */
  createStore(): StateStore | Promise<StateStore>;
  /** `killPollMs` of the child runtimes (default: the runtime's, 250 ms). Matters only for stores without `subscribeKills`. */
  readonly killPollMs?: number;
  /** Called with each measured kill latency (kill requested here → the tool's signal aborted in the child), e.g. to print or collect it. Default: printed with `console.info`. */
  onKillLatency?(measure: { readonly case: 'kill' | 'killAll'; readonly ms: number }): void;
}

/**
 * Kill, incident stop, approvals and idempotency between processes that share one durable
 * store: a child process drives the run, this process intervenes through its own runtime. A run
 * finished in one process cannot be finished again (overwritten) from another, and two
 * connections resuming one paused run at once drive it once (one lease owner).
 *
 * The kill cases hold every store to the kill-delivery guarantee of `StateStore`: a kill or
 * `killAll` set here aborts the signal of a tool already running in the child — at once for a
 * store that pushes (`subscribeKills`), within `killPollMs` for one that is polled — and the run
 * is recorded `killed` long before the tool's own 10 s are up.
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
    const base = () => ({
      storeModule: options.storeModule, storeOptions: options.storeOptions, counterUrl: counter.url, leaseTtlMs: 2_000,
      ...(options.killPollMs !== undefined ? { killPollMs: options.killPollMs } : {}),
    });
    const report = (measure: { case: 'kill' | 'killAll'; ms: number }) => {
      if (options.onKillLatency) options.onKillLatency(measure);
      else console.info(`[cross-process: ${options.name}] ${measure.case} reached the tool in flight in another process in ${Math.round(measure.ms)} ms`);
    };

    /** Starts the `hold` scenario in a child and waits until its tool is in flight. */
    const startHolding = async (runId: string) => {
      const child = startCrashChild({ ...base(), mode: 'start', runId, scenario: 'hold' });
      const key = `${runId}:${HOLD_CALL_ID}`;
      await waitFor(() => counter.attempts.get(`${key}:started`) || child.settled, { timeoutMs: 20_000, message: 'the tool in the child process started' });
      expect(counter.attempts.get(`${key}:started`), 'the child ended before its tool started').toBe(1);
      return { child, key };
    };

    /** After a kill: the child's tool signal aborted (not its 10 s run out), the run recorded `killed`. */
    const expectHoldKilled = async (runId: string, held: Awaited<ReturnType<typeof startHolding>>, killedAt: number, reason: string) => {
      await waitFor(() => counter.attempts.get(`${held.key}:aborted`), { timeoutMs: HOLD_MS, intervalMs: 5, message: "the tool's signal in the child aborted" });
      const latency = performance.now() - killedAt;
      const outcome = await held.child.exited;
      expect(outcome.result, outcome.stderr).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: reason, steps: 1 });
      expect(latency).toBeLessThan(HOLD_MS);
      expect(counter.attempts.get(`${held.key}:finished`)).toBeUndefined();
      const record = await store.getRun(runId);
      expect(record?.result?.stopReason).toBe('killed');
      const [step] = await store.loadSteps(runId);
      expect(step?.messages[1]).toMatchObject({ role: 'tool', toolCallId: HOLD_CALL_ID, code: 'tool_cancelled' });
      expect((await checkRunInvariants({ store, runId, result: outcome.result! })).violations).toEqual([]);
      return latency;
    };

    it('kill from another process aborts a tool in flight there and records killed, well within the tool\'s time', async () => {
      const runId = `xp-inflight-${Date.now()}`;
      const held = await startHolding(runId);
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      const killedAt = performance.now();
      await operator.kill(runId, 'stop the tool');
      const latency = await expectHoldKilled(runId, held, killedAt, 'stop the tool');
      expect((await store.listEvents(runId)).filter((event) => event.type === 'run_killed')).toMatchObject([{ scope: 'run', reason: 'stop the tool' }]);
      report({ case: 'kill', ms: latency });
    });

    it('killAll from another process aborts a tool in flight there and records killed', async () => {
      const runId = `xp-inflight-all-${Date.now()}`;
      const held = await startHolding(runId);
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      const killedAt = performance.now();
      await operator.killAll('incident in flight');
      try {
        const latency = await expectHoldKilled(runId, held, killedAt, 'incident in flight');
        expect((await store.listEvents(runId)).filter((event) => event.type === 'run_killed')).toMatchObject([{ scope: 'all', reason: 'incident in flight' }]);
        report({ case: 'killAll', ms: latency });
      } finally {
        await operator.clearKill();
      }
    });

    it('kill from another process stops the run before its next model or tool call', async () => {
      const runId = `xp-kill-${Date.now()}`;
      const child = startCrashChild({ ...base(), mode: 'start', runId, scenario: 'slow' });
      await waitFor(async () => ((await store.getRun(runId))?.stepCount ?? 0) >= 2, { timeoutMs: 15_000, message: 'two committed steps' });
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      const killedAt = Date.now();
      await operator.kill(runId, 'stopped by the operator');
      const outcome = await child.exited;
      expect(outcome.result).toMatchObject({ stopReason: 'killed', stopDetail: 'stopped by the operator', status: 'stopped' });
      // Measured to the recorded stop (not the child's exit); unkilled, the run would go on for 200 steps of 150 ms.
      expect(Date.parse(outcome.result!.endedAt) - killedAt).toBeLessThan(5_000);
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
      await waitFor(async () => ((await store.getRun(runId))?.stepCount ?? 0) >= 1, { timeoutMs: 15_000, message: 'a committed step' });
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
      // A late finish from another process (one that still thinks the run is its own: a kill racing
      // the approval) must not overwrite the recorded end: refused, or a no-op.
      const record = await store.getRun(runId);
      const late = { ...done, status: 'stopped' as const, stopReason: 'killed' as const, stopDetail: 'a late kill' };
      await store.finishRun({ runId, result: late, events: [{ type: 'run_finished', runId, seq: (record?.lastEventSeq ?? 0) + 1, at: new Date().toISOString(), result: late } as never] }).catch(() => undefined);
      expect((await store.getRun(runId))?.result, 'a finished run was finished again').toEqual(record?.result);
    });

    it('two connections resuming one paused run at once: one lease, one drive — the approved call runs once', async () => {
      const runId = `xp-two-resumers-${process.pid}-${Date.now()}`;
      const paused = await startCrashChild({ ...base(), mode: 'start', runId, scenario: 'approval' }).exited;
      expect(paused.result?.stopReason, paused.stderr).toBe('awaiting_approval');
      const stores = await Promise.all([options.createStore(), options.createStore()]);
      try {
        const settled = await Promise.allSettled(stores.map((s) => createRuntime({ model: approvalScenarioModel(), tools: slowScenarioTools(counter.url), store: s })
          .resume(runId, { approvals: { 'tx-1': { decision: 'approve' } } })));
        // A lease granted to both (a check, then a write) shows as a second transfer or as the loser's lease_lost.
        expect(counter.attempts.get(`${runId}:tx-1`)).toBe(1);
        const done = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
        expect(done.length).toBeGreaterThan(0);
        for (const result of done) expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
        for (const outcome of settled) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'run_conflict' });
        expect((await checkRunInvariants({ store, runId, result: done[0]! })).violations).toEqual([]);
      } finally {
        await Promise.all(stores.map((s) => s.close?.()));
      }
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
