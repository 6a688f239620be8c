// Wrote v4-inflight.db once (schema v4, a run cut off mid-step by SIGKILL): two committed steps of
// idempotent calls with a hash-chained audit, then step 2's decision saved (runs.pending_step), its
// idempotent call done (its result still deferred, so lost) and its non-idempotent call's intent
// recorded, the process killed inside that call. The lease (100 ms) is left to expire. Kept to
// document how the fixture was made; never re-run it over the committed file — fixtures are
// append-only. Usage (built code of schema v4): node make-v4-inflight.mjs /tmp/v4-inflight.db
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import Database from 'better-sqlite3';
import { z } from 'zod';

const path = process.argv[2];
if (process.argv[3] !== 'child') {
  const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, path, 'child'], { stdio: 'inherit' });
  if (child.signal !== 'SIGKILL') throw new Error(`the child should have been killed, ended with ${child.status} ${child.signal}`);
  // Fold the WAL into the file, so the fixture is one file.
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
  console.log('wrote', path);
} else {
  const store = new SqliteStore({ path });
  const put = defineTool({ name: 'put', description: 'stores a value', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: ({ i }) => `stored ${i}` });
  const pay = defineTool({
    name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
    execute: () => { process.kill(process.pid, 'SIGKILL'); return new Promise(() => undefined); },
  });
  await createRuntime({
    model: new ScriptedModel([
      ScriptedModel.call('put', { i: 1 }, { id: 'v4i-c1' }),
      ScriptedModel.parallel([{ name: 'put', args: { i: 2 }, id: 'v4i-c2' }, { name: 'put', args: { i: 3 }, id: 'v4i-c3' }]),
      ScriptedModel.parallel([{ name: 'put', args: { i: 4 }, id: 'v4i-c4' }, { name: 'pay', args: { cents: 7 }, id: 'v4i-p1' }]),
    ]),
    store, tools: [put, pay], audit: { hashChain: true }, leaseTtlMs: 100, limits: { toolConcurrency: 1 },
  }).run({ runId: 'v4-inflight', input: 'store three values, then store and pay', idempotencyKey: 'v4i-key' });
}
