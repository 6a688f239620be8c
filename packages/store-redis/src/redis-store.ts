import {
  checkKnownOptions, checkLeaseTtl, checkNewRunId, checkStoreEvents, checkStoreId, checkStoreLease, checkStorable, checkStorableList, checkStoreObject, checkStoreStatus, checkStoreIndex, checkStoreStep, checkStoreText, checkStoreUsage, checkStoreWrite, checkToolCallId, readStoreOptions, readStorePage,
} from '@agentrt/core';
import {
  ConfigError, blobRefs, decodeStored, encodeStored, encodeWithBlobs, KILL_ALL_SCOPE, mayHoldBlobRefs, restoreBlobs, restoreBlobsOrMark, StoreError,
  type KillFlag, type Lease, type NewRunRecord, type PendingStep, type RunRecord, type RunResult, type RunStatus,
  type StateStore, type StepRecord, type StoredRunEvent, type ToolLedgerEntry, type Usage, type WriteOptions,
} from '@agentrt/core';
import { createHash, randomUUID } from 'node:crypto';
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
  /**
   * Opt-in, default 0 (off). Every write of a run reads the run's kill flags in the same script
   * (one atomic call), and by default that answer serves only the run's next kill check, and only
   * if the check comes before this process handles any other I/O (see `getKillFlag`): exactly
   * what a read issued at that check would be. With `killFlagMaxAgeMs` > 0, the answer also
   * serves a later check while it is younger than this many ms, the kill subscription is up, and
   * no kill was published since; the price is that a flag set within that age (plus the push
   * latency) is seen by the push — which aborts the call that started meanwhile — instead of
   * before the call. 0 keeps the strict guarantee.
   */
  readonly killFlagMaxAgeMs?: number;
}

const OPTION_NAMES: readonly (keyof RedisStoreOptions)[] = ['url', 'keyPrefix', 'commandTimeoutMs', 'evictionPolicy', 'killFlagMaxAgeMs'];
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The options are checked before any connection: a bad one is `config_invalid` naming it — never
 * the retryable `store_unavailable` of every later call (`commandTimeoutMs: 0` timed every command
 * out), and never ignored (a misspelt `keyprefix` would quietly share the default prefix).
 */
function checkOptions(options: unknown): asserts options is RedisStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError('options', 'RedisStore takes an options object ({ url, keyPrefix, … })');
  const given = options as Record<string, unknown>;
  checkKnownOptions(given, OPTION_NAMES);
  const { url, keyPrefix, commandTimeoutMs, evictionPolicy, killFlagMaxAgeMs } = given;
  if (url !== undefined) checkUrl(url, 'url');
  if (keyPrefix !== undefined && typeof keyPrefix !== 'string') throw new ConfigError('keyPrefix', `expected a string, got ${typeof keyPrefix}`);
  if (commandTimeoutMs !== undefined && (typeof commandTimeoutMs !== 'number' || !Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1 || commandTimeoutMs > MAX_TIMER_MS)) {
    throw new ConfigError('commandTimeoutMs', `expected an integer from 1 to ${MAX_TIMER_MS} ms, got ${String(commandTimeoutMs)}`);
  }
  if (evictionPolicy !== undefined && evictionPolicy !== 'refuse' && evictionPolicy !== 'warn') throw new ConfigError('evictionPolicy', `expected "refuse" or "warn", got ${JSON.stringify(evictionPolicy)}`);
  if (killFlagMaxAgeMs !== undefined && (typeof killFlagMaxAgeMs !== 'number' || !Number.isInteger(killFlagMaxAgeMs) || killFlagMaxAgeMs < 0 || killFlagMaxAgeMs > MAX_TIMER_MS)) {
    throw new ConfigError('killFlagMaxAgeMs', `expected an integer from 0 to ${MAX_TIMER_MS} ms, got ${String(killFlagMaxAgeMs)}`);
  }
}

/**
 * A connection string ioredis would take as it is meant: a `redis://` or `rediss://` URL (no host
 * is localhost, as in ioredis), one without a scheme (`//host:port`, `host:port`), a unix socket
 * path (`/run/redis.sock`) or a port.
 * Another scheme (`http://x`, `postgres://…`) is refused: ioredis would read its name as a host and
 * time out at first use as `store_unavailable`. A URL that does not parse is refused here, not by
 * ioredis' raw `TypeError` (whose `input` would carry the password). The value is never echoed.
 */
