import { createRuntime, defineTool, encodeStored, type KillFlag, type RuntimeHooks } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

// Every write of a run reads its kill flags inside the write's script, and that answer serves the
// run's next kill check when nothing but synchronous code ran in between. These tests hold the
// guarantee "the kill switch reaches a run in another process before its next model or tool
// call" against that: a kill set on another connection at each point between a write and the
// next call is seen by the check before the call. The kills are written without a publish, so
// the push (pub/sub) cannot be what stops the call: only the check's store read can.

const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));

const admin = new Redis(REDIS_URL);
afterAll(() => admin.disconnect());
/** Another process's kill, as it lands in the store (no publish: the push cannot deliver it). */
const setKillSilently = (scope: string, reason: string) => admin.hset(`${keyPrefix}kill`, scope, encodeStored({ scope, reason, at: new Date().toISOString() } satisfies KillFlag));

const now = () => new Date().toISOString();
const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };
const newRun = (runId: string) => ({ runId, input: [{ role: 'user' as const, content: 'go' }], inputFingerprint: 'i', toolsFingerprint: 't', createdAt: now() });
const decision = (stepIndex: number) => ({ stepIndex, message: { role: 'assistant' as const, content: '', toolCalls: [{ id: `c${stepIndex}`, name: 'put', args: {} }] }, usage, finishReason: 'tool_calls' as const, startedAt: now() });

/**
 * A RedisStore whose kill subscription is up (a probe kill on another scope was heard), so the
 * runs below keep the answers their writes read: a subscription coming up drops those.
 */
async function readyStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: REDIS_URL, keyPrefix });
  const probe = `probe-${Math.random().toString(36).slice(2)}`;
  let heard = false;
  const unsubscribe = store.subscribeKills((flag) => void (heard ||= flag.scope === probe));
  const other = new RedisStore({ url: REDIS_URL, keyPrefix });
  await other.setKillFlag({ scope: probe, reason: 'probe', at: now() });
  await vi.waitFor(() => expect(heard).toBe(true), { timeout: 10_000 });
  await other.clearKillFlag(probe);
  await other.close();
  unsubscribe();
  return store;
}

