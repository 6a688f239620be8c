import { AgentrtError, ConfigError, StoreError, type AgentRuntime, type RunEvent, type RunRecord, type RunResult } from '@agentrt/core';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { inputLacksMedia, inputWithoutMedia } from './job-media.js';
import { checkInteger, checkOptions, connectionFor, jobMatchesRun, type AttemptStart, type QueueConnectionOptions, type RunJobData } from './agent-queue.js';

/** Options of `createAgentWorker`. */
export interface AgentWorkerOptions extends QueueConnectionOptions {
  /**
   * The runtime jobs run on. Its store must be shared by every worker (e.g. `RedisStore`, `PostgresStore`), and
   * its `leaseTtlMs` should match `lockDurationMs`, so a dead worker's run is taken over promptly.
   */
  readonly runtime: AgentRuntime;
  /** Jobs run at once by this worker. Default 4. */
  readonly concurrency?: number;
  /** BullMQ job lock; a worker silent this long is presumed dead. Default 30 000 ms. */
  readonly lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 30 000 ms. */
  readonly stalledIntervalMs?: number;
  /**
   * Stalls in a row without progress tolerated before the job fails and its run is recorded failed
   * with `worker_crash_loop` (its worker died or lost the job's lock every time). Default 1: the
   * second stall in a row after which the run had committed nothing new fails it. A stall after
   * which the run had made progress — a model decision saved, a tool result recorded, a step
   * committed — is not counted, and resets the count: the job goes back to the queue and the next
   * worker resumes the run from its last committed step, so a run orphaned by unrelated worker
   * deaths keeps going. Such stalls are bounded by the run's own limits (`maxSteps`, `maxToolCalls`).
   * Counted by the worker, not by BullMQ (whose own count, of every stall, is switched off): each
   * attempt records in the job's data BullMQ's stall count and the run's progress it started from.
   */
  readonly maxStalledCount?: number;
  /**
   * What to do with a job whose run this worker (or another) already created but the store no longer has
   * — the store's Redis was flushed or restarted without persistence (F-42). Default `false`: the job fails
   * for good with `run_not_found`, loudly, instead of starting the run again from the job's input as if it
   * were new (which would repeat every effect of its lost steps). `true` starts it again from the input.
   * A job whose earlier attempts died before the run existed always starts it.
   */
  readonly restartLostRuns?: boolean;
}

/** The job's return value. */
export interface RunJobResult {
  readonly runId: string;
  readonly status: RunResult['status'];
  readonly stopReason: RunResult['stopReason'];
}

/** A running worker. */
export interface AgentWorker {
  readonly worker: Worker<RunJobData, RunJobResult>;
  close(): Promise<void>;
}

/**
 * Takes run jobs from the queue and drives them with the runtime: a new run is started, an
 * existing one — whose previous worker died, or which waits for a resume — is resumed from
 * its last committed step (recorded tool results are replayed, never re-executed). Exactly-one
 * commit is the store's job: each drive holds a lease with a fencing epoch, so a stale worker
 * whose job was taken over cannot commit. A job that stalls more than `maxStalledCount` times in
 * a row without its run making progress records its run as failed with `worker_crash_loop`, once,
 * instead of leaving it `running`; a stall after progress sends the job back to the queue.
 */
