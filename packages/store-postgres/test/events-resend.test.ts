import { AgentrtError, type StoredRunEvent } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, DroppingPool, dropSchema, freshSchema } from './pg-helpers.js';

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropSchema(name);
});
const codeOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`));

/** Which statement to drop: `appendEvents` sets only the event head; `updateRun` sets `retryable = false`. */
const APPEND = (text: string) => /UPDATE \S+ SET last_event_seq = /.test(text);
const UPDATE_RUN = (text: string) => text.includes('retryable = false');


// One timestamp for every event: two callers' events are then the very same bytes.
const at = new Date().toISOString();
const events = (runId: string, first: number, n: number): StoredRunEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'step_started', runId, at, seq: first + i, stepIndex: first + i }));

async function setup(): Promise<{ pool: DroppingPool; mine: PostgresStore; other: PostgresStore; done: () => Promise<void> }> {
  const schema = freshSchema();
  created.push(schema);
  const pool = new DroppingPool({ connectionString: DATABASE_URL, max: 2 });
  const mine = new PostgresStore({ pool, schema });
  const other = new PostgresStore({ url: DATABASE_URL, schema });
  await mine.createRun({ runId: 'r', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: at });
  return { pool, mine, other, done: async () => { await mine.close(); await other.close(); await pool.end(); } };
}

describe('PostgresStore: re-sent events are told from another caller\'s identical events (as Redis, by a per-call token)', () => {
  it('appendEvents: run_conflict when the first attempt never landed and another caller appended the same bytes meanwhile; a landed first attempt is acknowledged once', async () => {
    const { pool, mine, other, done } = await setup();
    try {
      let between = 0;
      pool.drop = { match: APPEND, lost: 'request', between: async () => void (await other.appendEvents('r', events('r', 1, 2)), between++) };
      expect(await codeOf(mine.appendEvents('r', events('r', 1, 2)))).toBe('run_conflict');
      expect(between).toBe(1);
      expect(await mine.listEvents('r')).toHaveLength(2);

      // Reply lost: this call's events landed; the other caller's identical append meanwhile is the conflict.
      pool.drop = { match: APPEND, lost: 'reply', between: async () => void (between += (await codeOf(other.appendEvents('r', events('r', 3, 2)))) === 'run_conflict' ? 1 : 0) };
      expect(await codeOf(mine.appendEvents('r', events('r', 3, 2)))).toBeUndefined();
      expect(between).toBe(2);
      expect((await mine.listEvents('r')).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect((await mine.getRun('r'))?.lastEventSeq).toBe(4);

      // Reply lost, and another caller appended further events meanwhile: the log no longer ends
      // with this call's events, so its re-send is not taken for its own (as Redis: `lastSeq` moved).
      pool.drop = { match: APPEND, lost: 'reply', between: () => other.appendEvents('r', events('r', 7, 1)) };
      expect(await codeOf(mine.appendEvents('r', events('r', 5, 2)))).toBe('run_conflict');
      expect((await mine.listEvents('r')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await done();
    }
  });

  it('updateRun with events: run_conflict when the first attempt never landed and another caller wrote the same bytes meanwhile; a landed first attempt is acknowledged once', async () => {
    const { pool, mine, other, done } = await setup();
    try {
      let between = 0;
      pool.drop = { match: UPDATE_RUN, lost: 'request', between: async () => void (await other.updateRun({ runId: 'r', status: 'paused', events: events('r', 1, 2) }), between++) };
      expect(await codeOf(mine.updateRun({ runId: 'r', status: 'paused', events: events('r', 1, 2) }))).toBe('run_conflict');
      expect(between).toBe(1);
      expect(await mine.listEvents('r')).toHaveLength(2);

      pool.drop = {
        match: UPDATE_RUN, lost: 'reply',
        between: async () => void (between += (await codeOf(other.updateRun({ runId: 'r', status: 'running', events: events('r', 3, 1) }))) === 'run_conflict' ? 1 : 0),
      };
      expect(await codeOf(mine.updateRun({ runId: 'r', status: 'running', events: events('r', 3, 1) }))).toBeUndefined();
      expect(between).toBe(2);
      expect(await mine.getRun('r')).toMatchObject({ status: 'running', lastEventSeq: 3 });
      expect(await mine.listEvents('r')).toHaveLength(3);
    } finally {
      await done();
    }
  });
});
