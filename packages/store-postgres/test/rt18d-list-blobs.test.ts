// rt18d: listRuns reads the media blobs of every listed run in ONE query (it made one per listed
// run with media: N+1), and still restores each run's parts from its own blobs only — also for a
// run id over 256 characters (stored under a hashed key) and when one run lost a blob.
import { createRuntime, defineTool, type Message } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { buildPng, ScriptedModel } from '@agentrt/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DATABASE_URL, dropSchema, freshSchema, sql } from './pg-helpers.js';

const schema = freshSchema();
afterAll(() => dropSchema(schema));

describe('rt18d: PostgresStore listRuns reads blobs in one query', () => {
  it('ten runs with media: one blob query, every part restored from its own run, a lost blob marked on its run only', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const texts: string[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      texts.push(typeof first === 'string' ? first : first?.text ?? '');
      return query(...args);
    };
    const store = new PostgresStore({ pool, schema });
    try {
      const shot = defineTool({ name: 'shot', description: 'a picture', input: z.object({ n: z.number() }), execute: async ({ n }) => [{ type: 'image', mediaType: 'image/png', data: buildPng({ width: 10 + n, height: 7 }).toString('base64') }] });
      const ids = Array.from({ length: 10 }, (_, i) => (i === 3 ? `long:${'x'.repeat(190)}` : `run-${i}`));
      for (const [i, runId] of ids.entries()) {
        const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: `run ${i}` }, { type: 'image', mediaType: 'image/png', data: buildPng({ width: 50 + i, height: 9 }).toString('base64') }] }];
        const model = new ScriptedModel([ScriptedModel.call('shot', { n: i }), ScriptedModel.answer(`done ${i}`)]);
        expect((await createRuntime({ model, store, tools: [shot] }).run({ runId, input })).status).toBe('completed');
      }
      const lostSha = (await sql<{ sha256: string }>(`SELECT sha256 FROM ${schema}.agentrt_blobs WHERE run_id = 'run-7' LIMIT 1`))[0]!.sha256;
      await sql(`DELETE FROM ${schema}.agentrt_blobs WHERE run_id = 'run-7' AND sha256 = $1`, [lostSha]);

      texts.length = 0;
      const listed = await store.listRuns();
      const blobQueries = texts.filter((text) => text.includes('agentrt_blobs'));
      expect(blobQueries.length, blobQueries.join('\n')).toBe(1);
      expect(listed.map((run) => run.runId).sort()).toEqual([...ids].sort());
      for (const run of listed) {
        if (run.runId === 'run-7') {
          expect(run.mediaMissing).toEqual([lostSha]);
          continue;
        }
        expect(run.mediaMissing).toBeUndefined();
        // The listed record is the one getRun reads (the part restored from this run's own blob).
        expect(run).toEqual(await store.getRun(run.runId));
      }
      // A listing with no media: no blob query at all.
      texts.length = 0;
      expect(await store.listRuns({ status: 'paused' })).toEqual([]);
      expect(texts.filter((text) => text.includes('agentrt_blobs'))).toHaveLength(0);
    } finally {
      await store.close?.();
      await pool.end().catch(() => undefined);
    }
  });
});
