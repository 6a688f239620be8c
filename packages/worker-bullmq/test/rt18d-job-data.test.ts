// rt18d red team: job data written by another producer (BullMQ used directly). An input whose
// content parts the runtime refuses (malformed base64, a part over maxPartBytes) can never start a
// run: the job must fail for good on its first attempt, as config_invalid does — not be retried
// with backoff. A resume job's `__proto__` approval key is just a key no call has.
import { randomUUID } from 'node:crypto';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { buildPng, ScriptedModel, waitFor } from '@agentrt/testing';
import { AgentQueue, createAgentWorker, type RunJobData } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

function setup() {
  const name = `agentrt-rt18d-${randomUUID().slice(0, 8)}`;
  const queue = new AgentQueue({ url: URL_, name });
  cleanup.push(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });
  return { name, queue };
}

const settled = (queue: AgentQueue, id: string) => waitFor(async () => {
  const state = await queue.queue.getJobState(id);
  return state === 'failed' || state === 'delayed' || state === 'completed' ? state : undefined;
}, { timeoutMs: 15_000, message: `job ${id} settled or was scheduled for a retry` });

describe('rt18d: hostile job data', () => {
  it('an input with malformed or oversize content parts fails for good on its first attempt (content_invalid / content_too_large), no run created', async () => {
    const { name, queue } = setup();
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store, limits: { maxPartBytes: 1024 } });
    const worker = createAgentWorker({ runtime, url: URL_, name });
    cleanup.push(() => worker.close());
    const image = (data: string) => [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data }] }];
    const jobs = [
      ['content_invalid', await queue.queue.add('run', { runId: 'bad-b64', input: image('!!!not base64') } as unknown as RunJobData, { attempts: 10, backoff: { type: 'exponential', delay: 500 } })],
      ['content_invalid', await queue.queue.add('run', { runId: 'bad-type', input: [{ role: 'user', content: [{ type: 'video', data: 'AAAA' }] }] } as unknown as RunJobData, { attempts: 10, backoff: { type: 'exponential', delay: 500 } })],
      ['content_too_large', await queue.queue.add('run', { runId: 'too-big', input: image(buildPng({ width: 200, height: 200 }).toString('base64')) } as unknown as RunJobData, { attempts: 10, backoff: { type: 'exponential', delay: 500 } })],
    ] as const;
    for (const [code, job] of jobs) {
      expect(await settled(queue, job.id!), job.data.runId).toBe('failed');
      const failed = (await queue.queue.getJob(job.id!))!;
      expect(failed.attemptsMade, job.data.runId).toBe(1);
      expect(failed.failedReason).toMatch(new RegExp(`^${code}: `));
      expect(await store.getRun(job.data.runId)).toBeUndefined();
    }
  });

  it('a resume job whose approvals hold a `__proto__` key: no pollution, the run stays paused awaiting its real call', async () => {
    const { name, queue } = setup();
    const store = new MemoryStore();
    const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), requiresApproval: true, sideEffects: 'non-idempotent', execute: async () => 'paid' });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}), ScriptedModel.answer('done')]), store, tools: [pay] });
    const worker = createAgentWorker({ runtime, url: URL_, name });
    cleanup.push(() => worker.close());
    await queue.enqueue({ runId: 'p1', input: 'pay' });
    await waitFor(async () => (await store.getRun('p1'))?.status === 'paused', { timeoutMs: 15_000, message: 'p1 paused' });
    const job = await queue.queue.add('resume', { runId: 'p1', approvals: JSON.parse('{"__proto__":{"decision":"approve"}}') } as RunJobData);
    expect(await settled(queue, job.id!)).toBe('completed');
    expect(({} as Record<string, unknown>).decision).toBeUndefined();
    const run = await store.getRun('p1');
    expect(run?.status).toBe('paused');
    expect(run?.result?.pendingApprovals?.map((p) => p.tool)).toEqual(['pay']);
  });
});
