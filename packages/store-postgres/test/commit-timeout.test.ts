import { AgentrtError, createRuntime, defineTool, type StepRecord } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DATABASE_URL, dropSchema, freshSchema, sql, waitFor } from './pg-helpers.js';

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropSchema(name);
});

/**
 * A pool you own whose client gives up waiting for an answer after `giveUpAfterMs` (node-postgres'
 * `query_timeout`, per statement) while that is set — and which, like any pool without a
 * `statement_timeout`, lets the server keep running the statement it gave up on.
 */
class GivingUpPool extends pg.Pool {
  giveUpAfterMs: number | undefined;
  /** Statements matching `match` are sent only once `until` resolves (a write that reaches the server late). */
  hold: { match: (text: string) => boolean; until: Promise<void> } | undefined;
  override query(...args: unknown[]): never {
    const config = args[0];
    if (this.giveUpAfterMs !== undefined && config !== null && typeof config === 'object') args[0] = { ...config, query_timeout: this.giveUpAfterMs };
    const hold = this.hold;
    const text = (config as { text?: string } | null)?.text ?? '';
    const send = () => (super.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: unknown) => {
      if (/Query read timeout/.test(String(error))) this.gaveUp.push(text);
      throw error;
    });
    return (hold && hold.match(text) ? hold.until.then(send) : send()) as never;
  }
  /** The statements the client gave up on, in order. */
  readonly gaveUp: string[] = [];
}

/** A connection that holds `LOCK TABLE <schema>.agentrt_steps IN EXCLUSIVE MODE` (plain reads pass, every step commit waits) until `release()`. */
async function lockSteps(schema: string): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE "${schema}".agentrt_steps IN EXCLUSIVE MODE`);
  return { release: async () => void (await client.query('COMMIT'), await client.end()) };
}

/** Statements of `schema` still running on the server, by backends other than this one. */
const running = (schema: string) =>
  sql<{ query: string; wait: string | null }>(
    `SELECT query, wait_event_type AS wait FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND position($1 in query) > 0`,
    [`"${schema}".`],
  );
const isStepCommit = (text: string) => text.includes('agentrt_steps (run_id, step_index, data)');
const codeOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`));

const at = new Date().toISOString();
const step = (runId: string, stepIndex: number): StepRecord => ({
  runId, stepIndex, messages: [{ role: 'assistant', content: `step ${stepIndex}` }], usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
  toolCalls: 0, finishReason: 'stop', startedAt: at, endedAt: at,
});