export function createAgentWorker(options: AgentWorkerOptions): AgentWorker {
  if (!options?.runtime || typeof options.runtime.run !== 'function') throw new ConfigError('runtime', 'createAgentWorker needs an AgentRuntime');
  const given = checkOptions(options, 'createAgentWorker', ['runtime', 'url', 'name', 'prefix', 'concurrency', 'lockDurationMs', 'stalledIntervalMs', 'maxStalledCount', 'restartLostRuns']);
  checkInteger(given, 'concurrency', 1);
  checkInteger(given, 'lockDurationMs', 1);
  checkInteger(given, 'stalledIntervalMs', 1);
  // A string such as 'false' from an environment variable must not read as true (restarting lost runs repeats their effects).
  if (given.restartLostRuns !== undefined && typeof given.restartLostRuns !== 'boolean') throw new ConfigError('restartLostRuns', `expected true or false, got ${JSON.stringify(given.restartLostRuns)}`);
  const runtime = options.runtime;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const maxStalledCount = options.maxStalledCount ?? 1;
  if (!Number.isInteger(maxStalledCount) || maxStalledCount < 0) throw new ConfigError('maxStalledCount', 'maxStalledCount must be an integer ≥ 0');
  // Closing with Redis unreachable: once no run is in flight, the connections stop waiting for it (see `close`).
  let closing = false;
  let driving = 0;
  const connection: Redis = connectionFor(options.url, () => closing && driving === 0);
  const processor = async (job: Job<RunJobData, RunJobResult>): Promise<RunJobResult> => {
    driving++;
    try {
      return await drive(job);
    } catch (error) {
      // Job data the runtime refuses (no input, a malformed run id, message or content part, written by another
      // producer) stays refused on every retry, and so does an idempotency key that an earlier run
      // of another request holds: the job fails for good on this attempt.
      if (AgentrtError.isInstance(error) && PERMANENT_CODES.has(error.code)) throw Object.assign(new UnrecoverableError(`${error.code}: ${error.message}`), { code: error.code, cause: error });
      throw error;
    } finally {
      driving--;
    }
  };
  const drive = async (job: Job<RunJobData, RunJobResult>): Promise<RunJobResult> => {
    // Data written by another producer (BullMQ used directly) may be anything JSON holds.
    const raw: unknown = job.data;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('job.data', `a run job's data must be an object with a runId; got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
    // Whether an earlier attempt of this very job created the run: it saw the run started
    // (`runCreated`, kept also in a field of the job's own that no write of the job's data can
    // erase: an attempt still running after its job stalled and was taken again writes data it read
    // before), or it began when the run did not exist yet (it died before marking the job).
    // The data's own `runCreated` counts only for a job an attempt already ran (an attempt records
    // `attemptStart` first; a worker of an earlier version set only the data flag): on a job's first
    // attempt it came from its producer (a job added or copied by hand), not from a run that existed.
    const markerKey = worker.toKey(String(job.id));
    const before = validAttemptStart(job.data.attemptStart);
    const ranBefore = before !== undefined || job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
    const markedCreated = async (): Promise<boolean> => (ranBefore && job.data.runCreated === true) || (await connection.hget(markerKey, RUN_CREATED_FIELD)) === '1';
    const createdBefore = await markedCreated();
    const ownRun = createdBefore || before?.progress === null;
    const existing = await runtime.getRun(job.data.runId);
    // Read again after the run: an earlier attempt still in flight may have marked the job in between.
    const data = await startAttempt(runtime, job, existing, maxStalledCount, createdBefore || (await markedCreated()));
    // The run existed during this attempt (found, or created by it): should the store no longer have
    // it once the drive ended, it was lost (F-42).
    let runExisted = existing !== undefined;
    let result: RunResult;
    const vanished = async (): Promise<boolean> => runExisted && !options.restartLostRuns && (await runtime.getRun(data.runId).catch(() => null)) === undefined;
    const lostMidDrive = (ended: string): Error => lostRun(`run ${data.runId} existed when this attempt drove it but the store no longer has it (was the store flushed or restarted without persistence?); the drive ${ended}; it is not started again unless the worker sets restartLostRuns`);
    try {
      if (!existing) {
        if (data.input === undefined) throw lostRun(`run ${data.runId} does not exist and the job carries no input (was the store flushed?)`);
        // `runCreated` is set on the job once the run exists in the store: a job carrying it lost its run.
        if (data.runCreated && options.restartLostRuns && inputLacksMedia(data.input)) {
          throw lostRun(`run ${data.runId} was created by an earlier attempt of this job but the store no longer has it, and the job keeps only the hashes of its input's images and files (the store held them); it cannot be started again`);
        }
        if (data.runCreated && !options.restartLostRuns) {
          throw lostRun(`run ${data.runId} was created by an earlier attempt of this job but the store no longer has it (was the store flushed or restarted without persistence?); it is not started again unless the worker sets restartLostRuns`);
        }
        const events = runtime.stream({
          input: data.input as string,
          runId: data.runId,
          ...(data.system ? { system: data.system } : {}),
          ...(data.idempotencyKey ? { idempotencyKey: data.idempotencyKey } : {}),
          ...(data.metadata ? { metadata: data.metadata } : {}),
        });
        let last: RunEvent | undefined;
        for await (const event of events) {
          // `run_started` is emitted once the store holds the run; the job remembers that from now on.
          // Best effort: a failure here must not leave the loop (that would cancel the run); the job then merely lacks the marker.
          // The store now keeps the input's media (once per run): the job keeps their hashes only, not a
          // second copy for as long as BullMQ keeps the finished job — unless this worker restarts lost
          // runs, which needs the whole input to start one again.
          if (event.type === 'run_started') {
            runExisted = true;
            if (!data.runCreated) {
              await connection.hset(markerKey, RUN_CREATED_FIELD, '1').catch(() => undefined);
              await job.updateData({ ...data, input: options.restartLostRuns ? data.input : inputWithoutMedia(data.input), runCreated: true }).catch(() => undefined);
            }
          }
          last = event;
        }
        if (last?.type !== 'run_finished' && last?.type !== 'run_paused') throw new StoreError('store_unavailable', `run ${data.runId} ended without a result; the job will be retried`, { retryable: true });
        result = last.result as RunResult;
      } else {
        // A run job for a run that exists: this job's own run (taken over from a dead worker), or a
        // re-enqueue after BullMQ removed the run's first job — which must ask for the same run.
        // A run this job created is its own whatever the comparison says (the runtime may record a request in another form).
        if (job.name === 'run' && !ownRun && !jobMatchesRun(data, existing)) {
          throw Object.assign(new UnrecoverableError(`run_conflict: run ${data.runId} already exists with a different request (input, system, idempotencyKey or metadata); this job was not run`), { code: 'run_conflict' });
        }
        // Taken over from a dead worker, or a resume job: wait out the previous owner's lease.
        result = await runtime.resume(data.runId, { ...(data.approvals ? { approvals: data.approvals } : {}), waitForLeaseMs: lockDuration * 2 + 1_000 });
      }
    } catch (error) {
      // A drive that ended without a result, or threw, because its run vanished under it.
      if (!(error instanceof UnrecoverableError) && (await vanished())) throw lostMidDrive(`failed with ${AgentrtError.isInstance(error) ? `${error.code}: ` : ''}${(error as Error)?.message}`);
      throw error;
    }
    // A job is done only when the store says the run is terminal or paused. Otherwise its outcome
    // was not recorded (store outage, lost lease): fail the job so BullMQ retries it, and the retry resumes the run.
    // The run is the result's: a job whose idempotency key an earlier run holds is answered with
    // that run (its id is not the job's), and the job's outcome is that run's.
    const recorded = await runtime.getRun(result.runId);
    // The run vanished during the drive (its store flushed or restarted without persistence): the
    // job fails for good now, as its retry would (unless the worker restarts lost runs).
    if (!recorded && runExisted && result.runId === data.runId && !options.restartLostRuns) {
      throw lostMidDrive(`ended with ${result.stopReason}${result.error ? ` (${result.error.code}: ${result.error.message})` : ''}`);
    }
    if (!recorded || recorded.status === 'running') {
      throw new StoreError('store_unavailable', `run ${result.runId} ended with ${result.stopReason}${result.error ? ` (${result.error.code}: ${result.error.message})` : ''} but its outcome is not recorded; the job will be retried`, { retryable: true });
    }
    // Recorded failed by the store's outage itself (a write that timed out while Redis restarted,
    // the store back in time for the failure to be recorded): not the run's own outcome. The job
    // is retried like an unrecorded one, and the retry resumes the run (a retryable failure reopens).
    const failure = recorded.status === 'failed' ? recorded.result?.error : undefined;
    if (failure?.retryable === true && STORE_OUTAGE_CODES.has(failure.code)) {
      throw new StoreError('store_unavailable', `run ${result.runId} failed with ${failure.code} (${failure.message}), an outage of its store; the job will be retried and resume it`, { retryable: true });
    }
    // The store's outcome, not this drive's (I1): a drive that lost its lease to another — a second
    // resume job of the run, say — ends `lease_lost` while the other records the run's end.
    const outcome = recorded.result ?? result;
    return { runId: result.runId, status: outcome.status, stopReason: outcome.stopReason };
  };
  const worker = new Worker<RunJobData, RunJobResult>(options.name ?? 'agentrt-runs', processor, {
    connection,
    concurrency: options.concurrency ?? 4,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    // Stalls are counted by `startAttempt`, which knows whether the run made progress; BullMQ's count
    // (of every stall) would fail a run orphaned twice by unrelated worker deaths.
    maxStalledCount: BULLMQ_STALL_LIMIT,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  worker.on('error', () => undefined);
  // A job failed by BullMQ itself for its stalls (beyond BULLMQ_STALL_LIMIT, or marked by an earlier version of this worker).
  worker.on('failed', (job, error) => {
    if (!job || !/stalled more than allowable limit/i.test(error?.message ?? '')) return;
    void recordCrashLoop(runtime, job.data.runId);
  });
  return {
    worker,
    async close() {
      // BullMQ's close waits for the runs in flight, then for its job-fetching loop, whose commands
      // wait for Redis to come back (`maxRetriesPerRequest: null`): with Redis unreachable, forever
      // (and cutting a connection that is waiting to reconnect never ends it). So closing, the
      // connections stop reconnecting once no run of this worker is in flight; and with Redis
      // unreachable when the close begins, the runs in flight are waited for here, then BullMQ closes
      // without waiting on Redis. A job whose completion could not be written is taken over after
      // its lock expires and answered from the store (its run is not driven again).
      closing = true;
      const unreachable = (): boolean => connection.status !== 'ready';
      if (unreachable()) {
        while (driving > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        await worker.close(unreachable());
      } else {
        await worker.close();
      }
      connection.disconnect();
    },
  };
}

/**
 * Error codes no retry of the job can change (its data decides them): the job fails on the attempt
 * that met one. `content_invalid` / `content_too_large`: a content part of the job's input the
 * runtime refuses before it creates the run (malformed base64 or media type, over `maxPartBytes`).
 */
const PERMANENT_CODES: ReadonlySet<string> = new Set(['config_invalid', 'idempotency_conflict', 'content_invalid', 'content_too_large']);

/** Error codes of a store outage: a run failed with one of them (retryable) is resumed by the job's retry, not left failed. */
const STORE_OUTAGE_CODES: ReadonlySet<string> = new Set(['store_unavailable', 'store_busy']);

/**
 * A field of the job's hash, beside BullMQ's `data`, set to '1' once the job's run exists in the store.
 * Monotonic: unlike `runCreated` in the data, no later write of the whole data (by an attempt that read
 * it before the marking) can take it back.
 */
const RUN_CREATED_FIELD = 'agentrtRunCreated';

/** BullMQ's own limit of stalls per job, out of reach: `startAttempt` counts the stalls that matter. */
const BULLMQ_STALL_LIMIT = Number.MAX_SAFE_INTEGER;

/** How far a run got, compared in order: committed steps, a saved decision of the next step, its recorded tool results. */
async function progressOf(runtime: AgentRuntime, run: RunRecord | undefined): Promise<number[] | null> {
  if (!run) return null;
  if (!run.pendingStep) return [run.stepCount, 0, 0];
  const ledger = await runtime.store.getToolLedger(run.runId, { stepIndex: run.stepCount });
  return [run.stepCount, 1, ledger.filter((entry) => entry.status === 'completed').length];
}

function advanced(now: readonly number[] | null, before: readonly number[] | null): boolean {
  if (!now) return false;
  if (!before) return true;
  for (let i = 0; i < now.length; i++) {
    if (now[i] !== before[i]) return now[i]! > (before[i] ?? 0);
  }
  return false;
}

/**
 * Crash-loop detection, at the start of each attempt of a job (holding its lock): the stalls BullMQ
 * counted since the previous attempt started ended that attempt. They count toward `maxStalledCount`
 * unless the run has advanced since then, which resets the count. Over the limit, the run is recorded
 * `worker_crash_loop` and the job fails for good; else the attempt records what it starts from.
 */
async function startAttempt(runtime: AgentRuntime, job: Job<RunJobData, RunJobResult>, run: RunRecord | undefined, maxStalledCount: number, runCreated: boolean): Promise<RunJobData> {
  // The data's `runCreated` is what the caller decided (`markedCreated`): a producer's flag on a fresh job is dropped.
  const { runCreated: _given, ...rest } = job.data;
  const data: RunJobData = runCreated ? { ...rest, runCreated: true } : rest;
  const stalls = job.stalledCounter ?? 0;
  const recorded = validAttemptStart(data.attemptStart);
  const previous = recorded && recorded.stalls <= stalls ? recorded : undefined;
  const progress = await progressOf(runtime, run);
  const stalledSince = stalls - (previous?.stalls ?? 0);
  let idleStalls = previous?.idleStalls ?? 0;
  if (stalledSince > 0) idleStalls = advanced(progress, previous?.progress ?? null) ? 0 : idleStalls + stalledSince;
  const open = !run || run.status === 'running' || run.status === 'paused';
  if (idleStalls > maxStalledCount && open) {
    // Recorded before the job fails; should that fail (store down), the job is retried and this check repeats.
    if (run) await recordCrashLoop(runtime, run.runId, { throws: true });
    throw Object.assign(new UnrecoverableError(`worker_crash_loop: run ${data.runId} stalled its workers ${idleStalls} times in a row without progress (maxStalledCount ${maxStalledCount})`), { code: 'worker_crash_loop' });
  }
  const next: RunJobData = { ...data, attemptStart: { stalls, progress, idleStalls } satisfies AttemptStart };
  await job.updateData(next);
  return next;
}

/** The `attemptStart` an earlier attempt recorded, or `undefined` for none or one not of its form (written by another producer). */
function validAttemptStart(value: unknown): AttemptStart | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { stalls, progress, idleStalls } = value as Record<string, unknown>;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!count(stalls) || !count(idleStalls)) return undefined;
  if (progress !== null && !(Array.isArray(progress) && progress.length === 3 && progress.every(count))) return undefined;
  return value as AttemptStart;
}

