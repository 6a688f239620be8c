import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describeCrashRecovery } from '@agentrt/testing';
import { afterAll, expect } from 'vitest';

const path = join(mkdtempSync(join(tmpdir(), 'agentrt-crash-sqlite-')), 'runs.db');
describeCrashRecovery({
  name: 'SqliteStore',
  runIdPrefix: 'sqlite',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { path },
  createStore: () => new SqliteStore({ path }),
});
afterAll(async () => {
  const store = new SqliteStore({ path });
  expect(store.integrityCheck()).toBe('ok');
  await store.close();
});