describe('PostgresStore: a step commit the client gave up on (query timeout) may still land', () => {
  it('reports store_unavailable (retryable) while the statement keeps waiting on the server, which commits it once the lock is released', async () => {
    const schema = freshSchema();
    created.push(schema);
    const pool = new GivingUpPool({ connectionString: DATABASE_URL, max: 4 });
    const store = new PostgresStore({ pool, schema });
    try {
      await store.createRun({ runId: 'r', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: at });
      const lease = (await store.acquireLease({ runId: 'r', owner: 'w', ttlMs: 60_000 }))!;
      const lock = await lockSteps(schema);
      pool.giveUpAfterMs = 300;
      const commit = { runId: 'r', step: step('r', 0), events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, lease };
      const failure = await store.commitStep(commit).then(() => undefined, (error: unknown) => error as AgentrtError);
      pool.giveUpAfterMs = undefined;
      expect(failure).toMatchObject({ code: 'store_unavailable', retryable: true });
      expect(String((failure?.cause as Error)?.message)).toMatch(/Query read timeout/); // the client gave up; the server was not told
      // The caller was told "failed", yet the statement is alive on the server, waiting for the lock …
      await waitFor(async () => (await running(schema)).some((s) => isStepCommit(s.query) && s.wait === 'Lock'), 10_000, 'the abandoned commit waiting on the lock');
      expect((await store.getRun('r'))?.stepCount).toBe(0);
      await lock.release();
      // … and lands once the lock is gone: "outcome unknown", never "not written".
      await waitFor(async () => (await store.getRun('r'))?.stepCount === 1, 10_000, 'the late landing');
      expect(await store.loadSteps('r')).toHaveLength(1);
      // A second call for the same step (a caller that retried instead of reading back) is refused, never applied twice.
      expect(await codeOf(store.commitStep({ ...commit }))).toBe('run_conflict');
      // A new owner's epoch fences any write of the old one that is still on its way.
      const next = (await store.acquireLease({ runId: 'r', owner: 'w', ttlMs: 60_000 }))!;
      expect(next.epoch).toBe(lease.epoch + 1);
      expect(await codeOf(store.commitStep({ ...commit, step: step('r', 1) }))).toBe('lease_lost');
      await store.commitStep({ ...commit, step: step('r', 1), lease: next });
      expect(await store.getRun('r')).toMatchObject({ stepCount: 2, usage: { inputTokens: 2 } });
      expect((await store.loadSteps('r')).map((s) => s.stepIndex)).toEqual([0, 1]);
    } finally {
      await store.close();
      await pool.end();
    }
  }, 60_000);

  /** The statement of `finishRun` (the terminal record). */
  const isFinish = (text: string) => text.includes('lease_owner = NULL, lease_expires_at = 0,') && text.includes('SET status = $2, result = $3, retryable = $4');

  for (const order of ['terminal write first', 'late commit first'] as const) {
    it(`a run whose commit timed out fails; whichever lands first (${order}), resume neither re-runs nor loses the step`, async () => {
      const schema = freshSchema();
      created.push(schema);
      const pool = new GivingUpPool({ connectionString: DATABASE_URL, max: 4 });
      const store = new PostgresStore({ pool, schema });
      const executions = new Map<string, number>();
      let lock: { release: () => Promise<void> } | undefined;
      let openGate = () => {};
      const charge = defineTool({
        name: 'charge', description: 'charges once', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
        execute: async ({ cents }, ctx) => {
          executions.set(ctx.toolCallId, (executions.get(ctx.toolCallId) ?? 0) + 1);
          if (!lock) {
            // The step commit will wait on this lock; the client gives up on it after 300 ms.
            lock = await lockSteps(schema);
            pool.giveUpAfterMs = 300;
            // 'late commit first': the terminal record reaches the server only after the late commit landed.
            if (order === 'late commit first') pool.hold = { match: isFinish, until: new Promise<void>((resolve) => (openGate = resolve)) };
          }
          return `charged ${cents}`;
        },
      });
      const plan = [ScriptedModel.call('charge', { cents: 5 }, { id: 'c1' }), ScriptedModel.answer('done')];
      const model = new ScriptedModel([(request) => plan[request.messages.filter((m) => m.role === 'assistant').length]!], { whenExhausted: 'repeat_last' });
      const runtime = createRuntime({ model, tools: [charge], store });
      try {
        const drive = runtime.run({ input: 'go', runId: 'late' });
        // The drive was told the commit failed while the statement still waits on the server.
        await waitFor(async () => (await running(schema)).some((s) => isStepCommit(s.query) && s.wait === 'Lock'), 10_000, 'the commit waiting on the lock');
        if (order === 'terminal write first') {
          const failed = await drive;
          expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'store_unavailable', retryable: true } });
          // The failed record (lease cleared) is in; the commit still waits.
          expect(await store.getRun('late')).toMatchObject({ status: 'failed', stepCount: 0 });
          await lock!.release();
          await waitFor(async () => (await running(schema)).length === 0, 10_000, 'the abandoned commit to end');
          // It arrived after the terminal record: refused (the run is no longer running), nothing of it written.
          expect(await store.getRun('late')).toMatchObject({ status: 'failed', stepCount: 0 });
        } else {
          await waitFor(() => pool.gaveUp.some(isStepCommit), 10_000, 'the client to give up on the commit');
          await lock!.release();
          await waitFor(async () => (await store.getRun('late'))?.stepCount === 1, 10_000, 'the late landing');
          openGate();
          const failed = await drive;
          pool.hold = undefined;
          // Its terminal record no longer continues the log the late commit extended: refused, the run stays open (and resumable).
          expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'run_conflict', retryable: true } });
          expect(await store.getRun('late')).toMatchObject({ status: 'running', stepCount: 1 });
        }
        pool.giveUpAfterMs = undefined;

        const done = await runtime.resume('late');
        expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 2, output: 'done' });
        // Step 0's decision was kept (committed, or pending and acted on from the ledger): two model calls in all, the charge ran once.
        expect(model.requests).toHaveLength(2);
        expect(Object.fromEntries(executions)).toEqual({ c1: 1 });
        expect((await store.loadSteps('late')).map((s) => s.stepIndex)).toEqual([0, 1]);
        await assertRunInvariants({ store, runId: 'late', result: done });
      } finally {
        openGate();
        pool.giveUpAfterMs = undefined;
        pool.hold = undefined;
        await lock?.release().catch(() => undefined);
        await store.close();
        await pool.end();
      }
    }, 60_000);
  }
});
