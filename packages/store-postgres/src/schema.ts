import { StoreError } from '@agentrt/core';
import type { PoolClient } from 'pg';

/** The schema version this package writes. */
export const SCHEMA_VERSION = 3;

/** Table names of one agentrt schema, already quoted and schema-qualified. */
export interface Tables {
  readonly schema: string;
  readonly meta: string;
  readonly runs: string;
  readonly steps: string;
  readonly events: string;
  readonly ledger: string;
  readonly kills: string;
  readonly blobs: string;
}

/** `"schema"."name"` for every table of a schema. The schema name was validated by the store. */
export function tablesOf(schema: string): Tables {
  const q = `"${schema}"`;
  return {
    schema: q,
    meta: `${q}.agentrt_meta`,
    runs: `${q}.agentrt_runs`,
    steps: `${q}.agentrt_steps`,
    events: `${q}.agentrt_events`,
    ledger: `${q}.agentrt_ledger`,
    kills: `${q}.agentrt_kill_flags`,
    blobs: `${q}.agentrt_blobs`,
  };
}

/**
 * Migrations, index = version reached. Append only: never edit a released step, add the next
 * one. Each runs in one transaction with the version bump, under an advisory lock, so processes
 * starting together migrate once.
 *
 * Stored records are opaque JSON text written by core's `encodeStored` (format-versioned);
 * large media data is kept once per run in `agentrt_blobs`. Lease times are milliseconds of
 * the server's clock. No foreign keys: every insert into steps, events, ledger and blobs is
 * gated, in its own statement, by the update (or `FOR SHARE` lock) of its run row, which
 * already guarantees the run exists; FK triggers would add ~20 % to each commit.
 */
const MIGRATIONS: readonly ((t: Tables) => string)[] = [
  () => '',
  (t) => `
  CREATE TABLE ${t.runs} (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    run_id text PRIMARY KEY,
    idempotency_key text UNIQUE,
    create_token text NOT NULL,
    status text NOT NULL,
    static text NOT NULL,
    updated_at text NOT NULL,
    step_count integer NOT NULL DEFAULT 0,
    tool_calls integer NOT NULL DEFAULT 0,
    input_tokens bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    cost_usd double precision NOT NULL DEFAULT 0,
    result text,
    retryable boolean NOT NULL DEFAULT false,
    pending_step text,
    last_event_seq integer NOT NULL DEFAULT 0,
    last_event_hash text,
    lease_owner text,
    lease_epoch bigint NOT NULL DEFAULT 0,
    lease_expires_at bigint NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX agentrt_runs_seq ON ${t.runs} (seq);
  CREATE INDEX agentrt_runs_status ON ${t.runs} (status, seq);
  CREATE TABLE ${t.steps} (
    run_id text NOT NULL,
    step_index integer NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (run_id, step_index)
  );
  CREATE TABLE ${t.events} (
    run_id text NOT NULL,
    seq integer NOT NULL,
    type text NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (run_id, seq)
  );
  CREATE TABLE ${t.ledger} (
    run_id text NOT NULL,
    tool_call_id text NOT NULL,
    ord bigint GENERATED ALWAYS AS IDENTITY,
    step_index integer NOT NULL,
    status text NOT NULL,
    started_at text NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (run_id, tool_call_id)
  );
  CREATE TABLE ${t.kills} (
    scope text PRIMARY KEY,
    reason text NOT NULL,
    at text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );
  CREATE TABLE ${t.blobs} (
    run_id text NOT NULL,
    sha256 text NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (run_id, sha256)
  );
  `,
  // v2: tool calls refused over maxToolCalls, counted apart from the calls within it (runs of
  // earlier versions read 0: they counted every call, refused or not, in tool_calls).
  (t) => `
  ALTER TABLE ${t.runs} ADD COLUMN tool_calls_refused integer NOT NULL DEFAULT 0;
  `,
  // v3: the token of the commitStep call that wrote the run's last step, and of the appendEvents /
  // updateRun call that wrote its last events (each new for every call, kept across the call's
  // re-sends), so a re-send whose first attempt landed is told from another caller's write of the
  // very same bytes (as Redis does with `stepBy` and `eventsBy`). Null before v3.
  (t) => `
  ALTER TABLE ${t.runs} ADD COLUMN step_token text, ADD COLUMN events_token text;
  `,
];

/**
 * Brings the schema to `SCHEMA_VERSION` in one transaction per step, holding a transaction-level
 * advisory lock keyed by the schema name. A schema written by a newer or unknown version, or
 * agentrt tables without a version row, is refused with `schema_unsupported` — never reused or reset.
 */
export async function migrate(client: PoolClient, tables: Tables, schemaName: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`agentrt.migrate.${schemaName}`]);
    // Only create a missing schema: an existing one may belong to someone else (no CREATE right needed then).
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${tables.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables.meta} (key text PRIMARY KEY, value text NOT NULL)`);
    const row = await client.query<{ value: string }>(`SELECT value FROM ${tables.meta} WHERE key = 'schema_version'`);
    const raw = row.rows[0]?.value;
    const current = raw === undefined ? 0 : Number(raw);
    if (!Number.isInteger(current) || current < 0) {
      throw new StoreError('schema_unsupported', `unknown agentrt schema version "${raw}" in schema ${schemaName}`);
    }
    if (current > SCHEMA_VERSION) {
      throw new StoreError('schema_unsupported', `schema ${schemaName} uses agentrt schema ${current}; this version of @agentrt/store-postgres reads up to ${SCHEMA_VERSION}. Upgrade the package.`);
    }
    if (current === 0) {
      const foreign = await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'agentrt\\_%' AND table_name <> 'agentrt_meta' LIMIT 1`,
        [schemaName],
      );
      if (foreign.rows[0]) throw new StoreError('schema_unsupported', `table ${schemaName}.${foreign.rows[0].name} exists but the schema has no agentrt schema version; refusing to guess`);
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version]!(tables));
      await client.query(
        `INSERT INTO ${tables.meta} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [String(version)],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
