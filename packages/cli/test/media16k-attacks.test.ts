// media16k: attacks on media in durable stores — a missing blob, 300 images in one run, one image
// under two media types, concurrent runs sharing an image, a 20 MB image, and an incident stop
// (`killAll`) and the run listings meeting one run whose blob is gone (list17d).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, StoreError, type ContentPart, type Message, type StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';
import { buildPng, checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { startConsole } from '../src/index.js';
import { z } from 'zod';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BIN = new URL('../dist/bin.js', import.meta.url).pathname;

interface Durable { name: string; open(): { store: StateStore; dropBlobs(runId: string): void } }
const STORES: Durable[] = [
  {
    name: 'SqliteStore',
    open: () => {
      const path = join(mkdtempSync(join(tmpdir(), 'agentrt-media16k-')), 'runs.db');
      return { store: new SqliteStore({ path }), dropBlobs: (runId) => execFileSync('sqlite3', [path, `DELETE FROM agentrt_blobs WHERE run_id = '${runId}'`]) };
    },
  },
  {
    name: 'RedisStore',
    open: () => {
      const keyPrefix = `media16k-${randomUUID()}:`;
      return { store: new RedisStore({ url: REDIS_URL, keyPrefix }), dropBlobs: (runId) => execFileSync('redis-cli', ['-u', REDIS_URL, 'DEL', `${keyPrefix}blobs:${runId}`]) };
    },
  },
  {
    name: 'PostgresStore',
    open: () => {
      const schema = `media16k_${randomUUID().slice(0, 8)}`;
      return { store: new PostgresStore({ url: DATABASE_URL, schema }), dropBlobs: (runId) => execFileSync('psql', [DATABASE_URL, '-qc', `DELETE FROM ${schema}.agentrt_blobs WHERE run_id = '${runId}'`]) };
    },
  },
];

/** Distinct real PNGs, each ≥ 1 KiB of base64 (so every store keeps it as a blob). */
const png = (i: number) => buildPng({ width: 40 + (i % 40), height: 20 + Math.floor(i / 40) }).toString('base64');
const CHART = png(1000);

const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), sideEffects: 'non-idempotent', requiresApproval: true, execute: async () => 'paid' });
const withImage = (text: string, data = CHART): Message[] => [{ role: 'user', content: [{ type: 'text', text }, { type: 'image', mediaType: 'image/png', data }] }];

describe.each(STORES)('media16k attacks: $name', ({ open }) => {
  it('a blob missing on resume is state_corrupt — no model call, never a part without its data', async () => {
    const { store, dropBlobs } = open();
    try {
      const model = new ScriptedModel([ScriptedModel.call('pay', {}, { id: 'pay_1' }), ScriptedModel.answer('paid')]);
      const runtime = createRuntime({ model, store, tools: [pay] });
      const paused = await runtime.run({ runId: 'lost-blob', input: withImage('pay this invoice') });
      expect(paused.status).toBe('paused');
      dropBlobs('lost-blob');
      const calls = model.calls;
      await expect(runtime.resume('lost-blob', { approvals: { pay_1: true } })).rejects.toMatchObject({ code: 'state_corrupt' });
      await expect(store.getRun('lost-blob')).rejects.toMatchObject({ code: 'state_corrupt' });
      expect(model.calls).toBe(calls);
    } finally {
      await store.close?.();
    }
  });

  it('300 distinct images in one run, one image under two media types, and 4 concurrent runs sharing an image all read back byte for byte; one run losing its blobs leaves the others whole', async () => {
    const { store, dropBlobs } = open();
    try {
      const images = Array.from({ length: 300 }, (_, i) => png(i));
      const snap = defineTool({
        name: 'snap', description: 'ten screenshots', input: z.object({ n: z.number() }), sideEffects: 'none',
        execute: async ({ n }) => images.slice(n * 10, n * 10 + 10).map((data): ContentPart => ({ type: 'image', mediaType: 'image/png', data })),
      });
      const twice: Message[] = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: CHART }, { type: 'image', mediaType: 'image/jpeg', data: CHART }, { type: 'file', mediaType: 'application/octet-stream', data: CHART, filename: 'chart.bin' }] }];
      const runOf = (runId: string, steps: number, input: Message[]) => createRuntime({
        model: new ScriptedModel([...Array.from({ length: steps }, (_, n) => ScriptedModel.call('snap', { n })), ScriptedModel.answer('seen')]),
        store, tools: [snap], limits: { maxSteps: steps + 1, maxToolCalls: 10 * steps },
      }).run({ runId, input });
      const [big, ...shared] = await Promise.all([runOf('many', 30, twice), ...[1, 2, 3, 4].map((i) => runOf(`shared:${i}`, 2, withImage(`run ${i}`)))]);
      for (const result of [big!, ...shared]) {
        expect(result.stopReason).toBe('final_answer');
        expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
      }
      const toolImages = async (runId: string) => (await store.loadSteps(runId)).flatMap((step) => step.messages)
        .flatMap((message) => (message.role === 'tool' && Array.isArray(message.content) ? message.content : [])).map((part) => ('data' in part ? part.data : undefined));
      expect((await toolImages('many')).map((data, i) => data === images[i])).toEqual(images.map(() => true));
      expect((await store.getRun('many'))?.input).toEqual(twice);
      dropBlobs('shared:1');
      await expect(store.loadSteps('shared:1')).rejects.toMatchObject({ code: 'state_corrupt' });
      for (const runId of ['shared:2', 'shared:3', 'shared:4']) {
        expect((await store.getRun(runId))?.input).toEqual(withImage(`run ${runId.slice(-1)}`));
        expect(await toolImages(runId)).toEqual(images.slice(0, 20));
      }
    } finally {
      await store.close?.();
    }
  }, 30_000);
});

