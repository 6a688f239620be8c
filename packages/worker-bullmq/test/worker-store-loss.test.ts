import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * Waits for the job to settle; returns its state and failure reason. The job is read again once its
 * state is final: a job read before (while it waited for a retry, or ran it) carries the failure reason
 * of an earlier attempt, which a state read a moment later — the retry failed for good in between —
 * would pair with `failed`.
 */
async function settled(s: Setup, jobId: string): Promise<{ state: string; failedReason: string | undefined; attemptsMade: number }> {
  const state = await waitFor(async () => {
    const current = await s.queue.queue.getJobState(jobId);
    return current === 'completed' || current === 'failed' ? current : undefined;
  }, { timeoutMs: 40_000, intervalMs: 100, message: `job ${jobId} completes or fails` });
  const job = (await s.queue.queue.getJob(jobId))!;
  return { state, failedReason: job.failedReason, attemptsMade: job.attemptsMade };
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
    // The attempt whose run vanished under it fails the job itself, not a retry after a backoff.
    expect(job.attemptsMade).toBe(1);
    expect(await s.store.getRun(runId)).toBeUndefined(); // never re-created
    expect(s.counter.attempts.get(`${runId}:s0-0-charge`)).toBe(1); // the lost step's charge is not repeated
  }, 60_000);

  it('keeps the job marked runCreated when an attempt that read its data before the marking writes it back', async () => {
    // An attempt that began while another still ran (its job stalled: its lock expired under load,
    // and a worker took the job again) read the job's data before the other marked it `runCreated`,
    // then writes that data back with its `attemptStart`. Here that stale write is made by the test,
    // while no worker runs, followed by the loss of the store: the next attempt must still know the run existed.
    const markerDir = mkdtempSync(join(tmpdir(), 'agentrt-loss-'));
    cleanups.push(() => rmSync(markerDir, { recursive: true, force: true }));
    const s = await setup({ killOnce: ['model@1'], markerDir });
    await startStoreRedis(s.port);
    const first = await worker(s);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    const runId = await s.queue.enqueue({ input: 'go', runId: 'stale-1' });
    await exited; // killed as step 1's model call began: step 0 (its charge) is committed, the job marked
    const job = (await s.queue.queue.getJob(runId))!;
    expect(job.data.runCreated).toBe(true);
    const { runCreated: _marked, ...stale } = job.data;
    await job.updateData({ ...stale, attemptStart: { stalls: 1, progress: [1, 0, 0], idleStalls: 0 } });
    await flushStore(s);
    await worker(s); // takes the stalled job over
    const outcome = await settled(s, runId);
    expect(outcome.state).toBe('failed');
    expect(outcome.failedReason).toMatch(/^run_not_found\b/);
    expect(await s.store.getRun(runId)).toBeUndefined(); // never re-created
    expect(s.counter.attempts.get(`${runId}:s0-0-charge`)).toBe(1);
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
