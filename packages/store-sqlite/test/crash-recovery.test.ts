import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describeCrashRecovery } from '@agentrt/testing';
import { afterAll, describe, expect } from 'vitest';

const path = join(mkdtempSync(join(tmpdir(), 'agentrt-crash-sqlite-')), 'runs.db');
// The suite's three cases (crash points, finalize, media) run side by side: each drives its own runs
// (own run ids) in child processes, and the effect counter and the store they share are keyed by run id.
describe.concurrent('SqliteStore crash recovery, cases side by side', () => {
  describeCrashRecovery({
    name: 'SqliteStore',
    runIdPrefix: 'sqlite',
    storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
    storeOptions: { path },
    createStore: () => new SqliteStore({ path }),
  });
});
afterAll(async () => {
  const store = new SqliteStore({ path });
  expect(store.integrityCheck()).toBe('ok');
  await store.close();
});
