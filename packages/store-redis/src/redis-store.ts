import {
  decodeStored, encodeStored, KILL_ALL_SCOPE, StoreError,
  type KillFlag, type Lease, type NewRunRecord, type PendingStep, type RunRecord, type RunResult, type RunStatus,
  type StateStore, type StepRecord, type StoredRunEvent, type ToolLedgerEntry, type Usage, type WriteOptions,
} from '@agentrt/core';
import { Redis } from 'ioredis';
import * as scripts from './scripts.js';

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /** `redis://[user:pass@]host:port/db`. Default: `REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Prefix of every key and channel. Default `agentrt:`. */
  readonly keyPrefix?: string;
  /** A command that gets no answer within this time fails with `store_unavailable`. Default 5 000 ms. */
  readonly commandTimeoutMs?: number;
  /**
   * What to do when the server's `maxmemory-policy` may evict keys (anything but `noeviction`):
   * `refuse` (default) fails every operation with `store_unavailable`; `warn` logs once and continues.
   */
  readonly evictionPolicy?: 'refuse' | 'warn';
}

type RunHash = Record<string, string>;
/** The part of a run written once at creation (everything in `NewRunRecord` but the id). */
type StaticPart = Omit<NewRunRecord, 'runId'>;
const STATUSES = new Set<RunStatus>(['running', 'paused', 'completed', 'stopped', 'failed']);

/**
 * A durable `StateStore` on Redis (ioredis). Every mutation of a run is one Lua script, so a
 * step, its events and the run's counters are written atomically; writes are fenced by the
 * lease epoch, and lease expiry uses the Redis server's clock (`TIME`), not the caller's.
 * A commit re-sent after a dropped connection is recognised and not applied twice. Kill flags
 * are also published, so runtimes abort in-flight calls at once.
 *
 * Durability is the server's: with `appendonly yes` + `appendfsync always` a committed step
 * survives a server crash; see docs/stores.md for the loss windows of other settings.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * const runtime = createRuntime({ model, store });
 * ```
 */
