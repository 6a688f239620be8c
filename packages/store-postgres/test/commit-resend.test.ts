import { AgentrtError, type StepRecord } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, DroppingPool, dropSchema, freshSchema } from './pg-helpers.js';

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropSchema(name);
});
/** The statement that writes a step commit. */
const isStepCommit = (text: string) => text.includes('agentrt_steps (run_id, step_index, data)');
const codeOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`));


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
      pool.drop = { match: isStepCommit, lost: 'request', between: async () => void (await other.commitStep(commit), between++) };
      expect(await codeOf(mine.commitStep(commit))).toBe('run_conflict');
      expect(between).toBe(1);
      expect(await mine.getRun('r')).toMatchObject({ stepCount: 1, usage: { inputTokens: 1 } });
      // A re-send whose own first attempt landed (its reply lost) is acknowledged, applied once;
      // the other caller's identical commit meanwhile is the conflict.
      const next = { ...commit, step: { ...step('r'), stepIndex: 1 } };
      pool.drop = { match: isStepCommit, lost: 'reply', between: async () => void (between += (await codeOf(other.commitStep(next))) === 'run_conflict' ? 1 : 0) };
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
