// Writes v1.sql: a schema written by @agentrt/store-postgres schema v1 (DDL + rows, via pg_dump),
// with the schema name replaced by __SCHEMA__. Run once per new schema version, from the repo
// root after `pnpm build`: `node packages/store-postgres/test/__fixtures__/formats/make-v1.mjs`.
// Never regenerate a released fixture: the corpus is append-only.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `agentrt_corpus_${process.pid}`;
const store = new PostgresStore({ url, schema });
const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
const tools = [add, pay];
const audit = { hashChain: true };
await createRuntime({ model: new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'a1' }), ScriptedModel.answer('3')]), tools, store, audit })
  .run({ input: 'add 1 and 2', runId: 'v1-completed', idempotencyKey: 'v1-key' });
await createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', { cents: 500 }, { id: 'p1' })]), tools, store, audit })
  .run({ input: 'pay the invoice', runId: 'v1-paused' });
await createRuntime({ model: new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 1 }, { id: 'm1' }), ScriptedModel.call('add', { a: 2, b: 2 }, { id: 'm2' })]), tools, store, limits: { maxSteps: 2 } })
  .run({ input: 'add forever', runId: 'v1-max-steps' });
// Media stored once per run (blobs), written through the store API.
const image = { type: 'image', mediaType: 'image/png', data: randomBytes(3_000).toString('base64') };
const at = '2026-01-01T00:00:00.000Z';
await store.createRun({ runId: 'v1-media', input: [{ role: 'user', content: [{ type: 'text', text: 'describe' }, image] }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: at });
await store.commitStep({
  runId: 'v1-media', events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
  step: { runId: 'v1-media', stepIndex: 0, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, toolCalls: 1, finishReason: 'tool_calls', startedAt: at, endedAt: at,
    messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 's1', name: 'snap', args: {} }] }, { role: 'tool', toolCallId: 's1', name: 'snap', content: [image] }] },
});
writeFileSync(new URL('./v1-media-image.txt', import.meta.url), image.data);
await store.close();
const dump = execFileSync('pg_dump', ['--dbname', url, '--schema', schema, '--inserts', '--no-owner', '--no-privileges'], { encoding: 'utf8' });
// psql meta-commands (\restrict …) are not SQL: drop them so any client can load the file.
writeFileSync(new URL('./v1.sql', import.meta.url), dump.split('\n').filter((line) => !line.startsWith('\\')).join('\n').replaceAll(schema, '__SCHEMA__'));
execFileSync('psql', [url, '-qc', `DROP SCHEMA "${schema}" CASCADE`]);
console.log('wrote v1.sql');
