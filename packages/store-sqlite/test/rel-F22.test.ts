// RELIABILITY.md 5.1 F-22 "kill cross-process" on SQLite (a polled store): process A kills a run
// that process B drives. B's tool in flight is aborted within killPollMs (+ scheduling slack), B
// starts no model or tool call after the kill flag is committed, and the run is recorded killed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants, HOLD_CALL_ID, ScriptedModel, startCrashChild, startEffectCounter, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const KILL_POLL_MS = 250; // the documented default (docs/governance.md)
// Scheduling slack on a busy 2-core machine plus the tool's HTTP report of its abort.
const SLACK_MS = 600;

describe('F-22 kill cross-process (SqliteStore, polled)', () => {
  it('the tool in flight in the other process is aborted within killPollMs; no further model/tool call; recorded killed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rel-f22-')), 'runs.db');
    await using counter = await startEffectCounter();
    const store = new SqliteStore({ path });
    try {
      const runId = 'rel-f22-sqlite';
      const child = startCrashChild({ mode: 'start', runId, scenario: 'hold', storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href, storeOptions: { path }, counterUrl: counter.url, leaseTtlMs: 2_000, killPollMs: KILL_POLL_MS });
      const key = `${runId}:${HOLD_CALL_ID}`;
      await waitFor(() => counter.attempts.get(`${key}:started`) || child.settled, { timeoutMs: 20_000, message: 'the tool in the child process started' });
      expect(counter.attempts.get(`${key}:started`)).toBe(1);
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      await operator.kill(runId, 'stop it');
      const committedAt = performance.now();
      await waitFor(() => counter.attempts.get(`${key}:aborted`), { timeoutMs: 10_000, intervalMs: 5, message: 'the tool signal in the child aborted' });
      const latency = performance.now() - committedAt;
      expect(latency).toBeLessThan(KILL_POLL_MS + SLACK_MS);
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
