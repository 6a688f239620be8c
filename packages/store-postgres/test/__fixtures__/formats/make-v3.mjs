// Writes v3.sql: a schema written by @agentrt/store-postgres schema v3 (agentrt_runs.step_token and
// events_token: the tokens of the calls that wrote a run's last step and its last events), DDL + rows
// via pg_dump, with the schema name replaced by __SCHEMA__. Run once per new schema version, from the repo root after
// `pnpm build`: `node packages/store-postgres/test/__fixtures__/formats/make-v3.mjs`.
// Never regenerate a released fixture: the corpus is append-only.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `agentrt_corpus_${process.pid}`;
const store = new PostgresStore({ url, schema });
const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
const tools = [tick, pay];
await createRuntime({
  model: new ScriptedModel([ScriptedModel.call('tick', { i: 1 }, { id: 't1' }), ScriptedModel.answer('ticked')]),
  store, tools, audit: { hashChain: true },
}).run({ runId: 'v3-completed', input: 'tick once' });
await createRuntime({
  model: new ScriptedModel([ScriptedModel.call('tick', { i: 1 }, { id: 't1' }), ScriptedModel.call('pay', { cents: 5 }, { id: 'v3-p1' })]),
  store, tools,
}).run({ runId: 'v3-paused', input: 'tick, then pay' });
await store.close();
const dump = execFileSync('pg_dump', ['--dbname', url, '--schema', schema, '--inserts', '--no-owner', '--no-privileges'], { encoding: 'utf8' });
// psql meta-commands (\restrict …) are not SQL: drop them so any client can load the file.
writeFileSync(new URL('./v3.sql', import.meta.url), dump.split('\n').filter((line) => !line.startsWith('\\')).join('\n').replaceAll(schema, '__SCHEMA__'));
execFileSync('psql', [url, '-qc', `DROP SCHEMA "${schema}" CASCADE`]);
console.log('wrote v3.sql');
