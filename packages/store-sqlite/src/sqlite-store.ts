import {
  checkKnownOptions, checkLeaseTtl, checkNewRunId, checkStoreEvents, checkStoreId, checkStoreLease, checkStorable, checkStorableList, checkStoreObject, checkStoreStatus, checkStoreIndex, checkStoreStep, checkStoreText, checkStoreUsage, checkStoreWrite, checkToolCallId, readStoreOptions, readStorePage,
} from '@agentrt/core';
import {
  BLOB_MIN_CHARS, ConfigError, decodeStored, encodeStored, encodeWithBlobs, KILL_ALL_SCOPE, mayHoldBlobRefs, restoreBlobs, restoreBlobsOrMark, StoreError,
  type KillFlag, type Lease, type NewRunRecord, type PendingStep, type RunRecord, type RunResult, type RunStatus,
  type StateStore, type StepRecord, type StoredRunEvent, type ToolLedgerEntry, type Usage, type WriteOptions,
} from '@agentrt/core';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, migrate, whileOthersCommit } from './schema.js';

/** SQLite `synchronous` levels: how much a commit waits for the disk. See docs/stores.md for the loss windows. */
export type SqliteSynchronous = 'off' | 'normal' | 'full' | 'extra';

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file path, or `:memory:` (nothing survives the process). */
  readonly path: string;
  /** How long a write waits for another connection's lock before `store_busy`. Default 5 000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default): a committed step survives power loss. `normal`: survives a process crash,
   * power loss may drop the last commits. `off`/`extra` as in SQLite.
   */
  readonly synchronous?: SqliteSynchronous;
}

const OPTION_NAMES: readonly (keyof SqliteStoreOptions)[] = ['path', 'busyTimeoutMs', 'synchronous'];
const SYNCHRONOUS: readonly string[] = ['off', 'normal', 'full', 'extra'];

/**
 * A bad option is `config_invalid` naming it — not the retryable `store_unavailable` of a store
 * that could not be reached, and never ignored (a misspelt `synchronus` kept the default).
 */
function checkOptions(options: unknown): asserts options is SqliteStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError('path', 'SqliteStore needs { path } (a file path or ":memory:")');
  const given = options as Record<string, unknown>;
  checkKnownOptions(given, OPTION_NAMES);
  if (typeof given.path !== 'string' || given.path === '') throw new ConfigError('path', 'SqliteStore needs options.path (a file path or ":memory:")');
  // The driver cuts a path at NUL: `runs\0a.db` and `runs\0b.db` would both open `runs`.
  if (given.path.includes('\u0000')) throw new ConfigError('path', 'holds a NUL character (the file name would be cut short there)');
  const busy = given.busyTimeoutMs;
  if (busy !== undefined && (typeof busy !== 'number' || !Number.isInteger(busy) || busy < 0 || busy > 2 ** 31 - 1)) {
    throw new ConfigError('busyTimeoutMs', `expected an integer from 0 to ${2 ** 31 - 1} ms, got ${String(busy)}`);
  }
  if (given.synchronous !== undefined && !SYNCHRONOUS.includes(given.synchronous as string)) {
    throw new ConfigError('synchronous', `expected one of ${SYNCHRONOUS.join(', ')}, got ${JSON.stringify(given.synchronous)}`);
  }
}

/**
 * What a write checks before it writes, and the run's live counters: the run row's columns,
 * overlaid by its last step row of schema 5 when it has one (see `HEAD_COLUMNS`).
 */
