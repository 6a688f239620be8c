// Red-team 13c: hostile job data, requests recorded in another form than they were queued,
// closing with Redis gone, processes that must exit, load over worker processes, F-30 end to end.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, MemoryStore, type Message, type ModelAdapter, type RunResult } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { checkCrashRecovery, reservedPort, ScriptedModel, startEffectCounter, waitFor, type EffectCounter } from '@agentrt/testing';
import { AgentQueue, createAgentWorker, runJobId, type RunJobData } from '@agentrt/worker-bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startPrivateRedis } from './private-redis.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = new URL('./__fixtures__/redteam13c-worker.mjs', import.meta.url).pathname;
const LIFECYCLE = new URL('./__fixtures__/redteam13c-lifecycle.mjs', import.meta.url).pathname;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
});

/** A queue on a name no other test uses, obliterated at the end. */
function queueFor(extra: { store?: RedisStore | MemoryStore } = {}) {
  const name = `agentrt-rt13c-${randomUUID().slice(0, 8)}`;
  const queue = new AgentQueue({ url: URL_, name, ...extra });
  cleanups.push(() => queue.close(), () => queue.queue.obliterate({ force: true }));
  return { name, queue };
}

async function finished(queue: AgentQueue, jobId: string, timeoutMs = 20_000) {
  await waitFor(async () => ['completed', 'failed'].includes(await queue.queue.getJobState(jobId)), { timeoutMs, message: `job ${jobId} finished` });
  return (await queue.queue.getJob(jobId))!;
}

describe('hostile job data (BullMQ used directly, or an untrusted request handed to enqueue)', () => {
  // A job whose data is not an object at all threw a TypeError ("Cannot read properties of null")
  // on every attempt: ten attempts with backoff, failed reason no caller can act on.
  it('a job whose data is null or not an object fails for good on its first attempt with config_invalid', async () => {
    const { name, queue } = queueFor();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')], { whenExhausted: 'repeat_last' }), store: new MemoryStore() });
    const worker = createAgentWorker({ runtime, url: URL_, name });
    cleanups.push(() => worker.close());
    for (const data of [null, 42, 'text', [1, 2]]) {
      const job = await queue.queue.add('run', data as unknown as RunJobData, { attempts: 10, backoff: { type: 'exponential', delay: 500 } });
      const state = await waitFor(async () => {
        const now = await queue.queue.getJobState(job.id!);
        return now === 'failed' || now === 'delayed' ? now : undefined;
      }, { timeoutMs: 15_000, message: `job ${JSON.stringify(data)} failed or was scheduled for a retry` });
      expect(state).toBe('failed');
      const failed = (await queue.queue.getJob(job.id!))!;
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toMatch(/^config_invalid: /);
    }
    // A crash-loop record the worker never wrote (stall counts from the future) is ignored.
    const odd = await queue.queue.add('run', { runId: 'odd-attempt', input: 'go', attemptStart: { stalls: 1_000, progress: null, idleStalls: 50 } }, { attempts: 3 });
    expect((await finished(queue, odd.id!)).returnvalue).toMatchObject({ runId: 'odd-attempt', stopReason: 'final_answer' });
  });

  // `enqueue(req.body)`: the object's other fields were queued with the request. The worker's own
  // bookkeeping (`attemptStart`) failed a run that never stalled as `worker_crash_loop`; `runCreated`
  // failed a new run as `run_not_found`; `approvals` would approve a pending call should the job
  // ever be taken over while its run waits for approval.
  it('enqueue queues the request only: approvals, runCreated and attemptStart from the caller are not kept', async () => {
    const { name, queue } = queueFor();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')], { whenExhausted: 'repeat_last' }), store: new MemoryStore() });
    const worker = createAgentWorker({ runtime, url: URL_, name });
    cleanups.push(() => worker.close());
    const body = JSON.parse('{"runId":"web-1","input":"go","metadata":{"tenant":"t1"},"approvals":{"call_1":{"decision":"approve"}},"runCreated":true,"attemptStart":{"stalls":0,"progress":null,"idleStalls":99}}') as Parameters<AgentQueue['enqueue']>[0];
    expect(await queue.enqueue(body)).toBe('web-1');
    const job = await finished(queue, 'web-1');
    expect(job.failedReason).toBeUndefined();
    expect(job.returnvalue).toMatchObject({ runId: 'web-1', status: 'completed', stopReason: 'final_answer' });
    expect(Object.keys(job.data).filter((key) => !['attemptStart', 'runCreated'].includes(key)).sort()).toEqual(['input', 'metadata', 'runId']);
    // The same body again is the same request (idempotent), whatever else it carries.
    expect(await queue.enqueue(body)).toBe('web-1');
  });
});

