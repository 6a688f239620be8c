import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { RedisStore } from '@agentrt/store-redis';
import { reservedPort, startEffectCounter, waitFor, type EffectCounter } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startPrivateRedis } from './private-redis.js';

// F-42: the runs live on their own Redis server (no persistence), the queue on the shared one, so the
// store can be lost (FLUSHALL, restart without AOF) while the jobs survive.
const QUEUE_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = new URL('./__fixtures__/worker.mjs', import.meta.url).pathname;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A private redis-server without persistence, stopped by its own pid. */
function startStoreRedis(port: number): Promise<ChildProcess> {
  return startPrivateRedis(port, ['--save', '', '--appendonly', 'no'], (stop) => cleanups.push(stop), { timeoutMs: 10_000 });
}

interface Setup { queue: AgentQueue; store: RedisStore; counter: EffectCounter; cfg: Record<string, unknown>; storeUrl: string; port: number }

async function setup(extra: Record<string, unknown> = {}): Promise<Setup> {
  const id = randomUUID().slice(0, 8);
  const port = await reservedPort();
  const storeUrl = `redis://127.0.0.1:${port}`;
  const counter = await startEffectCounter();
  const cfg = { url: QUEUE_URL, storeUrl, keyPrefix: `agentrt-loss-test:${id}:`, queue: `agentrt-loss-${id}`, counterUrl: counter.url, lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 1, stepDelayMs: 150, commandTimeoutMs: 1_000, ...extra };
  const queue = new AgentQueue({ url: QUEUE_URL, name: cfg.queue });
  const store = new RedisStore({ url: storeUrl, keyPrefix: cfg.keyPrefix, commandTimeoutMs: 2_000 });
  cleanups.push(async () => {
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store.close().catch(() => undefined);
    await counter.close();
  });
  return { queue, store, counter, cfg, storeUrl, port };
}

function worker(s: Setup): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(s.cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => { child.kill('SIGKILL'); });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function flushStore(s: Setup): Promise<void> {
  const redis = new Redis(s.storeUrl);
  await redis.flushall();
  redis.disconnect();
}

/** Waits for the job to settle; returns its state and failure reason. */
async function settled(s: Setup, jobId: string): Promise<{ state: string; failedReason: string | undefined; attemptsMade: number }> {
  return waitFor(async () => {
    const job = await s.queue.queue.getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    return state === 'completed' || state === 'failed' ? { state, failedReason: job!.failedReason, attemptsMade: job!.attemptsMade } : undefined;
  }, { timeoutMs: 40_000, intervalMs: 100, message: `job ${jobId} completes or fails` });
}

describe('@agentrt/worker-bullmq when the store loses its runs (F-42)', () => {
  it('fails the job loudly with run_not_found instead of re-creating a flushed run from the job input', async () => {
    const s = await setup();
    await startStoreRedis(s.port);
    await worker(s);
    const runId = await s.queue.enqueue({ input: 'go', runId: 'lost-1' });
    await waitFor(async () => ((await s.store.getRun(runId))?.stepCount ?? 0) >= 1, { timeoutMs: 30_000, message: 'the first step is committed' });
    await flushStore(s); // the store's Redis loses everything (FLUSHALL / restart without persistence); the job survives
    const job = await settled(s, runId);
    expect(job.state).toBe('failed');
    expect(job.failedReason).toMatch(/^run_not_found\b/);
    expect(await s.store.getRun(runId)).toBeUndefined(); // never re-created
    expect(s.counter.attempts.get(`${runId}:s0-0-charge`)).toBe(1); // the lost step's charge is not repeated
  }, 60_000);

  it('starts the lost run again from the job input when the worker sets restartLostRuns', async () => {
    const s = await setup({ restartLostRuns: true });
    await startStoreRedis(s.port);
    await worker(s);
    const runId = await s.queue.enqueue({ input: 'go', runId: 'lost-2' });
    await waitFor(async () => ((await s.store.getRun(runId))?.stepCount ?? 0) >= 1, { timeoutMs: 30_000, message: 'the first step is committed' });
    await flushStore(s);
    const job = await settled(s, runId);
    expect(job.state).toBe('completed');
    expect((await s.store.getRun(runId))?.status).toBe('completed');
  }, 60_000);

  it('still starts a run whose first attempts failed before the run existed (store down at first)', async () => {
    const s = await setup();
    await worker(s); // the store's server is not up yet: the first attempt cannot create the run
    const runId = await s.queue.enqueue({ input: 'go', runId: 'late-1' });
    await waitFor(async () => ((await s.queue.queue.getJob(runId))?.attemptsMade ?? 0) >= 1, { timeoutMs: 30_000, message: 'the first attempt failed' });
    await startStoreRedis(s.port);
    const job = await settled(s, runId);
    expect(job).toMatchObject({ state: 'completed' });
    expect(job.attemptsMade).toBeGreaterThanOrEqual(1);
    expect((await s.store.getRun(runId))?.status).toBe('completed');
    expect(s.counter.attempts.get(`${runId}:s0-0-charge`)).toBe(1);
  }, 60_000);
});
