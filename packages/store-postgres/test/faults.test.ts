import { randomUUID } from 'node:crypto';
import { createRuntime, defineTool, type StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freshSchema, LossyProxy, PrivatePostgres, sql, waitFor } from './pg-helpers.js';

// Destructive faults run against a private cluster started for this file (never the shared server).
let server: PrivatePostgres;
beforeAll(async () => {
  server = await PrivatePostgres.start();
}, 120_000);
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** Tools that count their executions, so a duplicate effect is visible. */
function countingTools() {
  const executions = new Map<string, number>();
  const bump = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
  const put = defineTool({ name: 'put', description: 'stores n', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: ({ n }, ctx) => (bump(`put:${ctx.toolCallId}`), n) });
  const charge = defineTool({ name: 'charge', description: 'charges', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', execute: ({ cents }, ctx) => (bump(`charge:${ctx.toolCallId}`), `charged ${cents}`) });
  return { executions, tools: [put, charge] };
}
/** Four steps; the decision depends on the history, so a resumed run on a new model continues where it stopped. */
const PLAN = [ScriptedModel.call('put', { n: 1 }, { id: 'p1' }), ScriptedModel.call('charge', { cents: 5 }, { id: 'c1' }), ScriptedModel.call('put', { n: 2 }, { id: 'p2' }), ScriptedModel.answer('done')];
const script = () => new ScriptedModel([(request) => PLAN[request.messages.filter((m) => m.role === 'assistant').length]!], { whenExhausted: 'repeat_last' });

/** The store seen through a proxy that calls `before(method)` ahead of each store call, and without kill push. */
function intercepted(store: StateStore, before: (method: string) => void): StateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'subscribeKills') return undefined;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        before(String(property));
        return value.apply(target, args);
      };
    },
  });
}

