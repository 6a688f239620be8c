import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, createRuntime, defineTool, type ContentPart } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'agentrt-media-')), 'runs.db');
const image = (size: number, seed = 7) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed + 3) % 256;
  return bytes.toString('base64');
};
const MB = image(1024 * 1024);
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

describe('SqliteStore with images and files', () => {
  it('stores a 1 MB image once per run: bytes written per step stay flat however often it appears', async () => {
    const path = tempDb();
    const store = new SqliteStore({ path });
    const screenshot: ContentPart[] = [{ type: 'text', text: 'screen' }, { type: 'image', mediaType: 'image/png', data: MB }];
    const shot = defineTool({ name: 'screenshot', description: 'Screenshot', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: () => screenshot });
    const model = new ScriptedModel([(_request, i) => ScriptedModel.call('screenshot', { n: i })], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, store, tools: [shot], loopDetection: false, limits: { maxSteps: 12, maxToolCalls: 12 } });
    const result = await runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'watch' }, { type: 'image', mediaType: 'image/png', data: MB }] }] });
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 12 });
    // Every request carried the image from the input and one per tool result so far.
    expect(model.requests[11]!.messages.filter((m) => typeof m.content !== 'string').length).toBe(12);

    const db = new Database(path, { readonly: true });
    const blobs = db.prepare('SELECT count(*) AS n, sum(length(data)) AS chars FROM agentrt_blobs WHERE run_id = ?').get(result.runId) as { n: number; chars: number };
    expect(blobs).toEqual({ n: 1, chars: MB.length });
    const stepBytes = (db.prepare('SELECT length(data) AS n FROM agentrt_step_log WHERE key / 4294967296 = (SELECT run_no FROM agentrt_runs WHERE run_id = ?) ORDER BY key').all(result.runId) as { n: number }[]).map((r) => r.n);
    const ledgerBytes = (db.prepare('SELECT length(data) AS n FROM agentrt_ledger WHERE run_id = ?').all(result.runId) as { n: number }[]).map((r) => r.n);
    const staticBytes = (db.prepare('SELECT length(static) AS n FROM agentrt_runs WHERE run_id = ?').get(result.runId) as { n: number }).n;
    db.close();
    expect(stepBytes).toHaveLength(12);
    for (const bytes of [...stepBytes, ...ledgerBytes, staticBytes]) expect(bytes).toBeLessThan(2_000);
    expect(Math.max(...stepBytes) - Math.min(...stepBytes)).toBeLessThan(64);

    // Read back whole: the resumed view holds the same bytes.
    const reopened = new SqliteStore({ path });
    const messages = await createRuntime({ model: new ScriptedModel([]), store: reopened, tools: [shot] }).messages(result.runId);
    expect(messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'watch' }, { type: 'image', mediaType: 'image/png', data: MB }] });
    expect(messages.filter((m) => m.role === 'tool').every((m) => JSON.stringify(m.content) === JSON.stringify(screenshot))).toBe(true);
    expect((await reopened.getToolLedger(result.runId))[5]?.result?.content).toEqual(screenshot);
    await assertRunInvariants({ store: reopened, runId: result.runId, result });
    await reopened.close();
    await store.close();
  });

  it('reports a missing blob as state_corrupt, never as missing data', async () => {
    const path = tempDb();
    const store = new SqliteStore({ path });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('seen')]), store });
    const result = await runtime.run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: image(4000) }] }] });
    expect(result.stopReason).toBe('final_answer');
    const db = new Database(path);
    expect(db.prepare('DELETE FROM agentrt_blobs WHERE run_id = ?').run(result.runId).changes).toBe(1);
    db.close();
    expect(await codeOf(store.getRun(result.runId))).toBe('state_corrupt');
    await store.close();
  });

  it('keeps small images inline and needs no blob for them', async () => {
    const path = tempDb();
    const store = new SqliteStore({ path });
    const small = image(300);
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: small }] }] });
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM agentrt_blobs').get() as { n: number }).n).toBe(0);
    db.close();
    expect((await store.getRun(result.runId))?.input[0]).toEqual({ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: small }] });
    await store.close();
  });
});
