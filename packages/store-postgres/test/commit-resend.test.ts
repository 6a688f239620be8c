import { AgentrtError, type StepRecord } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropSchema(name);
});
const codeOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`));

/**
 * A pool whose next step commit fails as a dropped connection does (so the store re-sends it):
 * `lost: 'request'` before it reaches the server, `'reply'` after it committed. `between` runs
 * before the failure, standing for what other callers do meanwhile.
 */
class DroppingPool extends pg.Pool {
  drop: { lost: 'request' | 'reply'; between: () => Promise<void> } | undefined;
  override query(...args: unknown[]): never {
    const config = args[0] as { text?: string } | string;
    const text = typeof config === 'string' ? config : config?.text ?? '';
    const drop = this.drop;
    if (drop && text.includes('agentrt_steps (run_id, step_index, data)')) {
      this.drop = undefined;
      return (async () => {
        if (drop.lost === 'reply') await (super.query as (...a: unknown[]) => Promise<unknown>)(...args);
        await drop.between();
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      })() as never;
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

const at = new Date().toISOString();
const step = (runId: string): StepRecord => ({
  runId, stepIndex: 0, messages: [{ role: 'assistant', content: 'same bytes' }], usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
  toolCalls: 0, finishReason: 'stop', startedAt: at, endedAt: at,
});

describe('PostgresStore: a re-sent commit is told from a second identical commit', () => {
  it('answers run_conflict to a re-send whose first attempt never landed when another caller committed the same bytes meanwhile (as Redis, by the call nonce)', async () => {
    const schema = freshSchema();
    created.push(schema);
    const pool = new DroppingPool({ connectionString: DATABASE_URL, max: 2 });
    const mine = new PostgresStore({ pool, schema });
    const other = new PostgresStore({ url: DATABASE_URL, schema });
    try {
      await mine.createRun({ runId: 'r', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: at });
      const commit = { runId: 'r', step: step('r'), events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 } };
      let between = 0;
      pool.drop = { lost: 'request', between: async () => void (await other.commitStep(commit), between++) };
      expect(await codeOf(mine.commitStep(commit))).toBe('run_conflict');
      expect(between).toBe(1);
      expect(await mine.getRun('r')).toMatchObject({ stepCount: 1, usage: { inputTokens: 1 } });
      // A re-send whose own first attempt landed (its reply lost) is acknowledged, applied once;
      // the other caller's identical commit meanwhile is the conflict.
      const next = { ...commit, step: { ...step('r'), stepIndex: 1 } };
      pool.drop = { lost: 'reply', between: async () => void (between += (await codeOf(other.commitStep(next))) === 'run_conflict' ? 1 : 0) };
      expect(await codeOf(mine.commitStep(next))).toBeUndefined();
      expect(between).toBe(2);
      expect(await mine.getRun('r')).toMatchObject({ stepCount: 2, usage: { inputTokens: 2 } });
      expect(await mine.loadSteps('r')).toHaveLength(2);
    } finally {
      await mine.close();
      await other.close();
      await pool.end();
    }
  });
});