describe('PostgresStore under faults (private PostgreSQL)', () => {
  it('re-sends a write whose response was lost after it committed, applying it once (every write of a run)', async () => {
    await using proxy = await LossyProxy.start(server.url);
    const schema = freshSchema();
    const store = new PostgresStore({ url: proxy.urlFor(server.url), schema });
    // Which writes does a run make? Record them once, then lose the response of each in turn.
    const seen: string[] = [];
    const probe = countingTools();
    await createRuntime({ model: script(), tools: probe.tools, store: intercepted(store, (m) => seen.push(m)) }).run({ input: 'go', runId: 'probe' });
    const writes = [...new Set(seen)].filter((m) => !/^(get|list|load)/.test(m));
    expect(writes).toEqual(expect.arrayContaining(['createRun', 'acquireLease', 'saveDecision', 'recordToolIntent', 'recordToolResult', 'commitStep', 'finishRun', 'releaseLease']));
    for (const method of writes) {
      const { executions, tools } = countingTools();
      let armed = false;
      const runId = `lost-${method}`;
      const view = intercepted(store, (m) => {
        if (m === method && !armed) {
          armed = true;
          proxy.dropNextResponse();
        }
      });
      const before = proxy.dropped;
      const result = await createRuntime({ model: script(), tools, store: view }).run({ input: 'go', runId });
      expect({ method, stopReason: result.stopReason, steps: result.steps }).toEqual({ method, stopReason: 'final_answer', steps: 4 });
      expect(proxy.dropped).toBe(before + 1);
      expect([...executions.values()].every((n) => n === 1)).toBe(true);
      expect(executions.size).toBe(3);
      await assertRunInvariants({ store, runId, result });
    }
    // A paused run resumed with approval: updateRun's response is lost too.
    const approve = defineTool({ name: 'wire', description: 'wires money', input: z.object({}), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'sent' });
    const model = new ScriptedModel([ScriptedModel.call('wire', {}, { id: 'w1' }), ScriptedModel.answer('wired')]);
    const paused = await createRuntime({ model, tools: [approve], store }).run({ input: 'go', runId: 'lost-updateRun' });
    expect(paused.stopReason).toBe('awaiting_approval');
    let armed = false;
    const view = intercepted(store, (m) => {
      if (m === 'updateRun' && !armed) {
        armed = true;
        proxy.dropNextResponse();
      }
    });
    const done = await createRuntime({ model, tools: [approve], store: view }).resume('lost-updateRun', { approvals: { w1: 'approve' } });
    expect(done.stopReason).toBe('final_answer');
    expect(armed).toBe(true);
    await assertRunInvariants({ store, runId: 'lost-updateRun', result: done });
    await store.close();
  }, 120_000);

  it('survives its connection being terminated mid-commit (pg_terminate_backend): re-sends, one step, nothing lost', async () => {
    const schema = freshSchema();
    const app = `agentrt-term-${randomUUID().slice(0, 8)}`;
    const store = new PostgresStore({ url: server.url, schema, applicationName: app });
    const { executions, tools } = countingTools();
    const locker = new pg.Client({ connectionString: server.url });
    locker.on('error', () => undefined);
    await locker.connect();
    let terminated = 0;
    const runtime = createRuntime({
      model: script(), tools, store,
      hooks: [{
        afterTool: async (_result, context) => {
          if (context.stepIndex !== 1 || terminated) return;
          // Hold the run row so the coming commit blocks on the server, then kill its backend mid-statement.
          await locker.query('BEGIN');
          await locker.query(`SELECT 1 FROM "${schema}".agentrt_runs WHERE run_id = 'term' FOR UPDATE`);
          void (async () => {
            await waitFor(async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app], server.url)).length > 0, 10_000, 'a blocked commit');
            const killed = await sql<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app], server.url);
            terminated = killed.filter((r) => r.ok).length;
            await locker.query('COMMIT');
          })();
        },
      }],
    });
    const result = await runtime.run({ input: 'go', runId: 'term' });
    expect(terminated).toBe(1);
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 4 });
    expect([...executions.values()]).toEqual([1, 1, 1]);
    await assertRunInvariants({ store, runId: 'term', result });
    await locker.end();
    await store.close();
  }, 60_000);

  it('turns a statement timeout into store_unavailable (no raw driver error), writes nothing, and the run resumes', async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ url: server.url, schema, statementTimeoutMs: 300 });
    const locker = new pg.Client({ connectionString: server.url });
    locker.on('error', () => undefined);
    await locker.connect();
    const { executions, tools } = countingTools();
    let locked = false;
    const runtime = createRuntime({
      model: script(), tools, store, leaseTtlMs: 500,
      hooks: [{
        afterTool: async (_result, context) => {
          if (context.stepIndex !== 1 || locked) return;
          locked = true;
          await locker.query('BEGIN');
          await locker.query(`SELECT 1 FROM "${schema}".agentrt_runs WHERE run_id = 'slow' FOR UPDATE`);
        },
      }],
    });
    const failed = await runtime.run({ input: 'go', runId: 'slow' });
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'store_unavailable', retryable: true } });
    expect(failed.error?.message).not.toMatch(/canceling statement/);
    // Direct call: the typed error, the driver error only as its cause.
    const seq = (await store.getRun('slow'))!.lastEventSeq + 1;
    const error = await store.appendEvents('slow', [{ type: 'step_started', runId: 'slow', at: new Date().toISOString(), seq, stepIndex: 9 }]).catch((e: unknown) => e);
    expect(error, String(error)).toMatchObject({ code: 'store_unavailable', retryable: true });
    expect((error as Error).message).not.toMatch(/canceling statement/);
    await locker.query('ROLLBACK');
    const record = await store.getRun('slow');
    expect(record?.stepCount).toBe(1); // step 1 timed out whole: not committed
    expect(record?.status).toBe('running');
    const done = await createRuntime({ model: script(), tools, store, leaseTtlMs: 500 }).resume('slow', { waitForLeaseMs: 5_000 });
    expect(done).toMatchObject({ stopReason: 'final_answer', steps: 4 });
    expect([...executions.values()].every((n) => n === 1)).toBe(true);
    await assertRunInvariants({ store, runId: 'slow', result: done });
    await locker.end();
    await store.close();
  }, 60_000);

  it('holds no connection across tool calls: 20 runs stuck in a tool on a pool of 2 leave it free (pool never exhausted)', async () => {
    const schema = freshSchema();
    const app = `agentrt-pool-${randomUUID().slice(0, 8)}`;
    const store = new PostgresStore({ url: server.url, schema, max: 2, applicationName: app, connectionTimeoutMs: 2_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inside = 0;
    const stuck = defineTool({ name: 'stuck', description: 'waits', input: z.object({}), sideEffects: 'idempotent', execute: async () => { inside++; await gate; return 'ok'; } });
    // One model for all runs: each run calls the tool once, then answers.
    const model = new ScriptedModel([(request) => (request.messages.some((m) => m.role === 'tool') ? ScriptedModel.answer('done') : ScriptedModel.call('stuck', {}))], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [stuck], store });
    const runs = Array.from({ length: 20 }, (_, i) => runtime.run({ input: 'go', runId: `stuck-${i}` }));
    await waitFor(() => inside === 20, 30_000, '20 runs inside their tool');
    // Every run sits in its tool, and not one pooled connection is checked out.
    expect(store.pool.totalCount).toBeLessThanOrEqual(2);
    expect(store.pool.idleCount).toBe(store.pool.totalCount);
    expect(store.pool.waitingCount).toBe(0);
    const busy = await sql(`SELECT state FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'`, [app], server.url);
    expect(busy).toEqual([]);
    // The store keeps serving others meanwhile.
    const other = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('quick')]), store });
    expect((await other.run({ input: 'hello', runId: 'quick' })).stopReason).toBe('final_answer');
    release();
    const results = await Promise.all(runs);
    expect(results.every((r) => r.stopReason === 'final_answer')).toBe(true);
    for (const result of results.slice(0, 3)) await assertRunInvariants({ store, runId: result.runId, result });
    await store.close();
  }, 60_000);

  it('reports store_unavailable while the server is down (never run_not_found), and resumes after a restart (failover)', async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ url: server.url, schema, connectionTimeoutMs: 1_000 });
    const { executions, tools } = countingTools();
    let stopped = false;
    const runtime = createRuntime({
      model: script(), tools, store, leaseTtlMs: 300,
      hooks: [{ onStepEnd: async (step) => { if (step.stepIndex === 1 && !stopped) { stopped = true; await server.stop('immediate'); } } }],
    });
    const failed = await runtime.run({ input: 'go', runId: 'outage' });
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'store_unavailable' } });
    // While it is down a resume is a read error, never "no such run" and never a fresh start.
    await expect(createRuntime({ model: script(), tools, store }).resume('outage')).rejects.toMatchObject({ code: 'store_unavailable' });
    await server.restart();
    const record = await store.getRun('outage');
    expect(record?.stepCount).toBe(2); // both committed steps survived the crash
    const done = await createRuntime({ model: script(), tools, store, leaseTtlMs: 300 }).resume('outage', { waitForLeaseMs: 3_000 });
    expect(done, JSON.stringify(done.error)).toMatchObject({ stopReason: 'final_answer', steps: 4 });
    expect([...executions.values()].every((n) => n === 1)).toBe(true);
    await assertRunInvariants({ store, runId: 'outage', result: done });
    await store.close();
  }, 120_000);
});
