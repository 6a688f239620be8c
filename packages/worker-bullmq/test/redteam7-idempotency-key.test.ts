import { randomUUID } from 'node:crypto';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { AgentQueue, createAgentWorker, type RunJobResult } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

// F-47 through the queue: a producer that submits one order twice (a retry after a timeout, a
// double click) enqueues two jobs with two run ids and one idempotency key. The runtime answers the
// second with the first run; the job must end with that run's outcome, not be retried for minutes as
// "not recorded" because no run has the second job's id.
describe('jobs that share an idempotency key', () => {
  it('complete with the one run the key names: one run, one charge, no retry', async () => {
    const name = `agentrt-redteam7-${randomUUID().slice(0, 8)}`;
    const queue = new AgentQueue({ url: URL_, name });
    cleanup.push(async () => {
      await queue.queue.obliterate({ force: true });
      await queue.close();
    });
    let charges = 0;
    const charge = defineTool({ name: 'charge', description: 'c', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', execute: () => `charged ${++charges}` });
    const store = new MemoryStore();
    // Two model turns in all: a second run (or a re-run) would ask for more and the scripted model would throw.
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('charge', { cents: 4200 }), ScriptedModel.answer('charged')]), tools: [charge], store });
    const worker = createAgentWorker({ runtime, url: URL_, name, concurrency: 1 });
    cleanup.push(() => worker.close());

    const first = await queue.enqueue({ input: 'charge order 42', idempotencyKey: 'order-42' });
    const second = await queue.enqueue({ input: 'charge order 42', idempotencyKey: 'order-42' });
    expect(second).not.toBe(first);
    for (const runId of [first, second]) {
      const state = await waitFor(async () => {
        const now = await queue.queue.getJobState(runId);
        return now === 'completed' || now === 'failed' || now === 'delayed' ? now : undefined;
      }, { timeoutMs: 15_000, message: `job ${runId} completed, failed or was scheduled for a retry` });
      const job = (await queue.queue.getJob(runId))!;
      expect({ state, failedReason: job.failedReason, attemptsMade: job.attemptsMade }).toEqual({ state: 'completed', failedReason: undefined, attemptsMade: 1 });
      expect(job.returnvalue as RunJobResult).toEqual({ runId: first, status: 'completed', stopReason: 'final_answer' });
    }
    expect(charges).toBe(1);
    expect((await store.listRuns()).map((run) => run.runId)).toEqual([first]);
    expect((await checkRunInvariants({ store, runId: first })).violations).toEqual([]);
  });

  it('fails for good on its first attempt when the key names a run of another request (idempotency_conflict)', async () => {
    const name = `agentrt-redteam7-${randomUUID().slice(0, 8)}`;
    const queue = new AgentQueue({ url: URL_, name });
    cleanup.push(async () => {
      await queue.queue.obliterate({ force: true });
      await queue.close();
    });
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store });
    const worker = createAgentWorker({ runtime, url: URL_, name, concurrency: 1 });
    cleanup.push(() => worker.close());
    const first = await queue.enqueue({ input: 'charge order 42', idempotencyKey: 'order-42' });
    await waitFor(async () => (await queue.queue.getJobState(first)) === 'completed', { timeoutMs: 15_000, message: 'the first job completed' });
    // The same key with another input can never succeed: retrying it ten times with backoff only holds the job for minutes.
    const other = await queue.enqueue({ input: 'charge order 43', idempotencyKey: 'order-42' });
    const state = await waitFor(async () => {
      const now = await queue.queue.getJobState(other);
      return now === 'completed' || now === 'failed' || now === 'delayed' ? now : undefined;
    }, { timeoutMs: 15_000, message: 'the conflicting job failed or was scheduled for a retry' });
    const job = (await queue.queue.getJob(other))!;
    expect({ state, attemptsMade: job.attemptsMade }).toEqual({ state: 'failed', attemptsMade: 1 });
    expect(job.failedReason).toMatch(/^idempotency_conflict: /);
    expect((await store.listRuns()).map((run) => run.runId)).toEqual([first]);
  });
});