/** A request whose messages carry keys the runtime does not record, and metadata with a top-level `__proto__` key (JSON from a web request). */
const UI_INPUT = JSON.parse('[{"role":"user","content":"go","id":"msg-1","createdAt":"2026-01-01T00:00:00Z"}]') as Message[];
const UI_METADATA = JSON.parse('{"__proto__":{"isAdmin":true},"tenant":"t1"}') as Record<string, unknown>;

describe('a request the run records in another form', () => {
  // The run's record keeps the messages' known fields only, and no top-level `__proto__` in its
  // metadata. The job kept what it was given, so comparing the two said "different request": the
  // same request re-enqueued was `run_conflict`.
  it('re-enqueued after BullMQ removed its job, it is the same request: with the store, no-op; without, answered from the run', async () => {
    const store = new RedisStore({ url: URL_, keyPrefix: `agentrt-rt13c:${randomUUID().slice(0, 8)}:` });
    cleanups.push(() => store.close());
    const model = new ScriptedModel([ScriptedModel.answer('done')], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, store });
    const { name, queue } = queueFor();
    const withStore = new AgentQueue({ url: URL_, name, store });
    cleanups.push(() => withStore.close());
    const worker = createAgentWorker({ runtime, url: URL_, name });
    cleanups.push(() => worker.close());
    const request = { runId: 'ui-1', input: UI_INPUT, metadata: UI_METADATA };
    await queue.enqueue(request);
    expect((await finished(queue, 'ui-1')).returnvalue).toMatchObject({ stopReason: 'final_answer' });
    await queue.queue.clean(0, 1_000, 'completed');
    expect(await withStore.enqueue(request)).toBe('ui-1');
    expect(await queue.queue.getJob('ui-1')).toBeUndefined();
    await queue.enqueue(request);
    const again = await finished(queue, 'ui-1');
    expect(again.failedReason).toBeUndefined();
    expect(again.returnvalue).toMatchObject({ runId: 'ui-1', stopReason: 'final_answer' });
    expect(model.calls).toBe(1);
  });
});

describe('two resume jobs of one paused run', () => {
  // Two approvers (or a retrying producer) resume one paused run. The runtime renews a lease as
  // steps commit, so the second drive takes the run over while the first is inside a tool call
  // longer than the lease; the first then ends `lease_lost` — and its job returned that,
  // `{ status: 'failed', stopReason: 'error' }`, for a run the store has `completed` (I1).
  it('each job returns the run\'s recorded outcome, whichever drive recorded it; the approved tool runs once', async () => {
    const keyPrefix = `agentrt-rt13c:${randomUUID().slice(0, 8)}:`;
    const store = new RedisStore({ url: URL_, keyPrefix });
    cleanups.push(() => store.close());
    let started = 0;
    const tools = [defineTool({
      name: 'deploy', description: 'deploys', input: z.object({}), requiresApproval: true, sideEffects: 'non-idempotent',
      execute: async () => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return 'deployed';
      },
    })];
    const model: ModelAdapter = {
      provider: 'scripted', model: 'deploy',
      async generate(request) {
        const step = request.messages.filter((message) => message.role === 'assistant').length;
        if (step === 0) return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'deploy', args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
        return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    };
    const { name, queue } = queueFor();
    // Two worker processes' worth: each its own runtime and store client.
    for (let i = 0; i < 2; i++) {
      const own = new RedisStore({ url: URL_, keyPrefix });
      const runtime = createRuntime({ model, tools, store: own, leaseTtlMs: 500 });
      const worker = createAgentWorker({ runtime, url: URL_, name, concurrency: 1, lockDurationMs: 1_000, stalledIntervalMs: 500 });
      cleanups.push(() => worker.close(), () => own.close());
    }
    const runId = await queue.enqueue({ runId: 'deploy-1', input: 'deploy' });
    expect((await finished(queue, runId)).returnvalue).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    await queue.resume(runId, { call_1: { decision: 'approve' } });
    await waitFor(() => started === 1, { timeoutMs: 10_000, message: 'the approved tool started' });
    await queue.resume(runId, { call_1: { decision: 'approve' } });
    await waitFor(async () => (await queue.queue.getJobs(['completed', 'failed'])).filter((job) => job.name === 'resume').length === 2, { timeoutMs: 20_000, message: 'both resume jobs finished' });
    const run = (await store.getRun(runId))!;
    expect(run.result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    for (const job of (await queue.queue.getJobs(['completed', 'failed'])).filter((j) => j.name === 'resume')) {
      expect({ failed: job.failedReason, returned: job.returnvalue }).toEqual({ failed: undefined, returned: { runId, status: 'completed', stopReason: 'final_answer' } });
    }
    expect(started).toBe(1);
  }, 40_000);
});

interface Procs { children: ChildProcess[]; output: Map<ChildProcess, string> }

function spawnWorker(procs: Procs, cfg: Record<string, unknown>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.children.push(child);
  procs.output.set(child, '');
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      procs.output.set(child, procs.output.get(child)! + chunk);
      if (procs.output.get(child)!.includes('ready')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
  });
}

