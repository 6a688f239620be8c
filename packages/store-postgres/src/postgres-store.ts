import { createHash, randomUUID } from 'node:crypto';
import {
  checkLeaseTtl, checkNewRunId, checkStoreEvents, checkStoreId, checkStoreLease, checkStorable, checkStorableList, checkStoreObject, checkStoreStatus, checkStoreIndex, checkStoreStep, checkStoreText, checkStoreUsage, checkStoreWrite, checkToolCallId, MAX_STORE_INDEX, readStoreOptions, readStorePage,
} from '@agentrt/core';
import {
  blobRefs, checkKnownOptions, ConfigError, decodeStored, encodeStored, extractBlobs, KILL_ALL_SCOPE, restoreBlobs, restoreBlobsOrMark, StoreError,
  type KillFlag, type Lease, type NewRunRecord, type PendingStep, type RunRecord, type RunResult, type RunStatus,
  type StateStore, type StepRecord, type StoredRunEvent, type ToolLedgerEntry, type Usage, type WriteOptions,
} from '@agentrt/core';
import pg from 'pg';
import { isConnectionFailure, isTransientConflict, translate } from './errors.js';
import { KillListener } from './kill-listener.js';
import { escapeLiteralRefs, unescapeLiteralRefs } from './literal-refs.js';
import { migrate, SCHEMA_VERSION, tablesOf, type Tables } from './schema.js';

/** Options of `PostgresStore`. Give `url` or `pool`, not both. */
export interface PostgresStoreOptions {
  /**
   * Connection string (`postgres://user:pass@host:5432/db`). Default: `DATABASE_URL`, else the
   * driver's defaults (`PGHOST`, `PGPORT`, `PGUSER`, … or a local server on 5432).
   */
  readonly url?: string;
  /**
   * A `pg.Pool` you own: the store checks out a connection per operation and never holds one
   * across a model or tool call; `close()` does not end it. Its own timeouts apply
   * (`statementTimeoutMs`, `connectionTimeoutMs`, `max` are ignored). Kill notifications use
   * one extra connection opened with the pool's settings.
   *
   * A pool with a client-side `query_timeout` but no `statement_timeout` lets a write the client
   * gave up on keep running on the server: `store_unavailable` then means "outcome unknown" — the
   * write may commit later (measured: a step commit waiting on a lock lands when the lock goes).
   * That is safe (see the class notes), but set `statement_timeout` below `query_timeout` to make
   * a timed-out write one the server cancels.
   */
  readonly pool?: pg.Pool;
  /** Schema (namespace) of the agentrt tables; created when missing. Default `public`. Not a system schema (`pg_*`, `information_schema`): `config_invalid`. */
  readonly schema?: string;
  /** Connections in the store's own pool. Default 10. */
  readonly max?: number;
  /**
   * A statement that runs longer is cancelled by the server (`statement_timeout`) and fails with
   * `store_unavailable`; nothing of it is written. The client stops waiting 2 s later
   * (`query_timeout`): a statement the server has not answered by then (a stalled network, a
   * stopped or overloaded server) is `store_unavailable` with its outcome unknown — it may still
   * commit. Default 5 000 ms.
   */
  readonly statementTimeoutMs?: number;
  /** Waiting longer for a connection (server down, pool busy) fails with `store_unavailable`. Default 5 000 ms. */
  readonly connectionTimeoutMs?: number;
  /** `application_name` of the store's connections (visible in `pg_stat_activity`). Default `agentrt`. */
  readonly applicationName?: string;
  /**
   * `synchronous_commit` of the store's connections. Default: the server's setting (normally `on`:
   * a committed step survives a server crash). `off`: a server crash may lose up to ~0.6 s of
   * commits (never corrupts; a lost tail looks like a crash before those commits), for far fewer
   * disk flushes per step. Ignored with `pool`. See docs/stores.md.
   */
  readonly synchronousCommit?: 'on' | 'off' | 'local' | 'remote_write' | 'remote_apply';
  /**
   * The kill LISTEN connection sends a `SELECT 1` this often and reconnects when it gets no answer
   * within as long (a peer that vanished without a reset, a NAT that dropped the flow). Default 15 000 ms.
   */
  readonly killHeartbeatMs?: number;
}

interface RunRow {
  run_id: string;
  create_token: string;
  status: string;
  static: string;
  updated_at: string;
  step_count: number;
  tool_calls: number;
  tool_calls_refused: number;
  input_tokens: string;
  output_tokens: string;
  cost_usd: number;
  result: string | null;
  pending_step: string | null;
  last_event_seq: number;
  last_event_hash: string | null;
  lease_owner: string | null;
  lease_epoch: string;
  lease_expires_at: string;
}

type Blobs = Map<string, string>;
/**
 * The run columns this version reads — never `SELECT *`: a later migration may add columns, and
 * statements prepared by processes still running this version must keep their result shape.
 */
const RUN_COLUMNS = 'run_id, create_token, status, static, updated_at, step_count, tool_calls, tool_calls_refused, input_tokens, output_tokens, cost_usd, result, pending_step, last_event_seq, last_event_hash, lease_owner, lease_epoch, lease_expires_at';
type Params = unknown[];
const RUN_STATUSES = new Set<RunStatus>(['running', 'paused', 'completed', 'stopped', 'failed']);
/** Re-sends after a dropped connection: delays before the 2nd, 3rd and 4th attempt. */
const RESEND_DELAYS_MS = [50, 250, 1_000];
/** How long the kill LISTEN connection stays open after its last subscriber left (runs come and go). */
const KILL_LISTENER_IDLE_MS = 30_000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Server clock in ms since the epoch: leases never depend on a caller's clock. */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
/** NOTIFY payloads must stay under 8 000 bytes. */
const MAX_REASON_IN_NOTIFY = 2_000;
/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more. */
const MAX_NOTIFY_BYTES = 7_900;

/**
 * Key columns hold ids as given, except ids PostgreSQL cannot index or store as text (a NUL
 * character, longer than 256 characters — a hostile model can send either as a tool call id):
 * those are stored as `\u0001sha256:<hex>`. Records keep the original id in their JSON.
 */
/**
 * The NOTIFY payload of a kill flag: the scope whole, the reason cut (at most
 * `MAX_REASON_IN_NOTIFY` characters, fewer when the JSON would pass PostgreSQL's 8,000-byte
 * payload limit — a scope of `MAX_STORE_ID_LENGTH` control characters escapes to 6 KB).
 */