export class RedisStore implements StateStore {
  private readonly redis: Redis;
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(flag: KillFlag) => void>();
  private readonly prefix: string;
  private readonly options: RedisStoreOptions;
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisStoreOptions = {}) {
    this.options = options;
    this.prefix = options.keyPrefix ?? 'agentrt:';
    const url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.redis = new Redis(url, {
      lazyConnect: true,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 20,
      enableAutoPipelining: true,
      // A command in flight when the connection drops is re-sent after reconnecting;
      // the scripts make that safe (a re-sent commit is recognised as a duplicate).
      autoResendUnfulfilledCommands: true,
    });
    this.redis.on('error', () => undefined); // surfaced per command as store_unavailable
  }

  private key(kind: string, id?: string): string {
    return id === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${id}`;
  }

  /** Connects and checks the server's eviction policy (once). */
  private ensureReady(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('store_unavailable', 'the Redis store is closed'));
    this.ready ??= (async () => {
      let policy: string | undefined;
      try {
        const reply = (await this.redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
        policy = reply?.[1];
      } catch (error) {
        if (/unknown command|NOPERM|disabled/i.test(String((error as Error).message))) return; // managed Redis: cannot check
        throw error;
      }
      if (policy && policy !== 'noeviction') {
        const message = `Redis maxmemory-policy is "${policy}": the server may evict run state under memory pressure. Set it to "noeviction".`;
        if ((this.options.evictionPolicy ?? 'refuse') === 'refuse') throw new StoreError('store_unavailable', message);
        process.emitWarning(message, { code: 'AGENTRT_REDIS_EVICTION' });
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw translate(error, 'connect');
    });
    return this.ready;
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureReady();
    try {
      return await fn();
    } catch (error) {
      throw translate(error, operation);
    }
  }

  private eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.redis.eval(script, keys.length, ...keys, ...args.map(String));
  }

  async createRun(run: NewRunRecord): Promise<{ run: RunRecord; created: boolean }> {
    return this.run('createRun', async () => {
      // Everything but the id is written once and never changes.
      const { runId: _id, ...part }: NewRunRecord = run;
      const reply = (await this.eval(
        scripts.CREATE_RUN,
        [this.key('run', run.runId), this.key('idem', run.idempotencyKey ?? '-'), this.key('runs'), this.key('counter')],
        [run.runId, run.idempotencyKey ?? '', encodeStored(part), run.createdAt],
      )) as [string, string];
      const record = await this.getRun(reply[1]);
      if (!record) throw new StoreError('run_not_found', `run ${reply[1]} disappeared (was the key evicted or flushed?)`);
      return { run: record, created: reply[0] === 'created' };
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.run('getRun', async () => {
      const hash = (await this.redis.hgetall(this.key('run', runId))) as RunHash;
      return Object.keys(hash).length === 0 ? undefined : toRecord(runId, hash);
    });
  }

  async listRuns(query: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    return this.run('listRuns', async () => {
      const limit = query.limit ?? Number.POSITIVE_INFINITY;
      const out: RunRecord[] = [];
      const page = 200;
      for (let start = 0; out.length < limit; start += page) {
        const ids = await this.redis.zrevrange(this.key('runs'), start, start + page - 1);
        if (ids.length === 0) break;
        const hashes = await Promise.all(ids.map((id) => this.redis.hgetall(this.key('run', id)) as Promise<RunHash>));
        ids.forEach((id, i) => {
          const hash = hashes[i]!;
          if (Object.keys(hash).length === 0 || out.length >= limit) return;
          if (query.status && hash.status !== query.status) return;
          out.push(toRecord(id, hash));
        });
        if (ids.length < page) break;
      }
      return out;
    });
  }

  async saveDecision(input: { runId: string; decision: PendingStep } & WriteOptions): Promise<void> {
    await this.run('saveDecision', () =>
      this.eval(scripts.SAVE_DECISION, [this.key('run', input.runId)], [...fence(input.lease), input.decision.stepIndex, encodeStored(input.decision), new Date().toISOString()]),
    );
  }

  async commitStep(input: { runId: string; step: StepRecord; events: readonly StoredRunEvent[]; usageDelta: Usage } & WriteOptions): Promise<void> {
    await this.run('commitStep', () =>
      this.eval(
        scripts.COMMIT_STEP,
        [this.key('run', input.runId), this.key('steps', input.runId), this.key('events', input.runId)],
        [
          ...fence(input.lease), input.step.stepIndex, encodeStored(input.step), input.step.toolCalls,
          input.usageDelta.inputTokens, input.usageDelta.outputTokens, input.usageDelta.costUsd, new Date().toISOString(),
          ...eventArgs(input.events),
        ],
      ),
    );
  }

  async loadSteps(runId: string, options: { fromIndex?: number } = {}): Promise<StepRecord[]> {
    return this.run('loadSteps', async () => {
      const [exists, rows] = await Promise.all([this.redis.exists(this.key('run', runId)), this.redis.lrange(this.key('steps', runId), options.fromIndex ?? 0, -1)]);
      if (!exists) throw new StoreError('run_not_found', `run ${runId} does not exist`);
      return rows.map((row) => decodeStored<StepRecord>(row, `step of run ${runId}`));
    });
  }

  async updateRun(input: { runId: string; status: 'running' | 'paused'; result?: RunResult; events?: readonly StoredRunEvent[] } & WriteOptions): Promise<void> {
    await this.run('updateRun', () =>
      this.eval(
        scripts.UPDATE_RUN,
        [this.key('run', input.runId), this.key('events', input.runId)],
        [...fence(input.lease), input.status, input.result ? encodeStored(input.result) : '', new Date().toISOString(), ...eventArgs(input.events ?? [])],
      ),
    );
  }

  async finishRun(input: { runId: string; result: RunResult; events: readonly StoredRunEvent[] } & WriteOptions): Promise<RunResult> {
    return this.run('finishRun', async () => {
      const reply = (await this.eval(
        scripts.FINISH_RUN,
        [this.key('run', input.runId), this.key('events', input.runId)],
        [
          ...fence(input.lease), input.result.status, encodeStored(input.result), new Date().toISOString(),
          input.result.error?.retryable ? '1' : '0', ...eventArgs(input.events),
        ],
      )) as [string, string];
      return decodeStored<RunResult>(reply[1], `result of run ${input.runId}`);
    });
  }

  async appendEvents(runId: string, events: readonly StoredRunEvent[], options: WriteOptions = {}): Promise<void> {
    if (events.length === 0) return;
    await this.run('appendEvents', () => this.eval(scripts.APPEND_EVENTS, [this.key('run', runId), this.key('events', runId)], [...fence(options.lease), ...eventArgs(events)]));
  }

  async listEvents(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<StoredRunEvent[]> {
    return this.run('listEvents', async () => {
      const start = Math.max(0, options.afterSeq ?? 0);
      const stop = options.limit === undefined ? -1 : start + options.limit - 1;
      if (stop !== -1 && stop < start) return [];
      const rows = await this.redis.lrange(this.key('events', runId), start, stop);
      return rows.map((row) => decodeStored<StoredRunEvent>(row, `event of run ${runId}`));
    });
  }

  async recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options: WriteOptions = {}): Promise<void> {
    await this.run('recordToolIntent', () =>
      this.eval(scripts.LEDGER_PUT, [this.key('run', entry.runId), this.key('ledger', entry.runId)], [...fence(options.lease), entry.toolCallId, encodeStored({ ...entry, status: 'started' })]),
    );
  }

  async recordToolResult(input: Parameters<StateStore['recordToolResult']>[0], options: WriteOptions = {}): Promise<void> {
    await this.run('recordToolResult', async () => {
      // Only non-idempotent calls record an intent; skip the round trip for the others.
      const intent = input.sideEffects === 'non-idempotent' ? await this.redis.hget(this.key('ledger', input.runId), input.toolCallId) : null;
      const startedAt = intent ? decodeStored<ToolLedgerEntry>(intent, 'ledger intent').startedAt : input.completedAt;
      const entry: ToolLedgerEntry = {
        runId: input.runId, toolCallId: input.toolCallId, stepIndex: input.stepIndex, name: input.name,
        argsFingerprint: input.argsFingerprint, sideEffects: input.sideEffects, status: 'completed',
        result: input.result, startedAt, completedAt: input.completedAt,
      };
      // HSETNX: a completion, once recorded, is never overwritten.
      await this.eval(scripts.LEDGER_PUT, [this.key('run', input.runId), this.key('ledger-done', input.runId)], [...fence(options.lease), input.toolCallId, encodeStored(entry)]);
    });
  }

  async getToolLedger(runId: string, options: { stepIndex?: number } = {}): Promise<ToolLedgerEntry[]> {
    return this.run('getToolLedger', async () => {
      const [intents, done] = await Promise.all([this.redis.hgetall(this.key('ledger', runId)), this.redis.hgetall(this.key('ledger-done', runId))]);
      const merged = new Map<string, ToolLedgerEntry>();
      for (const [id, json] of Object.entries(intents)) merged.set(id, decodeStored<ToolLedgerEntry>(json, `ledger entry of run ${runId}`));
      for (const [id, json] of Object.entries(done)) merged.set(id, decodeStored<ToolLedgerEntry>(json, `ledger entry of run ${runId}`));
      return [...merged.values()]
        .filter((entry) => options.stepIndex === undefined || entry.stepIndex === options.stepIndex)
        .sort((a, b) => a.stepIndex - b.stepIndex || a.startedAt.localeCompare(b.startedAt));
    });
  }

  async setKillFlag(flag: KillFlag): Promise<void> {
    await this.run('setKillFlag', async () => {
      const json = encodeStored(flag);
      await this.redis.multi().hset(this.key('kill'), flag.scope, json).publish(this.key('kill'), json).exec();
    });
  }

  async clearKillFlag(scope: string = KILL_ALL_SCOPE): Promise<void> {
    await this.run('clearKillFlag', () => this.redis.hdel(this.key('kill'), scope));
  }

  async getKillFlag(runId: string): Promise<KillFlag | undefined> {
    return this.run('getKillFlag', async () => {
      const [own, all] = await this.redis.hmget(this.key('kill'), runId, KILL_ALL_SCOPE);
      const json = own ?? all;
      return json ? decodeStored<KillFlag>(json, 'kill flag') : undefined;
    });
  }

  subscribeKills(listener: (flag: KillFlag) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber && !this.closed) {
      const subscriber = this.redis.duplicate({ lazyConnect: false });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, message: string) => {
        let flag: KillFlag;
        try {
          flag = decodeStored<KillFlag>(message, 'kill flag');
        } catch {
          return;
        }
        for (const each of this.listeners) each(flag);
      });
      void subscriber.subscribe(this.key('kill')).catch(() => undefined);
      this.subscriber = subscriber;
    }
    return () => this.listeners.delete(listener);
  }

  async acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined> {
    return this.run('acquireLease', async () => {
      const reply = (await this.eval(scripts.ACQUIRE_LEASE, [this.key('run', input.runId)], [input.owner, Math.max(1, Math.floor(input.ttlMs))])) as [number, string] | null;
      return reply ? { runId: input.runId, owner: input.owner, epoch: Number(reply[0]), expiresAt: Number(reply[1]) } : undefined;
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    return this.run('renewLease', async () => {
      const reply = (await this.eval(scripts.RENEW_LEASE, [this.key('run', lease.runId)], [lease.owner, lease.epoch, Math.max(1, Math.floor(ttlMs))])) as string | null;
      return reply ? { ...lease, expiresAt: Number(reply) } : undefined;
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.run('releaseLease', () => this.eval(scripts.RELEASE_LEASE, [this.key('run', lease.runId)], [lease.owner, lease.epoch]));
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.all([this.redis, this.subscriber].map(async (client) => {
      if (!client) return;
      try {
        if (client.status === 'ready') await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    }));
  }
}

const fence = (lease: Lease | undefined): [string, string] => (lease ? [lease.owner, String(lease.epoch)] : ['', '']);

function eventArgs(events: readonly StoredRunEvent[]): (string | number)[] {
  if (events.length === 0) return [0, '', 0];
  return [events[0]!.seq, events[events.length - 1]!.hash ?? '', events.length, ...events.map((event) => encodeStored(event))];
}

function toRecord(runId: string, hash: RunHash): RunRecord {
  const part = decodeStored<StaticPart>(hash.static, `run ${runId}`);
  const status = hash.status as RunStatus;
  if (!STATUSES.has(status)) throw new StoreError('state_corrupt', `run ${runId} has an unknown status "${hash.status}"`);
  const int = (field: string) => {
    const value = Number(hash[field] ?? 0);
    if (!Number.isFinite(value)) throw new StoreError('state_corrupt', `run ${runId}: field ${field} is not a number`);
    return value;
  };
  return {
    runId,
    status,
    ...part,
    updatedAt: hash.updatedAt ?? part.createdAt,
    stepCount: int('stepCount'),
    usage: { inputTokens: int('inTok'), outputTokens: int('outTok'), costUsd: int('cost') },
    toolCalls: int('toolCalls'),
    ...(hash.result ? { result: decodeStored<RunResult>(hash.result, `result of run ${runId}`) } : {}),
    ...(hash.pending ? { pendingStep: decodeStored<PendingStep>(hash.pending, `pending step of run ${runId}`) } : {}),
    lastEventSeq: int('lastSeq'),
    ...(hash.lastHash ? { lastEventHash: hash.lastHash } : {}),
  };
}

/** Maps ioredis and script errors to typed store errors. */
function translate(error: unknown, operation: string): StoreError {
  if (StoreError.isInstance(error)) return error as StoreError;
  const message = error instanceof Error ? error.message : String(error);
  const scripted = /AGENTRT ([a-z_]+): (.*)$/s.exec(message);
  if (scripted) return new StoreError(scripted[1] as StoreError['code'], `${operation}: ${scripted[2]}`, { cause: error });
  return new StoreError('store_unavailable', `${operation} failed: ${message}`, { cause: error, retryable: true });
}