/** A model that asks for `tool` on every call, counting its calls; `onCall` runs inside each call. */
function countingModel(tool: string, onCall?: (n: number) => Promise<void>) {
  const model = {
    provider: 'test',
    model: 'counting',
    calls: 0,
    async generate() {
      const n = ++model.calls;
      await onCall?.(n);
      return { message: { role: 'assistant' as const, content: '', toolCalls: [{ id: `c${n}`, name: tool, args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' as const };
    },
  };
  return model;
}

describe('RedisStore: the kill read taken with a write serves the next check only when nothing ran in between', () => {
  it('answers the check right after a write without a round trip, and reads when I/O happened since', async () => {
    const a = new RedisStore({ url: REDIS_URL, keyPrefix });
    const b = new RedisStore({ url: REDIS_URL, keyPrefix });
    try {
      await a.createRun(newRun('w1'));
      const reads = vi.spyOn((a as unknown as { redis: Redis }).redis, 'hmget');
      // The clock stands still across the write and its check: the same-turn answer is also bound
      // to 1 ms of wall time, and a loaded machine may deschedule this process longer than that in
      // between (a read then, rightly; this test is about the same turn, not the machine's speed).
      const frozen = performance.now();
      const clock = vi.spyOn(performance, 'now').mockImplementation(() => frozen);
      try {
        await a.saveDecision({ runId: 'w1', decision: decision(0) });
        expect(await a.getKillFlag('w1')).toBeUndefined();
        expect(reads).toHaveBeenCalledTimes(0); // answered by the decision's script
        expect(await a.getKillFlag('w1')).toBeUndefined();
        expect(reads).toHaveBeenCalledTimes(1); // one check per answer
      } finally {
        clock.mockRestore();
      }

      // The kill lands after the write's script ran, set by another connection: the check that
      // follows it is in a later event-loop turn, so it reads and sees the kill.
      await a.commitStep({ runId: 'w1', step: { runId: 'w1', stepIndex: 0, messages: [decision(0).message, { role: 'tool', toolCallId: 'c0', name: 'put', content: 'ok' }], usage, toolCalls: 1, finishReason: 'tool_calls', startedAt: now(), endedAt: now() }, events: [], usageDelta: usage });
      await b.setKillFlag({ scope: 'w1', reason: 'stop w1 from b', at: now() });
      expect((await a.getKillFlag('w1'))?.reason).toBe('stop w1 from b');
      expect(reads).toHaveBeenCalledTimes(2);

      // A kill set before the write is in the write's answer.
      await setKillSilently('w1', 'set before the write');
      await a.updateRun({ runId: 'w1', status: 'running' });
      expect((await a.getKillFlag('w1'))?.reason).toBe('set before the write');
      expect(reads).toHaveBeenCalledTimes(2);
      reads.mockRestore();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a kill set from another connection after a step commit (onStepEnd hook) stops the run before its next model call', async () => {
    const runId = 'after-commit';
    const store = await readyStore();
    const other = new RedisStore({ url: REDIS_URL, keyPrefix });
    const put = defineTool({ name: 'put', description: 'ok', input: z.object({}), sideEffects: 'idempotent', execute: () => 'ok' });
    const model = countingModel('put');
    let commits = 0;
    const hook: RuntimeHooks = {
      async onStepEnd() {
        commits++;
        // Set with a publish by another store (as `runtime.kill` in another process does) ...
        if (commits === 3) await other.setKillFlag({ scope: runId, reason: 'after commit 3', at: now() });
      },
    };
    const runtime = createRuntime({ model, tools: [put], store, hooks: [hook], loopDetection: false, limits: { maxSteps: 10, timeoutMs: 60_000 } });
    try {
      const result = await runtime.run({ input: 'go', runId });
      expect(result.stopReason).toBe('killed');
      expect(result.steps).toBe(3);
      expect(model.calls).toBe(3); // the call after the commit never started
    } finally {
      await runtime.close();
      await other.close();
    }
  });

  it('… also when the kill is never published (only the store read can see it)', async () => {
    const runId = 'after-commit-silent';
    const store = await readyStore();
    const put = defineTool({ name: 'put', description: 'ok', input: z.object({}), sideEffects: 'idempotent', execute: () => 'ok' });
    const model = countingModel('put');
    const hook: RuntimeHooks = {
      async onStepEnd(step) {
        if (step.stepIndex === 3) await setKillSilently(runId, 'after commit 4');
      },
    };
    const runtime = createRuntime({ model, tools: [put], store, hooks: [hook], loopDetection: false, limits: { maxSteps: 10, timeoutMs: 60_000 } });
    try {
      const result = await runtime.run({ input: 'go', runId });
      expect(result.stopReason).toBe('killed');
      expect(result.stopDetail).toContain('after commit 4');
      expect(result.steps).toBe(4);
      expect(model.calls).toBe(4);
    } finally {
      await runtime.close();
    }
  });

  it('… also when a hook blocks the thread while another process sets the kill (no event-loop turn in between)', async () => {
    const runId = 'after-commit-sync';
    const store = await readyStore();
    const put = defineTool({ name: 'put', description: 'ok', input: z.object({}), sideEffects: 'idempotent', execute: () => 'ok' });
    const model = countingModel('put');
    const flag = encodeStored({ scope: runId, reason: 'set by a child process', at: now() } satisfies KillFlag);
    const script = `import { Redis } from 'ioredis'; const r = new Redis(${JSON.stringify(REDIS_URL)}); await r.hset(${JSON.stringify(`${keyPrefix}kill`)}, ${JSON.stringify(runId)}, ${JSON.stringify(flag)}); r.disconnect();`;
    const hook: RuntimeHooks = {
      onStepEnd(step) {
        // Synchronous: this process handles no I/O until the child has set the kill.
        if (step.stepIndex === 2) {
          const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
          expect(child.status, child.stderr).toBe(0);
        }
      },
    };
    const runtime = createRuntime({ model, tools: [put], store, hooks: [hook], loopDetection: false, limits: { maxSteps: 10, timeoutMs: 60_000 } });
    try {
      const result = await runtime.run({ input: 'go', runId });
      expect(result.stopReason).toBe('killed');
      expect(result.steps).toBe(3);
      expect(model.calls).toBe(3);
    } finally {
      await runtime.close();
    }
  });

  for (const sideEffects of ['idempotent', 'none', 'non-idempotent'] as const) {
    it(`a kill set from another connection during the model call stops the run before its tool call (${sideEffects} tool)`, async () => {
      const runId = `during-model-${sideEffects}`;
      const store = await readyStore();
      let toolRuns = 0;
      const put = defineTool({ name: 'put', description: 'counts its runs', input: z.object({}), sideEffects, execute: () => `ok ${++toolRuns}` });
      const model = countingModel('put', async (n) => {
        if (n === 3) await setKillSilently(runId, 'during model call 3');
      });
      const runtime = createRuntime({ model, tools: [put], store, loopDetection: false, limits: { maxSteps: 10, timeoutMs: 60_000 } });
      try {
        const result = await runtime.run({ input: 'go', runId });
        expect(result.stopReason).toBe('killed');
        expect(model.calls).toBe(3);
        expect(toolRuns).toBe(2); // the tool call of step 3 never started
      } finally {
        await runtime.close();
      }
    });

    it(`a kill set from another connection during a tool call stops the run before its next model call (${sideEffects} tool)`, async () => {
      const runId = `during-tool-${sideEffects}`;
      const store = await readyStore();
      let toolRuns = 0;
      const put = defineTool({
        name: 'put', description: 'counts its runs', input: z.object({}), sideEffects,
        execute: async () => {
          if (++toolRuns === 3) await setKillSilently(runId, 'during tool call 3');
          return 'ok';
        },
      });
      const model = countingModel('put');
      const runtime = createRuntime({ model, tools: [put], store, loopDetection: false, limits: { maxSteps: 10, timeoutMs: 60_000 } });
      try {
        const result = await runtime.run({ input: 'go', runId });
        expect(result.stopReason).toBe('killed');
        expect(toolRuns).toBe(3);
        expect(model.calls).toBe(3); // no model call after the tool that saw the kill set
      } finally {
        await runtime.close();
      }
    });
  }

});
