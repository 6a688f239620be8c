import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStateStore } from '@agentrt/testing';
import { SqliteStore } from '@agentrt/store-sqlite';

const dir = mkdtempSync(join(tmpdir(), 'agentrt-sqlite-conf-'));
let n = 0;
describeStateStore({
  name: 'SqliteStore (file)',
  create: () => new SqliteStore({ path: join(dir, `conf-${++n}.db`) }),
  destroy: async (store) => {
    await store.close?.();
  },
});
describeStateStore({ name: 'SqliteStore (:memory:)', create: () => new SqliteStore({ path: ':memory:' }) });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
