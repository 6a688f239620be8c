import { randomUUID } from 'node:crypto';
import { createRuntime } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { AgentQueue, createAgentWorker, runJobId } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A queue, a worker and a RedisStore, all under names no other test uses. */
async function setup(options: { queueHasStore: boolean }) {
  const name = `agentrt-removed-${randomUUID().slice(0, 8)}`;
  const store = new RedisStore({ url: URL_, keyPrefix: `${name}:` });
  const model = new ScriptedModel([ScriptedModel.answer('refunded')], { whenExhausted: 'repeat_last' });
  const runtime = createRuntime({ model, store });
  const queue = new AgentQueue({ url: URL_, name, ...(options.queueHasStore ? { store } : {}) });
  const worker = createAgentWorker({ runtime, url: URL_, name });
  cleanups.push(() => store.close(), () => queue.close(), () => queue.queue.obliterate({ force: true }), () => worker.close());
  return { store, model, queue, worker };
}

/** Runs `order-42` to its end, then lets BullMQ remove its job (as `removeOnComplete` does once 1,000 newer jobs finished). */
async function finishAndRemove({ store, queue }: Awaited<ReturnType<typeof setup>>, request: Parameters<AgentQueue['enqueue']>[0]) {
  await queue.enqueue(request);
  const jobId = runJobId(request.runId!);
  await waitFor(async () => (await queue.queue.getJob(jobId))?.finishedOn !== undefined, { timeoutMs: 30_000, message: 'the first job finished' });
  expect((await store.getRun(request.runId!))?.result?.stopReason).toBe('final_answer');
  await queue.queue.clean(0, 1_000, 'completed');
  expect(await queue.queue.getJob(jobId)).toBeUndefined();
}

const request = { runId: 'order-42', input: 'refund order 42', system: 'be brief', metadata: { tenant: 't1' } };

describe('AgentQueue.enqueue of a run id whose job BullMQ already removed', () => {
  it('compares with the run\'s record (queue given the store): the same request is a no-op, a different one run_conflict — nothing queued either way', async () => {
    const ctx = await setup({ queueHasStore: true });
    await finishAndRemove(ctx, request);
    const before = await ctx.store.getRun('order-42');
    // The same request, fields in another order: idempotent, no job, no second drive.
    expect(await ctx.queue.enqueue({ metadata: { tenant: 't1' }, system: 'be brief', input: 'refund order 42', runId: 'order-42' })).toBe('order-42');
    await expect(ctx.queue.enqueue({ ...request, input: 'refund order 43' })).rejects.toMatchObject({ name: 'StoreError', code: 'run_conflict' });
    await expect(ctx.queue.enqueue({ ...request, metadata: { tenant: 't2' } })).rejects.toMatchObject({ code: 'run_conflict' });
    await expect(ctx.queue.enqueue({ ...request, idempotencyKey: 'k1' })).rejects.toMatchObject({ code: 'run_conflict' });
    await expect(ctx.queue.enqueue({ runId: 'order-42', input: 'refund order 42' })).rejects.toMatchObject({ code: 'run_conflict' });
    expect(await ctx.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 0 });
    expect(ctx.model.calls).toBe(1);
    expect(await ctx.store.getRun('order-42')).toEqual(before);
    // A run id never used is still queued and run.
    expect(await ctx.queue.enqueue({ ...request, runId: 'order-43' })).toBe('order-43');
    await waitFor(async () => (await ctx.store.getRun('order-43'))?.result?.stopReason === 'final_answer', { timeoutMs: 30_000, message: 'order-43 finished' });
  }, 60_000);

  it('without the store on the queue, the worker compares: a different request fails its job with run_conflict and leaves the run untouched; the same one drives nothing new', async () => {
    const ctx = await setup({ queueHasStore: false });
    await finishAndRemove(ctx, request);
    const before = await ctx.store.getRun('order-42');
    await ctx.queue.enqueue({ ...request, input: 'refund order 43' });
    const jobId = runJobId('order-42');
    await waitFor(async () => (await ctx.queue.queue.getJob(jobId))?.finishedOn !== undefined, { timeoutMs: 30_000, message: 'the conflicting job settled' });
    const conflicting = (await ctx.queue.queue.getJob(jobId))!;
    expect(await conflicting.getState()).toBe('failed');
    expect(conflicting.failedReason).toMatch(/^run_conflict:/);
    expect(conflicting.attemptsMade).toBe(1); // failed for good, not retried
    expect(await ctx.store.getRun('order-42')).toEqual(before);
    await conflicting.remove();
    // The same request again: the worker resumes the finished run, which just returns its result.
    await ctx.queue.enqueue(request);
    await waitFor(async () => (await ctx.queue.queue.getJob(jobId))?.finishedOn !== undefined, { timeoutMs: 30_000, message: 'the repeated job settled' });
    const repeated = (await ctx.queue.queue.getJob(jobId))!;
    expect(await repeated.getState()).toBe('completed');
    expect(repeated.returnvalue).toMatchObject({ runId: 'order-42', status: 'completed', stopReason: 'final_answer' });
    expect(ctx.model.calls).toBe(1);
    expect((await ctx.store.getRun('order-42'))?.result).toEqual(before?.result);
  }, 60_000);
});
