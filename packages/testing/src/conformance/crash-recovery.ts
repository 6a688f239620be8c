import type { StateStore } from '@agentrt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEffectCounter, type EffectCounter } from '../crash/effect-counter.js';
import { CRASH_POINTS, runCrashScenario, type CrashSpec } from '../crash/harness.js';
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

/**
 * The crash harness as a suite: every crash point CP1–CP8 at two steps, each run SIGKILLed in
 * a child process and resumed in a fresh one, then checked for invariants and duplicate
 * effects. `CRASH_ITERATIONS=N` adds N crashes at random points (the on-demand long run).
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
  });
}
