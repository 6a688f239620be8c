import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, encodeStored, KILL_ALL_SCOPE, type PendingStep, type StoredRunEvent } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants, ScriptedModel, storeRecords } from '@agentrt/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

const dir = mkdtempSync(join(tmpdir(), 'agentrt-sqlite-durable-'));
let n = 0;
const fresh = () => join(dir, `d-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const now = () => new Date().toISOString();
const { run: newRun, step, toolResult: result, usage } = storeRecords;
const events = (from: number, count: number, stepIndex: number): StoredRunEvent[] =>
  Array.from({ length: count }, (_, i) => ({ seq: from + i, at: now(), runId: 'r', type: 'tool_log', stepIndex, toolCallId: 'c', name: 'put', level: 'info', message: `e${from + i}` }) as unknown as StoredRunEvent);

describe('SqliteStore durable path (schema 4 and 5)', () => {
  it('sees a kill flag set or cleared through another connection on the next read after a cached one', async () => {
    const path = fresh();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    expect(await a.getKillFlag('r1')).toBeUndefined();
    expect(await a.getKillFlag('r1')).toBeUndefined(); // answered from the cache
    await b.setKillFlag({ scope: 'r1', reason: 'stop from b', at: now() });
    expect((await a.getKillFlag('r1'))?.reason).toBe('stop from b');
    await b.setKillFlag({ scope: KILL_ALL_SCOPE, reason: 'incident', at: now() });
    expect((await a.getKillFlag('r2'))?.reason).toBe('incident');
    await b.clearKillFlag();
    await b.clearKillFlag('r1');
    expect(await a.getKillFlag('r1')).toBeUndefined();
    expect(await a.getKillFlag('r2')).toBeUndefined();
    // Its own writes invalidate the cache too.
    await a.setKillFlag({ scope: 'r2', reason: 'stop from a', at: now() });
    expect((await a.getKillFlag('r2'))?.reason).toBe('stop from a');
    expect((await b.getKillFlag('r2'))?.reason).toBe('stop from a');
    await Promise.all([a.close(), b.close()]);
  });

  it('answers the kill check after a step write from that write only in the same turn, with no write by any store of this process in between', async () => {
    const path = fresh();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.createRun(newRun('r'));
    // A connection of another process, as far as this process can tell (not a SqliteStore here).
    const raw = new Database(path);
    const rawKill = (reason: string) => raw.prepare('INSERT INTO agentrt_kill_flags (scope, reason, at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason').run('r', reason, now());
    const decision = (stepIndex: number): PendingStep => ({ stepIndex, message: { role: 'assistant', content: '', toolCalls: [{ id: `c${stepIndex}`, name: 'put', args: {} }] }, usage, finishReason: 'tool_calls', startedAt: now() });
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    // Another store of this process sets the flag after the write: seen (its write counts).
    await a.saveDecision({ runId: 'r', decision: decision(0) });
    await b.setKillFlag({ scope: 'r', reason: 'from b', at: now() });
    expect((await a.getKillFlag('r'))?.reason).toBe('from b');
    await b.clearKillFlag('r');
    expect(await a.getKillFlag('r')).toBeUndefined();

    // Another process commits in a later turn (I/O could have told this process): read, seen.
    await a.commitStep({ runId: 'r', step: step('r', 0, 'c0'), events: [], usageDelta: usage });
    rawKill('later turn');
    await turn();
    expect((await a.getKillFlag('r'))?.reason).toBe('later turn');
    raw.prepare('DELETE FROM agentrt_kill_flags').run();

    // …or while this thread was blocked for more than 1 ms (a hook's execSync): read, seen.
    await a.saveDecision({ runId: 'r', decision: decision(1) });
    const until = performance.now() + 2;
    while (performance.now() < until) { /* blocked */ }
    rawKill('blocked');
    expect((await a.getKillFlag('r'))?.reason).toBe('blocked');
    raw.prepare('DELETE FROM agentrt_kill_flags').run();

    // A flag already set when the write ran is in its answer.
    rawKill('before the write');
    await turn();
    await a.commitStep({ runId: 'r', step: step('r', 1, 'c1'), events: [], usageDelta: usage });
    expect((await a.getKillFlag('r'))?.reason).toBe('before the write');
    // One answer serves one check: the next reads (and still sees it).
    raw.prepare('DELETE FROM agentrt_kill_flags').run();
    expect(await a.getKillFlag('r')).toBeUndefined();
    raw.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('writes an idempotent result with the step commit, visible to another connection once committed', async () => {
    const path = fresh();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.createRun(newRun('r'));
    await a.recordToolResult(result('r', 'c0', 0, 'idempotent'));
    expect(await b.getToolLedger('r')).toEqual([]); // not written yet: a crash now re-runs the call with the same key
    await a.commitStep({ runId: 'r', step: step('r', 0, 'c0'), events: events(1, 3, 0), usageDelta: usage });
    expect((await b.getToolLedger('r')).map((e) => [e.toolCallId, e.status, e.result?.content])).toEqual([['c0', 'completed', 'put 0']]);
    expect((await b.getToolLedger('r', { stepIndex: 0 }))).toHaveLength(1);
    expect(await b.getToolLedger('r', { stepIndex: 1 })).toEqual([]);
    // A non-idempotent result is written at once.
    await a.recordToolIntent({ runId: 'r', toolCallId: 'p1', stepIndex: 1, name: 'pay', argsFingerprint: 'fp', sideEffects: 'non-idempotent', startedAt: now() });
    await a.recordToolResult(result('r', 'p1', 1, 'non-idempotent'));
    expect((await b.getToolLedger('r', { stepIndex: 1 })).map((e) => e.status)).toEqual(['completed']);
    await Promise.all([a.close(), b.close()]);
  });

  it('reads its own deferred results, never overwrites a completed one, and writes them ahead of any other write of the run', async () => {
    const path = fresh();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.createRun(newRun('r'));
    await a.recordToolResult(result('r', 'c0', 0, 'none'));
    await a.recordToolResult({ ...result('r', 'c0', 0, 'none'), result: { role: 'tool', toolCallId: 'c0', name: 'put', content: 'second' } });
    expect((await a.getToolLedger('r')).map((e) => e.result?.content)).toEqual(['put 0']);
    await a.recordToolResult(result('r', 'c1', 0, 'idempotent'));
    await a.appendEvents('r', events(1, 1, 0));
    expect((await b.getToolLedger('r')).map((e) => e.toolCallId)).toEqual(['c0', 'c1']);
    await a.recordToolResult(result('r', 'c2', 0, 'idempotent'));
    await a.close(); // close writes what is left
    expect((await b.getToolLedger('r')).map((e) => e.toolCallId)).toEqual(['c0', 'c1', 'c2']);
    await b.close();
  });

  it('drops deferred results whose lease was lost instead of writing them (fencing)', async () => {
    const path = fresh();
    const a = new SqliteStore({ path });
    await a.createRun(newRun('r'));
    const lease = (await a.acquireLease({ runId: 'r', owner: 'w1', ttlMs: 1 }))!;
    await a.recordToolResult(result('r', 'c0', 0, 'idempotent'), { lease });
    await expect.poll(async () => (await a.acquireLease({ runId: 'r', owner: 'w2', ttlMs: 60_000 }))?.owner).toBe('w2');
    await expect(a.commitStep({ runId: 'r', step: step('r', 0, 'c0'), events: [], usageDelta: usage, lease })).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await a.getToolLedger('r')).toEqual([]);
    await a.close();
  });

  it('checks each step write against the run as another connection left it, though this connection keeps its own last head (schema 5)', async () => {
    const path = fresh();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.createRun(newRun('r'));
    const decision = (stepIndex: number, callId: string): PendingStep => ({ stepIndex, message: { role: 'assistant', content: '', toolCalls: [{ id: callId, name: 'put', args: {} }] }, usage, finishReason: 'tool_calls', startedAt: now() });
    const first = (await a.acquireLease({ runId: 'r', owner: 'a', ttlMs: 1 }))!;
    await a.saveDecision({ runId: 'r', decision: decision(0, 'c0'), lease: first });
    await a.commitStep({ runId: 'r', step: step('r', 0, 'c0'), events: events(1, 2, 0), usageDelta: usage, lease: first });
    // b takes the run over once a's lease has expired, and commits a step of its own.
    await expect.poll(async () => (await b.acquireLease({ runId: 'r', owner: 'b', ttlMs: 60_000 }))?.owner).toBe('b');
    const second = (await b.getRun('r'))!;
    expect(second).toMatchObject({ stepCount: 1, lastEventSeq: 2, toolCalls: 1, usage: { inputTokens: 1 } });
    const lease = { runId: 'r', owner: 'b', epoch: first.epoch + 1, expiresAt: Date.now() + 60_000 };
    await b.saveDecision({ runId: 'r', decision: decision(1, 'c1'), lease });
    expect((await a.getRun('r'))?.pendingStep?.stepIndex).toBe(1);
    await b.commitStep({ runId: 'r', step: step('r', 1, 'c1'), events: events(3, 1, 1), usageDelta: usage, lease });
    // a's writes under its old lease are fenced; without a lease, its step index and event seq are checked against b's commit.
    await expect(a.saveDecision({ runId: 'r', decision: decision(1, 'c1'), lease: first })).rejects.toMatchObject({ code: 'lease_lost' });
    await expect(a.commitStep({ runId: 'r', step: step('r', 1, 'c1'), events: events(3, 1, 1), usageDelta: usage, lease: first })).rejects.toMatchObject({ code: 'lease_lost' });
    await expect(a.commitStep({ runId: 'r', step: step('r', 1, 'c1'), events: events(3, 1, 1), usageDelta: usage })).rejects.toMatchObject({ code: 'run_conflict' });
    await expect(a.commitStep({ runId: 'r', step: step('r', 2, 'c2'), events: events(3, 1, 2), usageDelta: usage })).rejects.toMatchObject({ code: 'run_conflict' });
    await a.commitStep({ runId: 'r', step: step('r', 2, 'c2'), events: events(4, 1, 2), usageDelta: usage });
    for (const store of [a, b]) {
      const run = (await store.getRun('r'))!;
      expect(run).toMatchObject({ stepCount: 3, lastEventSeq: 4, toolCalls: 3, usage: { inputTokens: 3, outputTokens: 3 } });
      expect(run.pendingStep).toBeUndefined();
      expect((await store.loadSteps('r')).map((s) => s.stepIndex)).toEqual([0, 1, 2]);
      expect((await store.listEvents('r')).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    }
    await Promise.all([a.close(), b.close()]);
  });

  it('pages through events kept in step rows and in rows of their own: contiguous, any afterSeq and limit', async () => {
    const store = new SqliteStore({ path: fresh() });
    await store.createRun(newRun('r'));
    let seq = 1;
    await store.appendEvents('r', events(seq, 2, 0));
    seq += 2;
    for (let i = 0; i < 12; i++) {
      const count = i % 3; // steps with 0, 1 and 2 events
      await store.commitStep({ runId: 'r', step: step('r', i, `c${i}`), events: events(seq, count, i), usageDelta: usage });
      seq += count;
      if (i % 4 === 0) {
        await store.appendEvents('r', events(seq, 1, i));
        seq += 1;
      }
    }
    const all = await store.listEvents('r');
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: seq - 1 }, (_, i) => i + 1));
    expect((await store.getRun('r'))?.lastEventSeq).toBe(seq - 1);
    for (let after = 0; after <= all.length; after++) {
      for (const limit of [1, 2, 5]) expect(await store.listEvents('r', { afterSeq: after, limit })).toEqual(all.slice(after, after + limit));
      expect(await store.listEvents('r', { afterSeq: after })).toEqual(all.slice(after));
    }
    await expect(store.commitStep({ runId: 'r', step: step('r', 12, 'c12'), events: events(seq + 1, 1, 12), usageDelta: usage })).rejects.toMatchObject({ code: 'run_conflict' });
    await store.close();
  });

  it('runs effectful steps end to end: results replayed from step rows, events and invariants intact', async () => {
    const store = new SqliteStore({ path: fresh() });
    const put = defineTool({ name: 'put', description: 'stores', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: ({ i }) => `stored ${i}` });
    const model = new ScriptedModel([ScriptedModel.call('put', { i: 1 }), ScriptedModel.parallel([{ name: 'put', args: { i: 2 } }, { name: 'put', args: { i: 3 } }]), ScriptedModel.answer('done')]);
    const done = await createRuntime({ model, tools: [put], store, audit: { hashChain: true } }).run({ input: 'go', runId: 'e2e' });
    expect(done.stopReason).toBe('final_answer');
    expect((await store.getToolLedger('e2e')).map((e) => e.result?.content)).toEqual(['stored 1', 'stored 2', 'stored 3']);
    await assertRunInvariants({ store, runId: 'e2e', result: done });
    await store.close();
  });
  it('runs an effectful step in 8 statements: 4 per write (BEGIN, data_version, one row, COMMIT), none for the kill checks that follow a write in the same turn', async () => {
    const store = new SqliteStore({ path: fresh() });
    await store.createRun(newRun('r'));
    const decision = (stepIndex: number): PendingStep => ({ stepIndex, message: { role: 'assistant', content: '', toolCalls: [{ id: `c${stepIndex}`, name: 'put', args: {} }] }, usage, finishReason: 'tool_calls', startedAt: now() });
    const effectfulStep = async (i: number) => {
      await store.getKillFlag('r');
      await store.saveDecision({ runId: 'r', decision: decision(i) });
      await store.getKillFlag('r');
      await store.recordToolResult(result('r', `c${i}`, i, 'idempotent'));
      await store.commitStep({ runId: 'r', step: step('r', i, `c${i}`), events: events(i * 2 + 1, 2, i), usageDelta: usage });
    };
    // Every statement better-sqlite3 executes on any connection, counted by its text.
    const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<'run' | 'get' | 'all' | 'iterate', (...args: unknown[]) => unknown>;
    const originals = { run: proto.run, get: proto.get, all: proto.all, iterate: proto.iterate };
    const counted: string[] = [];
    // The clock stands still while the steps run, from the last uncounted write on: the "within
    // 1 ms" part of the same-turn answer is a bound on wall time, and a busy machine may deschedule
    // this process longer than that between a write and the check after it (that costs a statement,
    // rightly: this test is about what the same turn costs, not about how fast the machine is).
    const frozen = performance.now();
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => frozen);
    try {
      await effectfulStep(0); // the first write of a run reads its head
      for (const name of Object.keys(originals) as (keyof typeof originals)[]) {
        proto[name] = function (this: { source: string }, ...args: unknown[]) {
          counted.push(this.source.split(/\s+/).slice(0, 3).join(' '));
          return originals[name].apply(this, args);
        };
      }
      for (let i = 1; i <= 3; i++) await effectfulStep(i);
    } finally {
      clock.mockRestore();
      Object.assign(proto, originals);
    }
    expect(counted).toHaveLength(24);
    const perStep = counted.slice(0, 8);
    expect(perStep).toEqual([
      'BEGIN IMMEDIATE', 'PRAGMA data_version', 'INSERT INTO agentrt_pending', 'COMMIT',
      'BEGIN IMMEDIATE', 'PRAGMA data_version', 'INSERT INTO agentrt_step_log', 'COMMIT',
    ]);
    expect((await store.getToolLedger('r')).map((e) => e.toolCallId)).toEqual(['c0', 'c1', 'c2', 'c3']);
    await store.close();
  });

  it('stores records as encodeStored writes them (format 1, the record\'s own fields after v)', async () => {
    const path = fresh();
    const store = new SqliteStore({ path });
    await store.createRun(newRun('r'));
    const decision: PendingStep = { stepIndex: 0, message: { role: 'assistant', content: 'a "quoted" \u2028 text', toolCalls: [{ id: 'c0', name: 'put', args: { nested: [1, null, { x: 'y' }] } }] }, usage, finishReason: 'tool_calls', startedAt: now() };
    await store.saveDecision({ runId: 'r', decision });
    await store.recordToolResult(result('r', 'c0', 0, 'idempotent'));
    const committed = step('r', 0, 'c0');
    await store.commitStep({ runId: 'r', step: committed, events: events(1, 1, 0), usageDelta: usage });
    await store.close();
    const db = new Database(path, { readonly: true });
    const row = db.prepare<[], { data: string; ledger: string }>('SELECT data, ledger FROM agentrt_step_log').get()!;
    const pending = db.prepare<[], { data: string }>('SELECT data FROM agentrt_pending').get()!;
    db.close();
    expect(pending.data).toBe(encodeStored(decision));
    expect(row.data).toBe(encodeStored(committed));
    const entry = JSON.parse(row.ledger).entries[0];
    expect(row.ledger).toBe(encodeStored({ entries: [entry] }));
    expect(entry).toMatchObject({ toolCallId: 'c0', status: 'completed' });
  });

  it('rolls a refused write back and stays writable, its deferred results kept for the next write', async () => {
    const path = fresh();
    const store = new SqliteStore({ path });
    await store.createRun(newRun('r'));
    // Another connection commits step 1 under this one's cached head: the refused commit's
    // transaction is rolled back (the next BEGIN IMMEDIATE would fail on a transaction left open).
    await store.commitStep({ runId: 'r', step: step('r', 0, 'c0'), events: [], usageDelta: usage });
    const other = new SqliteStore({ path });
    await other.commitStep({ runId: 'r', step: step('r', 1, 'c1'), events: [], usageDelta: usage });
    await store.recordToolResult(result('r', 'c9', 9, 'idempotent'));
    await expect(store.commitStep({ runId: 'r', step: step('r', 1, 'c1'), events: [], usageDelta: usage })).rejects.toMatchObject({ code: 'run_conflict' });
    await store.commitStep({ runId: 'r', step: step('r', 2, 'c2'), events: [], usageDelta: usage });
    expect((await other.loadSteps('r')).map((s) => s.stepIndex)).toEqual([0, 1, 2]);
    expect((await other.getToolLedger('r')).map((e) => e.toolCallId)).toEqual(['c9']);
    await Promise.all([store.close(), other.close()]);
  });
});
