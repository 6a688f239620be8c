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

describe('persisted format corpus: PostgreSQL schema v2 (toolCallsRefused, the finalize record)', () => {
  const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });

  it('a v1 schema is migrated: its runs read toolCallsRefused 0', async () => {
    const store = await load('v1');
    expect((await store.getRun('v1-completed'))?.toolCallsRefused).toBe(0);
    await assertRunInvariants({ store, runId: 'v1-completed', result: (await store.getRun('v1-completed'))!.result! });
    await store.close();
  });

  it('reads a finalized run with a refused call: counts per step and per run, the finalize record, the audit', async () => {
    const store = await load('v2');
    const run = (await store.getRun('v2-refused'))!;
    expect(run).toMatchObject({ status: 'stopped', stepCount: 2, toolCalls: 3, toolCallsRefused: 1, result: { stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 1, finalized: true, output: 'three ticks ran, one was refused' } });
    const steps = await store.loadSteps('v2-refused');
    expect(steps[0]).toMatchObject({ toolCalls: 3, toolCallsRefused: 1 });
    expect(steps[1]).toMatchObject({ finalize: { stopReason: 'max_tool_calls' } });
    expect(verifyAuditEvents(await store.listEvents('v2-refused'))).toMatchObject({ ok: true, hashChained: true });
    await assertRunInvariants({ store, runId: 'v2-refused', result: run.result! });
    await store.close();
  });

  it('resumes a paused run whose step refused a call, and a run that died after its finalize record', async () => {
    const store = await load('v2');
    const model = new ScriptedModel([ScriptedModel.answer('paid, ticked once, one tick refused')]);
    const done = await createRuntime({ model, tools: [tick, pay], store, limits: { maxToolCalls: 3, finalize: true } }).resume('v2-paused', { approvals: { 'v2-p1': 'approve' } });
    expect(done).toMatchObject({ stopReason: 'max_tool_calls', toolCalls: 3, toolCallsRefused: 1, finalized: true });
    await assertRunInvariants({ store, runId: 'v2-paused', result: done });
    const none = new ScriptedModel([]);
    const finished = await createRuntime({ model: none, tools: [tick, pay], store, leaseTtlMs: 100, limits: { maxSteps: 2, finalize: true } }).resume('v2-finalize-crashed', { waitForLeaseMs: 5_000 });
    expect(finished).toMatchObject({ stopReason: 'max_steps', steps: 2, finalized: true, output: 'the answer written before the crash' });
    expect(none.calls).toBe(0);
    await assertRunInvariants({ store, runId: 'v2-finalize-crashed', result: finished });
    await store.close();
  });
});

describe('persisted format corpus: PostgreSQL schema v3 (step_token, events_token)', () => {
  const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });

  it('reads a completed run and resumes a paused one', async () => {
    const store = await load('v3');
    const completed = (await store.getRun('v3-completed'))!;
    expect(completed).toMatchObject({ status: 'completed', stepCount: 2, result: { output: 'ticked' } });
    expect(verifyAuditEvents(await store.listEvents('v3-completed'))).toMatchObject({ ok: true, hashChained: true });
    await assertRunInvariants({ store, runId: 'v3-completed', result: completed.result! });
    const done = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('paid')]), tools: [tick, pay], store }).resume('v3-paused', { approvals: { 'v3-p1': 'approve' } });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'paid' });
    await assertRunInvariants({ store, runId: 'v3-paused', result: done });
    await store.close();
  });

  it('a v2 schema is migrated: both token columns added (null on its runs), and its runs take more events', async () => {
    const store = await load('v2');
    await store.appendEvents('v2-paused', [{ type: 'step_started', runId: 'v2-paused', at: new Date().toISOString(), seq: (await store.getRun('v2-paused'))!.lastEventSeq + 1, stepIndex: 9 }]);
    const schema = created[created.length - 1]!;
    const columns = await sql<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'agentrt_runs' AND column_name LIKE '%_token' ORDER BY column_name`, [schema]);
    expect(columns.map((c) => c.column_name)).toEqual(['create_token', 'events_token', 'step_token']);
    const rows = await sql<{ run_id: string; step_token: string | null; events_token: string | null }>(`SELECT run_id, step_token, events_token FROM "${schema}".agentrt_runs ORDER BY run_id`);
    for (const row of rows) expect(row).toMatchObject({ step_token: null, events_token: row.run_id === 'v2-paused' ? expect.any(String) : null });
    expect(await sql(`SELECT value FROM "${schema}".agentrt_meta WHERE key = 'schema_version'`)).toEqual([{ value: '3' }]);
    await store.close();
  });
});