/** `run_not_found`, failing the job for good (BullMQ does not retry an `UnrecoverableError`). */
function lostRun(message: string): Error {
  return Object.assign(new UnrecoverableError(`run_not_found: ${message}`), { code: 'run_not_found' });
}

/** Records a run that keeps killing its workers as failed, once (no-op when already terminal). */
async function recordCrashLoop(runtime: AgentRuntime, runId: string, options: { throws?: boolean } = {}): Promise<void> {
  try {
    const run = await runtime.getRun(runId);
    if (!run || (run.status !== 'running' && run.status !== 'paused')) return;
    const now = new Date().toISOString();
    const result: RunResult = {
      runId, status: 'failed', stopReason: 'error', stopDetail: 'the run stalled its workers more than maxStalledCount times',
      steps: run.stepCount, toolCalls: run.toolCalls, toolCallsRefused: run.toolCallsRefused ?? 0, usage: { ...run.usage }, startedAt: run.createdAt, endedAt: now,
      error: { code: 'worker_crash_loop', message: 'the run crashed or stalled every worker that took it' },
    };
    const seq = run.lastEventSeq;
    await runtime.store.finishRun({
      runId,
      result,
      events: [
        { type: 'run_error', runId, at: now, seq: seq + 1, code: 'worker_crash_loop', message: result.error!.message },
        { type: 'run_finished', runId, at: now, seq: seq + 2, result },
      ],
    });
  } catch (error) {
    // Another worker may be recording it at the same time; the store keeps exactly one terminal record.
    if (!options.throws) return;
    const run = await runtime.getRun(runId);
    if (run && run.status !== 'running' && run.status !== 'paused') return; // recorded by someone else
    throw error;
  }
}
