import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStore } from '@agentrt/store-redis';
import { checkCrashRecovery, startEffectCounter, waitFor, type EffectCounter } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = new URL('./__fixtures__/worker.mjs', import.meta.url).pathname;

interface Setup { queue: AgentQueue; store: RedisStore; counter: EffectCounter; cfg: Record<string, unknown>; children: ChildProcess[]; output: Map<ChildProcess, string> }
let setup: Setup | undefined;

async function start(extra: Record<string, unknown> = {}): Promise<Setup> {
  const id = randomUUID().slice(0, 8);
  const counter = await startEffectCounter();
  const cfg = { url: URL_, keyPrefix: `agentrt-worker-test:${id}:`, queue: `agentrt-test-${id}`, counterUrl: counter.url, lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 1, stepDelayMs: 40, ...extra };
  setup = { queue: new AgentQueue({ url: URL_, name: cfg.queue }), store: new RedisStore({ url: URL_, keyPrefix: cfg.keyPrefix }), counter, cfg, children: [], output: new Map() };
  return setup;
}

function worker(s: Setup): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(s.cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
  s.children.push(child);
  s.output.set(child, '');
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      s.output.set(child, s.output.get(child)! + chunk);
      if (s.output.get(child)!.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

/** Runs the worker is driving now, from its `drive_start` / `drive_end` lines. */
function driving(s: Setup, child: ChildProcess): string[] {
  const open = new Map<string, number>();
  for (const line of s.output.get(child)!.split('\n')) {
    const [kind, runId] = line.split(' ');
    if (kind === 'drive_start') open.set(runId!, (open.get(runId!) ?? 0) + 1);
    if (kind === 'drive_end') open.set(runId!, (open.get(runId!) ?? 0) - 1);
  }
  return [...open].filter(([, n]) => n > 0).map(([runId]) => runId);
}

/** Waits until the store shows `child` owning (holding the lease of) a running run with at least one committed step; returns its id. */
async function ownsRunningRun(s: Setup, child: ChildProcess): Promise<string> {
  const redis = new Redis(URL_);
  try {
    return await waitFor(async () => {
      for (const runId of driving(s, child)) {
        const run = await s.store.getRun(runId);
        const owner = await redis.hget(`${s.cfg.keyPrefix}run:${runId}`, 'leaseOwner');
        if (run?.status === 'running' && run.stepCount >= 1 && owner === `worker-${child.pid}`) return runId;
      }
      return undefined;
    }, { timeoutMs: 30_000, message: `worker ${child.pid} owns a running run with a committed step` });
  } finally {
    redis.disconnect();
  }
}

/** Keeps two live workers (the tests' workers kill themselves); returns the function that stops it. */
function keepTwoWorkers(s: Setup): () => void {
  const timer = setInterval(() => {
    if (s.children.filter((c) => c.exitCode === null && c.signalCode === null).length < 2) void worker(s).catch(() => undefined);
  }, 200);
  return () => clearInterval(timer);
}

async function jobState(s: Setup, jobId: string): Promise<string> {
  return waitFor(async () => {
    const state = await s.queue.queue.getJobState(jobId);
    return state === 'completed' || state === 'failed' ? state : undefined;
  }, { timeoutMs: 10_000, message: `job ${jobId} is finished` });
}

async function waitTerminal(s: Setup, runIds: string[], timeoutMs = 30_000): Promise<void> {
  let seen = '';
  try {
    await waitFor(async () => {
      const runs = await Promise.all(runIds.map((id) => s.store.getRun(id)));
      seen = runs.map((r, i) => `${runIds[i]}=${r?.status}`).join(', ');
      return runs.every((run) => run && ['completed', 'stopped', 'failed'].includes(run.status));
    }, { timeoutMs, intervalMs: 100, message: 'every run is terminal' });
  } catch (error) {
    throw new Error(`${(error as Error).message} (${seen})`);
  }
}

afterEach(async () => {
  if (!setup) return;
  for (const child of setup.children) child.kill('SIGKILL');
  await setup.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await setup.queue.close();
  await setup.store.close();
  await setup.counter.close();
  const redis = new Redis(URL_);
  const keys = await redis.keys(`${setup.cfg.keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  setup = undefined;
});

describe('@agentrt/worker-bullmq', () => {
  it('spreads runs over two worker processes; every run completes exactly once', async () => {
    const s = await start();
    await Promise.all([worker(s), worker(s)]);
    const runIds = await Promise.all(Array.from({ length: 6 }, (_, i) => s.queue.enqueue({ input: 'go', runId: `w-ok-${i}` })));
    await s.queue.enqueue({ input: 'go', runId: 'w-ok-0' }); // duplicate submission: deduplicated by job id
    await waitTerminal(s, runIds);
    for (const runId of runIds) expect(await checkCrashRecovery({ store: s.store, runId, result: (await s.store.getRun(runId))!.result, counter: s.counter })).toEqual([]);
  });

  it('resumes the runs of a SIGKILLed worker on another worker, with no duplicate effect (F-30)', async () => {
    const s = await start({ stepDelayMs: 150 });
    const [a] = await Promise.all([worker(s), worker(s)]);
    const runIds = await Promise.all(Array.from({ length: 6 }, (_, i) => s.queue.enqueue({ input: 'go', runId: `w-kill-${i}` })));
    // Killed only once it owns a run mid-way, so there is something to take over.
    const owned = await ownsRunningRun(s, a!);
    a!.kill('SIGKILL');
    await waitTerminal(s, runIds, 40_000);
    let resumed = 0;
    for (const runId of runIds) {
      const run = (await s.store.getRun(runId))!;
      expect(await checkCrashRecovery({ store: s.store, runId, result: run.result, counter: s.counter })).toEqual([]);
      if ((await s.store.listEvents(runId)).some((e) => e.type === 'run_resumed')) resumed++;
    }
    expect(resumed).toBeGreaterThan(0);
    expect((await s.store.listEvents(owned)).some((e) => e.type === 'run_resumed')).toBe(true);
  }, 60_000);

  it('fences a frozen worker: after SIGSTOP/SIGCONT its stale commits are refused, nothing is duplicated (F-31, F-33)', async () => {
    const s = await start({ stepDelayMs: 150 });
    const [a] = await Promise.all([worker(s), worker(s)]);
    const runIds = await Promise.all(Array.from({ length: 4 }, (_, i) => s.queue.enqueue({ input: 'go', runId: `w-stop-${i}` })));
    await ownsRunningRun(s, a!);
    a!.kill('SIGSTOP');
    const stale = driving(s, a!);
    await waitTerminal(s, runIds, 40_000);
    a!.kill('SIGCONT');
    // The stale owner wakes up and finishes the drives it had in flight, each write fenced off by the lease epoch.
    await waitFor(() => stale.every((runId) => !driving(s, a!).includes(runId)), { timeoutMs: 30_000, message: 'the thawed worker ended its stale drives' });
    // Each stale drive was refused at its next commit with lease_lost (not ended some other way).
    expect(stale.length).toBeGreaterThan(0);
    const ends = s.output.get(a!)!.split('\n').filter((line) => line.startsWith('drive_end '));
    for (const runId of stale) {
      expect(ends.filter((line) => line.split(' ')[1] === runId).map((line) => line.split(' ')[3])).toEqual(['lease_lost']);
    }
    for (const runId of runIds) {
      const run = (await s.store.getRun(runId))!;
      expect(run.status).toBe('completed');
      // 0 double commits: one stored step and one step_finished per step index, one run_finished.
      const steps = await s.store.loadSteps(runId);
      expect(steps.map((step) => step.stepIndex)).toEqual(steps.map((_, i) => i));
      const events = await s.store.listEvents(runId);
      const finished = events.filter((e) => e.type === 'step_finished').map((e) => (e as { stepIndex: number }).stepIndex);
      expect(finished).toEqual([...new Set(finished)]);
      expect(finished.length).toBe(steps.length);
      expect(events.filter((e) => e.type === 'run_finished')).toHaveLength(1);
      expect(await checkCrashRecovery({ store: s.store, runId, result: run.result, counter: s.counter })).toEqual([]);
    }
  }, 60_000);

  it('records a run that kills every worker as failed with worker_crash_loop, once, after maxStalledCount stalls in a row without progress (F-32)', async () => {
    // Every worker that runs step 1's `put` dies: the first stall came after steps were committed
    // (progress: resumed, not counted); then maxStalledCount + 1 stalls in a row with nothing new fail it.
    const s = await start({ killEvery: ['put@1'], maxStalledCount: 1 });
    const stopKeepingAlive = keepTwoWorkers(s);
    try {
      await Promise.all([worker(s), worker(s)]);
      const runId = await s.queue.enqueue({ input: 'go', runId: 'w-loop' });
      await waitTerminal(s, [runId], 40_000);
      const run = (await s.store.getRun(runId))!;
      expect(run).toMatchObject({ status: 'failed', stepCount: 1, result: { stopReason: 'error', error: { code: 'worker_crash_loop' } } });
      expect((await s.store.listEvents(runId)).filter((e) => e.type === 'run_finished')).toHaveLength(1);
      expect(s.counter.attempts.get(`${runId}:s0-0-charge`)).toBe(1); // the committed step's effect never repeats
      expect(s.counter.attempts.get(`${runId}:s1-0-put`)).toBe(3); // 1 stall after progress + (maxStalledCount + 1) without
      expect(await jobState(s, runId)).toBe('failed');
    } finally {
      stopKeepingAlive();
    }
  }, 60_000);

  it('resumes a run orphaned by two worker deaths at different steps, with progress in between, to its final answer (default maxStalledCount)', async () => {
    // Two unrelated deaths: at step 1's `put`, then, after the resumed run committed steps 1 and 2, as the model is asked for step 3.
    const markerDir = mkdtempSync(join(tmpdir(), 'agentrt-worker-kills-'));
    const s = await start({ killOnce: ['put@1', 'model@3'], markerDir, maxStalledCount: undefined });
    const stopKeepingAlive = keepTwoWorkers(s);
    try {
      await Promise.all([worker(s), worker(s)]);
      const runId = await s.queue.enqueue({ input: 'go', runId: 'w-progress' });
      await waitTerminal(s, [runId], 40_000);
      const run = (await s.store.getRun(runId))!;
      expect(run).toMatchObject({ status: 'completed', result: { stopReason: 'final_answer' } });
      // Both deaths happened, each a stall BullMQ counted, and the run was resumed after each.
      expect(readdirSync(markerDir).sort()).toEqual(['model@3', 'put@1']);
      const events = await s.store.listEvents(runId);
      expect(events.filter((e) => e.type === 'run_resumed').map((e) => (e as { fromStep: number }).fromStep)).toEqual([1, 3]);
      expect(events.filter((e) => e.type === 'run_finished')).toHaveLength(1);
      expect(await s.queue.queue.getJob(runId).then((job) => job?.stalledCounter)).toBe(2);
      expect(await checkCrashRecovery({ store: s.store, runId, result: run.result, counter: s.counter })).toEqual([]);
    } finally {
      stopKeepingAlive();
      rmSync(markerDir, { recursive: true, force: true });
    }
  }, 60_000);
});