describe('media16k attacks: size bounds', () => {
  it('a 20 MB image is content_too_large (limits.maxPartBytes, 5 MiB): as input nothing is stored, from a tool the model gets an error result and the run goes on', async () => {
    const { store } = STORES[0]!.open();
    try {
      const huge = Buffer.concat([buildPng({ width: 8, height: 8 }), Buffer.alloc(20 * 2 ** 20, 1)]).toString('base64');
      const model = new ScriptedModel([ScriptedModel.call('huge', {}, { id: 'h1' }), ScriptedModel.answer('too big')]);
      const tool = defineTool({ name: 'huge', description: 'a huge image', input: z.object({}), execute: async () => [{ type: 'image', mediaType: 'image/png', data: huge }] });
      const runtime = createRuntime({ model, store, tools: [tool] });
      await expect(runtime.run({ runId: 'huge-input', input: withImage('look', huge) })).rejects.toMatchObject({ code: 'content_too_large' });
      expect(await store.getRun('huge-input')).toBeUndefined();
      const result = await runtime.run({ runId: 'huge-tool', input: 'look' });
      expect(result.stopReason).toBe('final_answer');
      const [step] = await store.loadSteps('huge-tool');
      const toolMessage = step!.messages.find((message) => message.role === 'tool');
      expect(toolMessage).toMatchObject({ isError: true });
      expect(JSON.stringify(toolMessage)).toContain('content_too_large');
      expect(JSON.stringify(toolMessage).length).toBeLessThan(2_000);
    } finally {
      await store.close?.();
    }
  });
});