function notifyPayload(scope: string, reason: string, at: string): string {
  let keep = Math.min(reason.length, MAX_REASON_IN_NOTIFY);
  for (;;) {
    let cut = reason.slice(0, keep);
    // Never end on half a surrogate pair.
    if (keep < reason.length && /[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
    const payload = encodeStored({ scope, reason: keep < reason.length ? `${cut}…` : cut, at });
    if (Buffer.byteLength(payload) <= MAX_NOTIFY_BYTES || keep === 0) return payload;
    keep = Math.floor(keep / 2);
  }
}

function keyOf(id: string): string {
  if (id.length <= 256 && !id.includes('\u0000') && !id.startsWith('\u0001')) return id;
  return `\u0001sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** Lease fencing inside a statement: `$owner`/`$epoch` are NULL when the write carries no lease. */
const fenced = (owner: number, epoch: number) => `($${owner}::text IS NULL OR (lease_owner = $${owner} AND lease_epoch = $${epoch}::bigint))`;
const fence = (lease: Lease | undefined): [string | null, string | null] => (lease ? [keyOf(lease.owner), String(lease.epoch)] : [null, null]);
const leaseMatches = (row: { lease_owner: string | null; lease_epoch: string }, lease: Lease | undefined) =>
  !lease || (row.lease_owner === keyOf(lease.owner) && Number(row.lease_epoch) === lease.epoch);

/**
 * A connection string pg would read as it is meant: a `postgres://` or `postgresql://` URL, a
 * `socket:` URL, a unix socket directory (`/var/run/postgresql db`) or one without a scheme.
 * Another scheme (`http://x`, `redis://…`, which pg reads as a host and fails on at first use as
 * `store_unavailable`, retried forever) or a URL that does not parse is `config_invalid` naming the
 * field, at construction; the value is never echoed (it may hold a password).
 */
function checkConnectionString(url: unknown, field: string, from = ''): void {
  if (typeof url !== 'string' || url === '') throw new ConfigError(field, `expected a postgres:// connection string${from}, got ${url === '' ? 'an empty string' : typeof url}`);
  if (url.includes('\0')) throw new ConfigError(field, `holds a NUL character${from}`);
  if (url.startsWith('/')) return;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && url.slice(scheme.length + 1).startsWith('//') && scheme !== 'postgres' && scheme !== 'postgresql' && scheme !== 'socket') {
    throw new ConfigError(field, `expected a postgres:// or postgresql:// connection string${from}, got a ${scheme}:// one`);
  }
  // As pg-connection-string reads it: spaces and stray `%` encoded, then a retry with a stand-in host (`postgres://u@/db`).
  const text = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url) ? encodeURI(url).replace(/%25(\d\d)/g, '%$1') : url;
  try {
    new URL(text, 'postgres://base');
  } catch {
    try {
      new URL(text.replace('@/', '@___DUMMY___/'), 'postgres://base');
    } catch {
      throw new ConfigError(field, `is not a valid postgres:// connection string${from}`);
    }
  }
}

/**
 * A durable `StateStore` on PostgreSQL (node-postgres). Every write is one SQL statement —
 * a conditional `UPDATE … RETURNING` of the run row plus the inserts it gates, in data-modifying
 * CTEs — so a step, its events, its blobs and the run's counters land together or not at all,
 * and the lease epoch is checked in that same statement (fencing). Lease expiry uses the
 * server's clock. A connection is checked out per statement and never held across a model or
 * tool call. A write re-sent after a dropped connection recognises its own earlier landing.
 * A write the client stopped waiting for (`query_timeout`) is not re-sent and may still commit
 * on the server: `store_unavailable` from a write means "outcome unknown", never "not written".
 * That is safe because every write is conditional on the run's state and fenced by the lease:
 * whichever of the late write and the drive's terminal record lands first, the other is refused,
 * and a resume reads back what landed (docs/stores.md).
 * Kill flags are NOTIFYed in the writing transaction and received on one dedicated LISTEN
 * connection, so a killed run's in-flight calls are aborted at once in every process.
 *
 * Limits: `listRuns` without a limit reads every run; media data is stored once per run, not
 * across runs.
 *
 * @example
 * ```ts
 * const store = new PostgresStore({ url: process.env.DATABASE_URL, schema: 'agents' });
 * const runtime = createRuntime({ model, store });
 * ```
 */
export class PostgresStore implements StateStore {
  /** The schema version this store reads and writes. */
  static readonly schemaVersion = SCHEMA_VERSION;

  /** The connection pool (the one passed in, or the store's own). */
  readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly schemaName: string;
  private readonly t: Tables;
  private readonly channel: string;
  private readonly listenerConfig: pg.ClientConfig;
  private readonly killListeners = new Set<(flag: KillFlag) => void>();
  private killListener: KillListener | undefined;
  /** Stops the LISTEN connection once no one has subscribed for `KILL_LISTENER_IDLE_MS`. */
  private killListenerIdle: ReturnType<typeof setTimeout> | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
  private readonly statementNames = new Map<string, string>();
  private readonly killHeartbeatMs: number;

  constructor(options: PostgresStoreOptions = {}) {
    if (options === null || typeof options !== 'object') throw new ConfigError('options', 'PostgresStore takes an options object ({ url } or { pool })');
    // A misspelt option (`shema`) is refused, not ignored: the tables would quietly go to `public`.
    const known = ['url', 'pool', 'schema', 'max', 'statementTimeoutMs', 'connectionTimeoutMs', 'synchronousCommit', 'applicationName', 'killHeartbeatMs'];
    checkKnownOptions(options, known);
    if (options.url !== undefined && options.pool !== undefined) throw new ConfigError('pool', 'give either url or pool, not both');
    if (options.url !== undefined) checkConnectionString(options.url, 'url');
    if (options.pool !== undefined && (typeof options.pool?.query !== 'function' || typeof options.pool?.connect !== 'function')) throw new ConfigError('pool', 'expected a pg.Pool');
    this.schemaName = options.schema ?? 'public';
    // pg_* and information_schema are PostgreSQL's system schemas: the tables must not go there.
    if (typeof this.schemaName !== 'string' || !IDENTIFIER.test(this.schemaName) || /^pg_|^information_schema$/i.test(this.schemaName)) {
      throw new ConfigError('schema', `expected a schema name of letters, digits and underscores (at most 63, not starting with a digit or pg_, not information_schema), got ${JSON.stringify(options.schema)}`);
    }
    const positive = (field: 'max' | 'statementTimeoutMs' | 'connectionTimeoutMs' | 'killHeartbeatMs', fallback: number) => {
      const value = options[field] ?? fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ConfigError(field, `expected a positive integer, got ${JSON.stringify(options[field])}`);
      return value;
    };
    const max = positive('max', 10);
    const statementTimeout = positive('statementTimeoutMs', 5_000);
    const connectionTimeout = positive('connectionTimeoutMs', 5_000);
    this.killHeartbeatMs = positive('killHeartbeatMs', 15_000);
    const applicationName = options.applicationName ?? 'agentrt';
    if (typeof applicationName !== 'string') throw new ConfigError('applicationName', 'expected a string');
    const synchronousCommit = options.synchronousCommit;
    if (synchronousCommit !== undefined && !['on', 'off', 'local', 'remote_write', 'remote_apply'].includes(synchronousCommit)) {
      throw new ConfigError('synchronousCommit', `expected on, off, local, remote_write or remote_apply, got ${JSON.stringify(synchronousCommit)}`);
    }

    this.t = tablesOf(this.schemaName);
    const channel = `agentrt_kill_${this.schemaName}`;
    this.channel = channel.length <= 63 ? channel : `agentrt_kill_${createHash('sha256').update(this.schemaName).digest('hex').slice(0, 32)}`;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
      this.listenerConfig = { ...(options.pool.options as pg.ClientConfig) };
    } else {
      const url = options.url ?? process.env.DATABASE_URL;
      if (options.url === undefined && url) checkConnectionString(url, 'url', ' (from DATABASE_URL)');
      const connection: pg.ClientConfig = {
        ...(url ? { connectionString: url } : {}),
        application_name: applicationName,
        connectionTimeoutMillis: connectionTimeout,
        keepAlive: true,
      };
      this.pool = new pg.Pool({
        ...connection,
        max,
        statement_timeout: statementTimeout,
        // A peer that vanished without a reset answers nothing: give up a little after the server would have.
        query_timeout: statementTimeout + 2_000,
        ...(synchronousCommit ? { options: `-c synchronous_commit=${synchronousCommit}` } : {}),
        idle_in_transaction_session_timeout: statementTimeout * 2,
        allowExitOnIdle: true,
      });
      this.ownsPool = true;
      this.listenerConfig = { ...connection, application_name: `${applicationName}-kills` };
    }
    // Errors of idle pooled connections (server restart, terminated backend) surface on the next statement.
    if (this.ownsPool) this.pool.on('error', () => undefined);
  }

  /** Creates or upgrades the schema once; a failed attempt (server down) is retried by the next call. */
  private ensureReady(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('store_unavailable', 'the PostgreSQL store is closed'));
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await migrate(client, this.t, this.schemaName);
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw translate(error, 'migrate');
    });
    return this.ready;
  }

  /**
   * Runs one operation. A connection failure (dropped, refused, server restarting) or a
   * serialization conflict is retried up to three times with backoff; every write recognises
   * its own earlier landing (`attempt > 0`), so a re-send never applies anything twice.
   */
  private async op<T>(operation: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    await this.ensureReady();
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (error) {
        if (StoreError.isInstance(error)) throw error;
        const timedOut = /timeout exceeded when trying to connect|Query read timeout/i.test(String((error as Error)?.message));
        const resend = !timedOut && !this.closed && attempt < RESEND_DELAYS_MS.length && (isConnectionFailure(error) || isTransientConflict(error));
        if (!resend) throw translate(error, operation);
        await new Promise((resolve) => setTimeout(resolve, RESEND_DELAYS_MS[attempt]));
      }
    }
  }

  /**
   * One statement on a pooled connection (checked out for this statement only). Statements are
   * named, so each connection parses and plans each of them once.
   */
  private async query<R extends pg.QueryResultRow>(sql: string, params: Params = []): Promise<R[]> {
    if (this.closed) throw new StoreError('store_unavailable', 'the PostgreSQL store is closed');
    let name = this.statementNames.get(sql);
    if (!name) {
      name = `agentrt_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      this.statementNames.set(sql, name);
    }
    return (await this.pool.query<R>({ name, text: sql, values: params })).rows;
  }

  async createRun(run: NewRunRecord): Promise<{ run: RunRecord; created: boolean }> {
    checkStoreObject('run', run);
    checkNewRunId(run.runId);
    checkStoreText('run.createdAt', run.createdAt);
    if (run.idempotencyKey !== undefined) checkStoreId('idempotencyKey', run.idempotencyKey);
    checkStorable('run', run);
    const token = randomUUID();
    const blobs: Blobs = new Map();
    // The whole record (id included) is written once and never changes.
    const staticPart = encodeStored(extract({ ...run }, blobs));
    const [hashes, datas] = blobArrays(blobs);
    const runKey = keyOf(run.runId);
    const idemKey = run.idempotencyKey === undefined ? null : keyOf(run.idempotencyKey);
    return this.op('createRun', async () => {
      const inserted = await this.query<RunRow>(
        `WITH ins AS (
           INSERT INTO ${this.t.runs} (run_id, idempotency_key, create_token, status, static, updated_at)
           VALUES ($1, $2, $3, 'running', $4, $5) ON CONFLICT DO NOTHING RETURNING ${RUN_COLUMNS}
         ), bl AS (${this.insertBlobs('ins', 6)})
         SELECT ${RUN_COLUMNS} FROM ins`,
        [runKey, idemKey, token, staticPart, run.createdAt, hashes, datas],
      );
      if (inserted[0]) return { run: await this.toRecord(inserted[0]), created: true };
      // Not inserted: an earlier attempt of this very call landed, the key was used, or the id exists.
      if (idemKey !== null) {
        const byKey = await this.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE idempotency_key = $1`, [idemKey]);
        if (byKey[0]) return { run: await this.toRecord(byKey[0]), created: byKey[0].create_token === token };
      }
      const byId = await this.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE run_id = $1`, [runKey]);
      if (byId[0]?.create_token === token) return { run: await this.toRecord(byId[0]), created: true };
      if (byId[0]) throw new StoreError('run_conflict', `run ${run.runId} already exists`);
      // Neither exists any more (never happens without deletes): report the conflict rather than guess.
      throw new StoreError('run_conflict', `run ${run.runId} could not be created`);
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    checkStoreId('runId', runId);
    return this.op('getRun', async () => {
      const rows = await this.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE run_id = $1`, [keyOf(runId)]);
      return rows[0] ? this.toRecord(rows[0]) : undefined;
    });
  }

  async listRuns(query?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    query = readStoreOptions('query', query);
    if (query.status !== undefined) checkStoreStatus('query.status', query.status, 'any');
    query = { ...query, limit: readStorePage('limit', query.limit, 'limit') };
    if (query.limit === 0) return [];
    return this.op('listRuns', async () => {
      const limit = query.limit === undefined ? null : Math.max(0, Math.floor(query.limit));
      const rows = query.status
        ? await this.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE status = $1 ORDER BY seq DESC LIMIT $2`, [query.status, limit])
        : await this.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM ${this.t.runs} ORDER BY seq DESC LIMIT $1`, [limit]);
      return this.listedRecords(rows);
    });
  }

  /**
   * Listed rows as records, the media blobs of all of them read in one query (not one per run);
   * a missing blob marks its part and the run's `mediaMissing` instead of failing the listing.
   */
  private async listedRecords(rows: readonly RunRow[]): Promise<RunRecord[]> {
    const decoded = rows.map((row) => this.decodeRow(row));
    const refsOf = decoded.map((fields) => {
      const refs = new Set<string>();
      for (const value of fields.values) blobRefs(value, refs);
      return refs;
    });
    const runKeys: string[] = [];
    const hashes: string[] = [];
    decoded.forEach((fields, i) => {
      for (const sha256 of refsOf[i]!) {
        runKeys.push(keyOf(fields.runId));
        hashes.push(sha256);
      }
    });
    const found = new Map<string, string>();
    if (hashes.length) {
      const blobRows = await this.query<{ run_id: string; sha256: string; data: string }>(
        `SELECT b.run_id, b.sha256, b.data FROM ${this.t.blobs} b JOIN unnest($1::text[], $2::text[]) AS w(run_id, sha256) ON b.run_id = w.run_id AND b.sha256 = w.sha256`,
        [runKeys, hashes],
      );
      for (const blob of blobRows) found.set(`${blob.run_id}\u0000${blob.sha256}`, blob.data);
    }
    return decoded.map((fields, i) => {
      const runKey = keyOf(fields.runId);
      const missing = new Set<string>();
      const restored = refsOf[i]!.size === 0
        ? fields.values.map(unescapeLiteralRefs)
        : fields.values.map((value) => unescapeLiteralRefs(restoreBlobsOrMark(value, (sha256) => found.get(`${runKey}\u0000${sha256}`), missing)));
      const record = this.buildRecord(rows[i]!, fields.runId, restored);
      return missing.size > 0 ? { ...record, mediaMissing: [...missing] } : record;
    });
  }

  async saveDecision(input: { runId: string; decision: PendingStep } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreObject('input.decision', input.decision);
    checkStoreId('runId', input.runId);
    checkStoreUsage('decision.usage', input.decision.usage);
    checkStorable('input.decision', input.decision);
    const blobs: Blobs = new Map();
    const data = encodeStored(extract(input.decision, blobs));
    const [hashes, datas] = blobArrays(blobs);
    const runKey = keyOf(input.runId);
    await this.op('saveDecision', async () => {
      const [row] = await this.query<{ n: number }>(
        `WITH upd AS (
           UPDATE ${this.t.runs} SET pending_step = $3, updated_at = $4
           WHERE run_id = $1 AND status = 'running' AND step_count = $2 AND ${fenced(5, 6)}
           RETURNING run_id
         ), bl AS (${this.insertBlobs('upd', 7)})
         SELECT count(*)::int AS n FROM upd`,
        [runKey, indexParam(input.decision.stepIndex), data, new Date().toISOString(), ...fence(input.lease), hashes, datas],
      );
      if (row!.n === 1) return;
      const run = await this.diagnose(input.runId, input.lease);
      if (run.status !== 'running') throw new StoreError('run_conflict', `run ${input.runId} is ${run.status}; steps can only be committed while running`);
      throw new StoreError('run_conflict', `decision for step ${input.decision.stepIndex} but run ${input.runId} has ${run.step_count} committed steps`);
    });
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
    const blobs: Blobs = new Map();
    const data = encodeStored(extract(input.step, blobs));
    const events = this.encodeEvents(input.runId, input.events, blobs);
    const [hashes, datas] = blobArrays(blobs);
    const runKey = keyOf(input.runId);
    const index = indexParam(input.step.stepIndex);
    // New for this call, the same in its re-sends: a re-send finds it on the run only when its own earlier attempt landed.
    const token = randomUUID();
    await this.op('commitStep', async (attempt) => {
      const [row] = await this.query<{ n: number }>(
        `WITH upd AS (
           UPDATE ${this.t.runs} SET step_count = step_count + 1, tool_calls = tool_calls + $4, tool_calls_refused = tool_calls_refused + $18,
             input_tokens = input_tokens + $5, output_tokens = output_tokens + $6, cost_usd = cost_usd + $7,
             pending_step = NULL, updated_at = $8, step_token = $19, ${this.eventHead(9, null)}
           WHERE run_id = $1 AND status = 'running' AND step_count = $2 AND ${fenced(14, 15)} AND ${this.eventsContinue(9)}
           RETURNING run_id
         ), st AS (INSERT INTO ${this.t.steps} (run_id, step_index, data) SELECT run_id, $2, $3 FROM upd),
         ev AS (${this.insertEvents('upd', 11)}),
         bl AS (${this.insertBlobs('upd', 16)})
         SELECT count(*)::int AS n FROM upd`,
        [
          runKey, index, data, count(input.step.toolCalls), count(input.usageDelta.inputTokens), count(input.usageDelta.outputTokens), finite(input.usageDelta.costUsd),
          new Date().toISOString(), ...events.params, ...fence(input.lease), hashes, datas, count(input.step.toolCallsRefused ?? 0), token,
        ],
      );
      if (row!.n === 1) return;
      const run = await this.diagnose(input.runId, input.lease, 'step_token AS existing');
      // This call re-sent after a dropped connection (`attempt > 0`) whose first attempt landed (its token is on the run):
      // acknowledged, not applied twice. Another call for the step, even with the very same bytes
      // (committed while this call's first attempt was lost), is a conflict, as in every other store.
      if (attempt > 0 && run.step_count === index + 1 && run.existing === token) return;
      if (run.status !== 'running') throw new StoreError('run_conflict', `run ${input.runId} is ${run.status}; steps can only be committed while running`);
      if (run.step_count !== index) throw new StoreError('run_conflict', `step ${String(input.step.stepIndex)} does not follow the ${run.step_count} committed steps of run ${input.runId}`);
      throw new StoreError('run_conflict', `events of step ${index} do not continue the log of run ${input.runId} (last seq ${run.last_event_seq})`);
    });
  }

  async loadSteps(runId: string, options?: { fromIndex?: number; limit?: number }): Promise<StepRecord[]> {
    const paging = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    const from = readStorePage('fromIndex', paging.fromIndex, 'index') ?? 0;
    // NULL: no limit. The bound is on the step index (contiguous from 0), so the run row still
    // comes back (one row with NULL data) when no step is in the range: unknown run ≠ no steps.
    const limit = readStorePage('limit', paging.limit, 'limit');
    return this.op('loadSteps', async () => {
      const rows = await this.query<{ data: string | null }>(
        `SELECT s.data FROM ${this.t.runs} r LEFT JOIN ${this.t.steps} s ON s.run_id = r.run_id AND s.step_index >= $2::bigint
           AND ($3::bigint IS NULL OR s.step_index < $2::bigint + $3::bigint)
         WHERE r.run_id = $1 ORDER BY s.step_index`,
        [keyOf(runId), from, limit ?? null],
      );
      if (rows.length === 0) throw new StoreError('run_not_found', `run ${runId} does not exist`);
      const steps = rows.filter((r) => r.data !== null).map((r) => decodeStored<StepRecord>(r.data, `step of run ${runId}`));
      return this.restore(runId, steps);
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
    const blobs: Blobs = new Map();
    const result = input.result ? encodeStored(extract(input.result, blobs)) : null;
    const events = this.encodeEvents(input.runId, input.events ?? [], blobs);
    const [hashes, datas] = blobArrays(blobs);
    // New for this call, the same in its re-sends: a re-send finds it on the run only when its own earlier attempt landed.
    const token = randomUUID();
    await this.op('updateRun', async (attempt) => {
      const [row] = await this.query<{ n: number }>(
        `WITH upd AS (
           UPDATE ${this.t.runs} SET status = $2, result = $3, retryable = false, updated_at = $4, ${this.eventHead(5, 14)}
           WHERE run_id = $1 AND ${fenced(10, 11)} AND ${this.eventsContinue(5)}
             AND (status IN ('running', 'paused') OR (status = 'failed' AND retryable AND $2 = 'running'))
           RETURNING run_id
         ), ev AS (${this.insertEvents('upd', 7)}),
         bl AS (${this.insertBlobs('upd', 12)})
         SELECT count(*)::int AS n FROM upd`,
        [keyOf(input.runId), input.status, result, new Date().toISOString(), ...events.params, ...fence(input.lease), hashes, datas, token],
      );
      if (row!.n === 1) return;
      const run = await this.diagnose(input.runId, input.lease, 'events_token AS existing');
      // A re-send (`attempt > 0`) whose first attempt landed: acknowledged, not applied twice (see `ownEventsLanded`).
      if (attempt > 0 && run.status === input.status && ownEventsLanded(run, events, token)) return;
      if (run.status !== 'running' && run.status !== 'paused' && !(run.status === 'failed' && run.retryable && input.status === 'running')) {
        throw new StoreError('run_conflict', `run ${input.runId} is ${run.status}; it cannot become ${input.status}`);
      }
      throw new StoreError('run_conflict', `events do not continue the log of run ${input.runId} (last seq ${run.last_event_seq})`);
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
    const blobs: Blobs = new Map();
    const result = encodeStored(extract(input.result, blobs));
    const events = this.encodeEvents(input.runId, input.events, blobs);
    const [hashes, datas] = blobArrays(blobs);
    return this.op('finishRun', async () => {
      const [row] = await this.query<{ n: number }>(
        `WITH upd AS (
           UPDATE ${this.t.runs} SET status = $2, result = $3, retryable = $4, updated_at = $5, lease_owner = NULL, lease_expires_at = 0, ${this.eventHead(6, null)}
           WHERE run_id = $1 AND status IN ('running', 'paused') AND ${fenced(11, 12)} AND ${this.eventsContinue(6)}
           RETURNING run_id
         ), ev AS (${this.insertEvents('upd', 8)}),
         bl AS (${this.insertBlobs('upd', 13)})
         SELECT count(*)::int AS n FROM upd`,
        [keyOf(input.runId), input.result.status, result, input.result.error?.retryable === true, new Date().toISOString(), ...events.params, ...fence(input.lease), hashes, datas],
      );
      if (row!.n === 1) return input.result;
      const run = await this.diagnose(input.runId, undefined, 'result');
      // Already terminal (by us in an earlier attempt, or by anyone): exactly one result, the first.
      if (run.status !== 'running' && run.status !== 'paused') {
        const [stored] = await this.restore(input.runId, [decodeStored<RunResult>(run.result, `result of run ${input.runId}`)]);
        return stored!;
      }
      if (!leaseMatches(run, input.lease)) throw this.leaseLost(input.runId, input.lease!, run);
      throw new StoreError('run_conflict', `events do not continue the log of run ${input.runId} (last seq ${run.last_event_seq})`);
    });
  }

  async appendEvents(runId: string, events: readonly StoredRunEvent[], options?: WriteOptions): Promise<void> {
    checkStoreEvents('events', events, runId);
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    checkStorableList('events', events);
    if (events.length === 0) return;
    const blobs: Blobs = new Map();
    const encoded = this.encodeEvents(runId, events, blobs);
    const [hashes, datas] = blobArrays(blobs);
    // New for this call, the same in its re-sends: a re-send finds it on the run only when its own earlier attempt landed.
    const token = randomUUID();
    await this.op('appendEvents', async (attempt) => {
      const [row] = await this.query<{ n: number }>(
        `WITH upd AS (
           UPDATE ${this.t.runs} SET ${this.eventHead(2, 11)}
           WHERE run_id = $1 AND ${fenced(7, 8)} AND ${this.eventsContinue(2)}
           RETURNING run_id
         ), ev AS (${this.insertEvents('upd', 4)}),
         bl AS (${this.insertBlobs('upd', 9)})
         SELECT count(*)::int AS n FROM upd`,
        [keyOf(runId), ...encoded.params, ...fence(options.lease), hashes, datas, token],
      );
      if (row!.n === 1) return;
      const run = await this.diagnose(runId, options.lease, 'events_token AS existing');
      // A re-send (`attempt > 0`) whose first attempt landed: acknowledged, not appended twice. Another
      // caller's append of the very same bytes (while this call's first attempt was lost) is a conflict.
      if (attempt > 0 && ownEventsLanded(run, encoded, token)) return;
      throw new StoreError('run_conflict', `event seq ${events[0]!.seq} does not follow ${run.last_event_seq} in run ${runId}`);
    });
  }

  async listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredRunEvent[]> {
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    options = { afterSeq: readStorePage('afterSeq', options.afterSeq, 'index'), limit: readStorePage('limit', options.limit, 'limit') };
    if (options.limit === 0) return [];
    return this.op('listEvents', async () => {
      const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
      const rows = await this.query<{ data: string }>(
        `SELECT data FROM ${this.t.events} WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [keyOf(runId), Math.max(0, Math.floor(options.afterSeq ?? 0)), limit],
      );
      return this.restore(runId, rows.map((r) => decodeStored<StoredRunEvent>(r.data, `event of run ${runId}`)));
    });
  }

  async recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options?: WriteOptions): Promise<void> {
    checkStoreObject('entry', entry);
    options = readStoreOptions('options', options);
    checkStoreId('runId', entry.runId);
    checkToolCallId(entry.toolCallId);
    checkStoreIndex('entry.stepIndex', entry.stepIndex);
    checkStoreText('entry.startedAt', entry.startedAt);
    checkStorable('entry', entry);
    const data = encodeStored({ ...entry, status: 'started' });
    await this.op('recordToolIntent', async () => {
      const [row] = await this.query<{ n: number }>(
        `WITH ok AS (SELECT run_id FROM ${this.t.runs} WHERE run_id = $1 AND ${fenced(6, 7)} FOR SHARE),
         ins AS (
           INSERT INTO ${this.t.ledger} (run_id, tool_call_id, step_index, status, started_at, data)
           SELECT run_id, $2, $3, 'started', $4, $5 FROM ok ON CONFLICT (run_id, tool_call_id) DO NOTHING
         )
         SELECT count(*)::int AS n FROM ok`,
        [keyOf(entry.runId), keyOf(entry.toolCallId), entry.stepIndex, entry.startedAt, data, ...fence(options.lease)],
      );
      if (row!.n === 0) await this.diagnose(entry.runId, options.lease);
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
    const blobs: Blobs = new Map();
    const entry: ToolLedgerEntry = {
      runId: input.runId, toolCallId: input.toolCallId, stepIndex: input.stepIndex, name: input.name,
      argsFingerprint: input.argsFingerprint, sideEffects: input.sideEffects, status: 'completed',
      result: input.result, startedAt: input.completedAt, completedAt: input.completedAt,
    };
    const data = encodeStored(extract(entry, blobs));
    const [hashes, datas] = blobArrays(blobs);
    await this.op('recordToolResult', async () => {
      // A completion, once recorded, is never overwritten; an intent keeps its start time.
      const [row] = await this.query<{ n: number }>(
        `WITH ok AS (SELECT run_id FROM ${this.t.runs} WHERE run_id = $1 AND ${fenced(6, 7)} FOR SHARE),
         ins AS (
           INSERT INTO ${this.t.ledger} (run_id, tool_call_id, step_index, status, started_at, data)
           SELECT run_id, $2, $3, 'completed', $4, $5 FROM ok
           ON CONFLICT (run_id, tool_call_id) DO UPDATE SET status = 'completed', data = excluded.data WHERE ${this.t.ledger}.status <> 'completed'
         ),
         bl AS (${this.insertBlobs('ok', 8)})
         SELECT count(*)::int AS n FROM ok`,
        [keyOf(input.runId), keyOf(input.toolCallId), input.stepIndex, input.completedAt, data, ...fence(options.lease), hashes, datas],
      );
      if (row!.n === 0) await this.diagnose(input.runId, options.lease);
    });
  }

  async getToolLedger(runId: string, options?: { stepIndex?: number }): Promise<ToolLedgerEntry[]> {
    options = readStoreOptions('options', options);
    checkStoreId('runId', runId);
    options = { stepIndex: readStorePage('stepIndex', options.stepIndex, 'index') };
    return this.op('getToolLedger', async () => {
      const rows = await this.query<{ started_at: string; data: string }>(
        `SELECT started_at, data FROM ${this.t.ledger} WHERE run_id = $1 AND ($2::int IS NULL OR step_index = $2) ORDER BY step_index, ord`,
        [keyOf(runId), options.stepIndex ?? null],
      );
      const entries = rows.map((r) => ({ ...decodeStored<ToolLedgerEntry>(r.data, `ledger entry of run ${runId}`), startedAt: r.started_at }));
      return this.restore(runId, entries);
    });
  }

  async setKillFlag(flag: KillFlag): Promise<void> {
    checkStoreObject('flag', flag);
    checkStoreId('scope', flag.scope);
    checkStoreText('flag.reason', flag.reason);
    checkStoreText('flag.at', flag.at);
    checkStorable('flag', flag);
    const reason = String(flag.reason);
    const payload = notifyPayload(flag.scope, reason, flag.at);
    await this.op('setKillFlag', async () => {
      // The NOTIFY is delivered when this statement's transaction commits, together with the flag.
      await this.query(
        `WITH s AS (
           INSERT INTO ${this.t.kills} (scope, reason, at, set_at) VALUES ($1, $2, $3, clock_timestamp())
           ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, at = excluded.at, set_at = excluded.set_at RETURNING 1
         )
         SELECT pg_notify($4, $5) FROM s`,
        [keyOf(flag.scope), reason, flag.at, this.channel, payload],
      );
    });
  }

  async clearKillFlag(scope: string = KILL_ALL_SCOPE): Promise<void> {
    checkStoreId('scope', scope);
    await this.op('clearKillFlag', () => this.query(`DELETE FROM ${this.t.kills} WHERE scope = $1`, [keyOf(scope)]));
  }

  async getKillFlag(runId: string): Promise<KillFlag | undefined> {
    checkStoreId('runId', runId);
    return this.op('getKillFlag', async () => {
      const key = keyOf(runId);
      const [row] = await this.query<{ scope: string; reason: string; at: string }>(
        `SELECT scope, reason, at FROM ${this.t.kills} WHERE scope = $1 OR scope = $2 ORDER BY (scope = $1) DESC LIMIT 1`,
        [key, KILL_ALL_SCOPE],
      );
      return row ? { scope: row.scope === key ? runId : row.scope, reason: row.reason, at: row.at } : undefined;
    });
  }

  /**
   * Pushes kill flags set by any process (LISTEN/NOTIFY on one dedicated connection, reconnecting
   * on loss and replaying the flags it missed meanwhile). Returns an unsubscribe function.
   */
  subscribeKills(listener: (flag: KillFlag) => void): () => void {
    if (this.closed) return () => undefined;
    this.killListeners.add(listener);
    clearTimeout(this.killListenerIdle);
    this.killListenerIdle = undefined;
    if (!this.killListener) {
      this.killListener = new KillListener({
        clientConfig: this.listenerConfig,
        channel: this.channel,
        replaySql: `SELECT scope, reason, at FROM ${this.t.kills} WHERE set_at >= $1`,
        heartbeatMs: this.killHeartbeatMs,
        onFlag: (flag) => {
          for (const each of this.killListeners) {
            try {
              each(flag);
            } catch {
              // a failing subscriber must not stop the others, nor crash the process from an event handler
            }
          }
        },
      });
      this.killListener.start();
    }
    return () => {
      this.killListeners.delete(listener);
      if (this.killListeners.size > 0 || !this.killListener || this.killListenerIdle) return;
      // Subscribers come and go with the runs a runtime drives: the LISTEN connection is kept a
      // while after the last one leaves, so back-to-back runs do not reconnect every time.
      this.killListenerIdle = setTimeout(() => {
        this.killListenerIdle = undefined;
        if (this.killListeners.size > 0 || !this.killListener) return;
        void this.killListener.stop();
        this.killListener = undefined;
      }, KILL_LISTENER_IDLE_MS);
      this.killListenerIdle.unref?.();
    };
  }

  async acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined> {
    checkStoreObject('input', input);
    checkStoreId('runId', input.runId);
    checkStoreId('owner', input.owner);
    checkLeaseTtl(input.ttlMs);
    const ttl = Math.max(1, Math.floor(input.ttlMs));
    return this.op('acquireLease', async () => {
      const [row] = await this.query<{ lease_epoch: string; lease_expires_at: string }>(
        `UPDATE ${this.t.runs} SET lease_owner = $2, lease_epoch = lease_epoch + 1, lease_expires_at = ${NOW_MS} + $3
         WHERE run_id = $1 AND (lease_owner IS NULL OR lease_expires_at <= ${NOW_MS} OR lease_owner = $2)
         RETURNING lease_epoch, lease_expires_at`,
        [keyOf(input.runId), keyOf(input.owner), ttl],
      );
      if (row) return { runId: input.runId, owner: input.owner, epoch: Number(row.lease_epoch), expiresAt: Number(row.lease_expires_at) };
      await this.diagnose(input.runId, undefined);
      return undefined;
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    checkStoreLease('lease', lease);
    checkStoreId('runId', lease.runId);
    checkLeaseTtl(ttlMs);
    const ttl = Math.max(1, Math.floor(ttlMs));
    return this.op('renewLease', async () => {
      const [row] = await this.query<{ lease_expires_at: string }>(
        `UPDATE ${this.t.runs} SET lease_expires_at = ${NOW_MS} + $4
         WHERE run_id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING lease_expires_at`,
        [keyOf(lease.runId), keyOf(lease.owner), String(lease.epoch), ttl],
      );
      return row ? { ...lease, expiresAt: Number(row.lease_expires_at) } : undefined;
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    checkStoreLease('lease', lease);
    await this.op('releaseLease', () =>
      this.query(`UPDATE ${this.t.runs} SET lease_owner = NULL, lease_expires_at = 0 WHERE run_id = $1 AND lease_owner = $2 AND lease_epoch = $3`, [keyOf(lease.runId), keyOf(lease.owner), String(lease.epoch)]),
    );
  }

  /** Ends the kill listener and, when the store created it, the pool. Further calls fail with `store_unavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.killListeners.clear();
    clearTimeout(this.killListenerIdle);
    this.killListenerIdle = undefined;
    const listener = this.killListener;
    this.killListener = undefined;
    await listener?.stop();
    // Let an in-flight migration finish before ending the pool under it.
    await this.ready?.catch(() => undefined);
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** `INSERT INTO blobs … FROM <source>, unnest($p, $p+1)`: each blob once per run, in the writing statement. */
  private insertBlobs(source: string, param: number): string {
    return `INSERT INTO ${this.t.blobs} (run_id, sha256, data) SELECT ${source}.run_id, b.sha256, b.data
      FROM ${source}, unnest($${param}::text[], $${param + 1}::text[]) AS b(sha256, data) ON CONFLICT DO NOTHING`;
  }

  /** Inserts the events whose seq/type/data arrays are params `$p`, `$p+1`, `$p+2` (see `encodeEvents`). */
  private insertEvents(source: string, param: number): string {
    return `INSERT INTO ${this.t.events} (run_id, seq, type, data) SELECT ${source}.run_id, e.seq, e.type, e.data
      FROM ${source}, unnest($${param}::int[], $${param + 1}::text[], $${param + 2}::text[]) AS e(seq, type, data)`;
  }

  /**
   * Sets the event head from params `$p` (first seq) and `$p+1` (last hash); count is the array
   * length. When the statement writes events, `events_token` becomes the call's token (param
   * `$token`), or NULL for writes that recognise their re-sends otherwise (`commitStep` by
   * `step_token`, `finishRun` by its stored result).
   */
  private eventHead(param: number, token: number | null): string {
    const writes = `cardinality($${param + 2}::int[]) > 0`;
    return `last_event_seq = CASE WHEN ${writes} THEN $${param}::int + cardinality($${param + 2}::int[]) - 1 ELSE last_event_seq END,
      last_event_hash = COALESCE($${param + 1}::text, last_event_hash),
      events_token = CASE WHEN ${writes} THEN ${token === null ? 'NULL' : `$${token}::text`} ELSE events_token END`;
  }

  private eventsContinue(param: number): string {
    return `(cardinality($${param + 2}::int[]) = 0 OR last_event_seq = $${param}::int - 1)`;
  }

  /**
   * Events as five params: first seq, last hash, seq[], type[], data[]. Refuses a batch whose own
   * sequence numbers are not contiguous (`run_conflict`) before anything is sent.
   */
  private encodeEvents(runId: string, events: readonly StoredRunEvent[], blobs: Blobs): { params: Params; datas: string[] } {
    const first = events[0]?.seq ?? 0;
    // A first seq no int column holds (1.5, 2^31) continues no log: refused here, not by the server as a type error (store_unavailable).
    if (!Number.isSafeInteger(first) || first < 0 || first > MAX_STORE_INDEX) throw new StoreError('run_conflict', `event seq ${String(first)} does not follow the log of run ${runId}`);
    events.forEach((event, i) => {
      if (event.seq !== first + i) throw new StoreError('run_conflict', `event seq ${event.seq} does not follow ${first + i - 1} in run ${runId}`);
    });
    const datas = events.map((event) => encodeStored(extract(event, blobs)));
    const last = events[events.length - 1];
    return { params: [first, last?.hash ?? null, events.map((e) => e.seq), events.map((e) => e.type), datas], datas };
  }

  /**
   * After a refused conditional write: reads the run to name the reason. Throws `run_not_found`
   * or `lease_lost` (checked in that order); otherwise returns the row for the caller's checks.
   */
  private async diagnose(runId: string, lease: Lease | undefined, extra = 'NULL AS existing', extraParams: Params = []): Promise<RunRow & { retryable: boolean; existing?: string | null }> {
    const [row] = await this.query<RunRow & { retryable: boolean; existing?: string | null }>(
      `SELECT run_id, status, step_count, last_event_seq, lease_owner, lease_epoch, retryable, ${extra} FROM ${this.t.runs} WHERE run_id = $1`,
      [keyOf(runId), ...extraParams],
    );
    if (!row) throw new StoreError('run_not_found', `run ${runId} does not exist`);
    if (!leaseMatches(row, lease)) throw this.leaseLost(runId, lease!, row);
    return row;
  }

  private leaseLost(runId: string, lease: Lease, row: { lease_epoch: string }): StoreError {
    return new StoreError('lease_lost', `lease epoch ${lease.epoch} on run ${runId} is no longer current (now ${row.lease_epoch})`);
  }

  /** Puts media data back into records read from the store; a referenced blob that is missing is `state_corrupt`. */
  private async restore<T>(runId: string, values: T[]): Promise<T[]> {
    const refs = new Set<string>();
    for (const value of values) blobRefs(value, refs);
    if (refs.size === 0) return values.map(unescapeLiteralRefs);
    const rows = await this.query<{ sha256: string; data: string }>(`SELECT sha256, data FROM ${this.t.blobs} WHERE run_id = $1 AND sha256 = ANY($2::text[])`, [keyOf(runId), [...refs]]);
    const found = new Map(rows.map((r) => [r.sha256, r.data]));
    const lookup = (sha256: string) => {
      const data = found.get(sha256);
      if (data === undefined) throw new StoreError('state_corrupt', `run ${runId} references media blob ${sha256} that is not stored`);
      return data;
    };
    return values.map((value) => unescapeLiteralRefs(restoreBlobs(value, lookup)));
  }

  /** A run row as a record (`getRun`): a missing media blob is `state_corrupt`. */
  private async toRecord(row: RunRow): Promise<RunRecord> {
    const fields = this.decodeRow(row);
    return this.buildRecord(row, fields.runId, await this.restore(fields.runId, fields.values));
  }

  /** The JSON columns of a run row, parsed (media references not yet restored): static part, result, pending step. */
  private decodeRow(row: RunRow): { runId: string; values: unknown[] } {
    const { runId: storedId, status: _status, ...part } = decodeStored<NewRunRecord & { status?: unknown }>(row.static, `run ${row.run_id}`);
    // The id is the row's key; the static JSON's copy only spells out a long id stored as its hash
    // (`keyOf`). A copy that is not the key's id would relabel the record as another run: damage.
    // A `status` in the JSON never overrides the row's column.
    const runId = storedId === undefined ? row.run_id : storedId;
    if (typeof runId !== 'string' || keyOf(runId) !== row.run_id) throw new StoreError('state_corrupt', `run ${row.run_id}: the stored record names run ${JSON.stringify(storedId)?.slice(0, 80)}, not this one`);
    if (!RUN_STATUSES.has(row.status as RunStatus)) throw new StoreError('state_corrupt', `run ${runId} has an unknown status "${row.status}"`);
    const result = row.result ? decodeStored<RunResult>(row.result, `result of run ${runId}`) : undefined;
    const pending = row.pending_step ? decodeStored<PendingStep>(row.pending_step, `pending step of run ${runId}`) : undefined;
    return { runId, values: [part, result, pending] };
  }

  /** A run row and its restored JSON columns (`decodeRow` order) as a record. */
  private buildRecord(row: RunRow, runId: string, [restoredPart, restoredResult, restoredPending]: unknown[]): RunRecord {
    const num = (value: unknown, field: string) => {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new StoreError('state_corrupt', `run ${runId}: ${field} is not a number`);
      return n;
    };
    return {
      runId,
      status: row.status as RunStatus,
      ...(restoredPart as Omit<NewRunRecord, 'runId'>),
      updatedAt: row.updated_at,
      stepCount: num(row.step_count, 'step_count'),
      usage: { inputTokens: num(row.input_tokens, 'input_tokens'), outputTokens: num(row.output_tokens, 'output_tokens'), costUsd: num(row.cost_usd, 'cost_usd') },
      toolCalls: num(row.tool_calls, 'tool_calls'),
      toolCallsRefused: num(row.tool_calls_refused ?? 0, 'tool_calls_refused'),
      ...(restoredResult ? { result: restoredResult as RunResult } : {}),
      ...(restoredPending ? { pendingStep: restoredPending as PendingStep } : {}),
      lastEventSeq: num(row.last_event_seq, 'last_event_seq'),
      ...(row.last_event_hash ? { lastEventHash: row.last_event_hash } : {}),
    };
  }
}

/**
 * Counters as the columns hold them. Core sends finite integers; anything else (NaN, 1.5) would
 * be refused by the integer columns, or — NaN in a float column — make the run unreadable.
 */
const count = (n: number) => (Number.isFinite(n) ? Math.trunc(n) : 0);
const finite = (n: number) => (Number.isFinite(n) ? n : 0);

/**
 * On a re-send: true when this very call's earlier attempt wrote the batch (its token is on the
 * run, as Redis keeps `eventsBy`) and the log still ends with it. Byte equality is not enough:
 * another caller may have written the very same events while this call's first attempt was lost.
 * A batch without events wrote nothing to recognise.
 */
/**
 * A step index as a statement parameter: a value that is not an integer column's (`'0'`, `1.5`)
 * goes as -1, which no run's step count equals, so the statement writes nothing and the diagnosis
 * answers `run_not_found`, `lease_lost` or `run_conflict` in that order, as every store does,
 * instead of PostgreSQL casting the text `'0'` or failing on `1.5` (`store_unavailable`).
 */
const indexParam = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_STORE_INDEX ? value : -1);

function ownEventsLanded(run: { last_event_seq: number; existing?: string | null }, events: { params: Params; datas: string[] }, token: string): boolean {
  if (events.datas.length === 0) return true;
  const seqs = events.params[2] as number[];
  return run.existing === token && run.last_event_seq === seqs[seqs.length - 1];
}

/** Media data ≥ 1 KB of base64 moves to `blobs` (core's `extractBlobs`), after user data that looks like a reference is escaped. */
function extract<T>(value: T, blobs: Blobs): T {
  return extractBlobs(escapeLiteralRefs(value), blobs);
}

function blobArrays(blobs: Blobs): [string[], string[]] {
  return [[...blobs.keys()], [...blobs.values()]];
}
