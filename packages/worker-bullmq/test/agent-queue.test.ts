import { randomUUID } from 'node:crypto';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const queues: AgentQueue[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const queue of queues.splice(0)) {
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
});

describe('AgentQueue.resume', () => {
  // Two API processes (or a queue made per request) each have sent one resume so far; two approvers
  // resume the same paused run in the same millisecond. Each resume must become its own job: were
  // they given the same job id, BullMQ would keep the first and silently drop the second, and with
  // it that approver's decisions.
  it('enqueues every resume as its own job, even two from separate queues in the same millisecond', async () => {
    const name = `agentrt-queue-test-${randomUUID().slice(0, 8)}`;
    const a = new AgentQueue({ url: URL_, name });
    const b = new AgentQueue({ url: URL_, name });
    queues.push(a, b);
    // Both calls fall in one millisecond (forced here; on a busy machine it simply happens).
    vi.spyOn(Date, 'now').mockReturnValue(1_790_000_000_000);
    await Promise.all([
      a.resume('paused-run', { 'call-a': { decision: 'approve' } }),
      b.resume('paused-run', { 'call-b': { decision: 'deny', reason: 'no' } }),
    ]);
    vi.restoreAllMocks();
    const jobs = await a.queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((job) => job.data.approvals).sort((x, y) => Object.keys(x ?? {})[0]!.localeCompare(Object.keys(y ?? {})[0]!))).toEqual([
      { 'call-a': { decision: 'approve' } },
      { 'call-b': { decision: 'deny', reason: 'no' } },
    ]);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(2);
    expect(jobs.every((job) => job.name === 'resume' && job.data.runId === 'paused-run')).toBe(true);
  });
});

describe('AgentQueue.enqueue', () => {
  // Valid run ids BullMQ refuses as custom job ids: one that reads as an integer, one with a ':'
  // (BullMQ allows only exactly two), one with two.
  it('runs jobs for every valid run id — "123", "order:42", "a:b:c" — each exactly once, and refuses an invalid one up front', async () => {
    const { createRuntime, MemoryStore } = await import('@agentrt/core');
    const { ScriptedModel, waitFor } = await import('@agentrt/testing');
    const { createAgentWorker, runJobId } = await import('@agentrt/worker-bullmq');
    const name = `agentrt-queue-test-${randomUUID().slice(0, 8)}`;
    const queue = new AgentQueue({ url: URL_, name });
    queues.push(queue);
    const store = new MemoryStore();
    const model = new ScriptedModel(Array.from({ length: 6 }, () => ScriptedModel.answer('done')));
    const runtime = createRuntime({ model, store });
    const worker = createAgentWorker({ runtime, url: URL_, name });
    try {
      const ids = ['123', 'order:42', 'a:b:c', '1e3', 'plain-id'];
      expect(await Promise.all(ids.map((runId) => queue.enqueue({ input: 'go', runId })))).toEqual(ids);
      // A second enqueue of a run whose job exists is a no-op, whatever the id looks like.
      await queue.enqueue({ input: 'go', runId: 'order:42' });
      expect(new Set(ids.map(runJobId)).size).toBe(ids.length);
      for (const runId of ids) {
        await waitFor(async () => (await store.getRun(runId))?.result?.stopReason === 'final_answer', { timeoutMs: 30_000, message: `run ${runId} finished` });
        expect((await queue.queue.getJob(runJobId(runId)))?.data.runId).toBe(runId);
      }
      expect((await store.listRuns()).map((run) => run.runId).sort()).toEqual([...ids].sort());
      expect(model.calls).toBe(ids.length);
      await expect(queue.enqueue({ input: 'go', runId: 'bad id' })).rejects.toMatchObject({ code: 'config_invalid' });
      await expect(queue.enqueue({ input: 'go', runId: '~x' })).rejects.toMatchObject({ code: 'config_invalid' });
    } finally {
      await worker.close();
    }
  });
});

describe('AgentQueue.enqueue of a run id that is already queued', () => {
  // A producer re-enqueuing run "order-42" with a new input got the run id back and nothing else:
  // BullMQ kept the first job and dropped the new input without a word. The same request again is
  // still a no-op (retrying after a timeout is safe); a different one is run_conflict.
  it('is a no-op for the same request and run_conflict for a different one, keeping the first job', async () => {
    const name = `agentrt-queue-test-${randomUUID().slice(0, 8)}`;
    const queue = new AgentQueue({ url: URL_, name });
    queues.push(queue);
    const first = { runId: 'order-42', input: 'refund order 42', system: 'be brief', metadata: { tenant: 't1', tags: ['a'] } };
    expect(await queue.enqueue(first)).toBe('order-42');
    // The same request, its fields in another order: idempotent.
    expect(await queue.enqueue({ metadata: { tags: ['a'], tenant: 't1' }, system: 'be brief', input: 'refund order 42', runId: 'order-42' })).toBe('order-42');
    await expect(queue.enqueue({ ...first, input: 'refund order 43' })).rejects.toMatchObject({ name: 'StoreError', code: 'run_conflict' });
    await expect(queue.enqueue({ ...first, metadata: { tenant: 't2', tags: ['a'] } })).rejects.toMatchObject({ code: 'run_conflict' });
    await expect(queue.enqueue({ ...first, idempotencyKey: 'k1' })).rejects.toMatchObject({ code: 'run_conflict' });
    await expect(queue.enqueue({ runId: 'order-42', input: 'refund order 42' })).rejects.toMatchObject({ code: 'run_conflict' });
    const jobs = await queue.queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toMatchObject(first);
    // A run id BullMQ cannot take as a job id verbatim ("a:b") is compared through its mapped job id.
    await queue.enqueue({ runId: 'a:b', input: 'x' });
    await expect(queue.enqueue({ runId: 'a:b', input: 'y' })).rejects.toMatchObject({ code: 'run_conflict' });
    expect(await queue.enqueue({ runId: 'a:b', input: 'x' })).toBe('a:b');
  });
});
