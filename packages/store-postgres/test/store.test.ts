import { randomBytes } from 'node:crypto';
import { AgentrtError, createRuntime, defineTool, type ContentPart, type StepRecord } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DATABASE_URL, dropSchema, freshSchema, sql } from './pg-helpers.js';

const created: string[] = [];
const schema = () => {
  const name = freshSchema();
  created.push(name);
  return name;
};
afterAll(async () => {
  for (const name of created) await dropSchema(name);
});
const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: ({ n }) => n });
const newRun = (runId: string, input: NewInput = [{ role: 'user', content: 'x' }]) => ({ runId, input, inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
type NewInput = Parameters<PostgresStore['createRun']>[0]['input'];
const codeOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`));

describe('PostgresStore', () => {
  it('fails at construction with config_invalid naming the field', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as { code?: string; field?: string }).code === 'config_invalid' ? (error as { field: string }).field : `other: ${String(error)}`;
      }
      return 'no error';
    };
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    expect(field(() => new PostgresStore({ url: DATABASE_URL, pool }))).toBe('pool');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, schema: 'x"; DROP TABLE y; --' }))).toBe('schema');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, schema: '1abc' }))).toBe('schema');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, schema: 'pg_catalog' }))).toBe('schema');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, schema: 'x'.repeat(64) }))).toBe('schema');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, synchronousCommit: 'maybe' as 'on' }))).toBe('synchronousCommit');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, max: 0 }))).toBe('max');
    expect(field(() => new PostgresStore({ url: DATABASE_URL, statementTimeoutMs: -5 }))).toBe('statementTimeoutMs');
    expect(field(() => new PostgresStore({ url: '' }))).toBe('url');
    expect(field(() => new PostgresStore({ pool: {} as pg.Pool }))).toBe('pool');
    void pool.end();
  });

  it('namespaces everything by schema: two schemas in one database never see each other', async () => {
    const a = new PostgresStore({ url: DATABASE_URL, schema: schema() });
    const b = new PostgresStore({ url: DATABASE_URL, schema: schema() });
    await a.createRun(newRun('same-id'));
    expect(await b.getRun('same-id')).toBeUndefined();
    expect((await b.createRun(newRun('same-id'))).created).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('migrates once when many processes start on an empty schema at the same time', async () => {
    const name = schema();
    const stores = Array.from({ length: 6 }, () => new PostgresStore({ url: DATABASE_URL, schema: name }));
    const results = await Promise.all(stores.map((store, i) => store.createRun(newRun(`m-${i}`))));
    expect(results.every((r) => r.created)).toBe(true);
    expect(await sql(`SELECT value FROM "${name}".agentrt_meta WHERE key = 'schema_version'`)).toEqual([{ value: String(PostgresStore.schemaVersion) }]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a schema written by a newer version, or agentrt tables without a version (schema_unsupported), never resetting them', async () => {
    const newer = schema();
    const store = new PostgresStore({ url: DATABASE_URL, schema: newer });
    await store.createRun(newRun('kept'));
    await store.close();
    await sql(`UPDATE "${newer}".agentrt_meta SET value = '99' WHERE key = 'schema_version'`);
    const again = new PostgresStore({ url: DATABASE_URL, schema: newer });
    expect(await codeOf(again.getRun('kept'))).toBe('schema_unsupported');
    await again.close();
    expect((await sql(`SELECT count(*)::int AS n FROM "${newer}".agentrt_runs`))[0]).toEqual({ n: 1 });

    const foreign = schema();
    await sql(`CREATE SCHEMA "${foreign}"; CREATE TABLE "${foreign}".agentrt_runs (x int)`);
    const guess = new PostgresStore({ url: DATABASE_URL, schema: foreign });
    expect(await codeOf(guess.listRuns())).toBe('schema_unsupported');
    await guess.close();
  });

  it('reports a corrupt row as state_corrupt and a newer row format as schema_unsupported, without prototype pollution (B-55)', async () => {
    const name = schema();
    const store = new PostgresStore({ url: DATABASE_URL, schema: name });
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.answer('ok')]), tools: [echo], store }).run({ input: 'go', runId: 'to-corrupt' });
    expect(result.stopReason).toBe('final_answer');
    await sql(`UPDATE "${name}".agentrt_steps SET data = '{"v":1,"stepIndex":' WHERE run_id = 'to-corrupt' AND step_index = 0`);
    await sql(`UPDATE "${name}".agentrt_events SET data = '{"v":7,"type":"run_started"}' WHERE run_id = 'to-corrupt' AND seq = 1`);
    await sql(`UPDATE "${name}".agentrt_runs SET result = '{"v":1,"__proto__":{"polluted":true},"stopReason":"final_answer"}' WHERE run_id = 'to-corrupt'`);
    expect(await codeOf(store.loadSteps('to-corrupt'))).toBe('state_corrupt');
    expect(await codeOf(store.listEvents('to-corrupt'))).toBe('schema_unsupported');
    expect((await store.getRun('to-corrupt'))?.result?.stopReason).toBe('final_answer');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await sql(`UPDATE "${name}".agentrt_runs SET status = 'exploded' WHERE run_id = 'to-corrupt'`);
    expect(await codeOf(store.getRun('to-corrupt'))).toBe('state_corrupt');
    await store.close();
  });

  it('stores large media once per run (content-addressed), restores it on read, and reports a missing blob as state_corrupt', async () => {
    const name = schema();
    const store = new PostgresStore({ url: DATABASE_URL, schema: name });
    const image: ContentPart = { type: 'image', mediaType: 'image/png', data: randomBytes(60_000).toString('base64') };
    const small: ContentPart = { type: 'image', mediaType: 'image/png', data: randomBytes(30).toString('base64') };
    const input: NewInput = [{ role: 'user', content: [{ type: 'text', text: 'look' }, image, small] }];
    await store.createRun(newRun('media', input));
    const at = new Date().toISOString();
    const stepWith = (stepIndex: number): StepRecord => ({
      runId: 'media', stepIndex, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, toolCalls: 1, finishReason: 'tool_calls',
      startedAt: at, endedAt: at,
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id: `s${stepIndex}`, name: 'snap', args: {} }] },
        { role: 'tool', toolCallId: `s${stepIndex}`, name: 'snap', content: [{ type: 'text', text: `shot ${stepIndex}` }, image] },
      ],
    });
    for (let i = 0; i < 5; i++) await store.commitStep({ runId: 'media', step: stepWith(i), events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 } });
    await store.recordToolResult({ runId: 'media', toolCallId: 's9', stepIndex: 5, name: 'snap', argsFingerprint: 'a', sideEffects: 'none', result: { role: 'tool', toolCallId: 's9', name: 'snap', content: [image] }, completedAt: new Date().toISOString() });
    // Read back whole, as written.
    expect((await store.getRun('media'))?.input).toEqual(input);
    expect((await store.loadSteps('media'))[4]).toEqual(stepWith(4));
    expect((await store.getToolLedger('media'))[0]?.result?.content).toEqual([image]);
    // Stored once; each step row stays small (the image is 80 KB of base64).
    expect(await sql(`SELECT count(*)::int AS n FROM "${name}".agentrt_blobs WHERE run_id = 'media'`)).toEqual([{ n: 1 }]);
    const sizes = await sql<{ n: number }>(`SELECT length(data) AS n FROM "${name}".agentrt_steps WHERE run_id = 'media'`);
    expect(Math.max(...sizes.map((r) => r.n))).toBeLessThan(2_000);
    // A reference without its blob is damage, not "no image".
    await sql(`DELETE FROM "${name}".agentrt_blobs WHERE run_id = 'media'`);
    expect(await codeOf(store.loadSteps('media'))).toBe('state_corrupt');
    expect(await codeOf(store.getRun('media'))).toBe('state_corrupt');
    await store.close();
  });

  it('keeps ids PostgreSQL cannot index as they are: a NUL byte or 10 KB in a tool call id round-trips', async () => {
    const store = new PostgresStore({ url: DATABASE_URL, schema: schema() });
    await store.createRun(newRun('hostile'));
    const ids = ['a\u0000b', 'x'.repeat(10_000), '\u0001sha256:collide?', "'; DROP TABLE agentrt_runs; --"];
    for (const [i, toolCallId] of ids.entries()) {
      const base = { runId: 'hostile', toolCallId, stepIndex: 0, name: 'pay', argsFingerprint: `fp${i}`, sideEffects: 'non-idempotent' as const };
      await store.recordToolIntent({ ...base, startedAt: new Date().toISOString() });
      await store.recordToolResult({ ...base, result: { role: 'tool', toolCallId, name: 'pay', content: `ok ${i}` }, completedAt: new Date().toISOString() });
    }
    const ledger = await store.getToolLedger('hostile');
    expect(ledger.map((e) => e.toolCallId)).toEqual(ids);
    expect(ledger.map((e) => e.result?.content)).toEqual(['ok 0', 'ok 1', 'ok 2', 'ok 3']);
    // Run ids and kill scopes too.
    const weird = `r\u0000${'y'.repeat(400)}`;
    await store.createRun(newRun(weird));
    expect((await store.getRun(weird))?.runId).toBe(weird);
    await store.setKillFlag({ scope: weird, reason: 'stop', at: new Date().toISOString() });
    expect(await store.getKillFlag(weird)).toMatchObject({ scope: weird, reason: 'stop' });
    await store.close();
  });

  it('takes lease time from the server clock, not the caller (F-50)', async () => {
    const store = new PostgresStore({ url: DATABASE_URL, schema: schema() });
    await store.createRun(newRun('clock'));
    const [{ now }] = (await sql<{ now: string }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now')) as [{ now: string }];
    const lease = await store.acquireLease({ runId: 'clock', owner: 'a', ttlMs: 10_000 });
    expect(Math.abs(lease!.expiresAt - (Number(now) + 10_000))).toBeLessThan(1_000);
    expect(await codeOf(store.acquireLease({ runId: 'nope', owner: 'a', ttlMs: 1_000 }))).toBe('run_not_found');
    await store.close();
  });

  it('works on a pool the caller owns, and close() leaves that pool open', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
    const store = new PostgresStore({ pool, schema: schema() });
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('echo', { n: 2 }), ScriptedModel.answer('ok')]), tools: [echo], store }).run({ input: 'go', runId: 'own-pool' });
    expect(result.stopReason).toBe('final_answer');
    await assertRunInvariants({ store, runId: 'own-pool', result });
    await store.close();
    expect(await codeOf(store.getRun('own-pool'))).toBe('store_unavailable');
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('reports an unreachable server as store_unavailable, quickly and typed', async () => {
    const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMs: 500 });
    const error = await store.getRun('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'store_unavailable', retryable: true });
    expect(AgentrtError.isInstance(error)).toBe(true);
    await store.close();
  });

  it('appends steps and never rewrites them: bytes per step stay flat over 400 steps', async () => {
    const name = schema();
    const store = new PostgresStore({ url: DATABASE_URL, schema: name });
    const model = new ScriptedModel([(_request, i) => ScriptedModel.call('echo', { n: i })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [echo], store, loopDetection: false, limits: { maxSteps: 400, maxToolCalls: 400 } }).run({ input: 'go', runId: 'growth' });
    expect(result.steps).toBe(400);
    const sizes = await sql<{ n: number }>(`SELECT length(data) AS n FROM "${name}".agentrt_steps WHERE run_id = 'growth' AND step_index IN (10, 100, 399)`);
    expect(Math.max(...sizes.map((r) => r.n)) / Math.min(...sizes.map((r) => r.n))).toBeLessThan(1.2);
    await store.close();
  }, 60_000);
});

describe('PostgresStore against hostile records', () => {
  it('a model whose tool-call args look like a stored media reference cannot make the run unreadable', async () => {
    const store = new PostgresStore({ url: DATABASE_URL, schema: schema() });
    const sneaky = { type: 'image', mediaType: 'image/png', blob: 'f'.repeat(64), '~blob': 'x', n: 1 };
    const model = new ScriptedModel([ScriptedModel.call('echo', sneaky, { id: 'e1' }), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [echo], store }).run({ input: 'go', runId: 'sneaky' });
    expect(result.stopReason).toBe('final_answer');
    const steps = await store.loadSteps('sneaky');
    expect(steps[0]?.messages[0]).toMatchObject({ toolCalls: [{ id: 'e1', args: sneaky }] });
    await assertRunInvariants({ store, runId: 'sneaky', result });
    expect((await store.listEvents('sneaky')).length).toBeGreaterThan(0);
    // Real media next to look-alike keys, nested: every record reads back exactly as written.
    const data = randomBytes(2_000).toString('base64');
    const part = { type: 'file', mediaType: 'application/pdf', data, blob: 'a', '~blob': 'b', '~~blob': 'c', filename: 'x.pdf' } as unknown as ContentPart;
    const at = new Date().toISOString();
    const step: StepRecord = {
      runId: 'sneaky2', stepIndex: 0, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, toolCalls: 1, finishReason: 'tool_calls', startedAt: at, endedAt: at,
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id: 'f1', name: 'fetch', args: [{ type: 'file', blob: 'z' }, { nested: { type: 'image', '~~~blob': 1 } }] }] },
        { role: 'tool', toolCallId: 'f1', name: 'fetch', content: [part, { type: 'text', text: 'blob' }] },
      ],
    };
    await store.createRun(newRun('sneaky2'));
    await store.commitStep({ runId: 'sneaky2', step, events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 } });
    expect(await store.loadSteps('sneaky2')).toEqual([step]);
    await store.close();
  });
});
