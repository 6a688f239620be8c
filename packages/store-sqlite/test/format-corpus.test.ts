import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, verifyAuditEvents } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import Database from 'better-sqlite3';
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

describe('persisted format corpus: schema v3 (toolCallsRefused, the finalize record)', () => {
  const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
  const payV3 = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });

  it('runs of schema v1 and v2 read toolCallsRefused 0 after the migration', async () => {
    for (const [file, runId] of [['v1.db', 'v1-completed'], ['v2.db', 'v2-media']] as const) {
      const store = new SqliteStore({ path: fixture(file) });
      expect((await store.getRun(runId))?.toolCallsRefused).toBe(0);
      await store.close();
    }
  });

  it('reads a finalized run with a refused call: counts per step and per run, the finalize record, the audit', async () => {
    const store = new SqliteStore({ path: fixture('v3.db') });
    const run = (await store.getRun('v3-refused'))!;
    expect(run).toMatchObject({ status: 'stopped', stepCount: 2, toolCalls: 3, toolCallsRefused: 1, result: { stopReason: 'max_tool_calls', steps: 1, toolCalls: 3, toolCallsRefused: 1, finalized: true, output: 'three ticks ran, one was refused' } });
    const steps = await store.loadSteps('v3-refused');
    expect(steps[0]).toMatchObject({ toolCalls: 3, toolCallsRefused: 1 });
    expect(steps[1]).toMatchObject({ finalize: { stopReason: 'max_tool_calls' }, messages: [{ role: 'assistant', content: 'three ticks ran, one was refused' }] });
    expect(verifyAuditEvents(await store.listEvents('v3-refused'))).toMatchObject({ ok: true, hashChained: true });
    await assertRunInvariants({ store, runId: 'v3-refused', result: run.result! });
    await store.close();
  });

  it('resumes a paused run whose step refused a call: the counts are kept, the run finalizes', async () => {
    const store = new SqliteStore({ path: fixture('v3.db') });
    const model = new ScriptedModel([ScriptedModel.answer('paid, ticked once, one tick refused')]);
    const done = await createRuntime({ model, tools: [tick, payV3], store, limits: { maxToolCalls: 3, finalize: true } }).resume('v3-paused', { approvals: { 'v3-p1': 'approve' } });
    expect(done).toMatchObject({ stopReason: 'max_tool_calls', toolCalls: 3, toolCallsRefused: 1, finalized: true });
    await assertRunInvariants({ store, runId: 'v3-paused', result: done });
    await store.close();
  });

  it('resumes a run that died after its finalize record: finished without a model call', async () => {
    const store = new SqliteStore({ path: fixture('v3.db') });
    const model = new ScriptedModel([]);
    const done = await createRuntime({ model, tools: [tick, payV3], store, leaseTtlMs: 100, limits: { maxSteps: 2, finalize: true } }).resume('v3-finalize-crashed', { waitForLeaseMs: 5_000 });
    expect(done).toMatchObject({ stopReason: 'max_steps', steps: 2, finalized: true, output: 'the answer written before the crash' });
    expect(model.calls).toBe(0);
    await assertRunInvariants({ store, runId: 'v3-finalize-crashed', result: done });
    await store.close();
  });
});

describe('persisted format corpus: schema v4 (a step row holds its events and its calls\' results)', () => {
  const put = defineTool({ name: 'put', description: 'stores a value', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: ({ i }) => `stored ${i}` });
  const payV4 = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });

  it('reads a completed run: steps, contiguous hash-chained events, the ledger kept in step rows', async () => {
    const store = new SqliteStore({ path: fixture('v4.db') });
    const run = (await store.getRun('v4-completed'))!;
    expect(run).toMatchObject({ status: 'completed', idempotencyKey: 'v4-key', stepCount: 3, lastEventSeq: 20, result: { stopReason: 'final_answer', output: 'stored three values' } });
    const events = await store.listEvents('v4-completed');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(verifyAuditEvents(events)).toMatchObject({ ok: true, hashChained: true });
    expect((await store.getToolLedger('v4-completed')).map((e) => [e.toolCallId, e.stepIndex, e.status, e.result?.content])).toEqual([
      ['v4-c1', 0, 'completed', 'stored 1'], ['v4-c2', 1, 'completed', 'stored 2'], ['v4-c3', 1, 'completed', 'stored 3'],
    ]);
    await assertRunInvariants({ store, runId: 'v4-completed', result: run.result! });
    await store.close();
  });

  it('resumes a paused run and finishes it', async () => {
    const store = new SqliteStore({ path: fixture('v4.db') });
    const model = new ScriptedModel([ScriptedModel.answer('stored and paid')]);
    const done = await createRuntime({ model, tools: [put, payV4], store }).resume('v4-paused', { approvals: { 'v4-p1': 'approve' } });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'stored and paid' });
    await assertRunInvariants({ store, runId: 'v4-paused', result: done });
    await store.close();
  });
});

