// Red team 3: a hash chain proves every event links to the one before — not that the log is
// complete. Events deleted from its end (the tool call that did the damage, run_finished) left a
// shorter chain that verified `ok`, while the run's own record still counted them
// (`lastEventSeq`, `lastEventHash`). verifyAudit now checks the log against that head.
import { createHash } from 'node:crypto';
import { canonicalJson, createRuntime, defineTool, MemoryStore, verifyAuditEvents, type StateStore, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const wipe = defineTool({ name: 'wipe', description: 'Deletes things', input: z.object({}), sideEffects: 'non-idempotent', execute: () => 'wiped' });

/** The store as someone with write access left it: `edit` applied to every event list it returns. */
function tampered(store: StateStore, edit: (events: StoredRunEvent[]) => StoredRunEvent[]): StateStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'listEvents') return async (...args: Parameters<StateStore['listEvents']>) => edit(await target.listEvents(...args));
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The documented link: sha256(previous hash + newline + canonical JSON of the event without its hash). */
function chainHashOf(previous: string | undefined, event: StoredRunEvent): string {
  const { hash: _drop, ...rest } = event;
  return createHash('sha256').update(`${previous ?? ''}\n${canonicalJson(rest)}`).digest('hex');
}

async function finishedRun(hashChain: boolean) {
  const store = new MemoryStore();
  const model = new ScriptedModel([ScriptedModel.call('wipe'), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, store, tools: [wipe], audit: { hashChain } }).run('clean up');
  return { store, runId: result.runId };
}

describe('red team 3: events removed from the end of the audit log', () => {
  for (const hashChain of [true, false]) {
    it(`verifyAudit reports them (hashChain: ${hashChain}); the untouched log still verifies`, async () => {
      const { store, runId } = await finishedRun(hashChain);
      const intact = createRuntime({ model: new ScriptedModel([]), store, tools: [wipe], audit: { hashChain } });
      expect(await intact.verifyAudit(runId)).toMatchObject({ ok: true, hashChained: hashChain });
      const total = (await store.listEvents(runId)).length;
      for (const keep of [total - 1, Math.floor(total / 2), 1]) {
        const cut = createRuntime({ model: new ScriptedModel([]), store: tampered(store, (events) => events.slice(0, keep)), tools: [wipe], audit: { hashChain } });
        const verdict = await cut.verifyAudit(runId);
        expect(verdict, `kept ${keep} of ${total}`).toMatchObject({ ok: false, problem: { kind: 'sequence_gap', seq: keep + 1 } });
        expect(verdict.problem?.message).toContain(`recorded ${total} events`);
      }
    });
  }

  it('a rewritten last event (re-chained by whoever edited it) no longer matches the recorded chain head', async () => {
    const { store, runId } = await finishedRun(true);
    const events = await store.listEvents(runId);
    const last = events[events.length - 1]!;
    // Rewrite the final event and re-hash it so the chain itself is consistent.
    const forged = { ...last, note: 'nothing happened' } as unknown as StoredRunEvent;
    const rehashed = { ...forged, hash: chainHashOf(events[events.length - 2]!.hash, forged) } as StoredRunEvent;
    const edited = [...events.slice(0, -1), rehashed];
    expect(verifyAuditEvents(edited)).toMatchObject({ ok: true });
    const runtime = createRuntime({ model: new ScriptedModel([]), store: tampered(store, () => edited), tools: [wipe], audit: { hashChain: true } });
    expect(await runtime.verifyAudit(runId)).toMatchObject({ ok: false, problem: { kind: 'hash_mismatch', seq: last.seq } });
  });

  it('verifyAuditEvents: a null or non-object entry is a sequence_gap, not a TypeError', () => {
    for (const entry of [null, 42, 'event', undefined]) {
      expect(verifyAuditEvents([{ type: 'run_started', runId: 'r', at: 'x', seq: 1, messageCount: 1, tools: [] } as StoredRunEvent, entry as unknown as StoredRunEvent])).toMatchObject({ ok: false, problem: { kind: 'sequence_gap', seq: 2 } });
    }
  });
});