describe.each(STORES)('media16k attacks: incident stop ($name)', ({ open }) => {
  // killAll lists the paused runs (store.listRuns({ status: 'paused' })). That listing used to
  // decode every record whole, input media included, so ONE paused run whose blob was gone made
  // the whole list state_corrupt: killAll threw after setting the flag and left every other paused
  // run paused, and `agentrt runs` / the console's run list failed too. Now a listing lists that
  // run with its lost parts marked (`missing: true`, no data) and `mediaMissing`, killAll kills it
  // too (from its listed record: nothing of a kill needs the media), and reading it whole —
  // getRun, resume — stays state_corrupt. killAll resolves: every paused run was killed.
  it('killAll kills every paused run when one lost its media blob — that one too; getRun/resume of it stay state_corrupt, and listings list it', async () => {
    const { store, dropBlobs } = open();
    try {
      const runtimeOf = () => createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}), ScriptedModel.answer('paid')]), store, tools: [pay] });
      expect((await runtimeOf().run({ runId: 'plain', input: 'pay the rent' })).status).toBe('paused');
      expect((await runtimeOf().run({ runId: 'media', input: withImage('pay this invoice') })).status).toBe('paused');
      expect((await runtimeOf().run({ runId: 'media:2', input: withImage('pay this one too') })).status).toBe('paused');
      dropBlobs('media');
      const runtime = runtimeOf();
      const listed = await runtime.listRuns({ status: 'paused' });
      expect(listed.map((run) => run.runId).sort()).toEqual(['media', 'media:2', 'plain']);
      const damaged = listed.find((run) => run.runId === 'media')!;
      expect(damaged.mediaMissing).toHaveLength(1);
      expect((damaged.input[0]!.content as unknown as readonly Record<string, unknown>[])[1]).toEqual({ type: 'image', mediaType: 'image/png', blob: damaged.mediaMissing![0], missing: true });
      await runtime.killAll('incident');
      for (const runId of ['plain', 'media', 'media:2']) {
        const [record] = (await runtime.listRuns()).filter((run) => run.runId === runId);
        expect(record?.result, runId).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'incident' });
      }
      expect((await store.getRun('plain'))?.status).toBe('stopped');
      expect((await store.getRun('media:2'))?.input).toEqual(withImage('pay this one too'));
      await expect(store.getRun('media')).rejects.toMatchObject({ code: 'state_corrupt' });
      await runtime.clearKill();
      await expect(runtime.resume('media', { approvals: {} })).rejects.toMatchObject({ code: 'state_corrupt' });
      // The audit log of the damaged run holds its kill.
      expect((await store.listEvents('media')).map((event) => event.type).slice(-2)).toEqual(['run_killed', 'run_finished']);
    } finally {
      await store.close?.();
    }
  });

  it('kill(runId) of a paused run that lost its media blob kills it (its getRun stays state_corrupt); killed again, the damage is reported', async () => {
    const { store, dropBlobs } = open();
    try {
      const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}), ScriptedModel.answer('paid')]), store, tools: [pay] });
      expect((await runtime.run({ runId: 'media', input: withImage('pay this invoice') })).status).toBe('paused');
      dropBlobs('media');
      await runtime.kill('media', 'fraud');
      const [record] = (await runtime.listRuns()).filter((run) => run.runId === 'media');
      expect(record?.result).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'fraud' });
      await expect(store.getRun('media')).rejects.toMatchObject({ code: 'state_corrupt' });
      expect((await store.listEvents('media')).map((event) => event.type).slice(-2)).toEqual(['run_killed', 'run_finished']);
      // Killing it again: it is no longer paused, so it is not read from the paused listing: the
      // damage is reported (state_corrupt) and nothing more is written.
      await expect(runtime.kill('media', 'again')).rejects.toMatchObject({ code: 'state_corrupt' });
      expect((await store.listEvents('media')).filter((event) => event.type === 'run_killed')).toHaveLength(1);
    } finally {
      await store.close?.();
    }
  });

  it('killAll still kills the damaged run and the others when one paused run cannot be finished, and reports that failure', async () => {
    const { store: real, dropBlobs } = open();
    // The store refuses to finish one run (a write failure for it alone): every other run is still killed.
    const store = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'finishRun') {
          return async (input: Parameters<StateStore['finishRun']>[0]) => {
            if (input.runId === 'stuck') throw new StoreError('store_unavailable', 'finishRun refused for this test');
            return target.finishRun(input);
          };
        }
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    try {
      const runtimeOf = () => createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}), ScriptedModel.answer('paid')]), store, tools: [pay] });
      for (const [runId, input] of [['stuck', 'pay the rent'], ['media', withImage('pay this invoice')], ['plain', 'pay the gas']] as const) {
        expect((await runtimeOf().run({ runId, input: input as string | Message[] })).status).toBe('paused');
      }
      dropBlobs('media');
      await expect(runtimeOf().killAll('incident')).rejects.toMatchObject({ code: 'store_unavailable' });
      const status = Object.fromEntries((await real.listRuns()).map((run) => [run.runId, run.status]));
      expect(status).toEqual({ stuck: 'paused', media: 'stopped', plain: 'stopped' });
    } finally {
      await real.close?.();
    }
  });
});

describe('media16k attacks: listings with a run whose media blob is gone', () => {
  it('`agentrt runs` (table and --json) and the console run list list every run; the damaged one shows no bytes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentrt-media17d-')), 'runs.db');
    const store = new SqliteStore({ path });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('seen'), ScriptedModel.answer('seen')]), store });
    try {
      await runtime.run({ runId: 'whole', input: 'hello' });
      await runtime.run({ runId: 'lost:blob', input: withImage('look') });
      execFileSync('sqlite3', [path, "DELETE FROM agentrt_blobs WHERE run_id = 'lost:blob'"]);
      const config = join(mkdtempSync(join(tmpdir(), 'agentrt-media17d-')), 'agentrt.config.json');
      writeFileSync(config, JSON.stringify({ store: { type: 'sqlite', path } }));
      const cli = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args, '--config', config], { encoding: 'utf8' });
      const table = cli('runs');
      expect(table).toContain('lost:blob');
      expect(table).toContain('whole');
      const json = JSON.parse(cli('runs', '--json')) as { runId: string; mediaMissing?: string[]; input: Message[] }[];
      const damaged = json.find((run) => run.runId === 'lost:blob')!;
      expect(damaged.mediaMissing).toHaveLength(1);
      expect(JSON.stringify(damaged.input)).not.toContain(CHART.slice(0, 64));
      expect(JSON.stringify(damaged.input)).toContain('"missing":true');
      const server = await startConsole({ runtime, port: 0 });
      try {
        const response = await fetch(`${server.origin}/api/runs`, { headers: { authorization: `Bearer ${server.token}` } });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { runs: { runId: string }[] }).runs.map((run) => run.runId).sort()).toEqual(['lost:blob', 'whole']);
      } finally {
        await server.close();
      }
    } finally {
      await runtime.close();
    }
  });
});
