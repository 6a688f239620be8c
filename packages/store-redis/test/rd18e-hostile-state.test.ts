// rd18e: RedisStore over hostile persisted state written straight into Redis (ioredis, as
// redis-cli would): each damage is `state_corrupt` naming the run and the field or key — never
// `store_unavailable` (which callers retry forever), never a record with a guessed value or
// another run's label, and a write stopped by the damage writes nothing.
import { AgentrtError, type NewRunRecord, type StateStore, type StoredRunEvent } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { storeRecords } from '@agentrt/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const prefixes: string[] = [];
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  await Promise.all(prefixes.map(dropPrefix));
  redis.disconnect();
});

const RUN = 'victim';
const event = (seq: number): StoredRunEvent => ({ type: 'step_started', runId: RUN, at: new Date().toISOString(), seq, stepIndex: 0 }) as StoredRunEvent;
const commit = (store: StateStore) => store.commitStep({ runId: RUN, step: storeRecords.step(RUN, 0, 'c0'), events: [event(1)], usageDelta: { inputTokens: 3, outputTokens: 2, costUsd: 0.25 } });
const mediaRun = (runId: string): NewRunRecord => ({
  ...storeRecords.run(runId),
  input: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image', mediaType: 'image/png', data: Buffer.alloc(4096, 9).toString('base64') }] }],
});
/** The error code and message of a failed call (a raw, untyped error fails the test). */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!AgentrtError.isInstance(error)) throw new Error(`untyped error: ${String(error)}`);
    return { code: error.code, message: error.message };
  }
  throw new Error('resolved');
}
/** A store with one run (`RUN`, and an older run `other`) on a fresh prefix, then damaged by `damage`. */
async function damaged(damage: (p: string) => Promise<unknown>, run: NewRunRecord = storeRecords.run(RUN)): Promise<{ store: RedisStore; p: string }> {
  const p = freshPrefix();
  prefixes.push(p);
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: p });
  await store.createRun(storeRecords.run('other'));
  await store.createRun(run);
  await damage(p);
  return { store, p };
}

// Fields of the run hash a read parses as numbers or times: what the scripts never write there.
const HASH_FIELDS: readonly [field: string, value: string][] = [
  ['stepCount', '1.5'], ['stepCount', '0x10'], ['stepCount', ''], ['lastSeq', ' 7'], ['inTok', '1e3'], ['cost', '0b11'], ['updatedAt', 'not a time'],
];

