// RELIABILITY.md 5.1 F-22 "kill cross-process" on Redis (pushed by pub/sub): process A kills a run
// that process B drives. B's tool in flight is aborted within killPollMs (+ scheduling slack), B
// starts no model or tool call after the kill flag is committed, and the run is recorded killed.
import { createRuntime } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { checkRunInvariants, HOLD_CALL_ID, ScriptedModel, startCrashChild, startEffectCounter, waitFor } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

// Pushed: no poll interval to wait out; the bound is pub/sub latency plus scheduling slack on a
// busy 2-core machine and the tool's HTTP report of its abort.
const BOUND_MS = 500;
const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));

describe('F-22 kill cross-process (RedisStore, pub/sub)', () => {
  it('the tool in flight in the other process is aborted within the pub/sub latency; no further model/tool call; recorded killed', async () => {
    await using counter = await startEffectCounter();
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    try {
      const runId = 'rel-f22-redis';
      const child = startCrashChild({ mode: 'start', runId, scenario: 'hold', storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href, storeOptions: { url: REDIS_URL, keyPrefix }, counterUrl: counter.url, leaseTtlMs: 2_000 });
      const key = `${runId}:${HOLD_CALL_ID}`;
      await waitFor(() => counter.attempts.get(`${key}:started`) || child.settled, { timeoutMs: 20_000, message: 'the tool in the child process started' });
      expect(counter.attempts.get(`${key}:started`)).toBe(1);
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      await operator.kill(runId, 'stop it');
      const committedAt = performance.now();
      await waitFor(() => counter.attempts.get(`${key}:aborted`), { timeoutMs: 10_000, intervalMs: 5, message: 'the tool signal in the child aborted' });
      const latency = performance.now() - committedAt;
      expect(latency).toBeLessThan(BOUND_MS);
      const outcome = await child.exited;
      expect(outcome.result, outcome.stderr).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'stop it', steps: 1 });
      const events = await store.listEvents(runId);
      const killed = events.findIndex((event) => event.type === 'run_killed');
      expect(killed).toBeGreaterThan(0);
      expect(events.slice(killed).filter((event) => event.type === 'model_request' || event.type === 'tool_started')).toEqual([]);
      expect(counter.attempts.get(`${key}:finished`)).toBeUndefined();
      expect((await checkRunInvariants({ store, runId, result: outcome.result! })).violations).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);
});
