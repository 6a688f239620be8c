import type { StateStore } from '@agentrt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEffectCounter, type EffectCounter } from '../crash/effect-counter.js';
import { CRASH_POINTS, runCrashChild, runCrashScenario, type CrashSpec } from '../crash/harness.js';
import { checkCrashRecovery } from '../crash/verify.js';

/** Options of `describeCrashRecovery`. */
export interface CrashRecoverySuiteOptions {
  readonly name: string;
  /** File URL of a module exporting `createStore(options): StateStore` (loaded by child processes, built code). */
  readonly storeModule: string;
  readonly storeOptions: unknown;
  /** Opens the same storage in this process, to check the runs afterwards. */
  createStore(): StateStore | Promise<StateStore>;
  /** Runs ids are prefixed with this (default: the name). */
  readonly runIdPrefix?: string;
}

/** The stored transcript of a run (input plus every committed step's messages) as JSON text. */
async function transcript(store: StateStore, runId: string): Promise<string> {
  const run = await store.getRun(runId);
  const steps = await store.loadSteps(runId);
  return JSON.stringify([...(run?.input ?? []), ...steps.flatMap((step) => step.messages)]);
}

/**
 * The crash harness as a suite: every crash point CP1–CP8 at two steps, each run SIGKILLed in
 * a child process and resumed in a fresh one, then checked for invariants and duplicate
 * effects. Then the same for a run holding content parts (an input image, a tool returning an
 * image, signed reasoning on every turn) at each crash point, whose resumed transcript must be
 * byte-identical to an uncrashed run's. `CRASH_ITERATIONS=N` adds N crashes at random points
 * (the on-demand long run).
 */
export function describeCrashRecovery(options: CrashRecoverySuiteOptions): void {
  const extra = Number(process.env.CRASH_ITERATIONS ?? 0);
  const specs: CrashSpec[] = [];
  for (const point of CRASH_POINTS) for (const step of point === 'CP8' ? [3] : [0, 2]) specs.push({ point, step, ...(point === 'CP4' ? { tool: step === 0 ? 'put' : 'charge' } : {}) });
  for (let i = 0; i < extra; i++) {
    const point = CRASH_POINTS[Math.floor(Math.random() * CRASH_POINTS.length)]!;
    specs.push({ point, step: Math.floor(Math.random() * 3), tool: (['charge', 'put', 'lookup'] as const)[Math.floor(Math.random() * 3)]! });
  }

  describe(`crash recovery: ${options.name} (SIGKILL at CP1–CP8, resume in a new process)`, () => {
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

    it(`recovers ${specs.length} crash-injected runs with no lost step and no duplicate effect`, async () => {
      const failures: string[] = [];
      let crashedCount = 0;
      const prefix = options.runIdPrefix ?? options.name.replace(/[^A-Za-z0-9._:-]/g, '-');
      for (const [i, crash] of specs.entries()) {
        const runId = `${prefix}-crash-${i}-${crash.point}-${crash.step}`;
        const { crashed, resumed } = await runCrashScenario({ runId, storeModule: options.storeModule, storeOptions: options.storeOptions, counterUrl: counter.url, leaseTtlMs: 300, crash });
        if (crashed.signal === 'SIGKILL') crashedCount++;
        else if (crashed.stderr) failures.push(`${runId}: first process failed: ${crashed.stderr.slice(0, 500)}`);
        if (resumed.stderr && !resumed.result) failures.push(`${runId}: resume failed: ${resumed.stderr.slice(0, 500)}`);
        failures.push(...(await checkCrashRecovery({ store, runId, result: resumed.result, counter })));
      }
      expect(failures).toEqual([]);
      expect(crashedCount).toBeGreaterThanOrEqual(specs.length - extra);
    }, 600_000);

    it('recovers runs holding images and reasoning at CP1–CP8 with a byte-identical transcript', async () => {
      const prefix = `${options.runIdPrefix ?? options.name.replace(/[^A-Za-z0-9._:-]/g, '-')}-media`;
      const common = { storeModule: options.storeModule, storeOptions: options.storeOptions, counterUrl: counter.url, leaseTtlMs: 300, scenario: 'media' as const };
      const reference = await runCrashChild({ ...common, runId: `${prefix}-reference`, mode: 'start' });
      expect(reference.stderr).toBe('');
      expect(reference.result?.stopReason).toBe('final_answer');
      const expected = await transcript(store, `${prefix}-reference`);
      expect(expected).toContain('"type":"image"');
      // CP4 where re-running is clean (the idempotent `put` alone in step 1); every other point at step 0, CP8 at the end.
      const mediaSpecs: CrashSpec[] = CRASH_POINTS.map((point) => (point === 'CP4' ? { point, step: 1, tool: 'put' } : { point, step: point === 'CP8' ? 3 : 0 }));
      const failures: string[] = [];
      for (const crash of mediaSpecs) {
        const runId = `${prefix}-${crash.point}`;
        const { crashed, resumed } = await runCrashScenario({ ...common, runId, crash });
        if (crashed.signal !== 'SIGKILL') failures.push(`${runId}: the first process did not crash (${crashed.stderr.slice(0, 300)})`);
        if (resumed.stderr && !resumed.result) failures.push(`${runId}: resume failed: ${resumed.stderr.slice(0, 500)}`);
        failures.push(...(await checkCrashRecovery({ store, runId, result: resumed.result, counter })));
        if ((await transcript(store, runId)) !== expected) failures.push(`${runId}: the resumed transcript differs from the uncrashed run's`);
      }
      expect(failures).toEqual([]);
    }, 600_000);
  });
}
