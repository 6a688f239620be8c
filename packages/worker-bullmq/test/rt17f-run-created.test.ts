// rt17f red team: the worker marks a job `agentrtRunCreated` on its hash once its run exists, and a
// run lost mid-drive fails the job with run_not_found at once. Positive path: a normal job completes;
// restartLostRuns restarts a flushed run. Hostile: a producer that writes `runCreated: true` into a
// fresh job's data (the run never existed) — the job must still start its run.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { RedisStore } from '@agentrt/store-redis';
import { reservedPort, startEffectCounter, waitFor } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startPrivateRedis } from './private-redis.js';

const QUEUE_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = new URL('./__fixtures__/worker.mjs', import.meta.url).pathname;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(extra: Record<string, unknown> = {}) {
  const id = randomUUID().slice(0, 8);
  const port = await reservedPort();
  const storeUrl = `redis://127.0.0.1:${port}`;
  await startPrivateRedis(port, ['--save', '', '--appendonly', 'no'], (stop) => cleanups.push(stop), { timeoutMs: 10_000 });
  const counter = await startEffectCounter();
  const cfg = { url: QUEUE_URL, storeUrl, keyPrefix: `rt17f:${id}:`, queue: `rt17f-${id}`, counterUrl: counter.url, lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 1, stepDelayMs: 150, commandTimeoutMs: 1_000, ...extra };
  const queue = new AgentQueue({ url: QUEUE_URL, name: cfg.queue });
  const store = new RedisStore({ url: storeUrl, keyPrefix: cfg.keyPrefix, commandTimeoutMs: 2_000 });
  cleanups.push(async () => {
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store.close().catch(() => undefined);
    await counter.close();
  });
  const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => { child.kill('SIGKILL'); });
  await new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; if (output.includes('ready')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return { queue, store, storeUrl, cfg };
}

async function settled(queue: AgentQueue, jobId: string) {
  const state = await waitFor(async () => {
    const current = await queue.queue.getJobState(jobId);
    return current === 'completed' || current === 'failed' ? current : undefined;
  }, { timeoutMs: 40_000, intervalMs: 100, message: `job ${jobId} settles` });
  const job = (await queue.queue.getJob(jobId))!;
  return { state, failedReason: job.failedReason, attemptsMade: job.attemptsMade };
}

describe('rt17f: agentrtRunCreated', () => {
  it('a normal job completes, and its hash carries agentrtRunCreated', async () => {
    const s = await setup();
    const runId = await s.queue.enqueue({ input: 'go', runId: 'normal-1' });
    expect(await settled(s.queue, runId)).toMatchObject({ state: 'completed' });
    expect((await s.store.getRun(runId))?.status).toBe('completed');
    const redis = new Redis(QUEUE_URL);
    try {
      const fields = await redis.hgetall(`bull:${s.cfg.queue}:${runId}`);
      expect(fields.agentrtRunCreated).toBeDefined();
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('restartLostRuns: a run flushed mid-drive is started again and completes', async () => {
    const s = await setup({ restartLostRuns: true });
    const runId = await s.queue.enqueue({ input: 'go', runId: 'lost-rt17f' });
    await waitFor(async () => ((await s.store.getRun(runId))?.stepCount ?? 0) >= 1, { timeoutMs: 30_000, message: 'step 0 committed' });
    const redis = new Redis(s.storeUrl);
    await redis.flushall();
    redis.disconnect();
    expect(await settled(s.queue, runId)).toMatchObject({ state: 'completed' });
    expect((await s.store.getRun(runId))?.status).toBe('completed');
  }, 60_000);

  // FINDING (fixed since): the worker trusted `runCreated: true` in the job's DATA as proof that the run
  // existed (agent-worker.ts `markedCreated`: data flag OR the hash field). AgentQueue.enqueue strips
  // the flag, but a job added by another producer, or a job re-added from a copied job's data (a
  // dashboard "clone", a script re-queueing failed jobs), carries it: the worker never starts the run
  // and fails the job for good with a misleading run_not_found ("created by an earlier attempt").
  // Now the data flag counts only for a job an attempt already ran (attemptStart / attemptsMade /
  // stalls); the hash field `agentrtRunCreated` always counts.
  it('a fresh job whose data a producer marked runCreated: true (the run never existed) still starts its run', async () => {
    const s = await setup();
    await s.queue.queue.add('run', { input: 'go', runId: 'forged-1', runCreated: true }, { jobId: 'forged-1' });
    const outcome = await settled(s.queue, 'forged-1');
    expect(outcome, outcome.failedReason).toMatchObject({ state: 'completed' });
  }, 60_000);
});
