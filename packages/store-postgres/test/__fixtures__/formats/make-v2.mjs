// Writes v2.sql: a schema written by @agentrt/store-postgres schema v2 (tool calls refused over
// maxToolCalls counted apart; the finalize record of limits.finalize), DDL + rows via pg_dump, with
// the schema name replaced by __SCHEMA__. Run once per new schema version, from the repo root after
// `pnpm build`: `node packages/store-postgres/test/__fixtures__/formats/make-v2.mjs`.
// Never regenerate a released fixture: the corpus is append-only.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { AgentrtError, createRuntime, defineTool } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `agentrt_corpus_${process.pid}`;
const store = new PostgresStore({ url, schema });
const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
const tools = [tick, pay];
const ticks = (ids) => ids.map((i) => ({ name: 'tick', args: { i }, id: `t${i}` }));
await createRuntime({
  model: new ScriptedModel([ScriptedModel.parallel(ticks([0, 1, 2, 3])), ScriptedModel.answer('three ticks ran, one was refused')]),
  store, tools, audit: { hashChain: true }, limits: { maxToolCalls: 3, finalize: true },
}).run({ runId: 'v2-refused', input: 'tick four times' });
await createRuntime({
  model: new ScriptedModel([ScriptedModel.parallel([...ticks([0]), { name: 'pay', args: { cents: 5 }, id: 'v2-p1' }, ...ticks([1, 2])])]),
  store, tools, limits: { maxToolCalls: 3, finalize: true },
}).run({ runId: 'v2-paused', input: 'pay and tick' });
let dead = false;
const dying = new Proxy(store, {
  get(target, property, receiver) {
    const value = Reflect.get(target, property, receiver);
    if (typeof value !== 'function') return value;
    return (...args) => {
      if (property === 'close') return Promise.resolve();
      if (property === 'finishRun') dead = true;
      if (dead) return Promise.reject(new AgentrtError('store_unavailable', 'the process died'));
      return value.apply(target, args);
    };
  },
});
await createRuntime({
  model: new ScriptedModel([(request, i) => (request.tools.length === 0 ? ScriptedModel.answer('the answer written before the crash') : ScriptedModel.call('tick', { i }, { id: `c${i}` }))], { whenExhausted: 'cycle' }),
  store: dying, tools, leaseTtlMs: 100, limits: { maxSteps: 2, finalize: true },
}).run({ runId: 'v2-finalize-crashed', input: 'tick twice' });
await store.close();
const dump = execFileSync('pg_dump', ['--dbname', url, '--schema', schema, '--inserts', '--no-owner', '--no-privileges'], { encoding: 'utf8' });
// psql meta-commands (\restrict …) are not SQL: drop them so any client can load the file.
writeFileSync(new URL('./v2.sql', import.meta.url), dump.split('\n').filter((line) => !line.startsWith('\\')).join('\n').replaceAll(schema, '__SCHEMA__'));
execFileSync('psql', [url, '-qc', `DROP SCHEMA "${schema}" CASCADE`]);
console.log('wrote v2.sql');
