import { RedisStore } from '@agentrt/store-redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));

const record = (runId: string, extra: { idempotencyKey?: string; createdAt?: string; text?: string } = {}) => ({
  runId,
  input: [{ role: 'user' as const, content: extra.text ?? 'go' }],
  inputFingerprint: `f-${extra.text ?? 'go'}`,
  toolsFingerprint: 't',
  createdAt: extra.createdAt ?? '2026-11-26T17:51:30.626Z',
  ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
});

// ioredis re-sends a command whose reply was lost with a dropped connection (autoResendUnfulfilledCommands):
// Redis then runs the same script twice. The F-40 fault test met it as `createRun: run blip already exists`.
describe('RedisStore: a creation re-sent after a dropped connection', () => {
  for (const idempotencyKey of [undefined, 'k1']) {
    it(`the command run twice by Redis (a resend) is acknowledged as created, once stored${idempotencyKey ? ', with an idempotency key too' : ''}`, async () => {
      const store = new RedisStore({ url: REDIS_URL, keyPrefix });
      const raw = new Redis(REDIS_URL);
      // The store's last EVAL is run a second time, as a resend after a lost reply would be.
      const runId = `resent-${idempotencyKey ?? 'plain'}`;
      try {
        const sent: unknown[][] = [];
        const evalsha = (store as unknown as { redis: Redis }).redis;
        const original = evalsha.sendCommand.bind(evalsha);
        evalsha.sendCommand = ((command: { name: string; args: unknown[] }) => {
          if (command.name === 'eval' || command.name === 'evalsha') sent.push([command.name, ...command.args]);
          return original(command as never);
        }) as typeof evalsha.sendCommand;
        const first = await store.createRun(record(runId, idempotencyKey ? { idempotencyKey } : {}));
        expect(first.created).toBe(true);
        const [name, ...args] = sent.at(-1)!;
        const again = await raw.call(String(name), ...(args as (string | number)[]));
        expect(again).toEqual(['created', runId]);
        expect((await store.listRuns()).filter((run) => run.runId === runId)).toHaveLength(1);
      } finally {
        raw.disconnect();
        await store.close();
      }
    });
  }

  it('a second createRun of an existing run id is a conflict, even with the same record', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    try {
      await store.createRun(record('same'));
      await expect(store.createRun(record('same'))).rejects.toMatchObject({ code: 'run_conflict' });
    } finally {
      await store.close();
    }
  });

  it('a different creation of an existing run id is a conflict', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    try {
      await store.createRun(record('taken'));
      await expect(store.createRun(record('taken', { createdAt: '2026-11-26T17:51:30.627Z' }))).rejects.toMatchObject({ code: 'run_conflict' });
      await expect(store.createRun(record('taken', { text: 'other' }))).rejects.toMatchObject({ code: 'run_conflict' });
    } finally {
      await store.close();
    }
  });

  it('events appended twice by Redis (a resend) are acknowledged, stored once; a real gap is still refused', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const raw = new Redis(REDIS_URL);
    try {
      await store.createRun(record('events'));
      const lease = (await store.acquireLease({ runId: 'events', owner: 'me', ttlMs: 30_000 }))!;
      const sent: unknown[][] = [];
      const client = (store as unknown as { redis: Redis }).redis;
      const original = client.sendCommand.bind(client);
      client.sendCommand = ((command: { name: string; args: unknown[] }) => {
        if (command.name === 'eval' || command.name === 'evalsha') sent.push([command.name, ...command.args]);
        return original(command as never);
      }) as typeof client.sendCommand;
      const event = (seq: number) => ({ type: 'run_annotated' as const, name: 'n', value: seq, runId: 'events', at: '2026-11-26T17:51:30.626Z', seq });
      await store.appendEvents('events', [event(1), event(2)], { lease });
      const [name, ...args] = sent.at(-1)!;
      await raw.call(String(name), ...(args as (string | number)[]));
      expect((await store.listEvents('events')).map((e) => e.seq)).toEqual([1, 2]);
      await store.appendEvents('events', [event(3)], { lease });
      await expect(store.appendEvents('events', [event(5)], { lease })).rejects.toMatchObject({ code: 'run_conflict' });
      expect((await store.listEvents('events')).map((e) => e.seq)).toEqual([1, 2, 3]);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});

describe('RedisStore: a step commit re-sent after a dropped connection', () => {
  const step = (runId: string, stepIndex: number) => ({
    runId, stepIndex, messages: [{ role: 'assistant' as const, content: `step ${stepIndex}` }], usage: { inputTokens: 1, outputTokens: 1, costUsd: 0.5 },
    toolCalls: 0, finishReason: 'stop' as const, startedAt: '2026-11-26T17:51:30.626Z', endedAt: '2026-11-26T17:51:30.626Z',
  });
  const event = (runId: string, seq: number) => ({ type: 'run_annotated' as const, name: 'n', value: seq, runId, at: '2026-11-26T17:51:30.626Z', seq });

  it('the command run twice by Redis (a resend) is acknowledged and applied once; a second call with the same step is run_conflict', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const raw = new Redis(REDIS_URL);
    try {
      await store.createRun(record('commit'));
      const sent: unknown[][] = [];
      const client = (store as unknown as { redis: Redis }).redis;
      const original = client.sendCommand.bind(client);
      client.sendCommand = ((command: { name: string; args: unknown[] }) => {
        if (command.name === 'eval' || command.name === 'evalsha') sent.push([command.name, ...command.args]);
        return original(command as never);
      }) as typeof client.sendCommand;
      const commit = { runId: 'commit', step: step('commit', 0), events: [event('commit', 1)], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0.5 } };
      await store.commitStep(commit);
      const [name, ...args] = sent.at(-1)!;
      // The same command again, as ioredis re-sends it: acknowledged (the reply of withKills: [reply, own, all]).
      expect(((await raw.call(String(name), ...(args as (string | number)[]))) as unknown[])[0]).toBe('DUPLICATE');
      // Another call with the very same step bytes (two commits within one millisecond) is a conflict.
      await expect(store.commitStep(commit)).rejects.toMatchObject({ code: 'run_conflict' });
      expect(await store.getRun('commit')).toMatchObject({ stepCount: 1, lastEventSeq: 1, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0.5 } });
      expect(await store.loadSteps('commit')).toHaveLength(1);
      expect(await store.listEvents('commit')).toHaveLength(1);
      // The re-send of step 0 after step 1 landed is no longer acknowledged as step 0's.
      await store.commitStep({ ...commit, step: step('commit', 1), events: [event('commit', 2)] });
      await expect(raw.call(String(name), ...(args as (string | number)[]))).rejects.toThrow(/run_conflict/);
      expect(await store.getRun('commit')).toMatchObject({ stepCount: 2, lastEventSeq: 2 });
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
