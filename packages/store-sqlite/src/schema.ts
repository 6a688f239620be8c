import { StoreError } from '@agentrt/core';
import type Database from 'better-sqlite3';

/** The schema version this package writes. */
export const SCHEMA_VERSION = 4;

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
];

/**
 * Brings the database to `SCHEMA_VERSION`. A database written by a newer or unknown
 * schema is refused with `schema_unsupported` — never silently reused or reset.
 */
export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS agentrt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const row = db.prepare<[], { value: string }>("SELECT value FROM agentrt_meta WHERE key = 'schema_version'").get();
  const current = row ? Number(row.value) : 0;
  if (!Number.isInteger(current) || current < 0) {
    throw new StoreError('schema_unsupported', `unknown agentrt schema version "${row?.value}" in this database`);
  }
  if (current > SCHEMA_VERSION) {
    throw new StoreError('schema_unsupported', `this database uses agentrt schema ${current}; this version of @agentrt/store-sqlite reads up to ${SCHEMA_VERSION}. Upgrade the package.`);
  }
  if (current === 0) {
    const foreign = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'agentrt_%' AND name <> 'agentrt_meta'").get();
    if (foreign) throw new StoreError('schema_unsupported', `table ${foreign.name} exists but the database has no agentrt schema version; refusing to guess`);
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.prepare("INSERT INTO agentrt_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(version));
    }).immediate();
  }
}
