import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkCrashRecovery, CRASH_POINTS, runCrashScenario, startEffectCounter, type CrashSpec, type EffectCounter } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const storeModule = new URL('./__fixtures__/crash-store.mjs', import.meta.url).href;
/** CI runs every crash point at two steps; `CRASH_ITERATIONS=200 pnpm test` adds that many random ones. */
const extra = Number(process.env.CRASH_ITERATIONS ?? 0);

describe('SqliteStore crash recovery (SIGKILL at CP1–CP8, resume in a new process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-crash-sqlite-'));
  const path = join(dir, 'runs.db');
  let counter: EffectCounter;
  let store: SqliteStore;
  beforeAll(async () => {
    counter = await startEffectCounter();
    store = new SqliteStore({ path });
  });
  afterAll(async () => {
    await store.close();
    await counter.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const specs: CrashSpec[] = [];
  for (const point of CRASH_POINTS) for (const step of point === 'CP8' ? [3] : [0, 2]) specs.push({ point, step, ...(point === 'CP4' ? { tool: step === 0 ? 'put' : 'charge' } : {}) });
  for (let i = 0; i < extra; i++) {
    const point = CRASH_POINTS[Math.floor(Math.random() * CRASH_POINTS.length)]!;
    specs.push({ point, step: Math.floor(Math.random() * 3), tool: (['charge', 'put', 'lookup'] as const)[Math.floor(Math.random() * 3)]! });
  }

  it(`recovers ${specs.length} crash-injected runs with no lost step and no duplicate effect`, async () => {
    const failures: string[] = [];
    let crashedCount = 0;
    for (const [i, crash] of specs.entries()) {
      const runId = `sqlite-crash-${i}-${crash.point}-${crash.step}`;
      const { crashed, resumed } = await runCrashScenario({ runId, storeModule, storeOptions: { path }, counterUrl: counter.url, leaseTtlMs: 300, crash });
      if (crashed.signal === 'SIGKILL') crashedCount++;
      else if (crashed.stderr) failures.push(`${runId}: first process failed: ${crashed.stderr.slice(0, 500)}`);
      if (resumed.stderr && !resumed.result) failures.push(`${runId}: resume failed: ${resumed.stderr.slice(0, 500)}`);
      failures.push(...(await checkCrashRecovery({ store, runId, result: resumed.result, counter })));
    }
    expect(failures).toEqual([]);
    expect(crashedCount).toBeGreaterThanOrEqual(specs.length - extra);
    expect(store.integrityCheck()).toBe('ok');
  }, 600_000);
});