describe('RedisStore over hostile persisted state (rd18e)', () => {
  it.each(HASH_FIELDS)('a run whose %s is %j is state_corrupt naming the field, in getRun and listRuns', async (field, value) => {
    const { store, p } = await damaged((p) => redis.hset(`${p}run:${RUN}`, field, value));
    try {
      for (const read of [() => store.getRun(RUN), () => store.listRuns()]) {
        const { code, message } = await failure(read());
        expect(code).toBe('state_corrupt');
        expect(message).toContain(`run ${RUN}`);
        expect(message).toContain(field);
      }
      await redis.hdel(`${p}run:${RUN}`, field); // absent: the field's default, as runs written before it
      expect((await store.getRun(RUN))?.runId).toBe(RUN);
    } finally {
      await store.close();
    }
  });

  it('a runId or status inside the stored static part does not relabel the record', async () => {
    const { store } = await damaged(async (p) => {
      const part = JSON.parse((await redis.hget(`${p}run:${RUN}`, 'static'))!) as Record<string, unknown>;
      await redis.hset(`${p}run:${RUN}`, 'static', JSON.stringify({ ...part, runId: 'other', status: 'completed' }));
    });
    try {
      for (const record of [await store.getRun(RUN), (await store.listRuns())[0]]) {
        expect(record).toMatchObject({ runId: RUN, status: 'running' });
      }
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([RUN, 'other']);
    } finally {
      await store.close();
    }
  });

  // Keys of another type than the store writes there (WRONGTYPE): damage, not an outage.
  const WRONG_TYPES: readonly [key: string, read: (store: StateStore) => Promise<unknown>][] = [
    [`run:${RUN}`, (store) => store.getRun(RUN)],
    [`run:${RUN}`, (store) => store.listRuns()],
    [`steps:${RUN}`, (store) => store.loadSteps(RUN)],
    [`events:${RUN}`, (store) => store.listEvents(RUN)],
    [`ledger:${RUN}`, (store) => store.getToolLedger(RUN)],
    ['kill', (store) => store.getKillFlag(RUN)],
  ];
  it.each(WRONG_TYPES)('a key %s that is not of its type is state_corrupt naming the run (%#)', async (key, read) => {
    const { store } = await damaged(async (p) => {
      await redis.del(`${p}${key}`);
      await redis.set(`${p}${key}`, 'not the type the store writes');
    });
    try {
      const { code, message } = await failure(read(store));
      expect(code).toBe('state_corrupt');
      expect(message).toContain(`run ${RUN}`);
    } finally {
      await store.close();
    }
  });

  it('a media blob key that is not a hash is state_corrupt in getRun and in listRuns', async () => {
    const { store } = await damaged(async (p) => {
      await redis.del(`${p}blobs:${RUN}`);
      await redis.set(`${p}blobs:${RUN}`, 'x');
    }, mediaRun(RUN));
    try {
      for (const read of [() => store.getRun(RUN), () => store.listRuns()]) {
        const { code, message } = await failure(read());
        expect(code).toBe('state_corrupt');
        expect(message).toContain(RUN);
      }
    } finally {
      await store.close();
    }
  });

  // Writes whose script reads a damaged field: state_corrupt naming it, and nothing written.
  const SCRIPT_FIELDS: readonly [field: string, value: string | undefined, write: (store: StateStore) => Promise<unknown>][] = [
    ['stepCount', 'abc', commit],
    ['stepCount', undefined, commit],
    ['stepCount', 'abc', (store) => store.saveDecision({ runId: RUN, decision: { stepIndex: 0, usage: storeRecords.usage } as never })],
    ['lastSeq', 'abc', commit],
    ['lastSeq', 'abc', (store) => store.appendEvents(RUN, [event(1)])],
    ['inTok', 'abc', commit],
    ['toolCalls', '1.5', commit],
    ['cost', 'abc', commit],
    ['leaseExpires', 'abc', (store) => store.acquireLease({ runId: RUN, owner: 'me', ttlMs: 60_000 })],
    ['leaseEpoch', 'abc', (store) => store.acquireLease({ runId: RUN, owner: 'me', ttlMs: 60_000 })],
  ];
  it.each(SCRIPT_FIELDS)('a write over a run whose %s is %j is state_corrupt naming the field, writing nothing (%#)', async (field, value, write) => {
    const { store, p } = await damaged((p) => (value === undefined ? redis.hdel(`${p}run:${RUN}`, field) : redis.hset(`${p}run:${RUN}`, field, value)));
    try {
      const before = await redis.hgetall(`${p}run:${RUN}`);
      const { code, message } = await failure(write(store));
      expect(code).toBe('state_corrupt');
      expect(message).toContain(`run ${RUN}`);
      expect(message).toContain(field);
      expect(await redis.hgetall(`${p}run:${RUN}`)).toEqual(before);
      expect(await redis.llen(`${p}steps:${RUN}`)).toBe(0);
      expect(await redis.llen(`${p}events:${RUN}`)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a step commit over an events list or kill hash of the wrong type writes nothing', async () => {
    for (const key of [`events:${RUN}`, 'kill']) {
      const { store, p } = await damaged((p) => redis.set(`${p}${key}`, 'x'));
      try {
        expect((await failure(commit(store))).code).toBe('state_corrupt');
        expect(await redis.llen(`${p}steps:${RUN}`)).toBe(0);
        expect(await redis.hget(`${p}run:${RUN}`, 'stepCount')).toBe('0');
      } finally {
        await store.close();
      }
    }
  });

  it('an event log entry that is not the event of its seq is state_corrupt naming the run and seq', async () => {
    for (const entry of ['{"v":1}', JSON.stringify({ ...event(5), v: 1 })]) {
      const { store, p } = await damaged((p) => redis.rpush(`${p}events:${RUN}`, entry));
      try {
        const { code, message } = await failure(store.listEvents(RUN));
        expect(code).toBe('state_corrupt');
        expect(message).toContain(`event 1 of run ${RUN}`);
        expect(await store.listEvents(RUN, { afterSeq: 1 })).toEqual([]);
      } finally {
        await store.close();
      }
    }
  });

  it('a ledger entry without its start time or stored under another call id is state_corrupt naming the call', async () => {
    const entries: [string, string][] = [
      ['t1', '{"v":1,"runId":"victim","toolCallId":"t1","stepIndex":0,"status":"started"}'],
      ['t1', '{"v":1,"runId":"victim","toolCallId":"t2","stepIndex":0,"startedAt":"2026-01-01T00:00:00.000Z","status":"started"}'],
      ['t1', '{"v":1,"runId":"victim","toolCallId":"t1","stepIndex":"0","startedAt":"2026-01-01T00:00:00.000Z","status":"started"}'],
    ];
    for (const [field, entry] of entries) {
      const { store } = await damaged((p) => redis.hset(`${p}ledger:${RUN}`, field, entry));
      try {
        const { code, message } = await failure(store.getToolLedger(RUN));
        expect(code).toBe('state_corrupt');
        expect(message).toContain(`"t1" of run ${RUN}`);
      } finally {
        await store.close();
      }
    }
  });

  it('a step commit carrying a deferred tool result over a ledger hash of the wrong type writes nothing', async () => {
    const { store, p } = await damaged((p) => redis.set(`${p}ledger-done:${RUN}`, 'x'));
    try {
      await store.recordToolResult(storeRecords.toolResult(RUN, 'c0', 0, 'idempotent')); // deferred into the commit's script
      const { code, message } = await failure(commit(store));
      expect(code).toBe('state_corrupt');
      expect(message).toContain(`ledger-done:${RUN}`);
      expect(await redis.llen(`${p}steps:${RUN}`)).toBe(0);
      expect(await redis.llen(`${p}events:${RUN}`)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a run counter that is not an integer fails createRun with state_corrupt, creating no run', async () => {
    const { store, p } = await damaged((p) => redis.set(`${p}counter`, 'abc'));
    try {
      const { code, message } = await failure(store.createRun(storeRecords.run('new')));
      expect(code).toBe('state_corrupt');
      expect(message).toContain('run new');
      expect(await redis.exists(`${p}run:new`)).toBe(0);
      expect(await store.getRun('new')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
