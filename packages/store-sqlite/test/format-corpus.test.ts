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

describe('persisted format corpus: schema v2 (content parts, reasoning, structured output, media blobs)', () => {
  const image = (size: number, seed: number) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * seed + 5) % 256;
    return bytes.toString('base64');
  };
  const PHOTO = image(20_000, 7);
  const SHOT = image(12_000, 13);
  const screenshot = defineTool({ name: 'screenshot', description: 'Takes a screenshot', input: z.object({}), sideEffects: 'idempotent', execute: () => 'unused' });
  const payV2 = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });

  it('reads a run holding an image, a file by url, a tool image and signed reasoning, byte for byte', async () => {
    const store = new SqliteStore({ path: fixture('v2.db') });
    const run = (await store.getRun('v2-media'))!;
    expect(run.result).toMatchObject({ stopReason: 'final_answer', output: 'a cat next to a screen' });
    expect(run.input[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'What do you see?' }, { type: 'image', mediaType: 'image/jpeg', data: PHOTO }, { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/spec.pdf', filename: 'spec.pdf' }] });
    const steps = await store.loadSteps('v2-media');
    expect(steps[0]!.messages[0]).toMatchObject({ reasoning: [{ text: 'I should look at the screen', providerData: { anthropic: { signature: 'sig-v2-1' } } }] });
    expect(steps[0]!.messages[1]).toMatchObject({ role: 'tool', content: [{ type: 'text', text: 'the screen' }, { type: 'image', mediaType: 'image/png', data: SHOT }] });
    expect((await store.getToolLedger('v2-media'))[0]?.result?.content).toEqual([{ type: 'text', text: 'the screen' }, { type: 'image', mediaType: 'image/png', data: SHOT }]);
    await assertRunInvariants({ store, runId: 'v2-media', result: run.result! });
    expect(verifyAuditEvents(await store.listEvents('v2-media'))).toMatchObject({ ok: true, hashChained: true });
    await store.close();
  });

  it('reads a structured-output run with its repair step and stored spec', async () => {
    const store = new SqliteStore({ path: fixture('v2.db') });
    const run = (await store.getRun('v2-structured'))!;
    expect(run.result).toMatchObject({ stopReason: 'final_answer', output: { city: 'Paris', tempC: 18 }, steps: 2 });
    expect(run.structuredOutput).toMatchObject({ spec: { name: 'output' }, maxRepairs: 2 });
    expect((await store.loadSteps('v2-structured'))[0]!.messages.map((m) => m.role)).toEqual(['assistant', 'user']);
    await assertRunInvariants({ store, runId: 'v2-structured', result: run.result! });
    await store.close();
  });

  it('resumes a paused run whose input holds an image; the model sees the same bytes', async () => {
    const store = new SqliteStore({ path: fixture('v2.db') });
    const model = new ScriptedModel([ScriptedModel.answer('paid the invoice')]);
    const done = await createRuntime({ model, tools: [screenshot, payV2], store }).resume('v2-paused', { approvals: { 'v2-p1': 'approve' } });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'paid the invoice' });
    expect(model.requests[0]!.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Pay this invoice' }, { type: 'image', mediaType: 'image/png', data: SHOT }] });
    await assertRunInvariants({ store, runId: 'v2-paused', result: done });
    await store.close();
  });
});
