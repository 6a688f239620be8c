import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, verifyAuditEvents } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * Append-only corpus of databases written by earlier versions (`__fixtures__/formats/v<N>.db`).
 * Never edit a fixture; add one per new schema or record format. Every reader must still open,
 * read and resume them.
 */
const fixture = (name: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'agentrt-corpus-')), name);
  copyFileSync(new URL(`./__fixtures__/formats/${name}`, import.meta.url), path);
  return path;
};
const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });

describe('persisted format corpus: schema v1', () => {
  it('reads completed and stopped runs, their steps and their hash-chained audit', async () => {
    const store = new SqliteStore({ path: fixture('v1.db') });
    const completed = (await store.getRun('v1-completed'))!;
    expect(completed).toMatchObject({ status: 'completed', idempotencyKey: 'v1-key', stepCount: 2, result: { stopReason: 'final_answer', output: '3' } });
    await assertRunInvariants({ store, runId: 'v1-completed', result: completed.result! });
    expect(verifyAuditEvents(await store.listEvents('v1-completed'))).toMatchObject({ ok: true, hashChained: true });
    expect((await store.getRun('v1-max-steps'))?.result?.stopReason).toBe('max_steps');
    expect((await store.listRuns()).map((r) => r.runId)).toEqual(['v1-max-steps', 'v1-paused', 'v1-completed']);
    await store.close();
  });

  it('resumes a run paused by an earlier version and finishes it', async () => {
    const store = new SqliteStore({ path: fixture('v1.db') });
    const model = new ScriptedModel([ScriptedModel.answer('paid it')]);
    const done = await createRuntime({ model, tools: [add, pay], store }).resume('v1-paused', { approvals: { p1: { decision: 'approve' } } });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'paid it' });
    await assertRunInvariants({ store, runId: 'v1-paused', result: done });
    await store.close();
  });
});
