// RELIABILITY.md B-53 and B-56 against a real SQLite file.
// B-53: the store API has no way to update or delete an audit event; editing or deleting a row of
// the file behind the runtime's back makes the hash-chain verification fail loudly.
// B-56: resuming a paused run with a tool removed, renamed or with a changed argument schema is
// resume_mismatch; nothing runs; with the same tools it resumes. (No migration API exists, so the
// row's "unless a migration is declared" has nothing to declare.)
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempStores } from './temp-stores.js';

const { fresh, open } = tempStores('agentrt-rel-b53-');
const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

describe('B-53 audit tamper', () => {
  it('the StateStore offers appends only: no method updates or deletes an event', () => {
    const store = open(fresh());
    const methods = new Set<string>();
    for (let proto = Object.getPrototypeOf(store); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) for (const name of Object.getOwnPropertyNames(proto)) methods.add(name);
    const eventMethods = [...methods].filter((name) => /event/i.test(name));
    expect(eventMethods).toContain('appendEvents');
    expect(eventMethods.filter((name) => /update|delete|remove|edit|replace|set|put|clear|truncate/i.test(name))).toEqual([]);
  });

  it.each([
    // Events committed with a step live in that step's row (agentrt_step_log.events, a JSON array).
    ['a step event edited in the file (tool output 3 → 4)', (db: Database.Database) => db.prepare("UPDATE agentrt_step_log SET events = replace(events, '\"content\":\"3\"', '\"content\":\"4\"') WHERE events LIKE '%\"content\":\"3\"%'").run().changes],
    ['the run_finished event edited in the file', (db: Database.Database, runId: string) => db.prepare("UPDATE agentrt_events SET data = replace(data, 'final_answer', 'max_steps') WHERE run_id = ? AND type = 'run_finished'").run(runId).changes],
    ['the last event deleted from the file', (db: Database.Database, runId: string) => db.prepare('DELETE FROM agentrt_events WHERE run_id = ? AND seq = (SELECT max(seq) FROM agentrt_events WHERE run_id = ?)').run(runId, runId).changes],
  ])('%s: verifyAudit fails loudly', async (_label, tamper) => {
    const path = fresh();
    const store = open(path);
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('3')]), tools: [add], store, audit: { hashChain: true } });
    const result = await runtime.run('go');
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    expect(await runtime.verifyAudit(result.runId)).toMatchObject({ ok: true, hashChained: true });
    const db = new Database(path);
    try {
      expect(tamper(db, result.runId)).toBeGreaterThanOrEqual(1);
    } finally {
      db.close();
    }
    const verification = await runtime.verifyAudit(result.runId);
    expect(verification.ok).toBe(false);
    expect(verification).toHaveProperty('problem');
  });
});

describe('B-56 resume mismatch', () => {
  const gated = defineTool({ name: 'gated', description: 'needs approval', input: z.object({ n: z.number() }), requiresApproval: true, execute: ({ n }) => n });
  const variants = {
    'a tool removed': [gated],
    'a tool renamed': [gated, defineTool({ name: 'sum', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b })],
    'an args schema changed': [gated, defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.string() }), execute: ({ a }) => a })],
  };

  it.each(Object.entries(variants))('%s ⇒ resume_mismatch, nothing runs; the same tools resume', async (_label, tools) => {
    const path = fresh();
    let gatedRuns = 0;
    const counting = defineTool({ name: 'gated', description: 'needs approval', input: z.object({ n: z.number() }), requiresApproval: true, execute: ({ n }) => { gatedRuns++; return n; } });
    const paused = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('gated', { n: 1 }, { id: 'g1' })]), tools: [counting, add], store: open(path) }).run('go');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    const other = new SqliteStore({ path });
    try {
      const model = new ScriptedModel([ScriptedModel.answer('never asked')]);
      const swapped = tools.map((t) => (t.name === 'gated' ? counting : t));
      await expect(createRuntime({ model, tools: swapped, store: other }).resume(paused.runId, { approvals: { g1: 'approve' } })).rejects.toMatchObject({ code: 'resume_mismatch' });
      expect(model.calls).toBe(0);
      expect(gatedRuns).toBe(0);
      const done = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), tools: [counting, add], store: other }).resume(paused.runId, { approvals: { g1: 'approve' } });
      expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
      expect(gatedRuns).toBe(1);
      expect((await checkRunInvariants({ store: other, runId: done.runId, result: done })).violations).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
