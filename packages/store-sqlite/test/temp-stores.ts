// SQLite files for tests: a fresh file per test, and stores opened on it that close after each test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { afterEach } from 'vitest';

/** Stores opened on temp files in the calling test file: `fresh()` names a new file, `open(path)` a store on it (closed after each test). */
export function tempStores(prefix: string): { fresh: () => string; open: (path: string) => SqliteStore } {
  const opened: SqliteStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  return {
    fresh: () => join(mkdtempSync(join(tmpdir(), prefix)), 'runs.db'),
    open: (path) => {
      const store = new SqliteStore({ path });
      opened.push(store);
      return store;
    },
  };
}
