import {
  decodeStored, encodeStored, encodeWithBlobs, KILL_ALL_SCOPE, mayHoldBlobRefs, restoreBlobs, StoreError,
  type KillFlag, type Lease, type NewRunRecord, type PendingStep, type RunRecord, type RunResult, type RunStatus,
  type StateStore, type StepRecord, type StoredRunEvent, type ToolLedgerEntry, type Usage, type WriteOptions,
} from '@agentrt/core';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, migrate } from './schema.js';

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

interface RunRow {
  run_id: string;
  idempotency_key: string | null;
  status: string;
  static: string;
  updated_at: string;
  step_count: number;
  tool_calls: number;
  tool_calls_refused: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  result: string | null;
  pending_step: string | null;
  last_event_seq: number;
  last_event_hash: string | null;
  lease_owner: string | null;
  lease_epoch: number;
  lease_expires_at: number;
}

/** The columns a write checks before it writes (status, step index, event head, lease): no JSON. */
type HeadRow = Pick<RunRow, 'run_id' | 'status' | 'step_count' | 'last_event_seq' | 'lease_owner' | 'lease_epoch'>;

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
 * A durable `StateStore` on SQLite (better-sqlite3): WAL journal, `busy_timeout`, one
 * `BEGIN IMMEDIATE` transaction per committed step (step + events + counters), append-only
 * step and event rows, a versioned schema, and lease fencing by epoch. Any number of
 * processes may share one file.
 *
 * Limits: better-sqlite3 is synchronous, so a write waiting on another process's lock
 * blocks this process's event loop for up to `busyTimeoutMs`. Lease expiry uses this
 * machine's clock (one file means one machine).
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

  constructor(options: SqliteStoreOptions) {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw new StoreError('store_unavailable', 'SqliteStore needs options.path (a file path or ":memory:")');
    }
    const busy = options.busyTimeoutMs ?? 5_000;
    const synchronous = options.synchronous ?? 'full';
    if (!['off', 'normal', 'full', 'extra'].includes(synchronous)) throw new StoreError('store_unavailable', `SqliteStore: invalid synchronous level "${synchronous}"`);
    try {
      this.db = new Database(options.path, { timeout: busy });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busy))}`);
      this.db.pragma('foreign_keys = ON');
      migrate(this.db);
    } catch (error) {
      throw translate(error, `opening ${options.path}`);
    }
    this.statements = this.prepare();
    // One transaction function, made once (better-sqlite3 builds a wrapper per `transaction()` call).
    this.transaction = this.db.transaction((fn: () => unknown) => fn());
  }

  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  /** The schema version this store reads and writes. */
  static readonly schemaVersion = SCHEMA_VERSION;

  private prepare() {
    const db = this.db;
    return {
      insertRun: db.prepare(`INSERT INTO agentrt_runs (run_id, idempotency_key, status, static, updated_at) VALUES (@run_id, @idempotency_key, 'running', @static, @updated_at)`),
      runById: db.prepare<[string], RunRow>('SELECT * FROM agentrt_runs WHERE run_id = ?'),
      headById: db.prepare<[string], HeadRow>('SELECT run_id, status, step_count, last_event_seq, lease_owner, lease_epoch FROM agentrt_runs WHERE run_id = ?'),
      runByKey: db.prepare<[string], RunRow>('SELECT * FROM agentrt_runs WHERE idempotency_key = ?'),
      listRuns: db.prepare<[number], RunRow>('SELECT * FROM agentrt_runs ORDER BY rowid DESC LIMIT ?'),
      listRunsByStatus: db.prepare<[string, number], RunRow>('SELECT * FROM agentrt_runs WHERE status = ? ORDER BY rowid DESC LIMIT ?'),
      setPending: db.prepare('UPDATE agentrt_runs SET pending_step = ?, updated_at = ? WHERE run_id = ?'),
      insertStep: db.prepare('INSERT INTO agentrt_steps (run_id, step_index, data, events, last_seq, ledger) VALUES (?, ?, ?, ?, ?, ?)'),
      stepLastSeq: db.prepare<[string, number], number | null>('SELECT last_seq FROM agentrt_steps WHERE run_id = ? AND step_index = ?').pluck(),
      stepEventsFrom: db.prepare<[string, number, number], { events: string | null }>('SELECT events FROM agentrt_steps WHERE run_id = ? AND step_index >= ? AND last_seq > ? ORDER BY step_index'),
      stepLedgerAll: db.prepare<[string], { step_index: number; ledger: string }>('SELECT step_index, ledger FROM agentrt_steps WHERE run_id = ? AND ledger IS NOT NULL ORDER BY step_index'),
      stepLedgerOne: db.prepare<[string, number], { step_index: number; ledger: string }>('SELECT step_index, ledger FROM agentrt_steps WHERE run_id = ? AND step_index = ? AND ledger IS NOT NULL'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      stepsFrom: db.prepare<[string, number], { data: string }>('SELECT data FROM agentrt_steps WHERE run_id = ? AND step_index >= ? ORDER BY step_index'),
      afterStep: db.prepare(`UPDATE agentrt_runs SET step_count = step_count + 1, tool_calls = tool_calls + @tool_calls,
        tool_calls_refused = tool_calls_refused + @tool_calls_refused, input_tokens = input_tokens + @input_tokens, output_tokens = output_tokens + @output_tokens, cost_usd = cost_usd + @cost_usd,
        pending_step = NULL, last_event_seq = @last_seq, last_event_hash = COALESCE(@last_hash, last_event_hash), updated_at = @updated_at WHERE run_id = @run_id`),
      insertEvent: db.prepare('INSERT INTO agentrt_events (run_id, seq, type, data) VALUES (?, ?, ?, ?)'),
      setEventHead: db.prepare('UPDATE agentrt_runs SET last_event_seq = ?, last_event_hash = COALESCE(?, last_event_hash) WHERE run_id = ?'),
      events: db.prepare<[string, number, number], { data: string }>('SELECT data FROM agentrt_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      setStatus: db.prepare('UPDATE agentrt_runs SET status = ?, result = ?, updated_at = ? WHERE run_id = ?'),
      finish: db.prepare('UPDATE agentrt_runs SET status = ?, result = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = 0 WHERE run_id = ?'),
      ledgerGet: db.prepare<[string, string], { status: string; data: string }>('SELECT status, data FROM agentrt_ledger WHERE run_id = ? AND tool_call_id = ?'),
      ledgerInsertIntent: db.prepare(`INSERT OR IGNORE INTO agentrt_ledger (run_id, tool_call_id, step_index, status, data) VALUES (?, ?, ?, 'started', ?)`),
      ledgerUpsertResult: db.prepare(`INSERT INTO agentrt_ledger (run_id, tool_call_id, step_index, status, data) VALUES (?, ?, ?, 'completed', ?)
        ON CONFLICT (run_id, tool_call_id) DO UPDATE SET status = 'completed', data = excluded.data WHERE agentrt_ledger.status <> 'completed'`),
      ledgerAll: db.prepare<[string], { data: string }>('SELECT data FROM agentrt_ledger WHERE run_id = ? ORDER BY step_index, rowid'),
      ledgerStep: db.prepare<[string, number], { data: string }>('SELECT data FROM agentrt_ledger WHERE run_id = ? AND step_index = ? ORDER BY rowid'),
      killSet: db.prepare('INSERT INTO agentrt_kill_flags (scope, reason, at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, at = excluded.at'),
      killClear: db.prepare('DELETE FROM agentrt_kill_flags WHERE scope = ?'),
      killGet: db.prepare<[string, string, string], KillFlag>('SELECT scope, reason, at FROM agentrt_kill_flags WHERE scope IN (?, ?) ORDER BY scope = ? DESC LIMIT 1'),
      leaseTake: db.prepare('UPDATE agentrt_runs SET lease_owner = ?, lease_epoch = lease_epoch + 1, lease_expires_at = ? WHERE run_id = ? AND (lease_owner IS NULL OR lease_expires_at <= ? OR lease_owner = ?)'),
      leaseRenew: db.prepare('UPDATE agentrt_runs SET lease_expires_at = ? WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?'),
      leaseRelease: db.prepare('UPDATE agentrt_runs SET lease_owner = NULL, lease_expires_at = 0 WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?'),
      blobInsert: db.prepare('INSERT OR IGNORE INTO agentrt_blobs (run_id, sha256, data) VALUES (?, ?, ?)'),
      blobGet: db.prepare<[string, string], { data: string }>('SELECT data FROM agentrt_blobs WHERE run_id = ? AND sha256 = ?'),
    };
  }

  /** Serializes a record of a run, storing its large media data once per run (call inside a write, after the run row exists). */
  private encode(runId: string, value: object): string {
    const blobs = new Map<string, string>();
    const json = encodeWithBlobs(value, blobs);
    for (const [sha256, data] of blobs) this.statements.blobInsert.run(runId, sha256, data);
    return json;
  }

  /** Parses a record of a run and puts its media data back; a missing blob is `state_corrupt`. */
  private decode<T>(runId: string, text: string, what: string): T {
    const value = decodeStored<T>(text, what);
    if (!mayHoldBlobRefs(text)) return value;
    return restoreBlobs(value, (sha256) => {
      const row = this.statements.blobGet.get(runId, sha256);
      if (!row) throw new StoreError('state_corrupt', `${what}: media blob ${sha256} is missing`);
      return row.data;
    });
  }

  async createRun(run: NewRunRecord): Promise<{ run: RunRecord; created: boolean }> {
    return this.write('createRun', () => {
      if (run.idempotencyKey !== undefined) {
        const existing = this.statements.runByKey.get(run.idempotencyKey);
        if (existing) return { run: this.toRecord(existing), created: false };
      }
      if (this.statements.runById.get(run.runId)) throw new StoreError('run_conflict', `run ${run.runId} already exists`);
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
    return this.read('getRun', () => {
      const row = this.statements.runById.get(runId);
      return row ? this.toRecord(row) : undefined;
    });
  }

  async listRuns(query: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    return this.read('listRuns', () => {
      const limit = query.limit ?? -1;
      const rows = query.status ? this.statements.listRunsByStatus.all(query.status, limit) : this.statements.listRuns.all(limit);
      return rows.map((row) => this.toRecord(row));
    });
  }

  async saveDecision(input: { runId: string; decision: PendingStep } & WriteOptions): Promise<void> {
    this.writeRun('saveDecision', input.runId, () => {
      const row = this.runningHead(input.runId, input.lease);
      if (input.decision.stepIndex !== row.step_count) {
        throw new StoreError('run_conflict', `decision for step ${input.decision.stepIndex} but run ${input.runId} has ${row.step_count} committed steps`);
      }
      this.statements.setPending.run(this.encode(input.runId, input.decision), new Date().toISOString(), input.runId);
    });
  }

  async commitStep(input: { runId: string; step: StepRecord; events: readonly StoredRunEvent[]; usageDelta: Usage } & WriteOptions): Promise<void> {
    const { runId, step, events } = input;
    const taken = this.deferred.get(runId);
    this.write('commitStep', () => {
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
      const lastSeq = last ? last.seq : head.last_event_seq;
      // One row for the step: its record, its events (one JSON array, encoded once) and the results
      // of its calls still unwritten. One UPDATE for the run's counters and event head.
      const ledger = taken ? this.writeDeferred(head, taken, step.stepIndex) : [];
      this.statements.insertStep.run(
        runId, step.stepIndex, this.encode(runId, step),
        last ? JSON.stringify({ v: 1, events }) : null, lastSeq,
        ledger.length > 0 ? this.encode(runId, { entries: ledger }) : null,
      );
      this.statements.afterStep.run({
        run_id: runId, tool_calls: step.toolCalls, tool_calls_refused: step.toolCallsRefused ?? 0, input_tokens: input.usageDelta.inputTokens,
        output_tokens: input.usageDelta.outputTokens, cost_usd: input.usageDelta.costUsd, last_seq: lastSeq, last_hash: last?.hash ?? null, updated_at: new Date().toISOString(),
      });
    });
    if (taken) this.forget(runId, taken);
  }

  async loadSteps(runId: string, options: { fromIndex?: number } = {}): Promise<StepRecord[]> {
    return this.read('loadSteps', () => {
      if (!this.statements.runById.get(runId)) throw new StoreError('run_not_found', `run ${runId} does not exist`);
      return this.statements.stepsFrom.all(runId, options.fromIndex ?? 0).map((r) => this.decode<StepRecord>(runId, r.data, `step of run ${runId}`));
    });
  }

  async updateRun(input: { runId: string; status: 'running' | 'paused'; result?: RunResult; events?: readonly StoredRunEvent[] } & WriteOptions): Promise<void> {
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

  async appendEvents(runId: string, events: readonly StoredRunEvent[], options: WriteOptions = {}): Promise<void> {
    this.writeRun('appendEvents', runId, () => {
      const row = this.head(runId);
      this.checkLease(row, options.lease);
      this.appendEventsIn(row, events);
    });
  }

  async listEvents(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<StoredRunEvent[]> {
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
        for (const row of this.statements.stepEventsFrom.iterate(runId, this.firstStepAfter(runId, after, head.step_count), after)) {
          if (row.events === null) continue;
          for (const event of decodeBatch(row.events, runId)) if (event.seq > after) batched.push(event);
          if (batched.length >= limit) break;
        }
      }
      if (batched.length === 0) return single;
      if (single.length === 0) return batched.slice(0, limit);
      const merged = [...single, ...batched].sort((a, b) => a.seq - b.seq);
      return merged.slice(0, limit);
    });
  }

  /** The first step index whose events end after `after` (steps of schema ≤ 3 have no `last_seq` and come first). */
  private firstStepAfter(runId: string, after: number, stepCount: number): number {
    let low = 0;
    let high = stepCount;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const lastSeq = this.statements.stepLastSeq.get(runId, middle);
      if (lastSeq !== null && lastSeq !== undefined && lastSeq > after) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  async recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options: WriteOptions = {}): Promise<void> {
    this.writeRun('recordToolIntent', entry.runId, () => {
      this.checkLease(this.head(entry.runId), options.lease);
      this.statements.ledgerInsertIntent.run(entry.runId, entry.toolCallId, entry.stepIndex, encodeStored({ ...entry, status: 'started' }));
    });
  }

  async recordToolResult(input: Parameters<StateStore['recordToolResult']>[0], options: WriteOptions = {}): Promise<void> {
    if (input.sideEffects !== 'non-idempotent') {
      // Deferred to the run's next write (normally the step commit): see `deferred`.
      if (this.closed) throw new StoreError('store_unavailable', 'the SQLite store is closed');
      const list = this.deferred.get(input.runId) ?? [];
      if (list.some((d) => d.entry.toolCallId === input.toolCallId)) return;
      list.push({ entry: completedEntry(input, input.completedAt), lease: options.lease });
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

  async getToolLedger(runId: string, options: { stepIndex?: number } = {}): Promise<ToolLedgerEntry[]> {
    // Read your writes: results still deferred are written first.
    if (this.deferred.has(runId)) await this.flush(runId);
    return this.read('getToolLedger', () => {
      const rows = options.stepIndex === undefined ? this.statements.ledgerAll.all(runId) : this.statements.ledgerStep.all(runId, options.stepIndex);
      const entries = rows.map((r) => this.decode<ToolLedgerEntry>(runId, r.data, `ledger entry of run ${runId}`));
      const inSteps = options.stepIndex === undefined ? this.statements.stepLedgerAll.all(runId) : this.statements.stepLedgerOne.all(runId, options.stepIndex);
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
      this.write('recordToolResult', () => this.writeDeferred(this.head(runId), taken, -1));
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
  private writeDeferred(head: HeadRow, taken: readonly DeferredResult[], stepIndex: number): ToolLedgerEntry[] {
    const embedded: ToolLedgerEntry[] = [];
    for (const { entry, lease } of taken) {
      if (lease && (head.lease_epoch !== lease.epoch || head.lease_owner !== lease.owner)) continue;
      const existing = this.statements.ledgerGet.get(head.run_id, entry.toolCallId);
      if (existing?.status === 'completed') continue;
      if (!existing && entry.stepIndex === stepIndex) {
        embedded.push(entry);
        continue;
      }
      const startedAt = existing ? decodeStored<ToolLedgerEntry>(existing.data, 'ledger entry').startedAt : entry.startedAt;
      this.statements.ledgerUpsertResult.run(head.run_id, entry.toolCallId, entry.stepIndex, this.encode(head.run_id, { ...entry, startedAt }));
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

  async setKillFlag(flag: KillFlag): Promise<void> {
    this.killCache.clear();
    this.write('setKillFlag', () => void this.statements.killSet.run(flag.scope, flag.reason, flag.at));
    this.killCache.clear();
  }

  async clearKillFlag(scope: string = KILL_ALL_SCOPE): Promise<void> {
    this.killCache.clear();
    this.write('clearKillFlag', () => void this.statements.killClear.run(scope));
    this.killCache.clear();
  }

  async getKillFlag(runId: string): Promise<KillFlag | undefined> {
    return this.read('getKillFlag', () => {
      // Read before every model and tool call: answered from memory until another connection
      // commits anything (`PRAGMA data_version` changes) or this store sets or clears a flag.
      const version = this.statements.dataVersion.get()!;
      if (version !== this.killCacheVersion || this.killCache.size > 10_000) {
        this.killCache.clear();
        this.killCacheVersion = version;
      }
      const cached = this.killCache.get(runId);
      if (cached !== undefined) return cached ?? undefined;
      const row = this.statements.killGet.get(runId, KILL_ALL_SCOPE, runId);
      const flag = row ? { scope: row.scope, reason: row.reason, at: row.at } : undefined;
      this.killCache.set(runId, flag ?? null);
      return flag;
    });
  }

  async acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined> {
    return this.write('acquireLease', () => {
      const now = Date.now();
      this.row(input.runId);
      const changed = this.statements.leaseTake.run(input.owner, now + input.ttlMs, input.runId, now, input.owner).changes;
      if (changed === 0) return undefined;
      const row = this.row(input.runId);
      return { runId: input.runId, owner: input.owner, epoch: row.lease_epoch, expiresAt: row.lease_expires_at };
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    return this.write('renewLease', () => {
      const expiresAt = Date.now() + ttlMs;
      const changed = this.statements.leaseRenew.run(expiresAt, lease.runId, lease.owner, lease.epoch).changes;
      return changed === 0 ? undefined : { ...lease, expiresAt };
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    this.write('releaseLease', () => void this.statements.leaseRelease.run(lease.runId, lease.owner, lease.epoch));
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

  private runningHead(runId: string, lease: Lease | undefined): HeadRow {
    const row = this.head(runId);
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
    this.statements.setEventHead.run(last.seq, last.hash ?? null, row.run_id);
    row.last_event_seq = last.seq;
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
  private writeRun<T>(operation: string, runId: string, fn: () => T): T {
    const taken = this.deferred.get(runId);
    if (!taken) return this.write(operation, fn);
    const result = this.write(operation, () => {
      const head = this.statements.headById.get(runId);
      if (head) this.writeDeferred(head, taken, -1);
      return fn();
    });
    this.forget(runId, taken);
    return result;
  }

  /** One `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a commit never fails half-way on a lock upgrade. */
  private write<T>(operation: string, fn: () => T): T {
    if (this.closed) throw new StoreError('store_unavailable', 'the SQLite store is closed');
    try {
      return this.transaction.immediate(fn) as T;
    } catch (error) {
      throw translate(error, operation);
    }
  }

  private toRecord(row: RunRow): RunRecord {
    const part = this.decode<StaticPart>(row.run_id, row.static, `run ${row.run_id}`);
    const pendingStep = row.pending_step ? this.decode<PendingStep>(row.run_id, row.pending_step, `pending step of run ${row.run_id}`) : undefined;
    return toRecord(row, part, pendingStep);
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

function toRecord(row: RunRow, part: StaticPart, pendingStep: PendingStep | undefined): RunRecord {
  if (!RUN_STATUSES.has(row.status as RunStatus)) throw new StoreError('state_corrupt', `run ${row.run_id} has an unknown status "${row.status}"`);
  return {
    runId: row.run_id,
    status: row.status as RunStatus,
    ...part,
    updatedAt: row.updated_at,
    stepCount: row.step_count,
    usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens, costUsd: row.cost_usd },
    toolCalls: row.tool_calls,
    toolCallsRefused: row.tool_calls_refused ?? 0,
    ...(row.result ? { result: decodeStored<RunResult>(row.result, `result of run ${row.run_id}`) } : {}),
    ...(pendingStep ? { pendingStep } : {}),
    lastEventSeq: row.last_event_seq,
    ...(row.last_event_hash ? { lastEventHash: row.last_event_hash } : {}),
  };
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
