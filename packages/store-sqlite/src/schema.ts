import { StoreError } from '@agentrt/core';
import type Database from 'better-sqlite3';

/** The schema version this package writes. */
export const SCHEMA_VERSION = 5;

/**
 * Migrations, index = version reached. Append only: never edit a released step,
 * add the next one. Each runs in one transaction with the version bump.
 */
const MIGRATIONS: readonly string[] = [
  '',
  `
  CREATE TABLE agentrt_runs (
    run_id TEXT PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    status TEXT NOT NULL,
    static TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    step_count INTEGER NOT NULL DEFAULT 0,
    tool_calls INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    result TEXT,
    pending_step TEXT,
    last_event_seq INTEGER NOT NULL DEFAULT 0,
    last_event_hash TEXT,
    lease_owner TEXT,
    lease_epoch INTEGER NOT NULL DEFAULT 0,
    lease_expires_at INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX agentrt_runs_status ON agentrt_runs (status);
  CREATE TABLE agentrt_steps (
    run_id TEXT NOT NULL REFERENCES agentrt_runs (run_id),
    step_index INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, step_index)
  ) WITHOUT ROWID;
  CREATE TABLE agentrt_events (
    run_id TEXT NOT NULL REFERENCES agentrt_runs (run_id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE agentrt_ledger (
    run_id TEXT NOT NULL REFERENCES agentrt_runs (run_id),
    tool_call_id TEXT NOT NULL,
    step_index INTEGER NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, tool_call_id)
  );
  CREATE TABLE agentrt_kill_flags (
    scope TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
  );
  `,
  // v2: image/file data stored once per run, content-addressed (sha256 of the decoded bytes).
  // A rowid table: blob rows are large, which WITHOUT ROWID tables handle badly.
  `
  CREATE TABLE agentrt_blobs (
    run_id TEXT NOT NULL REFERENCES agentrt_runs (run_id),
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, sha256)
  );
  `,
  // v3: tool calls refused over maxToolCalls, counted apart from the calls within it (runs of
  // earlier versions read 0: they counted every call, refused or not, in tool_calls).
  `
  ALTER TABLE agentrt_runs ADD COLUMN tool_calls_refused INTEGER NOT NULL DEFAULT 0;
  `,
  // v4: a committed step is one row. The events committed with it are one JSON array in the step
  // row (`events`, the seq of the last one in `last_seq`), and the results of its idempotent and
  // pure tool calls, when they were still unwritten at the commit, are in `ledger`. Events written
  // outside a step commit (run start/finish, pauses) stay one row each in agentrt_events, as do the
  // events and ledger rows of earlier versions: nothing is moved, readers merge both.
  `
  ALTER TABLE agentrt_steps ADD COLUMN events TEXT;
  ALTER TABLE agentrt_steps ADD COLUMN last_seq INTEGER;
  ALTER TABLE agentrt_steps ADD COLUMN ledger TEXT;
  `,
  // v5: a step commit writes one row and nothing else. Steps go to agentrt_step_log, a rowid table
  // whose key is `run_no * 2^32 + step_index` (appends fill pages in order; no index to update),
  // and carry the run's running totals and event head as of that step, so the run row is no longer
  // rewritten per step: readers take the counters from the run's last step row when it has one,
  // from the run row otherwise (runs and steps of earlier versions, which stay where they are). A
  // decision waiting for its tools is one row per run in agentrt_pending, current while its
  // step_index is the run's step count (no write clears it). `run_no` numbers runs for those keys.
  `
  ALTER TABLE agentrt_runs ADD COLUMN run_no INTEGER;
  UPDATE agentrt_runs SET run_no = rowid;
  CREATE UNIQUE INDEX agentrt_runs_run_no ON agentrt_runs (run_no);
  CREATE TABLE agentrt_step_log (
    key INTEGER PRIMARY KEY,
    step_index INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    tool_calls_refused INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    last_seq INTEGER NOT NULL,
    last_hash TEXT,
    at INTEGER NOT NULL,
    data TEXT NOT NULL,
    events TEXT,
    ledger TEXT
  );
  CREATE TABLE agentrt_pending (
    run_no INTEGER PRIMARY KEY,
    step_index INTEGER NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  `,
];

/**
 * Brings the database to `SCHEMA_VERSION`. A database written by a newer or unknown
 * schema is refused with `schema_unsupported` — never silently reused or reset. Safe when
 * several processes open a new or old database at once: each step re-reads the version under
 * the write lock and skips what another process applied meanwhile.
 */
export function migrate(db: Database.Database, busyMs = 0): void {
  whileOthersCommit(db, () => db.exec('CREATE TABLE IF NOT EXISTS agentrt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)'), busyMs);
  const readVersion = db.prepare<[], { value: string }>("SELECT value FROM agentrt_meta WHERE key = 'schema_version'");
  const writeVersion = db.prepare("INSERT INTO agentrt_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const current = (): number => {
    const row = readVersion.get();
    const version = row ? Number(row.value) : 0;
    if (!Number.isInteger(version) || version < 0) {
      throw new StoreError('schema_unsupported', `unknown agentrt schema version "${row?.value}" in this database`);
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreError('schema_unsupported', `this database uses agentrt schema ${version}; this version of @agentrt/store-sqlite reads up to ${SCHEMA_VERSION}. Upgrade the package.`);
    }
    return version;
  };
  while (current() < SCHEMA_VERSION) {
    // One migration step per transaction, decided under the write lock (another process may have
    // migrated between the read above and this lock).
    whileOthersCommit(db, () => db.transaction(() => {
      const version = current();
      if (version >= SCHEMA_VERSION) return;
      if (version === 0) {
        const foreign = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'agentrt_%' AND name <> 'agentrt_meta'").get();
        if (foreign) throw new StoreError('schema_unsupported', `table ${foreign.name} exists but the database has no agentrt schema version; refusing to guess`);
      }
      db.exec(MIGRATIONS[version + 1]!);
      writeVersion.run(String(version + 1));
    }).immediate(), busyMs);
  }
}

/**
 * Runs `write`, again after a busy error as long as other connections committed during the wait
 * (`PRAGMA data_version` moved): several processes opening one new database at once take the
 * lock in turns, and SQLite's polling busy handler can let one of them lose every turn for a
 * whole `busy_timeout` on a loaded machine (at most 6 such waits, as `SqliteStore`'s step writes).
 * SQLite also answers `SQLITE_BUSY` without waiting at all in some of an opening's steps (another
 * connection switching the journal to WAL, or recovering its index): such an answer, before
 * `busyMs` has passed since the first try, is waited out here, 10 ms at a time. A lock held by
 * one transaction for all of `busyMs` is still `SQLITE_BUSY`.
 */
export function whileOthersCommit<T>(db: Database.Database, write: () => T, busyMs = 0): T {
  let version = db.pragma('data_version', { simple: true });
  const started = Date.now();
  for (let wait = 1; ; wait++) {
    try {
      return write();
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY')) throw error;
      const now = db.pragma('data_version', { simple: true });
      const moved = now !== version;
      version = now;
      if (moved && wait < 6) continue;
      if (Date.now() - started >= busyMs) throw error;
      Atomics.wait(PAUSE, 0, 0, 10);
    }
  }
}

/** Something to `Atomics.wait` on: a synchronous pause (opening a store is synchronous). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
