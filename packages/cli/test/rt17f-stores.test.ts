// rt17f red team: listRuns with a run whose media blob is gone from a STEP (not the input);
// loadSteps / loadStepRange paging with hostile limits; a `missing: true` part fed back as input;
// kill(runId) of the damaged paused run. Real SQLite, Redis and PostgreSQL.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, loadStepRange, type Message, type StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';
import { buildPng, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Durable { name: string; open(): { store: StateStore; dropBlobs(runId: string): void } }
const STORES: Durable[] = [
  { name: 'SqliteStore', open: () => { const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rt17f-')), 'runs.db'); return { store: new SqliteStore({ path }), dropBlobs: (runId) => execFileSync('sqlite3', [path, `DELETE FROM agentrt_blobs WHERE run_id = '${runId}'`]) }; } },
  { name: 'RedisStore', open: () => { const keyPrefix = `rt17f-${randomUUID()}:`; return { store: new RedisStore({ url: REDIS_URL, keyPrefix }), dropBlobs: (runId) => execFileSync('redis-cli', ['-u', REDIS_URL, 'DEL', `${keyPrefix}blobs:${runId}`]) }; } },
  { name: 'PostgresStore', open: () => { const schema = `rt17f_${randomUUID().slice(0, 8)}`; return { store: new PostgresStore({ url: DATABASE_URL, schema }), dropBlobs: (runId) => execFileSync('psql', [DATABASE_URL, '-qc', `DELETE FROM ${schema}.agentrt_blobs WHERE run_id = '${runId}'`]) }; } },
];

const SHOT = buildPng({ width: 60, height: 30 }).toString('base64');
const screenshot = defineTool({ name: 'screenshot', description: 'captures', input: z.object({}), execute: async () => [{ type: 'text', text: 'screen' }, { type: 'image', mediaType: 'image/png', data: SHOT }] });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), sideEffects: 'non-idempotent', requiresApproval: true, execute: async () => 'paid' });
const script = () => new ScriptedModel([ScriptedModel.call('screenshot', {}), ScriptedModel.call('pay', {}), ScriptedModel.answer('paid')]);

describe.each(STORES)('rt17f stores: $name', ({ open }) => {
  it('a blob missing from a STEP: listRuns lists the run, loadSteps and resume are loud, kill(runId) kills it', async () => {
    const { store, dropBlobs } = open();
    try {
      const runtime = createRuntime({ model: script(), store, tools: [screenshot, pay] });
      expect((await runtime.run({ runId: 'step-blob', input: 'pay what you see' })).status).toBe('paused');
      expect((await createRuntime({ model: script(), store, tools: [screenshot, pay] }).run({ runId: 'whole', input: 'pay too' })).status).toBe('paused');
      dropBlobs('step-blob');
      const listed = await runtime.listRuns({ status: 'paused' });
      expect(listed.map((run) => run.runId).sort()).toEqual(['step-blob', 'whole']);
      await expect(store.loadSteps('step-blob')).rejects.toMatchObject({ code: 'state_corrupt' });
      await expect(loadStepRange(store, 'step-blob', { fromIndex: 0, limit: 5 })).rejects.toMatchObject({ code: 'state_corrupt' });
      await expect(runtime.resume('step-blob', { approvals: { call_2: true } })).rejects.toMatchObject({ code: 'state_corrupt' });
      await runtime.kill('step-blob', 'incident');
      const after = (await runtime.listRuns()).find((run) => run.runId === 'step-blob');
      expect(after?.result).toMatchObject({ status: 'stopped', stopReason: 'killed' });
      expect((await store.getRun('whole'))?.status).toBe('paused');
      // The healthy run still pages normally.
      expect(await store.loadSteps('whole', { fromIndex: 0, limit: 1 })).toHaveLength(1);
    } finally {
      await store.close?.();
    }
  });

  it('a listed `missing: true` part cannot start a new run (refused before anything is stored)', async () => {
    const { store, dropBlobs } = open();
    try {
      const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: SHOT }] }];
      const runtime = createRuntime({ model: script(), store, tools: [screenshot, pay] });
      expect((await runtime.run({ runId: 'src', input })).status).toBe('paused');
      dropBlobs('src');
      const [listed] = (await runtime.listRuns()).filter((run) => run.runId === 'src');
      expect(listed!.mediaMissing).toHaveLength(1);
      const model = script();
      await expect(createRuntime({ model, store, tools: [screenshot, pay] }).run({ runId: 'copy', input: listed!.input })).rejects.toMatchObject({ code: 'content_invalid' });
      expect(model.requests).toHaveLength(0);
      expect(await store.getRun('copy')).toBeUndefined();
    } finally {
      await store.close?.();
    }
  });

  it('loadSteps / loadStepRange with hostile limits: 0 reads nothing, invalid ones are config_invalid, huge ones read everything', async () => {
    const { store } = open();
    try {
      const model = new ScriptedModel([ScriptedModel.call('screenshot', {}), ScriptedModel.call('screenshot', {}), ScriptedModel.call('screenshot', {}), ScriptedModel.answer('done')]);
      expect((await createRuntime({ model, store, tools: [screenshot] }).run({ runId: 'paged', input: 'go' })).status).toBe('completed');
      const all = await store.loadSteps('paged');
      expect(all.length).toBe(4);
      expect(await store.loadSteps('paged', { fromIndex: 0, limit: 0 })).toEqual([]);
      expect(await loadStepRange(store, 'paged', { fromIndex: 0, limit: 0 })).toEqual([]);
      for (const limit of [Infinity, 2 ** 53, 2 ** 31 - 1, 2 ** 31]) {
        expect(await store.loadSteps('paged', { fromIndex: 0, limit }), String(limit)).toHaveLength(4);
        expect(await loadStepRange(store, 'paged', { fromIndex: 0, limit }), String(limit)).toHaveLength(4);
      }
      expect(await store.loadSteps('paged', { fromIndex: 0, limit: undefined })).toHaveLength(4);
      expect(await loadStepRange(store, 'paged', { fromIndex: 1, limit: undefined })).toHaveLength(3);
      expect((await store.loadSteps('paged', { fromIndex: 2, limit: 1 })).map((step) => step.stepIndex)).toEqual([2]);
      expect(await store.loadSteps('paged', { fromIndex: 2 ** 53, limit: 1 })).toEqual([]);
      for (const limit of [-1, 1.5, '1', NaN, -Infinity, null, {}]) {
        await expect(loadStepRange(store, 'paged', { fromIndex: 0, limit: limit as number }), String(limit)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('limit') });
        await expect(store.loadSteps('paged', { fromIndex: 0, limit: limit as number }), `store ${String(limit)}`).rejects.toMatchObject({ code: 'config_invalid' });
      }
      for (const fromIndex of [-1, 1.5, '1', NaN]) {
        await expect(loadStepRange(store, 'paged', { fromIndex: fromIndex as number, limit: 1 }), String(fromIndex)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('fromIndex') });
      }
    } finally {
      await store.close?.();
    }
  });
});
