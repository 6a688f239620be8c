// rt18d: the console over a DAMAGED run — a media blob the store lost, or a record that no longer
// parses. The run page, its events, its stream and its media answer what is there (the listed
// record, the events, the parts whose bytes are stored) with a clear damage marker: never a 500.
// Real SQLite, Redis and PostgreSQL.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, type Message, type StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';
import { buildPng, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildRunView, startConsole } from '../src/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Durable {
  name: string;
  open(): { store: StateStore; dropBlob(runId: string, sha256: string): void; corruptRecord(runId: string): void };
}
const STORES: Durable[] = [
  {
    name: 'SqliteStore',
    open: () => {
      const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rt18d-')), 'runs.db');
      return {
        store: new SqliteStore({ path }),
        dropBlob: (runId, sha256) => execFileSync('sqlite3', [path, `DELETE FROM agentrt_blobs WHERE run_id = '${runId}' AND sha256 = '${sha256}'`]),
        corruptRecord: (runId) => execFileSync('sqlite3', [path, `UPDATE agentrt_runs SET static = '{not json' WHERE run_id = '${runId}'`]),
      };
    },
  },
  {
    name: 'RedisStore',
    open: () => {
      const keyPrefix = `rt18d-${randomUUID()}:`;
      return {
        store: new RedisStore({ url: REDIS_URL, keyPrefix }),
        dropBlob: (runId, sha256) => execFileSync('redis-cli', ['-u', REDIS_URL, 'HDEL', `${keyPrefix}blobs:${runId}`, sha256]),
        corruptRecord: (runId) => execFileSync('redis-cli', ['-u', REDIS_URL, 'HSET', `${keyPrefix}run:${runId}`, 'static', '{not json']),
      };
    },
  },
  {
    name: 'PostgresStore',
    open: () => {
      const schema = `rt18d_${randomUUID().slice(0, 8)}`;
      return {
        store: new PostgresStore({ url: DATABASE_URL, schema }),
        dropBlob: (runId, sha256) => execFileSync('psql', [DATABASE_URL, '-qc', `DELETE FROM ${schema}.agentrt_blobs WHERE run_id = '${runId}' AND sha256 = '${sha256}'`]),
        corruptRecord: (runId) => execFileSync('psql', [DATABASE_URL, '-qc', `UPDATE ${schema}.agentrt_runs SET static = '{not json' WHERE run_id = '${runId}'`]),
      };
    },
  },
];

const INPUT_PNG = buildPng({ width: 40, height: 20 });
const SHOT_PNG = buildPng({ width: 60, height: 30 });
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const screenshot = defineTool({ name: 'screenshot', description: 'captures', input: z.object({}), execute: async () => [{ type: 'text', text: 'screen' }, { type: 'image', mediaType: 'image/png', data: SHOT_PNG.toString('base64') }] });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), sideEffects: 'non-idempotent', requiresApproval: true, execute: async () => 'paid' });
const script = () => new ScriptedModel([ScriptedModel.call('screenshot', {}), ScriptedModel.call('pay', {}), ScriptedModel.answer('paid')]);
const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'pay what you see' }, { type: 'image', mediaType: 'image/png', data: INPUT_PNG.toString('base64') }] }];

/** Reads an SSE answer until `end` (or the deadline) and returns its event names. */
async function streamEvents(response: Response, deadlineMs = 10_000): Promise<{ names: string[]; text: string }> {
  const reader = response.body!.getReader();
  let text = '';
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline && !/event: end\n/.test(text)) {
    const { done, value } = await Promise.race([reader.read(), new Promise<{ done: true; value: undefined }>((resolve) => setTimeout(() => resolve({ done: true, value: undefined }), Math.max(1, deadline - Date.now())))]);
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  await reader.cancel().catch(() => undefined);
  return { names: [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]!), text };
}

