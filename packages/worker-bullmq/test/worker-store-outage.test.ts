import { randomUUID } from 'node:crypto';
import { createRuntime, defineTool, StoreError, type StateStore } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { checkRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { AgentQueue, createAgentWorker, type AgentWorker } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

// L-04 under load: Redis restarted while a worker drives a run, one of the run's writes timed out
// (store_unavailable, retryable) and the store was back in time for the failure to be recorded —
// the run recorded `failed` by its store's outage. Such a run is not finished: the job is retried
// and its retry resumes the run (a retryable failure reopens), instead of the job completing with
// the run left failed (it was resumed only when BullMQ happened to deliver the job again).

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The store, with the first `failOn` write of a `charge` call failing as a Redis restart makes it
 * fail: the command lands (ioredis re-sends it once the server is back) but its answer comes too
 * late, so the caller gets store_unavailable (retryable).
 */
function outageOnce(store: RedisStore, failOn: keyof StateStore): StateStore {
  let armed = true;
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== failOn) return value.bind(target);
      return async (...args: unknown[]) => {
        if (armed && (args[0] as { name?: string }).name === 'charge') {
          armed = false;
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new StoreError('store_unavailable', `${String(property)} failed: Command timed out`, { retryable: true });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('@agentrt/worker-bullmq when a run fails by its store\'s outage', () => {
  it('retries the job, which resumes the run to its final answer; the charge runs once and its landed result is replayed', async () => {
    const id = randomUUID().slice(0, 8);
    const redisStore = new RedisStore({ url: URL_, keyPrefix: `agentrt-outage-test:${id}:` });
    cleanups.push(() => redisStore.close());
    const charged: string[] = [];
    const charge = defineTool({
      name: 'charge', description: 'Charges a card', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
      execute: ({ cents }, ctx) => {
        charged.push(ctx.toolCallId);
        return `charged ${cents}`;
      },
    });
    const model = new ScriptedModel([ScriptedModel.call('charge', { cents: 100 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [charge], store: outageOnce(redisStore, 'recordToolResult'), leaseTtlMs: 1_000, owner: `outage-${id}` });
    const name = `agentrt-outage-${id}`;
    const queue = new AgentQueue({ url: URL_, name });
    cleanups.push(async () => {
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    });
    const worker: AgentWorker = createAgentWorker({ runtime, url: URL_, name, concurrency: 1, lockDurationMs: 1_000, stalledIntervalMs: 500 });
    cleanups.push(() => worker.close());

    const runId = await queue.enqueue({ input: 'go', runId: `outage-${id}` });
    // The state first, then the job read again (a job read before its state may be a snapshot
    // from before it settled, without the return value or attempts its settling wrote).
    const state = await waitFor(async () => {
      const now = await queue.queue.getJobState(runId);
      return now === 'completed' || now === 'failed' ? now : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, message: 'the job settles' });
    const found = (await queue.queue.getJob(runId))!;
    const job = { state, attemptsMade: found.attemptsMade, value: found.returnvalue as unknown };

    expect(job.state).toBe('completed');
    expect(job.value).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    const run = await redisStore.getRun(runId);
    expect(run?.result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 2 });
    expect(charged).toEqual(['c1']);
    // The outage's failure and the resume are both on record; the charge is the one it made.
    const events = await redisStore.listEvents(runId);
    expect(events.filter((event) => event.type === 'run_error').map((event) => (event as { code?: string }).code)).toEqual(['store_unavailable']);
    expect(events.filter((event) => event.type === 'run_resumed')).toHaveLength(1);
    const results = (await redisStore.loadSteps(runId)).flatMap((step) => step.messages).filter((message) => message.role === 'tool');
    expect(results).toMatchObject([{ toolCallId: 'c1', content: 'charged 100' }]);
    expect(results[0]).not.toHaveProperty('isError');
    expect((await checkRunInvariants({ store: redisStore, runId })).violations).toEqual([]);
    model.assertDone();
  }, 30_000);
});
