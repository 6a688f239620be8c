import { createRuntime, defineTool, MemoryStore, type StateStore, type StoredRunEvent } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** The store with its event log replaced by `tamper(log)` on every read (the run record untouched). */
function tampered(store: StateStore, tamper: (events: StoredRunEvent[]) => StoredRunEvent[]): StateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'listEvents') return async (runId: string) => tamper(structuredClone(await target.listEvents(runId)));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('checkRunInvariants holds the audit log to the end its run record counts (I6)', () => {
  const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ s: z.string() }), execute: ({ s }) => `said ${s}` });

  it('flags a hash-chained log whose hashes were stripped and an event edited, as verifyAudit does', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('echo', { s: 'a' }), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, tools: [echo], store, audit: { hashChain: true } });
    const result = await runtime.run('go');
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    // Without the hashes the chain cannot be checked link by link; the run record's chain head still says it was there.
    const edited = tampered(store, (events) => events.map((event) => {
      const { hash: _hash, ...rest } = event as StoredRunEvent & { hash?: string };
      return (rest.type === 'tool_finished' ? { ...rest, isError: true } : rest) as StoredRunEvent;
    }));
    expect((await createRuntime({ model: new ScriptedModel([]), store: edited }).verifyAudit(result.runId)).ok).toBe(false);
    const report = await checkRunInvariants({ store: edited, runId: result.runId, result });
    expect(report.violations.some((violation) => violation.startsWith('I6'))).toBe(true);
  });

  it('flags events removed from the end of a paused run\'s log', async () => {
    const store = new MemoryStore();
    const transfer = defineTool({ name: 'transfer', description: 't', input: z.object({ cents: z.number() }), requiresApproval: true, execute: () => 'sent' });
    const model = new ScriptedModel([ScriptedModel.call('transfer', { cents: 5 })]);
    const paused = await createRuntime({ model, tools: [transfer], store }).run('go');
    expect(paused.status).toBe('paused');
    expect((await checkRunInvariants({ store, runId: paused.runId, result: paused })).violations).toEqual([]);
    const truncated = tampered(store, (events) => events.slice(0, -1));
    expect((await createRuntime({ model: new ScriptedModel([]), store: truncated }).verifyAudit(paused.runId)).ok).toBe(false);
    const report = await checkRunInvariants({ store: truncated, runId: paused.runId, result: paused });
    expect(report.violations.some((violation) => violation.startsWith('I6'))).toBe(true);
  });
});