describe.each(STORES)('rt18d console over a damaged run: $name', ({ open }) => {
  it('a lost input blob: run page 200 with the listed record and a damage marker, events 200, the lost part media_missing (404), a stored part 200, a step whose blob is lost media_missing; approve 409, kill works', async () => {
    const { store, dropBlob } = open();
    const runtime = createRuntime({ model: script(), store, tools: [screenshot, pay] });
    const server = await startConsole({ runtime, port: 0, pollMs: 20 });
    const auth = { authorization: `Bearer ${server.token}` };
    const get = (path: string) => fetch(`${server.origin}${path}`, { headers: auth });
    const post = (path: string, body: unknown) => fetch(`${server.origin}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      expect((await runtime.run({ runId: 'hurt', input })).status).toBe('paused');
      dropBlob('hurt', sha(INPUT_PNG));
      await expect(store.getRun('hurt')).rejects.toMatchObject({ code: 'state_corrupt' });

      const page = await get('/api/runs/hurt');
      expect(page.status).toBe(200);
      const view = (await page.json()) as { run: { runId: string; status: string; pendingApprovals: { toolCallId: string; argsFingerprint: string }[]; input: { content: unknown }[] }; damaged: { code: string; message: string; mediaMissing?: string[] } };
      expect(view.run).toMatchObject({ runId: 'hurt', status: 'paused' });
      expect(view.damaged).toMatchObject({ code: 'state_corrupt', mediaMissing: [sha(INPUT_PNG)] });
      expect(JSON.stringify(view.run.input)).toContain('"missing":true');
      const events = await get('/api/runs/hurt/events');
      expect(events.status).toBe(200);
      expect(((await events.json()) as { events: unknown[] }).events.length).toBeGreaterThan(3);

      const lost = await get(`/api/runs/hurt/media/${sha(INPUT_PNG)}?step=input`);
      expect(lost.status).toBe(404);
      expect(((await lost.json()) as { error: { code: string } }).error.code).toBe('media_missing');
      const kept = await get(`/api/runs/hurt/media/${sha(SHOT_PNG)}?step=0`);
      expect(kept.status).toBe(200);
      expect(Buffer.from(await kept.arrayBuffer()).equals(SHOT_PNG)).toBe(true);

      // The stream shows what is there and ends (the damaged record cannot be re-read every poll).
      const stream = await get('/api/runs/hurt/stream');
      expect(stream.status).toBe(200);
      const { names, text } = await streamEvents(stream);
      expect(names).toContain('events');
      expect(names).toContain('run');
      expect(names.at(-1)).toBe('end');
      expect(text).not.toMatch(/event: notice\ndata: .*state_corrupt/);

      // Approving cannot resume it: refused up front, not a background failure.
      const [pending] = view.run.pendingApprovals;
      const approve = await post('/api/runs/hurt/approve', { toolCallId: pending!.toolCallId, argsFingerprint: pending!.argsFingerprint, decision: 'approve' });
      expect(approve.status).toBe(409);
      expect(((await approve.json()) as { error: { code: string } }).error.code).toBe('run_damaged');

      // Now the step's blob goes too: that part is media_missing (a console that has not cached
      // it yet: the first one keeps the bytes it read), the page still answers.
      dropBlob('hurt', sha(SHOT_PNG));
      const fresh = await startConsole({ runtime, port: 0 });
      try {
        const stepLost = await fetch(`${fresh.origin}/api/runs/hurt/media/${sha(SHOT_PNG)}?step=0&download=1`, { headers: { authorization: `Bearer ${fresh.token}` } });
        expect(stepLost.status).toBe(404);
        expect(((await stepLost.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'media_missing', message: expect.stringContaining('step 0') });
      } finally {
        await fresh.close();
      }
      expect((await get('/api/runs/hurt')).status).toBe(200);

      // Kill works on it (the runtime kills a damaged paused run from its listed record).
      const kill = await post('/api/runs/hurt/kill', { reason: 'damaged' });
      expect(kill.status).toBe(200);
      const after = (await (await get('/api/runs/hurt')).json()) as { run: { status: string; stopReason?: string }; damaged: unknown };
      expect(after.run).toMatchObject({ status: 'stopped', stopReason: 'killed' });
      expect(after.damaged).toBeDefined();

      // agentrt trace --html builds the same view.
      const trace = await buildRunView(runtime, 'hurt');
      expect(trace.damaged).toMatchObject({ code: 'state_corrupt' });
      expect(trace.events.length).toBeGreaterThan(3);
    } finally {
      await server.close();
      await runtime.close();
      await store.close?.();
    }
  });

  it('a record that does not parse: run page 200 with the events and a damage marker (no record), media media_missing, kill 409; an unknown run still 404', async () => {
    const { store, corruptRecord } = open();
    const runtime = createRuntime({ model: script(), store, tools: [screenshot, pay] });
    const server = await startConsole({ runtime, port: 0, pollMs: 20 });
    const auth = { authorization: `Bearer ${server.token}` };
    const get = (path: string) => fetch(`${server.origin}${path}`, { headers: auth });
    try {
      expect((await runtime.run({ runId: 'broken', input })).status).toBe('paused');
      corruptRecord('broken');
      const page = await get('/api/runs/broken');
      expect(page.status).toBe(200);
      const view = (await page.json()) as { run: { runId: string; status: string; createdAt: string; updatedAt: string }; damaged: { code: string; message: string; recordUnreadable?: boolean }; events: unknown[] };
      expect(view.run.runId).toBe('broken');
      // The stand-in is dated by the run's first and last events.
      const stored = await store.listEvents('broken');
      expect(view.run).toMatchObject({ status: 'unknown', createdAt: stored[0]!.at, updatedAt: stored.at(-1)!.at });
      expect(view.damaged).toMatchObject({ code: 'state_corrupt', recordUnreadable: true });
      expect(view.damaged.message).toMatch(/parse|JSON/i);
      expect((await get('/api/runs/broken/events')).status).toBe(200);
      const media = await get(`/api/runs/broken/media/${sha(INPUT_PNG)}?step=input`);
      expect(media.status).toBe(404);
      expect(((await media.json()) as { error: { code: string } }).error.code).toBe('media_missing');
      const stream = await get('/api/runs/broken/stream');
      expect((await streamEvents(stream)).names.at(-1)).toBe('end');
      const kill = await fetch(`${server.origin}/api/runs/broken/kill`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
      expect(kill.status).toBe(409);
      expect((await get('/api/runs/nope')).status).toBe(404);
    } finally {
      await server.close();
      await runtime.close();
      await store.close?.();
    }
  });
});

// `agentrt trace` of a damaged run: the trace as far as it reads (marked DAMAGED), its audit from
// the events, then error[state_corrupt] (exit 1); --html writes the page with the damage panel.
describe('rt18d agentrt trace of a damaged run (SqliteStore)', () => {
  it('prints what is there, marked, and exits 1 state_corrupt; --html writes the page', async () => {
    const { agentrt, freshDb } = await import('./__fixtures__/cli-harness.js');
    const db = freshDb();
    const store = new SqliteStore({ path: db });
    const runtime = createRuntime({ model: script(), store, tools: [screenshot, pay] });
    expect((await runtime.run({ runId: 'hurt', input })).status).toBe('paused');
    await runtime.close();
    await store.close();
    execFileSync('sqlite3', [db, `DELETE FROM agentrt_blobs WHERE run_id = 'hurt' AND sha256 = '${sha(INPUT_PNG)}'`]);
    const text = await agentrt(db, ['trace', 'hurt']).done;
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^run hurt · paused · awaiting_approval · DAMAGED \(state_corrupt: 1 media part\(s\) lost\)$/m);
    expect(text.out).toMatch(/^audit: \d+ events, sequence intact/m);
    expect(text.err).toContain('error[state_corrupt]');
    const html = join(mkdtempSync(join(tmpdir(), 'agentrt-rt18d-html-')), 'trace.html');
    const page = await agentrt(db, ['trace', 'hurt', '--html', html]).done;
    expect(page.code).toBe(1);
    expect(page.out).toContain(`wrote ${html}`);
    const written = (await import('node:fs')).readFileSync(html, 'utf8');
    expect(written).toContain('"damaged":{"code":"state_corrupt"');
    // The intact step image is embedded; the lost input one is not.
    expect(written).toContain(sha(SHOT_PNG));
  });
});
