import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'agentrt-sqlite-fault-')), 'runs.db');
const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: ({ n }) => n });

/**
 * Another process holds the write lock (BEGIN IMMEDIATE) until `release()` is called, or for `ms`
 * when given. Resolves once the lock is held; `done` resolves with the time (ms since epoch) the
 * holder released it, once it has exited.
 */
function holdWriteLock(path: string, ms?: number): Promise<{ done: Promise<number>; release(): void }> {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    const release = () => { const at = Date.now(); db.exec('COMMIT'); db.close(); process.stdout.write('released ' + at + '\\n'); process.exit(0); };
    ${ms === undefined ? "process.stdin.once('data', release);" : `setTimeout(release, ${ms});`}`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const done = new Promise<number>((resolve) => child.on('close', () => resolve(Number(/released (\d+)/.exec(out)?.[1] ?? NaN))));
  const release = () => void child.stdin.end('release\n');
  return new Promise((resolve) => child.stdout.once('data', () => resolve({ done, release })));
}

import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);

describe('SqliteStore under faults', () => {
  it('waits out a short lock held by another process and commits (F-44)', async () => {
    const path = fresh();
    const store = new SqliteStore({ path, busyTimeoutMs: 5_000 });
    const run = await store.createRun({ runId: 'busy-short', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
    const lock = await holdWriteLock(path, 1_000);
    await store.setKillFlag({ scope: run.run.runId, reason: 'test', at: new Date().toISOString() });
    const written = Date.now();
    // The write waited for the other process to let go (it commits only after the release).
    expect(written).toBeGreaterThanOrEqual(await lock.done);
    expect((await store.getKillFlag('busy-short'))?.reason).toBe('test');
    await store.close();
  });

  it('fails a write with store_busy after busy_timeout, committing nothing; the raw driver error never leaks (F-45)', async () => {
    const path = fresh();
    const store = new SqliteStore({ path, busyTimeoutMs: 300 });
    await store.createRun({ runId: 'busy-long', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
    const lock = await holdWriteLock(path);
    const error = await store.commitStep({
      runId: 'busy-long',
      step: { runId: 'busy-long', stepIndex: 0, messages: [{ role: 'assistant', content: 'a' }], usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, toolCalls: 0, finishReason: 'stop', startedAt: '', endedAt: '' },
      events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'store_busy', retryable: true });
    expect((error as Error).message).not.toContain('database is locked');
    lock.release();
    await lock.done;
    expect(await store.loadSteps('busy-long')).toEqual([]);
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
  });

  it('a run whose commit hits a long lock ends with error store_busy and resumes cleanly later', async () => {
    const path = fresh();
    const store = new SqliteStore({ path, busyTimeoutMs: 200 });
    let lock: ReturnType<typeof holdWriteLock> | undefined;
    const model = new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.call('echo', { n: 2 }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [echo], store, leaseTtlMs: 500, hooks: [{ afterTool: () => { lock ??= holdWriteLock(path); return lock.then(() => undefined); } }] });
    const failed = await runtime.run({ input: 'go', runId: 'locked-run' });
    expect(failed).toMatchObject({ stopReason: 'error', error: { code: 'store_busy', retryable: true } });
    (await lock!).release();
    await (await lock!).done;
    // The failed owner could not record its failure or release its lease while the file was locked:
    // the run is still resumable once the lease lapses.
    const again = createRuntime({ model, tools: [echo], store });
    const done = await again.resume('locked-run', { waitForLeaseMs: 3_000 });
    expect(done.stopReason).toBe('final_answer');
    await assertRunInvariants({ store, runId: 'locked-run', result: done });
    await store.close();
  });

  it('refuses a database written by a newer schema (schema_unsupported), never resetting it', async () => {
    const path = fresh();
    new SqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare("UPDATE agentrt_meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(expect.objectContaining({ code: 'schema_unsupported' }));
  });

  it('reports a corrupt stored row as state_corrupt and a newer row format as schema_unsupported (B-55)', async () => {
    const path = fresh();
    const store = new SqliteStore({ path });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.answer('ok')]), tools: [echo], store });
    const result = await runtime.run({ input: 'go', runId: 'to-corrupt' });
    const db = new Database(path);
    // Schema 5 keeps a run's steps in agentrt_step_log (key: run_no * 2^32 + step index), a step's
    // events in its row; the run's last events (run_finished) are rows of their own.
    const key = "(SELECT run_no FROM agentrt_runs WHERE run_id = 'to-corrupt') * 4294967296 + ?";
    expect(db.prepare(`UPDATE agentrt_step_log SET data = '{"v":1,"stepIndex":' WHERE key = ${key}`).run(0).changes).toBe(1);
    expect(db.prepare(`UPDATE agentrt_step_log SET events = '{"v":7,"events":[]}' WHERE key = ${key}`).run(1).changes).toBe(1);
    db.prepare("UPDATE agentrt_runs SET result = '{\"v\":1,\"__proto__\":{\"polluted\":true},\"stopReason\":\"final_answer\"}' WHERE run_id = 'to-corrupt'").run();
    db.close();
    await expect(store.loadSteps('to-corrupt')).rejects.toMatchObject({ code: 'state_corrupt' });
    await expect(store.listEvents('to-corrupt')).rejects.toMatchObject({ code: 'schema_unsupported' });
    expect((await store.getRun('to-corrupt'))?.result?.stopReason).toBe('final_answer');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.stopReason).toBe('final_answer');
    await store.close();
  });

  it('keeps bytes written per step flat: steps are appended, never rewritten', async () => {
    const path = fresh();
    const store = new SqliteStore({ path, synchronous: 'normal' });
    const runtime = createRuntime({ model: new ScriptedModel([(_, i) => ScriptedModel.call('echo', { n: i })], { whenExhausted: 'cycle' }), tools: [echo], store, limits: { maxSteps: 400, maxToolCalls: 400 }, loopDetection: false });
    const sizes: number[] = [];
    const result = await runtime.run({ input: 'go', runId: 'growth', metadata: {} });
    expect(result.steps).toBe(400);
    const db = new Database(path, { readonly: true });
    for (const index of [10, 100, 399]) sizes.push((db.prepare("SELECT length(data) AS n FROM agentrt_step_log WHERE key = (SELECT run_no FROM agentrt_runs WHERE run_id = 'growth') * 4294967296 + ?").get(index) as { n: number }).n);
    db.close();
    const spread = Math.max(...sizes) / Math.min(...sizes);
    expect(spread).toBeLessThan(1.2);
    await store.close();
  });
});
