import { createRuntime, MemoryStore, verifyAuditEvents, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

// docs/governance.md "Audit log" promises that no test checked (m16l mutation testing).

async function chainedRun(metadata: Record<string, unknown>): Promise<StoredRunEvent[]> {
  const model = new ScriptedModel([ScriptedModel.answer('done')]);
  const runtime = createRuntime({ model, store: new MemoryStore(), audit: { hashChain: true } });
  const result = await runtime.run({ input: 'go', runId: 'm16l-audit', metadata });
  const events = await runtime.events(result.runId);
  expect(events.length).toBeGreaterThanOrEqual(4);
  expect(verifyAuditEvents(events)).toMatchObject({ ok: true, hashChained: true });
  return events;
}

describe('verifyAuditEvents on a hash-chained log', () => {
  it('reports hash_missing for an event whose hash was stripped (a partly chained log is not an unchained one)', async () => {
    const events = await chainedRun({ copy: 'a' });
    const { hash: _dropped, ...bare } = events[2]!;
    const edited = events.map((event, i) => (i === 2 ? (bare as StoredRunEvent) : event));
    expect(verifyAuditEvents(edited)).toMatchObject({ ok: false, hashChained: false, problem: { seq: 3, kind: 'hash_missing' } });
  });

  it('links every hash to the previous one: the tail of another log of the same run id spliced on is a hash_mismatch', async () => {
    const a = await chainedRun({ copy: 'a' });
    const b = await chainedRun({ copy: 'b' });
    // Same run id, same seqs, same event types: only the first events differ (the metadata).
    expect(a.map((event) => event.type)).toEqual(b.map((event) => event.type));
    const spliced = [a[0]!, ...b.slice(1)];
    expect(verifyAuditEvents(spliced)).toMatchObject({ ok: false, problem: { seq: 2, kind: 'hash_mismatch' } });
  });
});

describe('verifyAuditEvents on a log without the hash chain', () => {
  it('reports sequence_gap for an event removed from the middle (seq jumps ahead)', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store: new MemoryStore() });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    expect(verifyAuditEvents(events)).toMatchObject({ ok: true, hashChained: false });
    const cut = [...events.slice(0, 1), ...events.slice(2)];
    expect(verifyAuditEvents(cut)).toMatchObject({ ok: false, problem: { seq: 2, kind: 'sequence_gap' } });
  });
});
