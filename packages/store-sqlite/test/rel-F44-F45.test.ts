// RELIABILITY.md 5.1 F-44 / F-45 with the row's numbers, through a run's step commit: another
// process holds the SQLite write lock (BEGIN IMMEDIATE) while the run commits. busy_timeout is the
// default 5 s. F-44: held 2 s ⇒ the commit waits and succeeds, nothing surfaced. F-45: held 10 s ⇒
// store_busy after ~5 s, the step not committed, the run failed/error, no raw "database is locked".
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempStores } from './temp-stores.js';

const require = createRequire(import.meta.url);
const { fresh, open } = tempStores('agentrt-rel-f44-');
const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: ({ n }) => n });

/** Another process takes the write lock and keeps it `ms` (or until `release()`); resolves once it holds it. */
function holdWriteLock(path: string, ms: number): Promise<{ lockedAt: number; done: Promise<void>; release(): void }> {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked ' + Date.now() + '\\n');
    const release = () => { db.exec('COMMIT'); db.close(); process.exit(0); };
    process.stdin.once('data', release);
    setTimeout(release, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => undefined); // released after the holder let go by itself
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // When the lock was taken, by the holder's clock: the parent may hear of it late (a write of its own
  // may be blocked on the lock meanwhile: better-sqlite3 waits synchronously).
  return new Promise((resolve) => child.stdout.once('data', (data: Buffer) => resolve({ lockedAt: Number(/locked (\d+)/.exec(data.toString())![1]), done, release: () => void child.stdin.end('release\n') })));
}

describe('F-44 / F-45 SQLite busy during a step commit (busy_timeout 5 s, the default)', () => {
  it('F-44: the lock held 2 s: the commit waits and succeeds; the run completes with no error anywhere', async () => {
    const path = fresh();
    const store = open(path);
    let lock: ReturnType<typeof holdWriteLock> | undefined;
    const model = new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [echo], store, hooks: [{ afterTool: async () => { lock ??= holdWriteLock(path, 2_000); await lock; } }] });
    const result = await runtime.run('go');
    const { lockedAt, done } = await lock!;
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(1_900);
    await done;
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 2 });
    expect(result.error).toBeUndefined();
    const events = await store.listEvents(result.runId);
    expect(JSON.stringify(events)).not.toMatch(/store_busy|database is locked/);
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    expect(store.integrityCheck()).toBe('ok');
  }, 20_000);

  /** A run whose second step's commit meets the lock held `holdMs` by another process; busy_timeout stays the default 5 s. */
  async function lockedCommit(holdMs: number, busyTimeoutMs?: number) {
    const path = fresh();
    const store = busyTimeoutMs === undefined ? open(path) : new SqliteStore({ path, busyTimeoutMs });
    let lock: ReturnType<typeof holdWriteLock> | undefined;
    const model = new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.call('echo', { n: 2 }), ScriptedModel.answer('done')]);
    let armed = false;
    const runtime = createRuntime({
      model, tools: [echo], store, leaseTtlMs: 500,
      hooks: [{ onStepEnd: () => { armed = true; }, afterTool: async () => { if (armed) { lock ??= holdWriteLock(path, holdMs); await lock; } } }],
    });
    const result = await runtime.run('go');
    const held = await lock!;
    const waited = Date.now() - held.lockedAt;
    if (busyTimeoutMs !== undefined) await store.close();
    return { store, model, result, waited, held };
  }

  it('F-45: the lock held 10 s: store_busy; the step not committed; run failed/error; the raw driver text never leaks; resumable', async () => {
    const { store, model, result, waited, held } = await lockedCommit(10_000);
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'store_busy', retryable: true } });
    expect(waited).toBeGreaterThanOrEqual(4_800); // not before busy_timeout
    expect(JSON.stringify(result)).not.toContain('database is locked');
    held.release();
    await held.done;
    // Step 0 committed before the lock; step 1 not.
    expect((await store.loadSteps(result.runId)).map((step) => step.stepIndex)).toEqual([0]);
    expect(JSON.stringify(await store.listEvents(result.runId))).not.toContain('database is locked');
    expect(store.integrityCheck()).toBe('ok');
    const resumed = await createRuntime({ model, tools: [echo], store }).resume(result.runId, { waitForLeaseMs: 3_000 });
    expect(resumed).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect((await checkRunInvariants({ store, runId: result.runId, result: resumed })).violations).toEqual([]);
  }, 30_000);

  // FAILS (bug, fix belongs in packages/core/src/loop/drive-run.ts and runtime/agent-runtime.ts):
  // after the step commit gives up at busy_timeout (5 s), the runtime makes two more writes to the
  // same locked file before returning — finishRun (the terminal record) and releaseLease — and
  // each waits busy_timeout again, blocking the event loop (better-sqlite3 is synchronous). The
  // caller gets store_busy after 3 × busy_timeout (≈ 15 s with the default 5 s and a 30 s lock;
  // ≈ 10 s with the row's 10 s lock, when finishRun slips in as the lock goes), and result.error
  // names finishRun, not the commit that failed. RELIABILITY F-45 says "store_busy after ~5 s".
  // Shown here with busy_timeout 1 s (the multiplier is the point): ≈ 3 s instead of ≈ 1 s.
  it('F-45: the caller gets store_busy at ~busy_timeout, not after further busy waits for the terminal record and the lease release', async () => {
    const { result, waited, held } = await lockedCommit(10_000, 1_000);
    held.release();
    await held.done;
    expect(result).toMatchObject({ status: 'failed', error: { code: 'store_busy' } });
    expect(waited).toBeLessThan(1_800);
    expect(result.error?.message).not.toContain('finishRun');
  }, 40_000);
});