function checkUrl(url: unknown, field: string, from = ''): void {
  if (typeof url !== 'string' || url === '') throw new ConfigError(field, `expected a redis:// URL${from}, got ${url === '' ? 'an empty string' : typeof url}`);
  if (url.includes('\0')) throw new ConfigError(field, `holds a NUL character${from}`);
  if (/^\d+$/.test(url) || (url.startsWith('/') && !url.startsWith('//'))) return; // a port, a unix socket path
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme !== undefined && !/^rediss?$/i.test(scheme)) throw new ConfigError(field, `expected a redis:// or rediss:// URL${from}, got a ${scheme.toLowerCase()}:// one`);
  let parsed: URL;
  try {
    parsed = new URL(scheme !== undefined ? url : `redis://${url.startsWith('//') ? url.slice(2) : url}`);
  } catch {
    throw new ConfigError(field, `is not a valid redis:// URL${from}`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new ConfigError(field, `has a database path that is not a number${from} (expected redis://host:6379/0)`);
}

type RunHash = Record<string, string>;
/** The part of a run written once at creation (everything in `NewRunRecord` but the id). */
type StaticPart = Omit<NewRunRecord, 'runId'>;
/**
 * A kill answer read by a write serves a check in the same event-loop turn only if the check
 * comes within this many ms: the loop needs microseconds between a write and its next check, so
 * a longer gap means code blocked synchronously in between (a hook's `execSync`, say), which
 * could have had another process set a kill; the check then reads.
 */
const SAME_TURN_MAX_MS = 1;
const STATUSES = new Set<RunStatus>(['running', 'paused', 'completed', 'stopped', 'failed']);
/** A counter as the scripts write it (HSET of an integer, HINCRBY: 64-bit, read as the nearest number past 2^53). */
const INTEGER_TEXT = /^-?\d{1,19}$/;
/** The cost as HINCRBYFLOAT writes it: a decimal number, maybe with an exponent. */
const NUMBER_TEXT = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;

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
  /** Blobs this store wrote or confirmed (`runId\0sha256`), so a commit repeating an image sends its hash, not its bytes. Bounded. */
  private readonly storedBlobs = new Set<string>();
  /**
   * Kill flags read by a write of the run, inside its script (`withKills` in scripts.ts): the
   * answer, when it arrived (`at`, for `killFlagMaxAgeMs`) and in which turn of the event loop
   * (`turn`). Each answers one `getKillFlag` at most.
   */
  private readonly killSeen = new Map<string, { flag: KillFlag | undefined; at: number; turn: number }>();
  /**
   * The event-loop turn: bumped by a `setImmediate` armed whenever a kill answer is stored, so
   * it changes before any I/O completion (a socket read, a timer, a child process) can run
   * after the answer arrived. A check in the same turn as the write's answer has had only
   * synchronous code and microtasks between them: nothing another process did can have been
   * observed in this process meanwhile, so the write's read is as fresh as a read sent then.
   */
  private turn = 0;
  private turnArmed = false;
  /** `startedAt` of the ledger intents this store wrote (`runId\0toolCallId`), so the result need not read the intent back. Bounded. */
  private readonly intentStarts = new Map<string, string>();
  /** The kill subscription is established (set after SUBSCRIBE and the replay; cleared when the connection drops). */
  private killsSubscribed = false;
  /**
   * Results of idempotent and pure tool calls, per run, accepted but not yet sent. They are sent
   * ahead of the run's next write, in the same pipeline (normally the step commit: one round trip
   * for both), so the server applies them in call order: a crash loses a suffix only, and a lost
   * result of such a call means it runs again with the same idempotency key — which is what
   * declaring it `idempotent` (or pure) allows. Results of `non-idempotent` calls are never deferred.
   */
  private readonly deferred = new Map<string, { input: Parameters<StateStore['recordToolResult']>[0]; lease: Lease | undefined }[]>();

  constructor(options: RedisStoreOptions = {}) {
    checkOptions(options);
    this.options = options;
    this.prefix = options.keyPrefix ?? 'agentrt:';
    const url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (options.url === undefined && process.env.REDIS_URL !== undefined) checkUrl(url, 'url', ' (from REDIS_URL)');
    this.redis = new Redis(url, {
      lazyConnect: true,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 20,
      // Off: a step sends one command per round trip, and ioredis' automatic pipeline costs more
      // CPU per batch (~30 µs here) than writing a lone command does. Reads that send several
      // commands at once use an explicit pipeline (`batch`).
      enableAutoPipelining: false,
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

  /** Runs one operation; its errors become typed store errors (`translate`), naming `runId` when it reads or writes one run. */
  private async run<T>(operation: string, fn: () => Promise<T>, runId?: string): Promise<T> {
    await this.ensureReady();
    try {
      return await fn();
    } catch (error) {
      throw translate(error, operation, runId);
    }
  }

  /** EVALSHA (the script body is sent once per server, not with every call); EVAL when the server lacks it (`NOSCRIPT`: nothing ran). */
  private eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const argv = args.map(String);
    return this.redis.evalsha(scriptSha(script), keys.length, ...keys, ...argv).catch((error: unknown) => {
      if (!/NOSCRIPT/.test(String((error as Error)?.message))) throw error;
      return this.redis.eval(script, keys.length, ...keys, ...argv);
    });
  }

  /**
   * Sends the run's deferred tool results (see `deferred`) without waiting: called right before a
   * write of the run, so both leave in one pipeline and the server applies them in that order.
   * Their failures are not the write's: a result that did not land is one a crash would have lost.
   */
  private sendDeferred(runId: string): Promise<unknown> | undefined {
    const list = this.deferred.get(runId);
    if (!list) return undefined;
    this.deferred.delete(runId);
    return Promise.allSettled(list.map(({ input, lease }) => this.putResult(input, lease, undefined)));
  }

  /** HSETNX of a completed ledger entry: a completion, once recorded, is never overwritten. */
  private putResult(input: Parameters<StateStore['recordToolResult']>[0], lease: Lease | undefined, intentStartedAt: string | undefined, killKey?: string): Promise<unknown> {
    const blobs = new Map<string, string>();
    const json = encodeWithBlobs(resultEntry(input, intentStartedAt), blobs);
    // Deferred results go ahead of the run's next write, which reads the kill flags itself: the flags this script reads are not kept.
    const keys = [this.key('run', input.runId), this.key('ledger-done', input.runId), this.key('blobs', input.runId), killKey ?? this.key('kill')];
    return this.evalWithBlobs(scripts.LEDGER_PUT, keys, [...fence(lease), input.toolCallId, json], input.runId, blobs, (reply) => Number((reply as unknown[])[0]) === 1, [input.runId]);
  }

  /**
   * A write of one run, preceded in the same pipeline by its deferred results. `fn` runs a
   * `withKills` script (given the kill key and the run id to append to its keys and arguments)
   * and returns its raw reply `[reply, own, all]`: the flags are kept for the next check
   * (`getKillFlag`) and the script's own reply is returned.
   */
  private async runWrite<T>(operation: string, runId: string, fn: (killKey: string) => Promise<unknown>): Promise<T> {
    return this.run(operation, async () => {
      const deferred = this.sendDeferred(runId);
      const version = this.killVersion;
      const written = fn(this.key('kill'));
      let reply: unknown;
      try {
        reply = await written;
      } finally {
        await deferred;
      }
      return this.keepKills(runId, version, reply) as T;
    }, runId);
  }

  /** Keeps the kill flags a `withKills` script read for the run's next check; returns the script's own reply. */
  private keepKills(runId: string, version: number, reply: unknown): unknown {
    if (!Array.isArray(reply) || reply.length !== 3) throw new StoreError('state_corrupt', `unexpected script reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
    const [own, all] = [reply[1] as string | null, reply[2] as string | null];
    // A kill published, heard or cleared while the script's answer was on its way may be newer than what it read.
    if (version === this.killVersion) {
      const json = own ?? all;
      this.killSeen.set(runId, { flag: json ? decodeStored<KillFlag>(json, 'kill flag') : undefined, at: performance.now(), turn: this.turn });
      if (!this.turnArmed) {
        this.turnArmed = true;
        setImmediate(() => {
          this.turn++;
          this.turnArmed = false;
        });
      }
    }
    return reply[0];
  }

  /** Bumped by every kill this store publishes, hears of or clears, and when its subscription comes up or drops: answers read before that may be stale. */
  private killVersion = 0;

  private forgetKills(): void {
    this.killVersion++;
    this.killSeen.clear();
  }

  async createRun(run: NewRunRecord): Promise<{ run: RunRecord; created: boolean }> {
    checkStoreObject('run', run);
    checkNewRunId(run.runId);
    checkStoreText('run.createdAt', run.createdAt);
    if (run.idempotencyKey !== undefined) checkStoreId('idempotencyKey', run.idempotencyKey);
    checkStorable('run', run);
    return this.run('createRun', async () => {
      // Everything but the id is written once and never changes.
      const { runId: _id, ...part }: NewRunRecord = run;
      const blobs = new Map<string, string>();
      const json = encodeWithBlobs(part, blobs);
      const reply = (await this.eval(
        scripts.CREATE_RUN,
        [this.key('run', run.runId), this.key('idem', run.idempotencyKey ?? '-'), this.key('runs'), this.key('counter'), this.key('blobs', run.runId)],
        [run.runId, run.idempotencyKey ?? '', json, run.createdAt, ...blobArgs(blobs, () => false), randomUUID()],
      )) as [string, string];
      if (reply[0] === 'created') for (const sha256 of blobs.keys()) this.storedBlobs.add(`${run.runId}\u0000${sha256}`);
      const record = await this.getRun(reply[1]);
      if (!record) throw new StoreError('run_not_found', `run ${reply[1]} disappeared (was the key evicted or flushed?)`);
      return { run: record, created: reply[0] === 'created' };
    }, run.runId);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    checkStoreId('runId', runId);
    return this.run('getRun', async () => {
      const hash = (await this.redis.hgetall(this.key('run', runId))) as RunHash;
      return Object.keys(hash).length === 0 ? undefined : this.toRecord(runId, hash);
    }, runId);
  }

  async listRuns(query?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    query = readStoreOptions('query', query);
    if (query.status !== undefined) checkStoreStatus('query.status', query.status, 'any');
    query = { ...query, limit: readStorePage('limit', query.limit, 'limit') };
    if (query.limit === 0) return [];
    return this.run('listRuns', async () => {
      const limit = query.limit ?? Number.POSITIVE_INFINITY;
      const out: RunRecord[] = [];
      const page = 200;
      // Paged by score, not by position: each run's score is a number INCR gave it at creation
      // (unique, growing), so a run created while this reads lands above the cursor instead of
      // shifting the pages below it (by position, the last runs of a page came back again on the next).
      for (let below = '+inf'; out.length < limit; ) {
        const reply = await this.redis.zrevrangebyscore(this.key('runs'), below, '-inf', 'WITHSCORES', 'LIMIT', 0, page);
        const ids = reply.filter((_, i) => i % 2 === 0);
        if (ids.length === 0) break;
        below = `(${reply[reply.length - 1]!}`;
        const pipeline = this.redis.pipeline();
        for (const id of ids) pipeline.hgetall(this.key('run', id));
        // A run key that is not a hash fails the listing naming that run (not the first error of the page, unnamed).
        const hashes = (await batch(pipeline, (error, i) => translate(error, 'listRuns', ids[i]))) as RunHash[];
        const listed: [string, RunHash][] = [];
        for (const [i, id] of ids.entries()) {
          const hash = hashes[i]!;
          if (Object.keys(hash).length === 0 || out.length + listed.length >= limit) continue;
          if (query.status && hash.status !== query.status) continue;
          listed.push([id, hash]);
        }
        out.push(...(await this.listedRecords(listed)));
        if (ids.length < page) break;
      }
      return out;
    });
  }

  async saveDecision(input: { runId: string; decision: PendingStep } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreObject('input.decision', input.decision);
    checkStoreId('runId', input.runId);
    checkStoreUsage('decision.usage', input.decision.usage);
    checkStorable('input.decision', input.decision);
    await this.runWrite('saveDecision', input.runId, (kill) =>
      this.eval(scripts.SAVE_DECISION, [this.key('run', input.runId), kill], [...fence(input.lease), indexArg(input.decision.stepIndex), encodeStored(input.decision), new Date().toISOString(), input.runId]));
  }

  async commitStep(input: { runId: string; step: StepRecord; events: readonly StoredRunEvent[]; usageDelta: Usage } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreObject('input.step', input.step);
    checkStoreEvents('input.events', input.events, input.runId);
    checkStoreId('runId', input.runId);
    checkStoreUsage('usageDelta', input.usageDelta);
    checkStoreStep('step', input.step, input.runId);
    checkStorable('input.step', input.step);
    checkStorableList('input.events', input.events);
    // The run's deferred results written under the same lease go inside the commit's script (one
    // command, applied with the step or not at all: the commit's fence is theirs); any other are
    // sent ahead of it as before.
    const list = this.deferred.get(input.runId);
    let folded: { input: Parameters<StateStore['recordToolResult']>[0] }[] = [];
    if (list) {
      folded = list.filter((d) => sameLease(d.lease, input.lease));
      if (folded.length === list.length) this.deferred.delete(input.runId);
      else this.deferred.set(input.runId, list.filter((d) => !sameLease(d.lease, input.lease)));
    }
    // One nonce per call: ioredis' re-send of this call (and the blob retry below) carries it; another call does not.
    const nonce = randomUUID();
    await this.runWrite('commitStep', input.runId, async (kill) => {
      const blobs = new Map<string, string>();
      const json = encodeWithBlobs(input.step, blobs);
      const results: string[] = [String(folded.length)];
      for (const { input: result } of folded) results.push(result.toolCallId, encodeWithBlobs(resultEntry(result, undefined), blobs));
      const head = [
        ...fence(input.lease), indexArg(input.step.stepIndex), json, input.step.toolCalls,
        input.usageDelta.inputTokens, input.usageDelta.outputTokens, input.usageDelta.costUsd, new Date().toISOString(),
        ...eventArgs(input.events),
      ];
      const keys = [this.key('run', input.runId), this.key('steps', input.runId), this.key('events', input.runId), this.key('blobs', input.runId), this.key('ledger-done', input.runId), kill];
      // 'OK' wrote the step with its blobs; 'DUPLICATE' found this very call (its nonce) landed before, blobs included.
      return this.evalWithBlobs(scripts.COMMIT_STEP, keys, head, input.runId, blobs, () => true, [...results, nonce, refusedCount(input.step.toolCallsRefused), input.runId]);
    });
  }

  /**
   * Runs a script whose trailing arguments are blobs. Blobs known to be stored go as their hash
   * only; if the script finds one missing (flushed, or written by nobody), it writes nothing and
   * the call is repeated once with every blob's data.
   */
  private async evalWithBlobs(script: string, keys: string[], head: (string | number)[], runId: string, blobs: ReadonlyMap<string, string>, wrote: (reply: unknown) => boolean, tail: readonly (string | number)[] = []): Promise<unknown> {
    const known = (sha256: string) => this.storedBlobs.has(`${runId}\u0000${sha256}`);
    let reply: unknown;
    try {
      reply = await this.eval(script, keys, [...head, ...blobArgs(blobs, known), ...tail]);
    } catch (error) {
      if (!/AGENTRT blob_missing:/.test(String((error as Error)?.message))) throw error;
      for (const sha256 of blobs.keys()) this.storedBlobs.delete(`${runId}\u0000${sha256}`);
      reply = await this.eval(script, keys, [...head, ...blobArgs(blobs, () => false), ...tail]);
    }
    if (wrote(reply)) for (const sha256 of blobs.keys()) {
      this.storedBlobs.add(`${runId}\u0000${sha256}`);
      if (this.storedBlobs.size > 10_000) this.storedBlobs.delete(this.storedBlobs.values().next().value!);
    }
    return reply;
  }

  async loadSteps(runId: string, options?: { fromIndex?: number; limit?: number }): Promise<StepRecord[]> {
    const paging = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    const from = readStorePage('fromIndex', paging.fromIndex, 'index') ?? 0;
    const limit = readStorePage('limit', paging.limit, 'limit');
    return this.run('loadSteps', async () => {
      // LRANGE's stop is inclusive; -1 is the last element. Limit 0 reads nothing but still checks the run.
      const stop = limit === undefined ? -1 : from + limit - 1;
      const pipeline = this.redis.pipeline().exists(this.key('run', runId));
      if (limit !== 0) pipeline.lrange(this.key('steps', runId), from, stop);
      const [exists, rows = []] = (await batch(pipeline)) as [number, string[]?];
      if (!exists) throw new StoreError('run_not_found', `run ${runId} does not exist`);
      return this.decodeAll<StepRecord>(runId, rows, `step of run ${runId}`);
    }, runId);
  }

  async updateRun(input: { runId: string; status: 'running' | 'paused'; result?: RunResult; events?: readonly StoredRunEvent[] } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreStatus('input.status', input.status, 'open');
    if (input.result !== undefined) checkStoreObject('input.result', input.result);
    if (input.events !== undefined) checkStoreEvents('input.events', input.events, input.runId);
    checkStoreId('runId', input.runId);
    if (input.result !== undefined) checkStorable('input.result', input.result);
    if (input.events !== undefined) checkStorableList('input.events', input.events);
    await this.runWrite('updateRun', input.runId, (kill) =>
      this.eval(
        scripts.UPDATE_RUN,
        [this.key('run', input.runId), this.key('events', input.runId), kill],
        [...fence(input.lease), input.status, input.result ? encodeStored(input.result) : '', new Date().toISOString(), ...eventArgs(input.events ?? []), randomUUID(), input.runId],
      ),
    );
  }

  async finishRun(input: { runId: string; result: RunResult; events: readonly StoredRunEvent[] } & WriteOptions): Promise<RunResult> {
    checkStoreWrite('input', input);
    checkStoreObject('input.result', input.result);
    checkStoreStatus('input.result.status', input.result.status, 'terminal');
    checkStoreEvents('input.events', input.events, input.runId);
    checkStoreId('runId', input.runId);
    checkStorable('input.result', input.result);
    checkStorableList('input.events', input.events);
    return this.run('finishRun', async () => {
      const deferred = this.sendDeferred(input.runId);
      const reply = (await this.eval(
        scripts.FINISH_RUN,
        [this.key('run', input.runId), this.key('events', input.runId)],
        [
          ...fence(input.lease), input.result.status, encodeStored(input.result), new Date().toISOString(),
          input.result.error?.retryable ? '1' : '0', ...eventArgs(input.events), randomUUID(),
        ],
      ).finally(() => deferred)) as [string, string];
      return decodeStored<RunResult>(reply[1], `result of run ${input.runId}`);
    }, input.runId);
  }

  async appendEvents(runId: string, events: readonly StoredRunEvent[], options?: WriteOptions): Promise<void> {
    checkStoreEvents('events', events, runId);
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    checkStorableList('events', events);
    if (events.length === 0) return;
    await this.runWrite('appendEvents', runId, (kill) => this.eval(scripts.APPEND_EVENTS, [this.key('run', runId), this.key('events', runId), kill], [...fence(options.lease), ...eventArgs(events), randomUUID(), runId]));
  }

  async listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredRunEvent[]> {
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    options = { afterSeq: readStorePage('afterSeq', options.afterSeq, 'index'), limit: readStorePage('limit', options.limit, 'limit') };
    if (options.limit === 0) return [];
    return this.run('listEvents', async () => {
      const start = Math.max(0, options.afterSeq ?? 0);
      const stop = options.limit === undefined ? -1 : start + options.limit - 1;
      if (stop !== -1 && stop < start) return [];
      const rows = await this.redis.lrange(this.key('events', runId), start, stop);
      // The log's position is its seq (the scripts append only the next seqs): an entry that is not
      // an event of that seq is damage, not an event to hand on (`{}`, or another seq's event).
      return rows.map((row, i) => {
        const event = decodeStored<StoredRunEvent>(row, `event ${start + i + 1} of run ${runId}`);
        if (event.seq !== start + i + 1 || typeof event.type !== 'string') throw new StoreError('state_corrupt', `event ${start + i + 1} of run ${runId}: the stored entry is not the event of that seq (seq ${JSON.stringify(event.seq)?.slice(0, 40)}, type ${JSON.stringify(event.type)?.slice(0, 40)})`);
        return event;
      });
    }, runId);
  }

  async recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options?: WriteOptions): Promise<void> {
    checkStoreObject('entry', entry);
    options = readStoreOptions('options', options);
    checkStoreId('runId', entry.runId);
    checkToolCallId(entry.toolCallId);
    checkStoreIndex('entry.stepIndex', entry.stepIndex);
    checkStoreText('entry.startedAt', entry.startedAt);
    checkStorable('entry', entry);
    const added = await this.runWrite<number>('recordToolIntent', entry.runId, (kill) =>
      this.eval(scripts.LEDGER_PUT, [this.key('run', entry.runId), this.key('ledger', entry.runId), this.key('blobs', entry.runId), kill], [...fence(options.lease), entry.toolCallId, encodeStored({ ...entry, status: 'started' }), 0, entry.runId]),
    );
    // Written by this call: the result can take `startedAt` from here instead of reading the intent back.
    if (Number(added) === 1) {
      this.intentStarts.set(`${entry.runId}\u0000${entry.toolCallId}`, entry.startedAt);
      if (this.intentStarts.size > 10_000) this.intentStarts.delete(this.intentStarts.keys().next().value!);
    }
  }

  async recordToolResult(input: Parameters<StateStore['recordToolResult']>[0], options?: WriteOptions): Promise<void> {
    checkStoreObject('input', input);
    checkStoreObject('input.result', input.result);
    options = readStoreOptions('options', options);
    checkStoreId('runId', input.runId);
    checkToolCallId(input.toolCallId);
    checkStoreIndex('input.stepIndex', input.stepIndex);
    checkStoreText('input.completedAt', input.completedAt);
    checkStorable('input', input);
    if (input.sideEffects !== 'non-idempotent') {
      // Deferred to the run's next write (normally the step commit): see `deferred`.
      if (this.closed) throw new StoreError('store_unavailable', 'the Redis store is closed');
      const list = this.deferred.get(input.runId) ?? [];
      if (list.some((d) => d.input.toolCallId === input.toolCallId)) return;
      // A copy (as the JSON it will be sent as): the caller may change its result object before it is sent.
      list.push({ input: { ...input, result: JSON.parse(JSON.stringify(input.result)) as typeof input.result }, lease: options.lease });
      this.deferred.set(input.runId, list);
      if (list.length >= 256) await this.run('recordToolResult', async () => this.sendDeferred(input.runId), input.runId);
      return;
    }
    const started = `${input.runId}\u0000${input.toolCallId}`;
    const startedAt = this.intentStarts.get(started);
    await this.runWrite('recordToolResult', input.runId, async (kill) => {
      // The intent's start time: known when this store wrote it, else read back (another process, or evicted from the map).
      const from = startedAt ?? (await this.redis.hget(this.key('ledger', input.runId), input.toolCallId).then((intent) => (intent ? decodeStored<ToolLedgerEntry>(intent, 'ledger intent').startedAt : undefined)));
      return this.putResult(input, options.lease, from, kill);
    });
    this.intentStarts.delete(started);
  }

  async getToolLedger(runId: string, options?: { stepIndex?: number }): Promise<ToolLedgerEntry[]> {
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    options = { stepIndex: readStorePage('stepIndex', options.stepIndex, 'index') };
    return this.run('getToolLedger', async () => {
      await this.sendDeferred(runId); // read your writes
      const [intents, done] = (await batch(this.redis.pipeline().hgetall(this.key('ledger', runId)).hgetall(this.key('ledger-done', runId)))) as [Record<string, string>, Record<string, string>];
      // Each entry with its record number (`o`, see LEDGER_PUT): a call is placed where it was first recorded (its intent, else its result).
      const merged = new Map<string, { entry: ToolLedgerEntry; order: number }>();
      for (const [id, json] of Object.entries(intents)) {
        const entry = checkEntry(runId, id, decodeStored<OrderedEntry>(json, `ledger entry ${id} of run ${runId}`));
        merged.set(id, { entry, order: takeOrder(entry) });
      }
      const ids = Object.keys(done);
      const entries = await this.decodeAll<OrderedEntry>(runId, ids.map((id) => done[id]!), `ledger entry of run ${runId}`);
      ids.forEach((id, i) => {
        const entry = checkEntry(runId, id, entries[i]!);
        const order = takeOrder(entry);
        merged.set(id, { entry, order: merged.get(id)?.order ?? order });
      });
      return [...merged.values()]
        .filter(({ entry }) => options.stepIndex === undefined || entry.stepIndex === options.stepIndex)
        // Entries written before record numbers (order 0) keep the old order: by start time.
        .sort((a, b) => a.entry.stepIndex - b.entry.stepIndex || a.order - b.order || a.entry.startedAt.localeCompare(b.entry.startedAt))
        .map(({ entry }) => entry);
    }, runId);
  }

  async setKillFlag(flag: KillFlag): Promise<void> {
    checkStoreObject('flag', flag);
    checkStoreId('scope', flag.scope);
    checkStoreText('flag.reason', flag.reason);
    checkStoreText('flag.at', flag.at);
    checkStorable('flag', flag);
    this.forgetKills();
    await this.run('setKillFlag', async () => {
      // Its scope, reason and time, as the other stores keep it (columns): other members are not kept.
      const json = encodeStored({ scope: flag.scope, reason: flag.reason, at: flag.at });
      await this.redis.multi().hset(this.key('kill'), flag.scope, json).publish(this.key('kill'), json).exec();
    });
  }

  async clearKillFlag(scope: string = KILL_ALL_SCOPE): Promise<void> {
    checkStoreId('scope', scope);
    this.forgetKills();
    await this.run('clearKillFlag', () => this.redis.hdel(this.key('kill'), scope));
  }

  /**
   * The run's kill flag (its own, else the incident stop `'*'`). Answered without a round trip
   * when the run's last write read the flags in its script (`withKills`) and nothing but
   * synchronous code and microtasks ran since that answer arrived — the same event-loop turn,
   * so no I/O of this process (a hook's or tool's request to another client, a timer) completed
   * in between; such an answer serves one check only. A kill this store sets, clears or hears
   * published drops it. Otherwise (no write since, or another turn) the flags are read.
   */
  async getKillFlag(runId: string): Promise<KillFlag | undefined> {
    checkStoreId('runId', runId);
    const seen = this.killSeen.get(runId);
    if (seen) {
      this.killSeen.delete(runId); // answers one check at most
      if (seen.turn === this.turn && performance.now() - seen.at <= SAME_TURN_MAX_MS) return seen.flag;
      const maxAge = this.options.killFlagMaxAgeMs ?? 0;
      if (maxAge > 0 && this.killsSubscribed && performance.now() - seen.at <= maxAge) return seen.flag;
    }
    return this.run('getKillFlag', async () => {
      const [own, all] = await this.redis.hmget(this.key('kill'), runId, KILL_ALL_SCOPE);
      const json = own ?? all;
      return json ? decodeStored<KillFlag>(json, 'kill flag') : undefined;
    }, runId);
  }

  subscribeKills(listener: (flag: KillFlag) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber && !this.closed) {
      const subscriber = this.redis.duplicate({ lazyConnect: false });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, message: string) => {
        this.forgetKills();
        let flag: KillFlag;
        try {
          flag = decodeStored<KillFlag>(message, 'kill flag');
        } catch {
          return;
        }
        for (const each of this.listeners) each(flag);
      });
      // Pub/sub is at-most-once: a kill published while this connection was down (or before its
      // first SUBSCRIBE) is never delivered. Each time the subscription is (re)established, the
      // flags already set are read back and handed to the listeners, so an in-flight call of a
      // killed run is still aborted once the connection is back.
      subscriber.on('ready', () => void this.replayKills().then(() => this.subscribed(subscriber)));
      for (const down of ['close', 'reconnecting', 'end']) subscriber.on(down, () => {
        this.killsSubscribed = false;
        this.forgetKills();
      });
      void subscriber.subscribe(this.key('kill')).then(() => this.replayKills().then(() => this.subscribed(subscriber)), () => undefined);
      this.subscriber = subscriber;
    }
    return () => this.listeners.delete(listener);
  }

  /** The subscription is (re)established: answers kept from before (when kills may have gone unheard) are dropped. */
  private subscribed(subscriber: Redis): void {
    this.forgetKills();
    this.killsSubscribed = subscriber.status === 'ready';
  }

  /** Hands every kill flag currently set to the kill listeners (after a (re)subscription). */
  private async replayKills(): Promise<void> {
    if (this.closed || this.listeners.size === 0) return;
    let flags: Record<string, string>;
    try {
      flags = await this.redis.hgetall(this.key('kill'));
    } catch {
      return; // the store is unreachable: the loop's own check before the next call reports it
    }
    for (const json of Object.values(flags)) {
      let flag: KillFlag;
      try {
        flag = decodeStored<KillFlag>(json, 'kill flag');
      } catch {
        continue;
      }
      for (const each of this.listeners) each(flag);
    }
  }

  async acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined> {
    checkStoreObject('input', input);
    checkStoreId('runId', input.runId);
    checkStoreId('owner', input.owner);
    checkLeaseTtl(input.ttlMs);
    return this.run('acquireLease', async () => {
      const version = this.killVersion;
      const raw = await this.eval(scripts.ACQUIRE_LEASE, [this.key('run', input.runId), this.key('kill')], [input.owner, Math.max(1, Math.floor(input.ttlMs)), input.runId]);
      const reply = this.keepKills(input.runId, version, raw) as [number, string] | null;
      return reply ? { runId: input.runId, owner: input.owner, epoch: Number(reply[0]), expiresAt: Number(reply[1]) } : undefined;
    }, input.runId);
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    checkStoreLease('lease', lease);
    checkStoreId('runId', lease.runId);
    checkLeaseTtl(ttlMs);
    return this.run('renewLease', async () => {
      const version = this.killVersion;
      const raw = await this.eval(scripts.RENEW_LEASE, [this.key('run', lease.runId), this.key('kill')], [lease.owner, lease.epoch, Math.max(1, Math.floor(ttlMs)), lease.runId]);
      const reply = this.keepKills(lease.runId, version, raw) as string | null;
      return reply ? { ...lease, expiresAt: Number(reply) } : undefined;
    }, lease.runId);
  }

  async releaseLease(lease: Lease): Promise<void> {
    checkStoreLease('lease', lease);
    await this.run('releaseLease', () => this.eval(scripts.RELEASE_LEASE, [this.key('run', lease.runId)], [lease.owner, lease.epoch]), lease.runId);
  }

  /** Parses records of a run and puts their media data back (one round trip for all blobs); a missing blob is `state_corrupt`. */
  private async decodeAll<T>(runId: string, texts: readonly string[], what: string, missing?: Set<string>): Promise<T[]> {
    const values = texts.map((text) => decodeStored<T>(text, what));
    const refs = new Set<string>();
    texts.forEach((text, i) => {
      if (mayHoldBlobRefs(text)) blobRefs(values[i], refs);
    });
    if (refs.size === 0) return values;
    const hashes = [...refs];
    const found = await this.redis.hmget(this.key('blobs', runId), ...hashes);
    const blobs = new Map<string, string>();
    hashes.forEach((sha256, i) => {
      const data = found[i];
      if (typeof data === 'string') blobs.set(sha256, data);
    });
    // Listing: a missing blob marks its part (`MissingMediaPart`) instead of failing the list.
    if (missing) return values.map((value, i) => (mayHoldBlobRefs(texts[i]!) ? restoreBlobsOrMark(value, (sha256) => blobs.get(sha256), missing) : value));
    return values.map((value, i) => (mayHoldBlobRefs(texts[i]!) ? restoreBlobs(value, (sha256) => {
      const data = blobs.get(sha256);
      if (data === undefined) throw new StoreError('state_corrupt', `${what}: media blob ${sha256} is missing`);
      return data;
    }) : value));
  }

  /**
   * Listed run hashes as records, the media blobs of all of them read in one command (`BLOBS_GET`)
   * instead of one round trip per run with media; a missing blob marks its part and the run's
   * `mediaMissing` instead of failing the listing.
   */
  private async listedRecords(entries: readonly [string, RunHash][]): Promise<RunRecord[]> {
    const decoded = entries.map(([runId, hash]) => {
      const texts = hasMedia(hash) ? [hash.static!, ...(hash.pending ? [hash.pending] : [])] : [];
      const values = texts.map((text) => decodeStored<unknown>(text, `run ${runId}`));
      const refs = new Set<string>();
      texts.forEach((text, i) => {
        if (mayHoldBlobRefs(text)) blobRefs(values[i], refs);
      });
      return { runId, hash, texts, values, refs: [...refs] };
    });
    const wanted = decoded.filter((run) => run.refs.length > 0);
    const found = wanted.length === 0 ? [] : ((await this.eval(scripts.BLOBS_GET, wanted.map((run) => this.key('blobs', run.runId)), wanted.flatMap((run) => [run.refs.length, ...run.refs]))) as (string | null)[][]);
    const blobsOf = new Map<string, Map<string, string>>();
    wanted.forEach((run, k) => {
      const blobs = new Map<string, string>();
      run.refs.forEach((sha256, i) => {
        const data = found[k]?.[i];
        if (typeof data === 'string') blobs.set(sha256, data);
      });
      blobsOf.set(run.runId, blobs);
    });
    return decoded.map(({ runId, hash, texts, values }) => {
      if (texts.length === 0) return toRecord(runId, hash);
      const blobs = blobsOf.get(runId);
      const missing = new Set<string>();
      const [part, pending] = values.map((value, i) => (blobs && mayHoldBlobRefs(texts[i]!) ? restoreBlobsOrMark(value, (sha256) => blobs.get(sha256), missing) : value));
      const record = toRecord(runId, hash, part as StaticPart, pending as PendingStep | undefined);
      return missing.size > 0 ? { ...record, mediaMissing: [...missing] } : record;
    });
  }

  /** A run hash as a record; `listed` (listRuns): a missing media blob is marked, not `state_corrupt`. */
  private async toRecord(runId: string, hash: RunHash, listed = false): Promise<RunRecord> {
    if (!hasMedia(hash)) return toRecord(runId, hash);
    const missing = listed ? new Set<string>() : undefined;
    const [part, pending] = await this.decodeAll<unknown>(runId, [hash.static!, ...(hash.pending ? [hash.pending] : [])], `run ${runId}`, missing);
    const record = toRecord(runId, hash, part as StaticPart, pending as PendingStep | undefined);
    return missing !== undefined && missing.size > 0 ? { ...record, mediaMissing: [...missing] } : record;
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Results still deferred are sent (best effort: a failure here is like a crash before them).
    await Promise.all([...this.deferred.keys()].map((runId) => this.sendDeferred(runId))).catch(() => undefined);
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

/** A ledger entry as stored: with its record number (`o`) when written by a version that numbers them. */
type OrderedEntry = ToolLedgerEntry & { o?: unknown };

/**
 * A stored ledger entry with what the ledger's order and lookups read: the call id it is stored
 * under, a step index and a start time. Anything else is `state_corrupt` naming the run and the
 * call (it used to be sorted as NaN, or to throw a TypeError read as `store_unavailable`).
 */
function checkEntry(runId: string, toolCallId: string, entry: OrderedEntry): OrderedEntry {
  const bad = entry.toolCallId !== toolCallId ? 'toolCallId' : !Number.isSafeInteger(entry.stepIndex) || entry.stepIndex < 0 ? 'stepIndex' : typeof entry.startedAt !== 'string' ? 'startedAt' : undefined;
  if (bad) throw new StoreError('state_corrupt', `ledger entry ${JSON.stringify(toolCallId.slice(0, 80))} of run ${runId}: field ${bad} is ${JSON.stringify((entry as unknown as Record<string, unknown>)[bad])?.slice(0, 40) ?? 'missing'}`);
  return entry;
}

/** Removes the record number from a stored ledger entry and returns it (0 when absent). */
function takeOrder(entry: OrderedEntry): number {
  const order = entry.o;
  delete entry.o;
  return typeof order === 'number' && Number.isFinite(order) ? order : 0;
}

/** Sends a pipeline (one write, one round trip) and returns its replies; the first failed command's error is thrown (as `failed` maps it, given the command's index). */
async function batch(pipeline: ReturnType<Redis['pipeline']>, failed?: (error: Error, index: number) => unknown): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply], index) => {
    if (error) throw failed ? failed(error, index) : error;
    return reply;
  });
}

const shas = new Map<string, string>();
/** SHA1 of a script body, as `EVALSHA` names it (computed once per script). */
function scriptSha(script: string): string {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  return sha;
}

/** The completed ledger entry of a tool result (`startedAt` from its intent, when there is one). */
function resultEntry(input: Parameters<StateStore['recordToolResult']>[0], intentStartedAt: string | undefined): ToolLedgerEntry {
  return {
    runId: input.runId, toolCallId: input.toolCallId, stepIndex: input.stepIndex, name: input.name,
    argsFingerprint: input.argsFingerprint, sideEffects: input.sideEffects, status: 'completed',
    result: input.result, startedAt: intentStartedAt ?? input.completedAt, completedAt: input.completedAt,
  };
}

/** Whether two writes are fenced alike (same owner and epoch, or both unfenced). */
const sameLease = (a: Lease | undefined, b: Lease | undefined) => (a === undefined ? b === undefined : b !== undefined && a.owner === b.owner && a.epoch === b.epoch);

const fence = (lease: Lease | undefined): [string, string] => (lease ? [lease.owner, String(lease.epoch)] : ['', '']);

/**
 * Event arguments of a script: first seq, last hash, count, the encoded events. The scripts check
 * only that the first seq continues the log (reading each event there would cost a JSON decode), so
 * a batch whose own seqs are not numbers counting up by one (`[3, 3]`, `[1, 5]`, `['1']`) is sent
 * with a first seq no log continues: refused `run_conflict` like a gap, after the run and lease checks.
 */
function eventArgs(events: readonly StoredRunEvent[]): (string | number)[] {
  if (events.length === 0) return [0, '', 0];
  return [batchFirstSeq(events), events[events.length - 1]!.hash ?? '', events.length, ...events.map((event) => encodeStored(event))];
}

/** The first seq of a batch whose seqs are integers counting up by one; else a value no script reads as a number. */
function batchFirstSeq(events: readonly StoredRunEvent[]): number | string {
  const first = events[0]!.seq;
  if (typeof first !== 'number' || !Number.isSafeInteger(first)) return NOT_A_NUMBER;
  for (let i = 1; i < events.length; i++) if (events[i]!.seq !== first + i) return NOT_A_NUMBER;
  return first;
}

/**
 * A step index or seq sent for a value that is not an integer (`'0'`, `1.5`): Lua's `tonumber`
 * would read the text `'0'` as 0, so such a value goes as text `tonumber` refuses, and the script
 * answers `run_conflict` — as every other store does for a step or seq that is not the next one.
 */
const NOT_A_NUMBER = '(not a number)';
const indexArg = (value: unknown): number | string => (typeof value === 'number' && Number.isSafeInteger(value) ? value : NOT_A_NUMBER);

/** Blob arguments of a script: count, then (sha256, data) pairs — data '' for blobs `known` to be stored. */
function blobArgs(blobs: ReadonlyMap<string, string>, known: (sha256: string) => boolean): (string | number)[] {
  const out: (string | number)[] = [blobs.size];
  for (const [sha256, data] of blobs) out.push(sha256, known(sha256) ? '' : data);
  return out;
}

/** Whether a run hash's static part or pending decision may refer to media blobs. */
const hasMedia = (hash: RunHash) => (typeof hash.static === 'string' && mayHoldBlobRefs(hash.static)) || (typeof hash.pending === 'string' && mayHoldBlobRefs(hash.pending));

function toRecord(runId: string, hash: RunHash, restoredPart?: StaticPart, restoredPending?: PendingStep): RunRecord {
  // The hash's own fields win: a `runId` or `status` inside the static JSON (never written there) must not relabel the record.
  const { runId: _runId, status: _status, ...part } = (restoredPart ?? decodeStored<StaticPart>(hash.static, `run ${runId}`)) as StaticPart & { runId?: unknown; status?: unknown };
  const status = hash.status as RunStatus;
  if (!STATUSES.has(status)) throw new StoreError('state_corrupt', `run ${runId} has an unknown status "${hash.status}"`);
  // Counters are written as decimal integers (cost by HINCRBYFLOAT: a decimal number); anything
  // else ('1.5', '0x10', '', 'NaN') is damage naming the field — never a record with a guessed count.
  const int = (field: string) => number(field, INTEGER_TEXT);
  const number = (field: string, shape = NUMBER_TEXT, valid: (n: number) => boolean = Number.isFinite) => {
    const text = hash[field];
    if (text === undefined) return 0;
    const value = Number(text);
    if (!shape.test(text) || !valid(value)) throw new StoreError('state_corrupt', `run ${runId}: field ${field} is not ${shape === INTEGER_TEXT ? 'an integer' : 'a number'} (${JSON.stringify(text.slice(0, 40))})`);
    return value;
  };
  const updatedAt = hash.updatedAt ?? part.createdAt;
  if (hash.updatedAt !== undefined && Number.isNaN(Date.parse(hash.updatedAt))) throw new StoreError('state_corrupt', `run ${runId}: field updatedAt is not a time (${JSON.stringify(hash.updatedAt.slice(0, 40))})`);
  return {
    runId,
    status,
    ...part,
    updatedAt,
    stepCount: int('stepCount'),
    usage: { inputTokens: int('inTok'), outputTokens: int('outTok'), costUsd: number('cost') },
    toolCalls: int('toolCalls'),
    // Absent in runs written before the field (and in runs that never refused a call): 0.
    toolCallsRefused: int('toolCallsRefused'),
    ...(hash.result ? { result: decodeStored<RunResult>(hash.result, `result of run ${runId}`) } : {}),
    ...(hash.pending ? { pendingStep: restoredPending ?? decodeStored<PendingStep>(hash.pending, `pending step of run ${runId}`) } : {}),
    lastEventSeq: int('lastSeq'),
    ...(hash.lastHash ? { lastEventHash: hash.lastHash } : {}),
  };
}

/**
 * Errors the server answers because of what is stored, not because it is unreachable or busy: a
 * key holding another type than the store writes there (WRONGTYPE), a counter that is not a
 * number (HINCRBY, INCR), a script stopped by such a value. Retrying cannot help: `state_corrupt`.
 */
const DATA_ERROR = /^WRONGTYPE |^ERR user_script:\d+: |^ERR (hash value is not an? (integer|float)|value is not an integer or out of range|increment or decrement would overflow|increment would produce NaN or Infinity)/;

/** Maps ioredis and script errors to typed store errors (naming `runId`, when given, in those caused by stored data). */
function translate(error: unknown, operation: string, runId?: string): StoreError {
  if (StoreError.isInstance(error)) return error as StoreError;
  const message = error instanceof Error ? error.message : String(error);
  const scripted = /AGENTRT ([a-z_]+): (.*)$/s.exec(message);
  if (scripted) return new StoreError(scripted[1] as StoreError['code'], `${operation}${runId === undefined ? '' : ` (run ${runId})`}: ${scripted[2]}`, { cause: error });
  if ((error as Error)?.name === 'ReplyError' && DATA_ERROR.test(message)) {
    return new StoreError('state_corrupt', `${operation}${runId === undefined ? '' : ` (run ${runId})`}: stored data is damaged: ${message}`, { cause: error });
  }
  return new StoreError('store_unavailable', `${operation} failed: ${message}`, { cause: error, retryable: true });
}

/** A step's refused-call count as the script adds it: a non-negative integer (absent: 0). */
const refusedCount = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0);
