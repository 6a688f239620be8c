import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeStateStore } from '@agentrt/testing';
import { SqliteStore } from '@agentrt/store-sqlite';

const dir = mkdtempSync(join(tmpdir(), 'agentrt-sqlite-conf-'));
let n = 0;
const paths = new WeakMap<object, string>();
describeStateStore({
  name: 'SqliteStore (file)',
  create: () => {
    const path = join(dir, `conf-${++n}.db`);
    const store = new SqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  destroy: async (store) => {
    await store.close?.();
  },
  // The run's rows of agentrt_blobs, deleted through a second connection, as after a partial restore.
  dropBlobs: (store, runId) => {
    const db = new Database(paths.get(store)!);
    try {
      db.prepare('DELETE FROM agentrt_blobs WHERE run_id = ?').run(runId);
    } finally {
      db.close();
    }
  },
  // The run row's static part, overwritten through a second connection with text that does not parse.
  corruptRun: (store, runId) => {
    const db = new Database(paths.get(store)!);
    try {
      db.prepare("UPDATE agentrt_runs SET static = '{not json' WHERE run_id = ?").run(runId);
    } finally {
      db.close();
    }
  },
});
describeStateStore({ name: 'SqliteStore (:memory:)', create: () => new SqliteStore({ path: ':memory:' }) });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
