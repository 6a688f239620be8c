import { randomUUID } from 'node:crypto';
import { createRuntime, MemoryStore } from '@agentrt/core';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { AgentQueue, createAgentWorker, type RunJobData } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

function setup() {
  const name = `agentrt-redteam4-${randomUUID().slice(0, 8)}`;
  const queue = new AgentQueue({ url: URL_, name });
  cleanup.push(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });
  return { name, queue };
}

describe('odd job data', () => {
  it('AgentQueue refuses an input that no run accepts, and a resume of an invalid run id, up front', async () => {
    const { queue } = setup();
    for (const input of [null, 42, { text: 'x' }, [], '']) {
      await expect(queue.enqueue({ input: input as unknown as string })).rejects.toMatchObject({ code: 'config_invalid' });
    }
    await expect(queue.resume(undefined as unknown as string)).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(queue.resume('a b/../c')).rejects.toMatchObject({ code: 'config_invalid' });
    expect(await queue.queue.count()).toBe(0);
  });

  // A job written by another producer (an older version, a script using BullMQ directly) with data
  // no run accepts: retrying cannot make it valid. It must fail for good on its first attempt, not
  // be retried ten times with backoff (minutes of a job that holds the run id's slot in the queue).
  it('a job whose data the runtime refuses as config_invalid fails for good on its first attempt', async () => {
    const { name, queue } = setup();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store: new MemoryStore() });
    const worker = createAgentWorker({ runtime, url: URL_, name });
    cleanup.push(() => worker.close());
    const bad = await queue.queue.add('run', { runId: 'bad-input', input: null } as unknown as RunJobData, { attempts: 10, backoff: { type: 'exponential', delay: 500 } });
    const badResume = await queue.queue.add('resume', { runId: undefined } as unknown as RunJobData, { attempts: 10, backoff: { type: 'exponential', delay: 500 } });
    for (const job of [bad, badResume]) {
      const state = await waitFor(async () => {
        const now = await queue.queue.getJobState(job.id!);
        return now === 'failed' || now === 'delayed' ? now : undefined;
      }, { timeoutMs: 15_000, message: `job ${job.id} failed or was scheduled for a retry` });
      expect(state).toBe('failed');
      const failed = (await queue.queue.getJob(job.id!))!;
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toMatch(/^config_invalid: /);
    }
    // A valid job on the same worker still runs.
    const runId = await queue.enqueue({ input: 'go' });
    await waitFor(async () => (await runtime.getRun(runId))?.status === 'completed', { timeoutMs: 15_000, message: 'the valid run completed' });
  });
});
