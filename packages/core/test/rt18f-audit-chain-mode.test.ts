/**
 * rt18f: a run's audit log keeps the hash-chain mode it began with, whichever runtime appends to it.
 * A run started by a runtime with `audit: { hashChain: true }` and resumed — or killed while paused —
 * by one without it (a CLI or console whose config leaves the option out, a rolling deploy) got an
 * unhashed tail: `verifyAudit` called the untouched log tampered (`hash_missing`), I6 failed, and the
 * tail was no longer protected by the chain. The other way round, a chain began mid-log.
 */
import { createRuntime, defineTool, MemoryStore, verifyAuditEvents, type StoredRunEvent } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), requiresApproval: true, execute: () => 'paid' });

async function pausedRun(store: MemoryStore, hashChain: boolean) {
  const model = new ScriptedModel([ScriptedModel.call('pay', {}, { id: 'p1' }), ScriptedModel.answer('done')]);
  const paused = await createRuntime({ model, store, tools: [pay], audit: { hashChain } }).run('pay');
  expect(paused.status).toBe('paused');
  return paused;
}

describe('rt18f: a run\'s log keeps the hash-chain mode it began with', () => {
  it.each([[true, false], [false, true], [true, true], [false, false]] as const)('started with hashChain %s, resumed by a runtime with %s: the log verifies, all chained or none', async (first, second) => {
    const store = new MemoryStore();
    const paused = await pausedRun(store, first);
    const resumer = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store, tools: [pay], audit: { hashChain: second } });
    const done = await resumer.resume(paused.runId, { approvals: { p1: { decision: 'approve' } } });
    expect(done.stopReason).toBe('final_answer');
    const events = await store.listEvents(done.runId);
    expect(events.filter((event) => typeof event.hash === 'string').length).toBe(first ? events.length : 0);
    expect(await resumer.verifyAudit(done.runId)).toMatchObject({ ok: true, hashChained: first });
    expect((await checkRunInvariants({ store, runId: done.runId, result: done })).violations).toEqual([]);
    if (first) {
      // The tail the unchained runtime wrote is protected: an edit there is caught.
      const edited = events.map((event, i): StoredRunEvent => (i === events.length - 2 ? { ...event, at: '2000-01-01T00:00:00.000Z' } : event));
      expect(verifyAuditEvents(edited)).toMatchObject({ ok: false, problem: { kind: 'hash_mismatch' } });
    }
  });

  it.each(['kill', 'killAll'] as const)('a paused chained run finished by an operator runtime without the chain (%s) still verifies', async (how) => {
    const store = new MemoryStore();
    const paused = await pausedRun(store, true);
    const operator = createRuntime({ model: new ScriptedModel([]), store });
    if (how === 'kill') await operator.kill(paused.runId, 'not today');
    else await operator.killAll('incident');
    const record = await store.getRun(paused.runId);
    expect(record?.result?.stopReason).toBe('killed');
    expect(await operator.verifyAudit(paused.runId)).toMatchObject({ ok: true, hashChained: true });
    expect((await checkRunInvariants({ store, runId: paused.runId, result: record!.result! })).violations).toEqual([]);
    await operator.clearKill();
  });
});