describe('migration to the current schema from every earlier version', () => {
  const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
  const payAny = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });

  for (const file of ['v1.db', 'v2.db', 'v3.db', 'v4.db']) {
    it(`${file}: opens at the current schema, old events stay readable, new runs and resumed runs mix both layouts`, async () => {
      const path = fixture(file);
      const store = new SqliteStore({ path });
      const db = new Database(path, { readonly: true });
      expect(db.prepare("SELECT value FROM agentrt_meta WHERE key = 'schema_version'").pluck().get()).toBe(String(SqliteStore.schemaVersion));
      db.close();
      for (const record of await store.listRuns()) {
        const events = await store.listEvents(record.runId);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: record.lastEventSeq }, (_, i) => i + 1));
        expect(verifyAuditEvents(events).ok).toBe(true);
      }
      // A paused run of the old version resumes: its old event rows and the new step rows form one contiguous log.
      if (file === 'v3.db') {
        const model = new ScriptedModel([ScriptedModel.answer('paid, ticked once, one tick refused')]);
        const done = await createRuntime({ model, tools: [tick, payAny], store, limits: { maxToolCalls: 3, finalize: true } }).resume('v3-paused', { approvals: { 'v3-p1': 'approve' } });
        const events = await store.listEvents('v3-paused');
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
        for (const afterSeq of [0, 1, 5, events.length - 3, events.length]) {
          expect(await store.listEvents('v3-paused', { afterSeq, limit: 4 })).toEqual(events.slice(afterSeq, afterSeq + 4));
        }
        await assertRunInvariants({ store, runId: 'v3-paused', result: done });
      }
      const fresh = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('tick', { i: 2 }), ScriptedModel.answer('fresh')]), tools: [tick], store }).run({ input: 'new run', runId: `${file}-new` });
      await assertRunInvariants({ store, runId: fresh.runId, result: fresh });
      await store.close();
    });
  }
});

describe('persisted format corpus: schema v4, a run cut off mid-step', () => {
  const put = defineTool({ name: 'put', description: 'stores a value', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: ({ i }) => `stored ${i}` });
  let paid = 0;
  const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', execute: () => { paid++; return 'paid'; } });

  it('reads the run as it was left: two steps, the pending decision, the ledger, the audit', async () => {
    const store = new SqliteStore({ path: fixture('v4-inflight.db') });
    const run = (await store.getRun('v4-inflight'))!;
    expect(run).toMatchObject({ status: 'running', idempotencyKey: 'v4i-key', stepCount: 2, toolCalls: 3, lastEventSeq: 15, usage: { inputTokens: 20, outputTokens: 10 }, pendingStep: { stepIndex: 2 } });
    expect((await store.getToolLedger('v4-inflight')).map((e) => [e.toolCallId, e.stepIndex, e.status])).toEqual([
      ['v4i-c1', 0, 'completed'], ['v4i-c2', 1, 'completed'], ['v4i-c3', 1, 'completed'], ['v4i-c4', 2, 'completed'], ['v4i-p1', 2, 'started'],
    ]);
    const events = await store.listEvents('v4-inflight');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(verifyAuditEvents(events)).toMatchObject({ ok: true, hashChained: true });
    await store.close();
  });

  it('resumes it after the upgrade: the recorded call is not run again, the started payment is not repeated, one log', async () => {
    const store = new SqliteStore({ path: fixture('v4-inflight.db') });
    const model = new ScriptedModel([ScriptedModel.call('put', { i: 5 }, { id: 'v4i-c5' }), ScriptedModel.answer('done')]);
    paid = 0;
    const done = await createRuntime({ model, tools: [put, pay], store, audit: { hashChain: true } }).resume('v4-inflight', { waitForLeaseMs: 5_000 });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'done', steps: 5 });
    expect(paid).toBe(0);
    const steps = await store.loadSteps('v4-inflight');
    expect(steps.map((s) => s.stepIndex)).toEqual([0, 1, 2, 3, 4]);
    expect(steps[2]!.messages.find((m) => m.role === 'tool' && m.toolCallId === 'v4i-c4')).toMatchObject({ content: 'stored 4' });
    expect(steps[2]!.messages.find((m) => m.role === 'tool' && m.toolCallId === 'v4i-p1')).toMatchObject({ isError: true });
    const run = (await store.getRun('v4-inflight'))!;
    expect(run).toMatchObject({ status: 'completed', stepCount: 5, toolCalls: 6 });
    expect(run.usage.inputTokens).toBe(steps.reduce((sum, s) => sum + s.usage.inputTokens, 0));
    expect(run.pendingStep).toBeUndefined();
    const events = await store.listEvents('v4-inflight');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: run.lastEventSeq }, (_, i) => i + 1));
    expect(verifyAuditEvents(events)).toMatchObject({ ok: true, hashChained: true });
    for (const afterSeq of [0, 10, 15, 16, events.length - 2]) expect(await store.listEvents('v4-inflight', { afterSeq, limit: 3 })).toEqual(events.slice(afterSeq, afterSeq + 3));
    await assertRunInvariants({ store, runId: 'v4-inflight', result: done });
    await store.close();
  });
});
