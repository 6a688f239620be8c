// Wrote v4.db once (schema v4: a step's events and the results of its idempotent calls kept in the
// step row). Kept to document how the fixture was made; never re-run it over the committed file —
// fixtures are append-only. Usage (built code): node make-v4.mjs /tmp/v4.db
import 'reflect-metadata';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const store = new SqliteStore({ path: process.argv[2] });
const put = defineTool({ name: 'put', description: 'stores a value', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: ({ i }) => `stored ${i}` });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
const tools = [put, pay];

// Three steps of idempotent calls (two in parallel in the second), then the answer; hash-chained audit.
await createRuntime({
  model: new ScriptedModel([
    ScriptedModel.call('put', { i: 1 }, { id: 'v4-c1' }),
    ScriptedModel.parallel([{ name: 'put', args: { i: 2 }, id: 'v4-c2' }, { name: 'put', args: { i: 3 }, id: 'v4-c3' }]),
    ScriptedModel.answer('stored three values'),
  ]),
  store, tools, audit: { hashChain: true },
}).run({ runId: 'v4-completed', input: 'store three values', idempotencyKey: 'v4-key' });

// Paused for approval after an idempotent call: resumed by the corpus test.
await createRuntime({
  model: new ScriptedModel([ScriptedModel.call('put', { i: 9 }, { id: 'v4-c9' }), ScriptedModel.call('pay', { cents: 5 }, { id: 'v4-p1' })]),
  store, tools,
}).run({ runId: 'v4-paused', input: 'store and pay' });
await store.close();
console.log('wrote', process.argv[2]);