interface HeadRow {
  run_id: string;
  run_no: number;
  status: string;
  lease_owner: string | null;
  lease_epoch: number;
  /** Steps kept in agentrt_steps (schema ≤ 4): `run.step_count`, never updated from schema 5 on. */
  base_steps: number;
  step_count: number;
  last_event_seq: number;
  last_event_hash: string | null;
  tool_calls: number;
  tool_calls_refused: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** A head kept between writes (see `heads`), with whether the run may have rows in agentrt_ledger. */
interface CachedHead extends HeadRow {
  ledger: boolean;
}

/**
 * A cached head as one object literal of one shape (rows from the driver, and heads copied with a
 * spread, get their fields one by one): each commit makes the next head with plain field stores.
 */
function cachedHeadOf(row: HeadRow, ledger: boolean): CachedHead {
  return {
    run_id: row.run_id, run_no: row.run_no, status: row.status, lease_owner: row.lease_owner, lease_epoch: row.lease_epoch,
    base_steps: row.base_steps, step_count: row.step_count, last_event_seq: row.last_event_seq, last_event_hash: row.last_event_hash,
    tool_calls: row.tool_calls, tool_calls_refused: row.tool_calls_refused, input_tokens: row.input_tokens, output_tokens: row.output_tokens,
    cost_usd: row.cost_usd, ledger,
  };
}

/** A whole run: its head, its static part, its result and the newest writes' times (ms), and its pending decision. */
interface RunRow extends HeadRow {
  idempotency_key: string | null;
  static: string;
  updated_at: string;
  step_at: number | null;
  result: string | null;
  /** A decision saved by schema ≤ 4 (valid while its stepIndex is the step count). */
  pending_step: string | null;
  pending_index: number | null;
  pending_at: number | null;
  pending_data: string | null;
  lease_expires_at: number;
}

/** Keys of agentrt_step_log: `run_no * 2^32 + step_index`, computed by SQLite in 64-bit integers. */
const STEP_KEY = (runNo: string, stepIndex: string) => `${runNo} * 4294967296 + ${stepIndex}`;

/** The run's last step row of schema 5, if any (a descending seek on the key range of the run). */
const LAST_STEP = `LEFT JOIN agentrt_step_log s ON s.key = (SELECT key FROM agentrt_step_log
  WHERE key BETWEEN ${STEP_KEY('r.run_no', '0')} AND ${STEP_KEY('r.run_no', '4294967295')} ORDER BY key DESC LIMIT 1)`;

/** The live head of run `r` joined to its last step row `s`: counters and event head from whichever is newer. */
const HEAD_COLUMNS = `r.run_id, r.run_no, r.status, r.lease_owner, r.lease_epoch, r.step_count AS base_steps,
  CASE WHEN s.key IS NULL THEN r.step_count ELSE s.step_index + 1 END AS step_count,
  CASE WHEN s.key IS NULL OR r.last_event_seq >= s.last_seq THEN r.last_event_seq ELSE s.last_seq END AS last_event_seq,
  CASE WHEN s.key IS NULL OR r.last_event_seq >= s.last_seq THEN r.last_event_hash ELSE s.last_hash END AS last_event_hash,
  CASE WHEN s.key IS NULL THEN r.tool_calls ELSE s.tool_calls END AS tool_calls,
  CASE WHEN s.key IS NULL THEN r.tool_calls_refused ELSE s.tool_calls_refused END AS tool_calls_refused,
  CASE WHEN s.key IS NULL THEN r.input_tokens ELSE s.input_tokens END AS input_tokens,
  CASE WHEN s.key IS NULL THEN r.output_tokens ELSE s.output_tokens END AS output_tokens,
  CASE WHEN s.key IS NULL THEN r.cost_usd ELSE s.cost_usd END AS cost_usd`;

const RUN_COLUMNS = `${HEAD_COLUMNS}, r.idempotency_key, r.static, r.updated_at, s.at AS step_at, r.result, r.pending_step,
  p.step_index AS pending_index, p.at AS pending_at, p.data AS pending_data, r.lease_expires_at`;
const RUN_FROM = `FROM agentrt_runs r ${LAST_STEP} LEFT JOIN agentrt_pending p ON p.run_no = r.run_no`;

/** A tool result accepted by `recordToolResult` and not yet written (see `deferred`). */
interface DeferredResult {
  readonly entry: ToolLedgerEntry;
  readonly lease: Lease | undefined;
}

/** Deferred results held for one run before they are written in a transaction of their own. */
const MAX_DEFERRED_PER_RUN = 256;

/** The part of a run written once at creation (everything in `NewRunRecord` but the id). */
type StaticPart = Omit<NewRunRecord, 'runId'>;

const RUN_STATUSES = new Set<RunStatus>(['running', 'paused', 'completed', 'stopped', 'failed']);

/**
 * Write transactions committed by every `SqliteStore` of this process (on any file), shared through
 * `globalThis` so that two copies of this module count together. Another connection of the same
 * process commits synchronously, within the event-loop turn, so a kill answer read by a write is
 * only used while this count is unchanged (see `SqliteStore.getKillFlag`).
 */
const processWrites: { n: number } = ((globalThis as Record<symbol, unknown>)[Symbol.for('agentrt.store-sqlite.writes')] ??= { n: 0 }) as { n: number };

/**
 * The event-loop turn: bumped by a `setImmediate` armed whenever a write keeps a kill answer, so it
 * changes before any I/O completion (a socket read, a timer, a child process) can run after that
 * write. Shared by the stores of this module.
 */
let turn = 0;
let turnArmed = false;
const endTurn = () => {
  turn++;
  turnArmed = false;
};

/**
 * A kill answer read by a write serves a check in the same event-loop turn only if the check comes
 * within this many ms: the loop needs microseconds between a write and its next check, so a longer
 * gap means code blocked synchronously in between (a hook's `execSync`, say), which could have had
 * another process set a kill; the check then reads.
 */
const SAME_TURN_MAX_MS = 1;

/** Busy timeouts a write waits at most for the lock while other connections keep committing (see `begin`). */
const MAX_BUSY_WINDOWS = 6;

/**
 * A durable `StateStore` on SQLite (better-sqlite3): WAL journal, `busy_timeout`, one
 * `BEGIN IMMEDIATE` transaction per committed step (step + events + counters), append-only
 * step and event rows, a versioned schema, and lease fencing by epoch. Any number of
 * processes may share one file.
 *
 * Limits: better-sqlite3 is synchronous, so a write waiting on another process's lock
 * blocks this process's event loop meanwhile. Lease expiry uses SQLite's clock (this machine's
 * OS clock; one file means one machine), never the caller's `Date`.
 *
 * @example
 * ```ts
 * const store = new SqliteStore({ path: './agent-runs.db' });
 * const runtime = createRuntime({ model, store });
 * ```
 */
export class SqliteStore implements StateStore {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<SqliteStore['prepare']>;
  private closed = false;
  /**
   * Results of idempotent and pure tool calls, per run, accepted but not yet written. They are
   * written in the run's next write transaction, ahead of it (normally the step commit, where they
   * join the step row), so the order of writes on disk is the order of the calls: a crash loses a
   * suffix only, and a lost result of such a call means it runs again with the same idempotency
   * key — which is what declaring it `idempotent` (or pure) allows. Results of `non-idempotent`
   * calls are never deferred.
   */
  private readonly deferred = new Map<string, DeferredResult[]>();
  /** Kill flags read, valid while `PRAGMA data_version` (other connections' commits) is unchanged. */
  private readonly killCache = new Map<string, KillFlag | null>();
  private killCacheVersion = -1;
  /** `PRAGMA data_version` as last read on this connection (-1: never), for `begin`'s busy check. */
  private lastDataVersion = -1;
  /**
   * Kill flags of a run as its last step-path write (decision, commit) read them inside its
   * transaction, with when (`at`), in which event-loop turn and after how many of this process's
   * writes: each answers the run's next `getKillFlag` at most, and only in the same turn.
   */
  private readonly killSeen = new Map<string, { flag: KillFlag | null; at: number; turn: number; writes: number }>();
  /**
   * Heads of the runs this connection decided or committed steps for, as its own writes left them:
   * the step path's writes check status, lease and step index against these instead of reading the
   * run. Valid while no other connection has committed (`PRAGMA data_version` unchanged, read inside
   * the write transaction, so nothing can commit in between); dropped on any other write and on any error.
   */
  private readonly heads = new Map<string, CachedHead>();
  private headsVersion = -1;

  constructor(options: SqliteStoreOptions) {
    checkOptions(options);
    const busy = options.busyTimeoutMs ?? 5_000;
    const synchronous = options.synchronous ?? 'full';
    try {
      this.db = new Database(options.path, { timeout: busy });
      const busyMs = (this.busyMs = Math.max(0, Math.floor(busy)));
      whileOthersCommit(this.db, () => this.db.pragma('journal_mode = WAL'), busyMs);
      this.db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      this.db.pragma(`busy_timeout = ${busyMs}`);
      this.db.pragma('foreign_keys = ON');
      migrate(this.db, busyMs);
    } catch (error) {
      throw translate(error, `opening ${options.path}`);
    }
    this.statements = this.prepare();
  }

  /** A write transaction is open (`write` does not nest). */
  private writing = false;
  /** `busy_timeout` in ms, as set on the connection. */
  private busyMs = 5_000;
  /**
   * Runs whose write just waited all of `busy_timeout` for another connection's lock, with until when
   * (ms): their next writes in that window try the lock once instead of waiting again. A run whose
   * step commit timed out is ended by the runtime with two more writes (its terminal record and its
   * lease release); each waiting another `busy_timeout`, on a synchronous driver that blocks the
   * process, made `store_busy` reach the caller after three timeouts instead of one. Other runs'
   * writes wait as before.
   */
  private readonly busyRuns = new Map<string, number>();

  /** The schema version this store reads and writes. */
  static readonly schemaVersion = SCHEMA_VERSION;

