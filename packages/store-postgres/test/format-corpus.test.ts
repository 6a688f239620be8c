import { readFileSync } from 'node:fs';
import { createRuntime, defineTool, verifyAuditEvents } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DATABASE_URL, dropSchema, freshSchema, sql } from './pg-helpers.js';

/**
 * Append-only corpus of schemas written by earlier versions (`__fixtures__/formats/v<N>.sql`, a
 * pg_dump with the schema name replaced by __SCHEMA__; made by `make-v<N>.mjs`). Never edit a
 * fixture; add one per new schema or record format. Every reader must still open, read and resume them.
 */
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropSchema(name);
});
async function load(version: string): Promise<PostgresStore> {
  const schema = freshSchema();
  created.push(schema);
  await sql(readFileSync(new URL(`./__fixtures__/formats/${version}.sql`, import.meta.url), 'utf8').replaceAll('__SCHEMA__', schema));
  return new PostgresStore({ url: DATABASE_URL, schema });
}
const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });

describe('persisted format corpus: PostgreSQL schema v1', () => {
  it('reads completed and stopped runs, their steps, ledger and hash-chained audit', async () => {
    const store = await load('v1');
    const completed = (await store.getRun('v1-completed'))!;
    expect(completed).toMatchObject({ status: 'completed', idempotencyKey: 'v1-key', stepCount: 2, result: { stopReason: 'final_answer', output: '3' } });
    await assertRunInvariants({ store, runId: 'v1-completed', result: completed.result! });
    expect(verifyAuditEvents(await store.listEvents('v1-completed'))).toMatchObject({ ok: true, hashChained: true });
    expect((await store.getToolLedger('v1-completed'))[0]).toMatchObject({ toolCallId: 'a1', status: 'completed', result: { content: '3' } });
    expect((await store.getRun('v1-max-steps'))?.result?.stopReason).toBe('max_steps');
    expect((await store.listRuns()).map((r) => r.runId)).toEqual(['v1-media', 'v1-max-steps', 'v1-paused', 'v1-completed']);
    // Media written once per run comes back whole.
    const image = readFileSync(new URL('./__fixtures__/formats/v1-media-image.txt', import.meta.url), 'utf8');
    expect((await store.getRun('v1-media'))?.input[0]?.content).toEqual([{ type: 'text', text: 'describe' }, { type: 'image', mediaType: 'image/png', data: image }]);
    expect((await store.loadSteps('v1-media'))[0]?.messages[1]?.content).toEqual([{ type: 'image', mediaType: 'image/png', data: image }]);
    await store.close();
  });

  it('resumes a run paused by an earlier version and finishes it', async () => {
    const store = await load('v1');
    const model = new ScriptedModel([ScriptedModel.answer('paid it')]);
    const done = await createRuntime({ model, tools: [add, pay], store, audit: { hashChain: true } }).resume('v1-paused', { approvals: { p1: { decision: 'approve' } } });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'paid it' });
    await assertRunInvariants({ store, runId: 'v1-paused', result: done });
    await store.close();
  });
});
