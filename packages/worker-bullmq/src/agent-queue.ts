import { canonicalJson, checkKnownOptions, ConfigError, normalizeContent, StoreError, type ApprovalDecision, type Message, type MessageContent, type RunRecord, type StateStore } from '@agentrt/core';
import { Queue } from 'bullmq';
import { inputWithoutMedia } from './job-media.js';
import { Redis } from 'ioredis';

/** The data of one job: start a run, or continue one (after approval, or a retryable failure). */
export interface RunJobData {
  readonly runId: string;
  readonly input?: string | readonly Message[];
  readonly system?: string;
  readonly idempotencyKey?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Present for a resume job. */
  readonly approvals?: Readonly<Record<string, ApprovalDecision>>;
  /** Set by the worker once the run exists in the store (see `restartLostRuns`). */
  readonly runCreated?: boolean;
  /** Set by the worker at the start of each attempt, for crash-loop detection (see `maxStalledCount`). */
  readonly attemptStart?: AttemptStart;
}

/** What a job's latest attempt started from (kept in the job's data by the worker). */
export interface AttemptStart {
  /** BullMQ's count of the job's stalls when the attempt started. */
  readonly stalls: number;
  /** The run's progress then: committed steps, a saved decision, its recorded tool results; `null` before the run exists. */
  readonly progress: readonly number[] | null;
  /** Stalls in a row after which the run had not advanced, up to this attempt. */
  readonly idleStalls: number;
}

/** Options shared by queue and worker. */
export interface QueueConnectionOptions {
  /** Redis URL. Default: `REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Queue name. Default `agentrt-runs`. */
  readonly name?: string;
  /** BullMQ key prefix. Default `bull`. */
  readonly prefix?: string;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks an options object before any connection: an option not in `known` (a misspelt one) or a
 * wrong value of a shared one is `config_invalid` naming it, with the near miss.
 */
export function checkOptions(options: unknown, what: string, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError('options', `${what} takes an options object`);
  const given = options as Record<string, unknown>;
  checkKnownOptions(given, known, what);
  for (const field of ['url', 'name', 'prefix'] as const) {
    const value = given[field];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(field, `expected a non-empty string, got ${JSON.stringify(value)}`);
  }
  return given;
}

/** `config_invalid` naming `field` unless it is absent or an integer from `min` to 2^31 − 1. */
export function checkInteger(given: Record<string, unknown>, field: string, min: number): void {
  const value = given[field];
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS)) {
    throw new ConfigError(field, `expected an integer from ${min} to ${MAX_TIMER_MS}, got ${JSON.stringify(value) ?? String(value)}`);
  }
}

/** The run ids the runtime accepts (`RunOptions.runId`). */
const RUN_ID = /^(?!\.\.?$)[A-Za-z0-9._:-]+$/;

/** The run id, or `config_invalid` (field `runId`) for one the runtime would refuse. */
function checkRunId(runId: unknown): string {
  if (typeof runId !== 'string' || !RUN_ID.test(runId) || runId.length > 200) throw new ConfigError('runId', `must be 1–200 characters of A–Z, a–z, 0–9, '.', '_', ':', '-' (not "." or ".."); got ${JSON.stringify(String(runId).slice(0, 80))}`);
  return runId;
}

/** A job whose store was unreachable is retried (it resumes the run) with backoff, up to 10 attempts. */
const RETRY = { attempts: 10, backoff: { type: 'exponential' as const, delay: 500 }, removeOnComplete: 1_000, removeOnFail: 5_000 };

/** A BullMQ connection (blocking commands need `maxRetriesPerRequest: null`). */
export function bullConnection(url?: string): Redis {
  return connectionFor(url);
}

/**
 * A BullMQ connection that stops reconnecting once `giveUp()` is true (ioredis's default delays
 * otherwise): its commands waiting for Redis then fail and the connection ends. The worker gives
 * up while it closes with Redis unreachable and no run in flight, so the close ends. BullMQ's
 * blocking connection, a `duplicate()`, shares the strategy.
 */
export function connectionFor(url?: string, giveUp?: () => boolean): Redis {
  const connection = new Redis(url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: null,
    ...(giveUp ? { retryStrategy: (times: number) => (giveUp() ? null : Math.min(times * 50, 2_000)) } : {}),
  });
  connection.on('error', () => undefined);
  return connection;
}

/**
 * The BullMQ job id of a run's first job: the run id itself, unless BullMQ refuses it as a custom
 * id — one that reads as an integer (`"123"`) or holds a `:` (`"order:42"`), both valid run ids —
 * then `~` and the run id with each `:` as `~` (no run id holds a `~`, so two runs never share one).
 */