  private prepare() {
    const db = this.db;
    return {
      insertRun: db.prepare(`INSERT INTO agentrt_runs (run_id, idempotency_key, status, static, updated_at, run_no)
        VALUES (@run_id, @idempotency_key, 'running', @static, @updated_at, (SELECT coalesce(max(run_no), 0) + 1 FROM agentrt_runs))`),
      runExists: db.prepare<[string], number>('SELECT 1 FROM agentrt_runs WHERE run_id = ?').pluck(),
      runById: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} ${RUN_FROM} WHERE r.run_id = ?`),
      headById: db.prepare<[string], HeadRow>(`SELECT ${HEAD_COLUMNS} FROM agentrt_runs r ${LAST_STEP} WHERE r.run_id = ?`),
      runByKey: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} ${RUN_FROM} WHERE r.idempotency_key = ?`),
      listRuns: db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} ${RUN_FROM} ORDER BY r.rowid DESC LIMIT ?`),
      listRunsByStatus: db.prepare<[string, number], RunRow>(`SELECT ${RUN_COLUMNS} ${RUN_FROM} WHERE r.status = ? ORDER BY r.rowid DESC LIMIT ?`),
      // An upsert on the rowid: rewritten in place, one page.
      setPending: db.prepare(`INSERT INTO agentrt_pending (run_no, step_index, at, data) VALUES (?, ?, ?, ?)
        ON CONFLICT (run_no) DO UPDATE SET step_index = excluded.step_index, at = excluded.at, data = excluded.data`),
      // Positional: (run_no, step_index, step_index, totals…, last_seq, last_hash, at, data, events, ledger).
      insertStep: db.prepare(`INSERT INTO agentrt_step_log (key, step_index, tool_calls, tool_calls_refused, input_tokens, output_tokens, cost_usd, last_seq, last_hash, at, data, events, ledger)
        VALUES (${STEP_KEY('?', '?')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // Steps of schema ≤ 4 (agentrt_steps, by run id) and of schema 5 (agentrt_step_log, by key).
      oldStepLastSeq: db.prepare<[string, number], number | null>('SELECT last_seq FROM agentrt_steps WHERE run_id = ? AND step_index = ?').pluck(),
      oldStepEventsFrom: db.prepare<[string, number, number], { events: string | null }>('SELECT events FROM agentrt_steps WHERE run_id = ? AND step_index >= ? AND last_seq > ? ORDER BY step_index'),
      oldStepLedgerAll: db.prepare<[string], { step_index: number; ledger: string }>('SELECT step_index, ledger FROM agentrt_steps WHERE run_id = ? AND ledger IS NOT NULL ORDER BY step_index'),
      oldStepLedgerOne: db.prepare<[string, number], { step_index: number; ledger: string }>('SELECT step_index, ledger FROM agentrt_steps WHERE run_id = ? AND step_index = ? AND ledger IS NOT NULL'),
      oldStepsFrom: db.prepare<[string, number, number], { data: string }>('SELECT data FROM agentrt_steps WHERE run_id = ? AND step_index >= ? ORDER BY step_index LIMIT ?'),
      stepLastSeq: db.prepare<[number, number], number>(`SELECT last_seq FROM agentrt_step_log WHERE key = ${STEP_KEY('?', '?')}`).pluck(),
      stepEventsFrom: db.prepare<[{ n: number; i: number; after: number }], { events: string | null }>(`SELECT events FROM agentrt_step_log WHERE key BETWEEN ${STEP_KEY('@n', '@i')} AND ${STEP_KEY('@n', '4294967295')} AND last_seq > @after ORDER BY key`),
      stepLedgerAll: db.prepare<[{ n: number }], { step_index: number; ledger: string }>(`SELECT step_index, ledger FROM agentrt_step_log WHERE key BETWEEN ${STEP_KEY('@n', '0')} AND ${STEP_KEY('@n', '4294967295')} AND ledger IS NOT NULL ORDER BY key`),
      stepLedgerOne: db.prepare<[number, number], { step_index: number; ledger: string }>(`SELECT step_index, ledger FROM agentrt_step_log WHERE key = ${STEP_KEY('?', '?')} AND ledger IS NOT NULL`),
      stepsFrom: db.prepare<[{ n: number; i: number; l: number }], { data: string }>(`SELECT data FROM agentrt_step_log WHERE key BETWEEN ${STEP_KEY('@n', '@i')} AND ${STEP_KEY('@n', '4294967295')} ORDER BY key LIMIT @l`),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      insertEvent: db.prepare('INSERT INTO agentrt_events (run_id, seq, type, data) VALUES (?, ?, ?, ?)'),
      setEventHead: db.prepare('UPDATE agentrt_runs SET last_event_seq = ?, last_event_hash = ? WHERE run_id = ?'),
      events: db.prepare<[string, number, number], { data: string }>('SELECT data FROM agentrt_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      setStatus: db.prepare('UPDATE agentrt_runs SET status = ?, result = ?, updated_at = ? WHERE run_id = ?'),
      finish: db.prepare('UPDATE agentrt_runs SET status = ?, result = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = 0 WHERE run_id = ?'),
      ledgerGet: db.prepare<[string, string], { status: string; data: string }>('SELECT status, data FROM agentrt_ledger WHERE run_id = ? AND tool_call_id = ?'),
      ledgerAny: db.prepare<[string], number>('SELECT 1 FROM agentrt_ledger WHERE run_id = ? LIMIT 1').pluck(),
      ledgerInsertIntent: db.prepare(`INSERT OR IGNORE INTO agentrt_ledger (run_id, tool_call_id, step_index, status, data) VALUES (?, ?, ?, 'started', ?)`),
      ledgerUpsertResult: db.prepare(`INSERT INTO agentrt_ledger (run_id, tool_call_id, step_index, status, data) VALUES (?, ?, ?, 'completed', ?)
        ON CONFLICT (run_id, tool_call_id) DO UPDATE SET status = 'completed', data = excluded.data WHERE agentrt_ledger.status <> 'completed'`),
      ledgerAll: db.prepare<[string], { data: string }>('SELECT data FROM agentrt_ledger WHERE run_id = ? ORDER BY step_index, rowid'),
      ledgerStep: db.prepare<[string, number], { data: string }>('SELECT data FROM agentrt_ledger WHERE run_id = ? AND step_index = ? ORDER BY rowid'),
      killSet: db.prepare('INSERT INTO agentrt_kill_flags (scope, reason, at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, at = excluded.at'),
      killClear: db.prepare('DELETE FROM agentrt_kill_flags WHERE scope = ?'),
      killGet: db.prepare<[string, string, string], KillFlag>('SELECT scope, reason, at FROM agentrt_kill_flags WHERE scope IN (?, ?) ORDER BY scope = ? DESC LIMIT 1'),
      // Lease time from SQLite's clock (the OS clock through the VFS), not the caller's `Date`.
      clock: db.prepare<[], number>("SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER)").pluck(),
      leaseTake: db.prepare('UPDATE agentrt_runs SET lease_owner = ?, lease_epoch = lease_epoch + 1, lease_expires_at = ? WHERE run_id = ? AND (lease_owner IS NULL OR lease_expires_at <= ? OR lease_owner = ?)'),
      leaseRenew: db.prepare('UPDATE agentrt_runs SET lease_expires_at = ? WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?'),
      leaseRelease: db.prepare('UPDATE agentrt_runs SET lease_owner = NULL, lease_expires_at = 0 WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?'),
      blobInsert: db.prepare('INSERT OR IGNORE INTO agentrt_blobs (run_id, sha256, data) VALUES (?, ?, ?)'),
      blobGet: db.prepare<[string, string], { data: string }>('SELECT data FROM agentrt_blobs WHERE run_id = ? AND sha256 = ?'),
    };
  }

  /**
   * Serializes a record of a run, storing its large media data once per run (call inside a write,
   * after the run row exists): `encodeStored`, and a record that may hold media through
   * `encodeWithBlobs`.
   */
  private encode(runId: string, value: object): string {
    const json = encodeStored(value);
    if (json.length < BLOB_MIN_CHARS || !(json.includes('"type":"image"') || json.includes('"type":"file"'))) return json;
    const blobs = new Map<string, string>();
    const withRefs = encodeWithBlobs(value, blobs);
    for (const [sha256, data] of blobs) this.statements.blobInsert.run(runId, sha256, data);
    return withRefs;
  }

  /** Parses a record of a run and puts its media data back; a missing blob is `state_corrupt`. */
  private decode<T>(runId: string, text: string, what: string, missing?: Set<string>): T {
    const value = decodeStored<T>(text, what);
    if (!mayHoldBlobRefs(text)) return value;
    // Listing: a missing blob marks its part (`MissingMediaPart`) instead of failing the list.
    if (missing) return restoreBlobsOrMark(value, (sha256) => this.statements.blobGet.get(runId, sha256)?.data, missing);
    return restoreBlobs(value, (sha256) => {
      const row = this.statements.blobGet.get(runId, sha256);
      if (!row) throw new StoreError('state_corrupt', `${what}: media blob ${sha256} is missing`);
      return row.data;
    });
  }

  async createRun(run: NewRunRecord): Promise<{ run: RunRecord; created: boolean }> {
    checkStoreObject('run', run);
    checkNewRunId(run.runId);
    checkStoreText('run.createdAt', run.createdAt);
    if (run.idempotencyKey !== undefined) checkStoreId('idempotencyKey', run.idempotencyKey);
    checkStorable('run', run);
    return this.write('createRun', () => {
      if (run.idempotencyKey !== undefined) {
        const existing = this.statements.runByKey.get(run.idempotencyKey);
        if (existing) return { run: this.toRecord(existing), created: false };
      }
      if (this.statements.runExists.get(run.runId)) throw new StoreError('run_conflict', `run ${run.runId} already exists`);
      // Everything but the id is written once and never changes.
      const { runId: _id, ...part }: NewRunRecord = run;
      const blobs = new Map<string, string>();
      const json = encodeWithBlobs(part, blobs);
      this.statements.insertRun.run({ run_id: run.runId, idempotency_key: run.idempotencyKey ?? null, static: json, updated_at: run.createdAt });
      for (const [sha256, data] of blobs) this.statements.blobInsert.run(run.runId, sha256, data);
      return { run: this.toRecord(this.statements.runById.get(run.runId)!), created: true };
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    checkStoreId('runId', runId);
    return this.read('getRun', () => {
      const row = this.statements.runById.get(runId);
      return row ? this.toRecord(row) : undefined;
    });
  }

  async listRuns(query?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    query = readStoreOptions('query', query);
    if (query.status !== undefined) checkStoreStatus('query.status', query.status, 'any');
    query = { ...query, limit: readStorePage('limit', query.limit, 'limit') };
    if (query.limit === 0) return [];
    return this.read('listRuns', () => {
      const limit = query.limit ?? -1;
      const rows = query.status ? this.statements.listRunsByStatus.all(query.status, limit) : this.statements.listRuns.all(limit);
      return rows.map((row) => this.toRecord(row, true));
    });
  }

  async saveDecision(input: { runId: string; decision: PendingStep } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreObject('input.decision', input.decision);
    checkStoreId('runId', input.runId);
    checkStoreUsage('decision.usage', input.decision.usage);
    checkStorable('input.decision', input.decision);
    const flag = this.writeRun('saveDecision', input.runId, () => {
      const row = this.runningHead(input.runId, input.lease);
      if (input.decision.stepIndex !== row.step_count) {
        throw new StoreError('run_conflict', `decision for step ${input.decision.stepIndex} but run ${input.runId} has ${row.step_count} committed steps`);
      }
      this.statements.setPending.run(row.run_no, input.decision.stepIndex, Date.now(), this.encode(input.runId, input.decision));
      return this.killsInWrite(input.runId);
    }, true);
    this.keepKills(input.runId, flag);
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
    const { runId, step, events } = input;
    const taken = this.deferred.get(runId);
    let next: CachedHead | undefined;
    const flag = this.write('commitStep', () => {
      const head = this.runningHead(runId, input.lease);
      if (step.stepIndex !== head.step_count) {
        throw new StoreError('run_conflict', `step ${step.stepIndex} does not follow the ${head.step_count} committed steps of run ${runId}`);
      }
      let expected = head.last_event_seq + 1;
      for (const event of events) {
        if (event.seq !== expected) throw new StoreError('run_conflict', `event seq ${event.seq} does not follow ${expected - 1} in run ${runId}`);
        expected++;
      }
      const last = events.length > 0 ? events[events.length - 1]! : undefined;
      // One row for the step and nothing else: its record, its events (one JSON array, encoded
      // once), the results of its calls still unwritten, and the run's totals and event head as of
      // this step (the run row and the pending decision are left as they are: see schema v5).
      const ledger = taken ? this.writeDeferred(head, taken, step.stepIndex) : [];
      const usage = input.usageDelta;
      const after = cachedHeadOf(head, head.ledger);
      after.step_count = head.step_count + 1;
      after.tool_calls = head.tool_calls + step.toolCalls;
      after.tool_calls_refused = head.tool_calls_refused + (step.toolCallsRefused ?? 0);
      after.input_tokens = head.input_tokens + usage.inputTokens;
      after.output_tokens = head.output_tokens + usage.outputTokens;
      after.cost_usd = head.cost_usd + usage.costUsd;
      if (last) {
        after.last_event_seq = last.seq;
        after.last_event_hash = last.hash ?? head.last_event_hash;
      }
      this.statements.insertStep.run(
        head.run_no, step.stepIndex, step.stepIndex, after.tool_calls, after.tool_calls_refused, after.input_tokens, after.output_tokens, after.cost_usd,
        after.last_event_seq, after.last_event_hash, Date.now(), this.encode(runId, step), last ? JSON.stringify({ v: 1, events }) : null,
        ledger.length > 0 ? this.encode(runId, { entries: ledger }) : null,
      );
      next = after;
      return this.killsInWrite(runId);
    }, true, runId);
    // Committed: the next write of this run starts from this head.
    this.heads.set(runId, next!);
    if (taken) this.forget(runId, taken);
    this.keepKills(runId, flag);
  }

  async loadSteps(runId: string, options?: { fromIndex?: number; limit?: number }): Promise<StepRecord[]> {
    const paging = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    const from = readStorePage('fromIndex', paging.fromIndex, 'index') ?? 0;
    // SQLite reads LIMIT -1 as no limit.
    const limit = readStorePage('limit', paging.limit, 'limit') ?? -1;
    return this.read('loadSteps', () => {
      const head = this.head(runId);
      if (limit === 0) return [];
      const rows = from < head.base_steps ? this.statements.oldStepsFrom.all(runId, from, limit) : [];
      const rest = limit < 0 ? -1 : limit - rows.length;
      if (head.step_count > head.base_steps && rest !== 0) rows.push(...this.statements.stepsFrom.all({ n: head.run_no, i: Math.max(from, head.base_steps), l: rest }));
      return rows.map((r) => this.decode<StepRecord>(runId, r.data, `step of run ${runId}`));
    });
  }

  async updateRun(input: { runId: string; status: 'running' | 'paused'; result?: RunResult; events?: readonly StoredRunEvent[] } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreStatus('input.status', input.status, 'open');
    if (input.result !== undefined) checkStoreObject('input.result', input.result);
    if (input.events !== undefined) checkStoreEvents('input.events', input.events, input.runId);
    checkStoreId('runId', input.runId);
    if (input.result !== undefined) checkStorable('input.result', input.result);
    if (input.events !== undefined) checkStorableList('input.events', input.events);
    this.writeRun('updateRun', input.runId, () => {
      const row = this.row(input.runId);
      this.checkLease(row, input.lease);
      const from = row.status;
      const previous = row.result ? decodeStored<RunResult>(row.result, `result of run ${input.runId}`) : undefined;
      const reopen = from === 'failed' && input.status === 'running' && previous?.error?.retryable === true;
      if (from !== 'running' && from !== 'paused' && !reopen) throw new StoreError('run_conflict', `run ${input.runId} is ${from}; it cannot become ${input.status}`);
      this.appendEventsIn(row, input.events ?? []);
      this.statements.setStatus.run(input.status, input.result ? encodeStored(input.result) : null, new Date().toISOString(), input.runId);
    });
  }

  async finishRun(input: { runId: string; result: RunResult; events: readonly StoredRunEvent[] } & WriteOptions): Promise<RunResult> {
    checkStoreWrite('input', input);
    checkStoreObject('input.result', input.result);
    checkStoreStatus('input.result.status', input.result.status, 'terminal');
    checkStoreEvents('input.events', input.events, input.runId);
    checkStoreId('runId', input.runId);
    checkStorable('input.result', input.result);
    checkStorableList('input.events', input.events);
    const result = this.writeRun('finishRun', input.runId, () => {
      const row = this.row(input.runId);
      if (row.status !== 'running' && row.status !== 'paused') return decodeStored<RunResult>(row.result, `result of run ${input.runId}`);
      this.checkLease(row, input.lease);
      this.appendEventsIn(row, input.events);
      this.statements.finish.run(input.result.status, encodeStored(input.result), new Date().toISOString(), input.runId);
      return input.result;
    });
    this.deferred.delete(input.runId);
    return result;
  }

  async appendEvents(runId: string, events: readonly StoredRunEvent[], options?: WriteOptions): Promise<void> {
    checkStoreEvents('events', events, runId);
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    checkStorableList('events', events);
    this.writeRun('appendEvents', runId, () => {
      const row = this.head(runId);
      this.checkLease(row, options.lease);
      this.appendEventsIn(row, events);
    });
  }

  async listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredRunEvent[]> {
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    options = { afterSeq: readStorePage('afterSeq', options.afterSeq, 'index'), limit: readStorePage('limit', options.limit, 'limit') };
    if (options.limit === 0) return [];
    return this.read('listEvents', () => {
      const after = Math.max(0, options.afterSeq ?? 0);
      const limit = options.limit === undefined || options.limit < 0 ? Infinity : options.limit;
      if (limit === 0) return [];
      // Events written one row each (outside step commits, and all events of schema ≤ 3)…
      const single = this.statements.events.all(runId, after, limit === Infinity ? -1 : limit).map((r) => decodeStored<StoredRunEvent>(r.data, `event of run ${runId}`));
      // …and the events committed with steps, one array per step row, found by a binary search on the step index.
      const batched: StoredRunEvent[] = [];
      const head = this.statements.headById.get(runId);
      if (head) {
        const first = this.firstStepAfter(head, after);
        const rows = first < head.base_steps
          ? this.statements.oldStepEventsFrom.iterate(runId, first, after)
          : this.statements.stepEventsFrom.iterate({ n: head.run_no, i: first, after });
        for (const row of rows) {
          if (row.events === null) continue;
          for (const event of decodeBatch(row.events, runId)) if (event.seq > after) batched.push(event);
          if (batched.length >= limit) break;
        }
        // Read on into the steps of schema 5 when those of schema ≤ 4 did not fill the page.
        if (first < head.base_steps && batched.length < limit && head.step_count > head.base_steps) {
          for (const row of this.statements.stepEventsFrom.iterate({ n: head.run_no, i: head.base_steps, after })) {
            if (row.events === null) continue;
            for (const event of decodeBatch(row.events, runId)) if (event.seq > after) batched.push(event);
            if (batched.length >= limit) break;
          }
        }
      }
      if (batched.length === 0) return single;
      if (single.length === 0) return batched.slice(0, limit);
      const merged = [...single, ...batched].sort((a, b) => a.seq - b.seq);
      return merged.slice(0, limit);
    });
  }

  /**
   * The first step index whose events end after `after` (steps of schema ≤ 3 have no `last_seq`
   * and come first; those of schema 4 follow in agentrt_steps, those of schema 5 in agentrt_step_log).
   */
  private firstStepAfter(head: HeadRow, after: number): number {
    let low = 0;
    let high = head.step_count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const lastSeq = middle < head.base_steps ? this.statements.oldStepLastSeq.get(head.run_id, middle) : this.statements.stepLastSeq.get(head.run_no, middle);
      if (lastSeq !== null && lastSeq !== undefined && lastSeq > after) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  async recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options?: WriteOptions): Promise<void> {
    checkStoreObject('entry', entry);
    options = readStoreOptions('options', options);
    checkStoreId('runId', entry.runId);
    checkToolCallId(entry.toolCallId);
    checkStoreIndex('entry.stepIndex', entry.stepIndex);
    checkStoreText('entry.startedAt', entry.startedAt);
    checkStorable('entry', entry);
    this.writeRun('recordToolIntent', entry.runId, () => {
      this.checkLease(this.head(entry.runId), options.lease);
      this.statements.ledgerInsertIntent.run(entry.runId, entry.toolCallId, entry.stepIndex, encodeStored({ ...entry, status: 'started' }));
    });
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
      if (this.closed) throw new StoreError('store_unavailable', 'the SQLite store is closed');
      const list = this.deferred.get(input.runId) ?? [];
      if (list.some((d) => d.entry.toolCallId === input.toolCallId)) return;
      // A copy (as the JSON it will be written as): the caller may change its result object before the flush.
      list.push({ entry: completedEntry({ ...input, result: JSON.parse(JSON.stringify(input.result)) as typeof input.result }, input.completedAt), lease: options.lease });
      this.deferred.set(input.runId, list);
      if (list.length >= MAX_DEFERRED_PER_RUN) await this.flush(input.runId);
      return;
    }
    this.writeRun('recordToolResult', input.runId, () => {
      this.checkLease(this.head(input.runId), options.lease);
      const existing = this.statements.ledgerGet.get(input.runId, input.toolCallId);
      if (existing?.status === 'completed') return;
      const startedAt = existing ? decodeStored<ToolLedgerEntry>(existing.data, 'ledger entry').startedAt : input.completedAt;
      this.statements.ledgerUpsertResult.run(input.runId, input.toolCallId, input.stepIndex, this.encode(input.runId, completedEntry(input, startedAt)));
    });
  }

  async getToolLedger(runId: string, options?: { stepIndex?: number }): Promise<ToolLedgerEntry[]> {
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    options = { stepIndex: readStorePage('stepIndex', options.stepIndex, 'index') };
    // Read your writes: results still deferred are written first.
    if (this.deferred.has(runId)) await this.flush(runId);
    return this.read('getToolLedger', () => {
      const rows = options.stepIndex === undefined ? this.statements.ledgerAll.all(runId) : this.statements.ledgerStep.all(runId, options.stepIndex);
      const entries = rows.map((r) => this.decode<ToolLedgerEntry>(runId, r.data, `ledger entry of run ${runId}`));
      const head = this.statements.headById.get(runId);
      const inSteps = options.stepIndex === undefined ? this.statements.oldStepLedgerAll.all(runId) : this.statements.oldStepLedgerOne.all(runId, options.stepIndex);
      if (head && head.step_count > head.base_steps) {
        inSteps.push(...(options.stepIndex === undefined ? this.statements.stepLedgerAll.all({ n: head.run_no }) : this.statements.stepLedgerOne.all(head.run_no, options.stepIndex)));
      }
      if (inSteps.length === 0) return entries;
      // Entries kept in step rows (schema 4) join the rows of their step, in step order.
      for (const row of inSteps) entries.push(...this.decode<{ entries: ToolLedgerEntry[] }>(runId, row.ledger, `ledger of step ${row.step_index} of run ${runId}`).entries);
      return entries.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry.stepIndex - b.entry.stepIndex || a.index - b.index).map((x) => x.entry);
    });
  }

  /** Writes the deferred results of a run in a transaction of their own (a lost lease drops them: they were never committed). */
  private async flush(runId: string): Promise<void> {
    const taken = this.deferred.get(runId);
    if (!taken) return;
    try {
      this.write('recordToolResult', () => this.writeDeferred(this.head(runId), taken, -1), false, runId);
    } catch (error) {
      const code = (error as StoreError).code;
      if (code !== 'lease_lost' && code !== 'run_not_found') throw error;
    }
    this.forget(runId, taken);
  }

  /**
   * Inside a write transaction: writes deferred results to the ledger table, except those of step
   * `stepIndex` without a ledger row yet, which are returned (the step commit keeps them in its row).
   * Results accepted under a lease that is no longer current are dropped, as if never recorded.
   */
  private writeDeferred(head: HeadRow & { ledger?: boolean }, taken: readonly DeferredResult[], stepIndex: number): ToolLedgerEntry[] {
    const embedded: ToolLedgerEntry[] = [];
    for (const { entry, lease } of taken) {
      if (lease && (head.lease_epoch !== lease.epoch || head.lease_owner !== lease.owner)) continue;
      // A run without ledger rows (known from a cached head) has no row to look up.
      const existing = head.ledger === false ? undefined : this.statements.ledgerGet.get(head.run_id, entry.toolCallId);
      if (existing?.status === 'completed') continue;
      if (!existing && entry.stepIndex === stepIndex) {
        embedded.push(entry);
        continue;
      }
      const startedAt = existing ? decodeStored<ToolLedgerEntry>(existing.data, 'ledger entry').startedAt : entry.startedAt;
      this.statements.ledgerUpsertResult.run(head.run_id, entry.toolCallId, entry.stepIndex, this.encode(head.run_id, { ...entry, startedAt }));
      head.ledger = true;
      const cached = this.heads.get(head.run_id);
      if (cached) cached.ledger = true;
    }
    return embedded;
  }

  /** Drops written results from the buffer (results deferred meanwhile stay). */
  private forget(runId: string, taken: readonly DeferredResult[]): void {
    const list = this.deferred.get(runId);
    if (!list) return;
    const rest = list.filter((d) => !taken.includes(d));
    if (rest.length === 0) this.deferred.delete(runId);
    else this.deferred.set(runId, rest);
  }

  /**
   * Inside a step-path write transaction, after `cachedHead` read `PRAGMA data_version` (nothing
   * can commit while the write lock is held): the run's kill flags as of this write, from the kill
   * cache when no other connection committed since it was filled, else read here.
   */
  private killsInWrite(runId: string): KillFlag | null {
    const version = this.headsVersion;
    if (version !== this.killCacheVersion || this.killCache.size > 10_000) {
      this.killCache.clear();
      this.killCacheVersion = version;
    }
    const cached = this.killCache.get(runId);
    if (cached !== undefined) return cached;
    const row = this.statements.killGet.get(runId, KILL_ALL_SCOPE, runId);
    const flag = row ? { scope: row.scope, reason: row.reason, at: row.at } : null;
    this.killCache.set(runId, flag);
    return flag;
  }

  /** After a step-path write committed: its kill answer serves the run's next check if that comes in this event-loop turn (see `getKillFlag`). */
  private keepKills(runId: string, flag: KillFlag | null): void {
    this.killSeen.set(runId, { flag, at: performance.now(), turn, writes: processWrites.n });
    if (this.killSeen.size > 10_000) this.killSeen.delete(this.killSeen.keys().next().value!);
    if (!turnArmed) {
      turnArmed = true;
      setImmediate(endTurn);
    }
  }

  async setKillFlag(flag: KillFlag): Promise<void> {
    checkStoreObject('flag', flag);
    checkStoreId('scope', flag.scope);
    checkStoreText('flag.reason', flag.reason);
    checkStoreText('flag.at', flag.at);
    checkStorable('flag', flag);
    this.killCache.clear();
    this.killSeen.clear();
    this.write('setKillFlag', () => void this.statements.killSet.run(flag.scope, flag.reason, flag.at));
    this.killCache.clear();
  }

  async clearKillFlag(scope: string = KILL_ALL_SCOPE): Promise<void> {
    checkStoreId('scope', scope);
    this.killCache.clear();
    this.killSeen.clear();
    this.write('clearKillFlag', () => void this.statements.killClear.run(scope));
    this.killCache.clear();
  }

  /**
   * The run's kill flag (its own, else the incident stop `'*'`). Read before every model and tool
   * call. Without a statement when the run's last step-path write (decision, commit) read the flags
   * inside its transaction and this check comes in the same event-loop turn, within 1 ms, with no
   * write by any `SqliteStore` of this process in between: only synchronous code and microtasks ran
   * since that transaction, so no I/O of this process completed and nothing another process committed
   * meanwhile can have been observed here (the answer is what a read issued now could return, as on
   * Redis, docs/stores.md), and no other connection of this process committed (it would have counted
   * as a write). Such an answer serves one check.
   */
  async getKillFlag(runId: string): Promise<KillFlag | undefined> {
    checkStoreId('runId', runId);
    const seen = this.killSeen.get(runId);
    if (seen !== undefined) {
      this.killSeen.delete(runId);
      if (seen.turn === turn && seen.writes === processWrites.n && !this.closed && performance.now() - seen.at <= SAME_TURN_MAX_MS) return seen.flag ? { ...seen.flag } : undefined;
    }
    return this.read('getKillFlag', () => {
      // Read before every model and tool call: answered from memory until another connection
      // commits anything (`PRAGMA data_version` changes) or this store sets or clears a flag.
      const version = (this.lastDataVersion = this.statements.dataVersion.get()!);
      if (version !== this.killCacheVersion || this.killCache.size > 10_000) {
        this.killCache.clear();
        this.killCacheVersion = version;
      }
      const cached = this.killCache.get(runId);
      // A copy of a cached flag: a caller that changes what it got never changes the next answer.
      if (cached !== undefined) return cached ? { ...cached } : undefined;
      const row = this.statements.killGet.get(runId, KILL_ALL_SCOPE, runId);
      const flag = row ? { scope: row.scope, reason: row.reason, at: row.at } : undefined;
      this.killCache.set(runId, flag ?? null);
      return flag && { ...flag };
    });
  }

  async acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined> {
    checkStoreObject('input', input);
    checkStoreId('runId', input.runId);
    checkStoreId('owner', input.owner);
    checkLeaseTtl(input.ttlMs);
    return this.write('acquireLease', () => {
      const now = this.statements.clock.get()!;
      this.head(input.runId);
      const expiresAt = now + input.ttlMs;
      const changed = this.statements.leaseTake.run(input.owner, expiresAt, input.runId, now, input.owner).changes;
      if (changed === 0) return undefined;
      return { runId: input.runId, owner: input.owner, epoch: this.head(input.runId).lease_epoch, expiresAt };
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    checkStoreLease('lease', lease);
    checkStoreId('runId', lease.runId);
    checkLeaseTtl(ttlMs);
    return this.write('renewLease', () => {
      const expiresAt = this.statements.clock.get()! + ttlMs;
      const changed = this.statements.leaseRenew.run(expiresAt, lease.runId, lease.owner, lease.epoch).changes;
      return changed === 0 ? undefined : { ...lease, expiresAt };
    }, false, lease.runId);
  }

  async releaseLease(lease: Lease): Promise<void> {
    checkStoreLease('lease', lease);
    this.write('releaseLease', () => void this.statements.leaseRelease.run(lease.runId, lease.owner, lease.epoch), false, lease.runId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Results still deferred are written (best effort: a failure here is like a crash before them).
    for (const runId of [...this.deferred.keys()]) await this.flush(runId).catch(() => undefined);
    this.closed = true;
    this.db.close();
  }

  /** Runs `PRAGMA integrity_check`; 'ok' when the file is sound. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  private row(runId: string): RunRow {
    const row = this.statements.runById.get(runId);
    if (!row) throw new StoreError('run_not_found', `run ${runId} does not exist`);
    return row;
  }

  private head(runId: string): HeadRow {
    const row = this.statements.headById.get(runId);
    if (!row) throw new StoreError('run_not_found', `run ${runId} does not exist`);
    return row;
  }

  /** The head of a run inside a write transaction of the step path: cached while no other connection committed (see `heads`). */
  private cachedHead(runId: string): CachedHead {
    const version = (this.lastDataVersion = this.statements.dataVersion.get()!);
    if (version !== this.headsVersion) {
      this.heads.clear();
      this.headsVersion = version;
    }
    let head = this.heads.get(runId);
    if (!head) {
      head = cachedHeadOf(this.head(runId), this.statements.ledgerAny.get(runId) !== undefined);
      this.heads.set(runId, head);
    }
    return head;
  }

  private runningHead(runId: string, lease: Lease | undefined): CachedHead {
    const row = this.cachedHead(runId);
    this.checkLease(row, lease);
    if (row.status !== 'running') throw new StoreError('run_conflict', `run ${runId} is ${row.status}; steps can only be committed while running`);
    return row;
  }

  /** Fencing: a write carrying a lease must carry the run's current epoch and owner. */
  private checkLease(row: HeadRow, lease: Lease | undefined): void {
    if (!lease) return;
    if (row.lease_epoch !== lease.epoch || row.lease_owner !== lease.owner) {
      throw new StoreError('lease_lost', `lease epoch ${lease.epoch} on run ${row.run_id} is no longer current (now ${row.lease_epoch})`);
    }
  }

  private appendEventsIn(row: HeadRow, events: readonly StoredRunEvent[]): void {
    if (events.length === 0) return;
    let expected = row.last_event_seq + 1;
    for (const event of events) {
      if (event.seq !== expected) throw new StoreError('run_conflict', `event seq ${event.seq} does not follow ${expected - 1} in run ${row.run_id}`);
      this.statements.insertEvent.run(row.run_id, event.seq, event.type, encodeStored(event));
      expected++;
    }
    const last = events[events.length - 1]!;
    const hash = last.hash ?? row.last_event_hash;
    this.statements.setEventHead.run(last.seq, hash, row.run_id);
    row.last_event_seq = last.seq;
    row.last_event_hash = hash;
  }

  private read<T>(operation: string, fn: () => T): T {
    if (this.closed) throw new StoreError('store_unavailable', 'the SQLite store is closed');
    try {
      return fn();
    } catch (error) {
      throw translate(error, operation);
    }
  }

  /** A write on one run: the run's deferred tool results are written first, in the same transaction. */
  private writeRun<T>(operation: string, runId: string, fn: () => T, stepPath = false): T {
    const taken = this.deferred.get(runId);
    if (!taken) return this.write(operation, fn, stepPath, runId);
    const result = this.write(operation, () => {
      const head = this.statements.headById.get(runId);
      if (head) this.writeDeferred(head, taken, -1);
      return fn();
    }, stepPath, runId);
    this.forget(runId, taken);
    return result;
  }

  /**
   * One `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a commit never fails
   * half-way on a lock upgrade. Its own prepared BEGIN/COMMIT/ROLLBACK rather than better-sqlite3's
   * `transaction()` wrapper, which asks the driver whether a transaction is open before each write.
   */
  private write<T>(operation: string, fn: () => T, stepPath = false, runId?: string): T {
    if (this.closed) throw new StoreError('store_unavailable', 'the SQLite store is closed');
    if (this.writing) throw new StoreError('store_unavailable', `${operation}: a write transaction is already open on this store`);
    const { commit, rollback } = this.statements;
    this.writing = true;
    try {
      this.beginFor(runId);
      let result: T;
      try {
        result = fn();
        commit.run();
        processWrites.n++;
      } catch (error) {
        processWrites.n++;
        // A COMMIT that failed may have rolled back already (disk full, I/O error): roll back what is still open.
        if (this.db.inTransaction) rollback.run();
        throw error;
      }
      // Writes off the step path (status, events, ledger, leases, kill flags) may change a run's head.
      if (!stepPath) this.heads.clear();
      return result;
    } catch (error) {
      this.heads.clear();
      throw translate(error, operation);
    } finally {
      this.writing = false;
    }
  }

  /**
   * `BEGIN IMMEDIATE`, waiting for the write lock while other connections keep committing. SQLite's
   * busy handler gives up after `busy_timeout` even when the lock changed hands many times meanwhile
   * (it polls, with no queue: under many busy writers one can lose every turn), so a busy error counts
   * only when no other connection committed (`PRAGMA data_version` unchanged) during the whole wait: one
   * transaction held the lock that long. Waiting while others progress is bounded too, at
   * `MAX_BUSY_WINDOWS` busy timeouts.
   */
  /**
   * `begin` for a write on `runId`: once only, not waiting, when that run's last write timed out on
   * the lock less than `busy_timeout` ago (see `busyRuns`); a timeout starts such a window.
   */
  private beginFor(runId: string | undefined): void {
    if (runId === undefined) return this.begin();
    const until = this.busyRuns.size === 0 ? undefined : this.busyRuns.get(runId);
    const quick = until !== undefined && Date.now() < until;
    if (until !== undefined && !quick) this.busyRuns.delete(runId);
    if (quick) this.db.pragma('busy_timeout = 0');
    try {
      this.begin();
      if (quick) this.busyRuns.delete(runId);
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      if (!quick && typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
        const now = Date.now();
        // Bounded: runs that never write again leave their windows behind, dropped once over.
        if (this.busyRuns.size >= 1_024) for (const [id, end] of this.busyRuns) if (end <= now) this.busyRuns.delete(id);
        this.busyRuns.set(runId, now + this.busyMs);
      }
      throw error;
    } finally {
      if (quick) this.db.pragma(`busy_timeout = ${this.busyMs}`);
    }
  }

  private begin(): void {
    // The version last read (by a kill check or a step write), not a read of its own here: the step path
    // stays at one statement per purpose. A stale one costs at most one more window, once.
    let version = this.lastDataVersion;
    for (let window = 1; ; window++) {
      try {
        this.statements.begin.run();
        return;
      } catch (error) {
        const code = (error as { code?: unknown })?.code;
        if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || window >= MAX_BUSY_WINDOWS) throw error;
        const now = this.statements.dataVersion.get()!;
        if (now === version) throw error;
        version = this.lastDataVersion = now;
      }
    }
  }

  /** A run row as a record; `listed` (listRuns): a missing media blob is marked, not `state_corrupt`. */
  private toRecord(row: RunRow, listed = false): RunRecord {
    const missing = listed ? new Set<string>() : undefined;
    const part = this.decode<StaticPart>(row.run_id, row.static, `run ${row.run_id}`, missing);
    // The decision saved for the next step, if still current: in agentrt_pending (schema 5), or in
    // the run row (schema ≤ 4, cleared by the step commits of those versions).
    let pendingStep: PendingStep | undefined;
    if (row.pending_data !== null && row.pending_index === row.step_count) pendingStep = this.decode<PendingStep>(row.run_id, row.pending_data, `pending step of run ${row.run_id}`, missing);
    else if (row.pending_step) {
      const saved = this.decode<PendingStep>(row.run_id, row.pending_step, `pending step of run ${row.run_id}`, missing);
      if (saved.stepIndex === row.step_count) pendingStep = saved;
    }
    const record = toRecord(row, part, pendingStep);
    return missing !== undefined && missing.size > 0 ? { ...record, mediaMissing: [...missing] } : record;
  }
}

function completedEntry(input: Parameters<StateStore['recordToolResult']>[0], startedAt: string): ToolLedgerEntry {
  return {
    runId: input.runId, toolCallId: input.toolCallId, stepIndex: input.stepIndex, name: input.name,
    argsFingerprint: input.argsFingerprint, sideEffects: input.sideEffects, status: 'completed',
    result: input.result, startedAt, completedAt: input.completedAt,
  };
}

/** The events of one step row: `{"v":1,"events":[…]}`, checked like any stored record. */
function decodeBatch(text: string, runId: string): StoredRunEvent[] {
  const { events } = decodeStored<{ events?: unknown }>(text, `events of run ${runId}`);
  if (!Array.isArray(events) || events.some((e) => e === null || typeof e !== 'object' || typeof (e as StoredRunEvent).seq !== 'number')) {
    throw new StoreError('state_corrupt', `events of run ${runId}: stored batch is not a list of events`);
  }
  return events as StoredRunEvent[];
}

function toRecord(row: RunRow, stored: StaticPart, pendingStep: PendingStep | undefined): RunRecord {
  // The row's own columns win: a `runId` or `status` inside the static JSON (never written there)
  // must not relabel the record as another run, or as finished while the row says running.
  const { runId: _runId, status: _status, ...part } = stored as StaticPart & { runId?: unknown; status?: unknown };
  if (!RUN_STATUSES.has(row.status as RunStatus)) throw new StoreError('state_corrupt', `run ${row.run_id} has an unknown status "${row.status}"`);
  // A column's affinity keeps any text: a counter that is not an integer (or a cost not a number)
  // is damage, as PostgreSQL's typed columns and Redis's checks make it — never a string in the record.
  const counter = (value: unknown, column: string, integer = true): number => {
    if (typeof value === 'number' && (integer ? Number.isSafeInteger(value) : Number.isFinite(value))) return value;
    throw new StoreError('state_corrupt', `run ${row.run_id}: ${column} is not ${integer ? 'an integer' : 'a number'} (${JSON.stringify(value)?.slice(0, 40)})`);
  };
  return {
    runId: row.run_id,
    status: row.status as RunStatus,
    ...part,
    updatedAt: latest(row.run_id, row.updated_at, row.step_at, row.pending_at),
    stepCount: counter(row.step_count, 'step_count'),
    usage: { inputTokens: counter(row.input_tokens, 'input_tokens'), outputTokens: counter(row.output_tokens, 'output_tokens'), costUsd: counter(row.cost_usd, 'cost_usd', false) },
    toolCalls: counter(row.tool_calls, 'tool_calls'),
    toolCallsRefused: counter(row.tool_calls_refused ?? 0, 'tool_calls_refused'),
    ...(row.result ? { result: decodeStored<RunResult>(row.result, `result of run ${row.run_id}`) } : {}),
    ...(pendingStep ? { pendingStep } : {}),
    lastEventSeq: counter(row.last_event_seq, 'last_event_seq'),
    ...(row.last_event_hash ? { lastEventHash: row.last_event_hash } : {}),
  };
}

/** The newest of the run row's time and the times (ms) of its last step row and pending decision. */
function latest(runId: string, updatedAt: string, ...times: (number | null)[]): string {
  let newest = updatedAt;
  for (const time of times) {
    if (time === null) continue;
    // Out of the Date range (or not a number): damage, not a RangeError read as an outage.
    if (typeof time !== 'number' || !Number.isFinite(time) || Math.abs(time) > 8.64e15) throw new StoreError('state_corrupt', `run ${runId}: a stored step or decision time is not a time (${JSON.stringify(time)?.slice(0, 40)})`);
    const iso = new Date(time).toISOString();
    if (iso > newest) newest = iso;
  }
  return newest;
}

/** Maps driver errors to typed store errors; the raw "database is locked" never leaks. */
function translate(error: unknown, operation: string): StoreError {
  if (StoreError.isInstance(error)) return error as StoreError;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const detail = `${operation} failed (${code || (error instanceof Error ? error.name : 'error')})`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('store_busy', `${detail}: the database stayed locked by another connection past busy_timeout`, { cause: error, retryable: true });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new StoreError('state_corrupt', `${detail}: the database file is damaged or not a database`, { cause: error });
  return new StoreError('store_unavailable', `${detail}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, retryable: true });
}