/** A RedisStore, an effect counter and a queue for worker processes, all under names no other test uses. */
async function processSetup(extra: Record<string, unknown> = {}) {
  const id = randomUUID().slice(0, 8);
  const counter: EffectCounter = await startEffectCounter();
  const markerDir = mkdtempSync(join(tmpdir(), 'agentrt-rt13c-'));
  const cfg = { url: URL_, keyPrefix: `agentrt-rt13c:${id}:`, queue: `agentrt-rt13c-${id}`, counterUrl: counter.url, markerDir, lockDurationMs: 1_000, stalledIntervalMs: 500, ...extra };
  const store = new RedisStore({ url: URL_, keyPrefix: cfg.keyPrefix });
  const queue = new AgentQueue({ url: URL_, name: cfg.queue });
  const procs: Procs = { children: [], output: new Map() };
  cleanups.push(async () => {
    for (const child of procs.children) child.kill('SIGKILL');
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store.close();
    await counter.close();
    rmSync(markerDir, { recursive: true, force: true });
    const redis = new Redis(URL_);
    const keys = await redis.keys(`${cfg.keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  return { cfg, store, queue, counter, procs };
}

/** I1 (job return value = the store's result), I7 (no lease left), the crash checks (I2–I6, I8, no duplicate effect). */
async function checkRun(s: Awaited<ReturnType<typeof processSetup>>, runId: string): Promise<string[]> {
  const run = await s.store.getRun(runId);
  const job = await s.queue.queue.getJob(runJobId(runId));
  const problems = await checkCrashRecovery({ store: s.store, runId, result: run?.result as RunResult | undefined, counter: s.counter });
  if (!job || job.failedReason) problems.push(`run ${runId}: job ${job ? `failed: ${job.failedReason}` : 'missing'}`);
  else if (JSON.stringify(job.returnvalue) !== JSON.stringify({ runId, status: run!.result!.status, stopReason: run!.result!.stopReason })) problems.push(`I1: job ${runId} returned ${JSON.stringify(job.returnvalue)}, store has ${run!.result!.status}/${run!.result!.stopReason}`);
  const lease = await s.store.acquireLease({ runId, owner: 'rt13c-check', ttlMs: 60_000 });
  if (!lease) problems.push(`I7: run ${runId} still has a lease held`);
  else await s.store.releaseLease(lease);
  return problems;
}

describe('worker processes (F-30 end to end)', () => {
  // The worker that took the job died after the run started; the next one resumed it — and
  // compared the job's request with the run's record first: the form the runtime records differs
  // (a message's extra `id`, metadata's `__proto__`), so the job failed `run_conflict` and its run
  // stayed `running`, with no job left to finish it.
  it('a run whose worker is SIGKILLed mid-run is finished by another, its non-idempotent tool run at most once — also for a request recorded in another form', async () => {
    const s = await processSetup({ killOnce: ['model@1'], concurrency: 2 });
    await Promise.all([spawnWorker(s.procs, s.cfg), spawnWorker(s.procs, s.cfg)]);
    const keep = setInterval(() => {
      if (s.procs.children.filter((c) => c.exitCode === null && c.signalCode === null).length < 2) void spawnWorker(s.procs, s.cfg).catch(() => undefined);
    }, 200);
    cleanups.push(() => clearInterval(keep));
    const runIds = [await s.queue.enqueue({ runId: 'f30-ui', input: UI_INPUT, metadata: UI_METADATA }), await s.queue.enqueue({ runId: 'f30-plain', input: 'go' })];
    await waitFor(async () => {
      const runs = await Promise.all(runIds.map((runId) => s.store.getRun(runId)));
      const states = await Promise.all(runIds.map((runId) => s.queue.queue.getJobState(runJobId(runId))));
      if (states.includes('failed')) throw new Error(`a job failed: ${(await Promise.all(runIds.map(async (r) => (await s.queue.queue.getJob(runJobId(r)))?.failedReason))).join('; ')}`);
      return runs.every((run) => run && run.status !== 'running') && states.every((state) => state === 'completed');
    }, { timeoutMs: 45_000, intervalMs: 100, message: 'both runs finished and their jobs completed' });
    expect(s.procs.children.some((child) => child.signalCode === 'SIGKILL')).toBe(true);
    let resumed = 0;
    for (const runId of runIds) {
      expect(await checkRun(s, runId)).toEqual([]);
      if ((await s.store.listEvents(runId)).some((event) => event.type === 'run_resumed')) resumed++;
    }
    expect(resumed).toBeGreaterThan(0);
  }, 60_000);

  it('load: 200 jobs over 3 worker processes with random tool latency, each run driven once, every one final_answer with the invariants', async () => {
    const s = await processSetup({ toolDelayMaxMs: 40, concurrency: 10, lockDurationMs: 10_000, stalledIntervalMs: 5_000 });
    await Promise.all([spawnWorker(s.procs, s.cfg), spawnWorker(s.procs, s.cfg), spawnWorker(s.procs, s.cfg)]);
    const runIds = await Promise.all(Array.from({ length: 200 }, (_, i) => s.queue.enqueue({ runId: `load-${i}`, input: 'go' })));
    await waitFor(async () => {
      const counts = await s.queue.queue.getJobCounts('completed', 'failed');
      if (counts['failed']) throw new Error(`${counts['failed']} jobs failed`);
      return counts['completed'] === runIds.length;
    }, { timeoutMs: 150_000, intervalMs: 250, message: 'every job completed' });
    const problems: string[] = [];
    for (const runId of runIds) problems.push(...(await checkRun(s, runId)));
    expect(problems).toEqual([]);
    const drives = new Map<string, number>();
    for (const output of s.procs.output.values()) {
      for (const line of output.split('\n')) if (line.startsWith('drive_start ')) drives.set(line.split(' ')[1]!, (drives.get(line.split(' ')[1]!) ?? 0) + 1);
    }
    expect([...drives.values()].every((n) => n === 1) && drives.size === runIds.length).toBe(true);
    expect([...s.procs.output.values()].filter((output) => output.includes('drive_start')).length).toBeGreaterThan(1);
  }, 200_000);
});

describe('closing', () => {
  // With Redis unreachable, BullMQ's close waited for its job-fetching loop, whose commands wait
  // for Redis forever: a worker told to stop during a Redis outage (SIGTERM, deploy) never stopped.
  it('close() ends with Redis unreachable — never reached, or gone after the worker had run jobs', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')], { whenExhausted: 'repeat_last' }), store: new MemoryStore() });
    const nobody = createAgentWorker({ runtime, url: `redis://127.0.0.1:${await reservedPort()}`, name: 'nobody' });
    cleanups.push(() => nobody.worker.close(true));
    const port = await reservedPort();
    const redis = await startPrivateRedis(port, ['--save', '', '--appendonly', 'no'], (stop) => cleanups.push(stop), { timeoutMs: 10_000 });
    const url = `redis://127.0.0.1:${port}`;
    const worker = createAgentWorker({ runtime, url, name: 'q' });
    cleanups.push(() => worker.worker.close(true));
    const queue = new AgentQueue({ url, name: 'q' });
    const runId = await queue.enqueue({ input: 'go' });
    expect((await finished(queue, runId)).returnvalue).toMatchObject({ stopReason: 'final_answer' });
    await queue.close();
    redis.kill('SIGKILL');
    await waitFor(() => redis.exitCode !== null || redis.signalCode !== null, { timeoutMs: 5_000, message: 'the private Redis exited' });
    const bounded = <T>(promise: Promise<T>) => Promise.race([promise.then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 10_000, 'still closing'))]);
    expect(await bounded(nobody.close())).toBe('closed');
    expect(await bounded(worker.close())).toBe('closed');
  }, 40_000);

  it('a process that ran a job exits by itself once it closed queue, worker and runtime — with Redis up, and with Redis gone', async () => {
    for (const redisGone of [false, true]) {
      const port = await reservedPort();
      const redis = await startPrivateRedis(port, ['--save', '', '--appendonly', 'no'], (stop) => cleanups.push(stop), { timeoutMs: 10_000 });
      const cfg = { url: `redis://127.0.0.1:${port}`, queue: 'q', keyPrefix: 'k:' };
      const child = spawn(process.execPath, [LIFECYCLE, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
      cleanups.push(() => child.kill('SIGKILL'));
      let output = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await waitFor(() => output.includes('job done'), { timeoutMs: 30_000, message: 'the child ran its job' });
      if (redisGone) {
        redis.kill('SIGKILL');
        await waitFor(() => redis.exitCode !== null || redis.signalCode !== null, { timeoutMs: 5_000, message: 'the private Redis exited' });
      }
      child.stdin!.write('close\n');
      // BullMQ leaves its blocking-command watchdog (drainDelay 5 s + 1 s) running after a close without Redis.
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000, 'still running'))]);
      expect({ redisGone, code, output: output.trim().split('\n').at(-1) }).toEqual({ redisGone, code: 0, output: 'closed' });
    }
  }, 90_000);
});