export function runJobId(runId: string): string {
  if (!runId.includes(':') && `${parseInt(runId, 10)}` !== runId) return runId;
  return `~${runId.replaceAll(':', '~')}`;
}

/** What a producer asked of a run job (`input`, `system`, `idempotencyKey`, `metadata`), as JSON, to compare a re-enqueue with the job that exists. */
function requestOf(data: Partial<RunJobData>): string {
  const { system, idempotencyKey, metadata } = data;
  // Media compared by their bytes' hash: a started run's job keeps its input in that form (`inputWithoutMedia`).
  const input = inputWithoutMedia(data.input);
  // Through JSON first: the job's data is stored as JSON (an `undefined` field is no field).
  return canonicalJson(JSON.parse(JSON.stringify({ input, system, idempotencyKey, metadata })) as unknown);
}

/**
 * What a run job asks for, in the form the run's record keeps it: the initial transcript the
 * runtime builds from `input` and `system` (a text input becomes `[system?, user]`; the content
 * of user and tool messages is normalized as the runtime does), `idempotencyKey` and `metadata`.
 */
function transcriptOf(data: Partial<Pick<RunJobData, 'input' | 'system' | 'idempotencyKey' | 'metadata'>>): string {
  const { input, system, idempotencyKey, metadata } = data;
  const messages = typeof input === 'string'
    ? [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: input }]
    : (input ?? []).map(recordedMessage);
  // The worker passes an empty idempotency key or no metadata on as absent.
  const json = JSON.parse(JSON.stringify({ messages, idempotencyKey: idempotencyKey || undefined, metadata: metadata || undefined })) as { metadata?: Record<string, unknown> };
  // The runtime keeps the metadata's own keys but a top-level `__proto__` (a JSON key like any other, dropped as it is read).
  if (json.metadata && typeof json.metadata === 'object' && Object.prototype.hasOwnProperty.call(json.metadata, '__proto__')) delete json.metadata['__proto__'];
  return canonicalJson(json as unknown);
}

/** Picks `keys` of `value` that are present (an object's other keys are not recorded by the runtime). */
function pick(value: unknown, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== 'object') return out;
  for (const key of keys) if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

/**
 * A message of a transcript input as the run's record keeps it: the fields the runtime reads
 * for its role (any other key — a chat UI's `id` or `createdAt` — is not recorded), the content
 * of user and tool messages normalized as the runtime does.
 */
function recordedMessage(message: Message): unknown {
  switch ((message as { role?: unknown } | null)?.role) {
    case 'system':
      return pick(message, ['role', 'content']);
    case 'user':
      return { ...pick(message, ['role']), content: normalizeContent((message as { content: MessageContent }).content) };
    case 'tool':
      return { ...pick(message, ['role', 'toolCallId', 'name', 'isError', 'code']), content: normalizeContent((message as { content: MessageContent }).content) };
    case 'assistant': {
      const out = pick(message, ['role', 'content', 'toolCalls', 'reasoning']);
      if (Array.isArray(out['toolCalls'])) out['toolCalls'] = out['toolCalls'].map((call: unknown) => pick(call, ['id', 'name', 'args']));
      if (Array.isArray(out['reasoning'])) out['reasoning'] = out['reasoning'].map((part: unknown) => pick(part, ['text', 'providerData']));
      return out;
    }
    default:
      return message;
  }
}

/**
 * Whether a run job asks for the run `record` holds (same initial transcript, `idempotencyKey` and
 * `metadata`). Used where BullMQ no longer has the job to compare with: by `AgentQueue.enqueue`
 * (with `store`) and by the worker before it resumes an existing run for a `run` job.
 */
export function jobMatchesRun(data: Partial<RunJobData>, record: RunRecord): boolean {
  try {
    return transcriptOf(data) === transcriptOf({ input: record.input, idempotencyKey: record.idempotencyKey, metadata: record.metadata });
  } catch {
    return false; // content the runtime would refuse never matches a stored run
  }
}

/** Options of `AgentQueue`. */
export interface AgentQueueOptions extends QueueConnectionOptions {
  /**
   * The workers' state store. With it, `enqueue` of a run id whose job BullMQ already removed
   * (`removeOnComplete`, `removeOnFail`) is compared with the run's record: the same request is a
   * no-op (no job, no second drive), a different one `run_conflict`. Without it such a re-enqueue
   * queues a job, and the worker compares it (a different request fails the job with `run_conflict`).
   */
  readonly store?: StateStore;
}

/**
 * Enqueues agent runs. The job id is the run id (`runJobId`), so enqueuing the same run twice is
 * a no-op while the first job exists — for the same request; a different one is `run_conflict`.
 * Once BullMQ has removed the job, the run's record in `store` is compared instead.
 * Any worker sharing the queue and the store may take it.
 */
