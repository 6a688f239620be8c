// rd18e: a run row's static JSON holding a `runId` or `status` (never written there) relabelled
// the record — getRun('bad') answered run "other", completed, while its row said running, and
// listRuns showed "other" twice. The row's columns win. And a listing over one unreadable record
// fails with state_corrupt naming that run, so an operator can find it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { storeRecords } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

async function twoRuns() {
  const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rd18e-')), 'runs.db');
  const store = new SqliteStore({ path });
  await store.createRun(storeRecords.run('other'));
  await store.createRun(storeRecords.run('bad'));
  return { store, update: (sql: string) => execFileSync('sqlite3', [path, `${sql} WHERE run_id = 'bad'`]) };
}

describe('SqliteStore over a damaged run row (rd18e)', () => {
  it('a runId or status inside the static JSON does not relabel the record', async () => {
    const { store, update } = await twoRuns();
    try {
      update(`UPDATE agentrt_runs SET static = '{"v":1,"runId":"other","status":"completed","input":"x","createdAt":"2026-01-01T00:00:00.000Z"}'`);
      expect(await store.getRun('bad')).toMatchObject({ runId: 'bad', status: 'running' });
      expect((await store.listRuns()).map((run) => [run.runId, run.status])).toEqual([['bad', 'running'], ['other', 'running']]);
    } finally {
      await store.close();
    }
  });

  it('listRuns over an unreadable record is state_corrupt naming that run', async () => {
    const { store, update } = await twoRuns();
    try {
      update(`UPDATE agentrt_runs SET static = '{not json'`);
      await expect(store.listRuns()).rejects.toMatchObject({ code: 'state_corrupt', message: expect.stringContaining('run bad') });
    } finally {
      await store.close();
    }
  });
});
