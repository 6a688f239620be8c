// rd18e: a run row's static JSON holding another `runId` or a `status` (the id is stored there
// only to spell out a long id kept as its hash) relabelled the record — getRun('bad') answered
// run "other", completed, while its row said running, and listRuns showed "other" twice. A
// stored id that is not the row's is state_corrupt naming the row; a status never overrides the
// column. And a listing over one unreadable record fails with state_corrupt naming that run.
import { PostgresStore } from '@agentrt/store-postgres';
import { storeRecords } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema, sql } from './pg-helpers.js';

const schemas: string[] = [];
afterAll(() => Promise.all(schemas.map((schema) => dropSchema(schema))));

async function twoRuns(bad = 'bad') {
  const schema = freshSchema();
  schemas.push(schema);
  const store = new PostgresStore({ url: DATABASE_URL, schema });
  await store.createRun(storeRecords.run('other'));
  await store.createRun(storeRecords.run(bad));
  return { store, setStatic: (json: string) => sql(`UPDATE "${schema}".agentrt_runs SET static = $1 WHERE run_id <> 'other'`, [json]) };
}
const part = (extra: object) => JSON.stringify({ v: 1, input: 'x', createdAt: '2026-01-01T00:00:00.000Z', ...extra });

describe('PostgresStore over a damaged run row (rd18e)', () => {
  it('a status inside the static JSON does not override the row; another runId is state_corrupt naming the row', async () => {
    const { store, setStatic } = await twoRuns();
    try {
      await setStatic(part({ runId: 'bad', status: 'completed' }));
      expect(await store.getRun('bad')).toMatchObject({ runId: 'bad', status: 'running' });
      expect((await store.listRuns()).map((run) => [run.runId, run.status])).toEqual([['bad', 'running'], ['other', 'running']]);
      await setStatic(part({ runId: 'other' }));
      for (const read of [() => store.getRun('bad'), () => store.listRuns()]) {
        await expect(read()).rejects.toMatchObject({ code: 'state_corrupt', message: expect.stringContaining('run bad') });
      }
    } finally {
      await store.close();
    }
  });

  it('a long id (kept as its hash) still reads back; listRuns over an unreadable record is state_corrupt naming it', async () => {
    const long = `L${'x'.repeat(300)}`;
    const { store, setStatic } = await twoRuns(long);
    try {
      expect((await store.listRuns()).map((run) => run.runId)).toEqual([long, 'other']);
      await setStatic(part({ runId: 'other' }));
      await expect(store.getRun(long)).rejects.toMatchObject({ code: 'state_corrupt' });
      await setStatic('{not json');
      await expect(store.listRuns()).rejects.toMatchObject({ code: 'state_corrupt', message: expect.stringContaining('sha256:') });
    } finally {
      await store.close();
    }
  });
});
