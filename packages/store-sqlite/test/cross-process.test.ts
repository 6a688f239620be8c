import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describeCrossProcess } from '@agentrt/testing';

const path = join(mkdtempSync(join(tmpdir(), 'agentrt-xp-sqlite-')), 'runs.db');
describeCrossProcess({
  name: 'SqliteStore',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { path },
  createStore: () => new SqliteStore({ path }),
});