export class AgentQueue {
  readonly queue: Queue<RunJobData>;
  private readonly connection: Redis;
  private readonly store: StateStore | undefined;

  constructor(options: AgentQueueOptions = {}) {
    checkOptions(options, 'AgentQueue', ['url', 'name', 'prefix', 'store']);
    if (options.store !== undefined && typeof options.store?.getRun !== 'function') throw new ConfigError('store', 'expected a StateStore');
    this.store = options.store;
    this.connection = bullConnection(options.url);
    this.queue = new Queue<RunJobData>(options.name ?? 'agentrt-runs', { connection: this.connection, ...(options.prefix ? { prefix: options.prefix } : {}) });
    this.queue.on('error', () => undefined); // connection drops surface on the calls that need Redis
  }

  /**
   * Enqueues a new run; returns its run id. Throws `config_invalid` (before anything is queued) for
   * an `input` that is not a non-empty string or message array, or a `runId` the runtime refuses.
   *
   * Idempotent per run id: enqueuing a run whose job exists with the same `input`, `system`,
   * `idempotencyKey` and `metadata` returns the run id and queues nothing (a producer retrying
   * after a timeout is safe). With any of them different the existing job is kept and this throws
   * `run_conflict` (a `StoreError`) — the new request would otherwise be dropped without a word.
   * A job BullMQ has already removed (`removeOnComplete` keeps the last 1,000 finished,
   * `removeOnFail` 5,000) is compared through the run's record when the queue has a `store`: the
   * run exists, so nothing is queued — the same request returns the run id, a different one is
   * `run_conflict` (a store read error is thrown as is, nothing queued). Without `store` a job is
   * queued, and the worker that takes it compares it with the run's record instead: the same
   * request resumes the run (a terminal one just returns its result), a different one fails the
   * job with `run_conflict`, the run untouched. To continue a paused or failed run, use `resume`.
   */
  async enqueue(job: Omit<RunJobData, 'runId' | 'approvals'> & { runId?: string }): Promise<string> {
    // What the runtime accepts as `input` (a non-empty text or message list): a job it would refuse is refused here, not queued.
    const input: unknown = job?.input;
    if (!(typeof input === 'string' && input.length > 0) && !(Array.isArray(input) && input.length > 0)) {
      throw new ConfigError('input', `a run job needs an input: a non-empty string or a non-empty array of messages; got ${input === null ? 'null' : Array.isArray(input) ? 'an empty array' : typeof input === 'string' ? 'an empty string' : typeof input}`);
    }
    const runId = checkRunId(job.runId ?? globalThis.crypto.randomUUID());
    // The request's fields only: what else a caller's object carries (`approvals`, or the worker's
    // own `runCreated` and `attemptStart`, say from a web request's body) is not queued.
    const { system, idempotencyKey, metadata } = job;
    const data: RunJobData = {
      runId, input: input as RunJobData['input'],
      ...(system !== undefined ? { system } : {}), ...(idempotencyKey !== undefined ? { idempotencyKey } : {}), ...(metadata !== undefined ? { metadata } : {}),
    };
    const jobId = runJobId(runId);
    if (job.runId !== undefined && this.store) {
      // The run exists: its record is the authority, whether BullMQ still has its job or not.
      const record = await this.store.getRun(runId);
      if (record) {
        if (!jobMatchesRun(data, record)) throw new StoreError('run_conflict', `run ${runId} already exists with a different request (input, system, idempotencyKey or metadata); nothing was queued`);
        return runId;
      }
    }
    await this.queue.add('run', data, { jobId, ...RETRY });
    // BullMQ keeps an existing job of that id and hands back one built from our data: read the stored one.
    if (job.runId !== undefined) {
      const stored = await this.queue.getJob(jobId);
      if (stored && requestOf(stored.data) !== requestOf(data)) {
        throw new StoreError('run_conflict', `run ${runId} is already queued with a different request (input, system, idempotencyKey or metadata); the existing job is kept`);
      }
    }
    return runId;
  }

  /**
   * Enqueues the continuation of a paused or failed-retryable run, with approval decisions. Every
   * call is a job of its own, with an id BullMQ draws from its queue counter: an id made of the
   * time and a per-queue count was the same for two queues resuming one run in one millisecond (so
   * the second job, with its decisions, was dropped), and BullMQ refuses ids with more than two `:`.
   * Throws `config_invalid` for a `runId` the runtime would refuse (nothing is queued).
   */
  async resume(runId: string, approvals?: Readonly<Record<string, ApprovalDecision>>): Promise<void> {
    checkRunId(runId);
    await this.queue.add('resume', { runId, ...(approvals ? { approvals } : {}) }, RETRY);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
