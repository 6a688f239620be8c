/**
 * Mutants 15h: do the conformance suites other than the store and adapter ones, and the invariant
 * checker, fail a runtime component with one realistic fault?
 *
 * - checkRunInvariants over recorded runs with one fault each (tampered through the MemoryStore's
 *   own records, as a buggy store or runtime would leave them).
 * - describeToolPack over packs with one fault each (a child vitest, as red team 15d does).
 *
 * Before mutants 15h, these passed: a secret in an event, a non-idempotent call started twice, a
 * non-idempotent call with no intent in the ledger, a committed step whose events were lost; and the
 * packs that ignore their signal, mutate their input, return a Map or NaN, or echo
 * OPENAI_API_KEY / GITHUB_TOKEN.
 */
import { fileURLToPath } from 'node:url';
import { createRuntime, defineTool, MemoryStore, type RunRecord, type StateStore, type StepRecord, type StoredRunEvent, type ToolLedgerEntry } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, SECRET_CANARIES } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { childVitest } from './__fixtures__/child-vitest.js';
import { TOOL_MUTANTS_15H } from './__fixtures__/mutants15h-tools.js';


interface Slot { run: RunRecord; steps: StepRecord[]; events: StoredRunEvent[]; ledger?: Map<string, ToolLedgerEntry> }
/** The MemoryStore's own records of a run (a mutant edits them as a buggy store would have written them). */
const slotOf = (store: StateStore, runId: string) => (store as unknown as { runs: Map<string, Slot> }).runs.get(runId)!;
/** Renumbers the log after an edit and moves the run's head with it (so only the edit itself is wrong). */
const renumber = (slot: Slot) => {
  slot.events = slot.events.map((event, i) => ({ ...event, seq: i + 1 }));
  slot.run = { ...slot.run, lastEventSeq: slot.events.length };
};

const charge = defineTool({ name: 'charge', description: 'charges a card', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', execute: ({ cents }) => `charged ${cents}` });

async function recorded() {
  const store = new MemoryStore();
  const model = new ScriptedModel([ScriptedModel.call('charge', { cents: 100 }), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, tools: [charge], store }).run('charge the card');
  return { store, result, slot: slotOf(store, result.runId) };
}

const indexOf = (slot: Slot, type: string) => slot.events.findIndex((event) => event.type === type);

/** Recorded runs with one fault each, and the invariant each must be reported under. */
const RUN_MUTANTS: Record<string, { invariant: string; apply(slot: Slot): void }> = {
  'a tool result without its call': { invariant: 'I3', apply: (slot) => { slot.steps[0] = { ...slot.steps[0]!, messages: [{ ...slot.steps[0]!.messages[0]!, toolCalls: [] } as never, ...slot.steps[0]!.messages.slice(1)] }; } },
  'usage totals not the sum of the steps': { invariant: 'I5', apply: (slot) => { slot.run = { ...slot.run, usage: { ...slot.run.usage, inputTokens: slot.run.usage.inputTokens + 7 } }; } },
  'a gap in the event sequence': { invariant: 'I6', apply: (slot) => { slot.events.splice(2, 1); } },
  'a secret in an event': { invariant: 'I6', apply: (slot) => { const i = indexOf(slot, 'tool_finished'); slot.events[i] = { ...slot.events[i]!, content: `token ${SECRET_CANARIES[2]}` } as StoredRunEvent; } },
  'a stop reason outside the list': { invariant: 'I1', apply: (slot) => { slot.run = { ...slot.run, result: { ...slot.run.result!, stopReason: 'gave_up' as never } }; } },
  'a non-idempotent call that ran twice': {
    invariant: 'I4',
    apply: (slot) => {
      const started = indexOf(slot, 'tool_started');
      const finished = indexOf(slot, 'tool_finished');
      slot.events.splice(finished + 1, 0, slot.events[started]!, slot.events[finished]!);
      renumber(slot);
    },
  },
  'a ledger that forgot the intent': { invariant: 'I4', apply: (slot) => slot.ledger?.clear() },
  'a committed step whose events were lost (commit not atomic)': {
    invariant: 'I6',
    apply: (slot) => {
      slot.events.splice(1, indexOf(slot, 'step_finished'));
      renumber(slot);
    },
  },
  'a step_finished event disagreeing with its step': { invariant: 'I6', apply: (slot) => { const i = indexOf(slot, 'step_finished'); slot.events[i] = { ...slot.events[i]!, toolCalls: 3 } as StoredRunEvent; } },
};

describe('mutants 15h: checkRunInvariants against recorded runs with one fault', () => {
  it('accepts the sound run', async () => {
    const { store, result } = await recorded();
    expect((await checkRunInvariants({ store, runId: result.runId, result, tools: [charge] })).violations).toEqual([]);
  });

  for (const [name, mutant] of Object.entries(RUN_MUTANTS)) {
    it(`reports ${name} (${mutant.invariant})`, async () => {
      const { store, result, slot } = await recorded();
      mutant.apply(slot);
      const { violations } = await checkRunInvariants({ store, runId: result.runId, result, tools: [charge] });
      expect(violations.some((v) => v.startsWith(`${mutant.invariant}:`)), violations.join('\n')).toBe(true);
    });
  }

  it('reports a changed event of a hash-chained log', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('charge', { cents: 1 }), ScriptedModel.answer('ok')]), tools: [charge], store, audit: { hashChain: true } }).run('go');
    const slot = slotOf(store, result.runId);
    expect(slot.run.lastEventHash).toBeDefined();
    const i = indexOf(slot, 'tool_started');
    slot.events[i] = { ...slot.events[i]!, args: { cents: 1_000_000 } } as StoredRunEvent;
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations.some((v) => v.startsWith('I6:'))).toBe(true);
  });

  it('honours `secrets`: [] turns the check off, a given list replaces the canaries', async () => {
    const { store, result, slot } = await recorded();
    const i = indexOf(slot, 'tool_finished');
    slot.events[i] = { ...slot.events[i]!, content: `token ${SECRET_CANARIES[0]}` } as StoredRunEvent;
    expect((await checkRunInvariants({ store, runId: result.runId, result, secrets: [] })).violations).toEqual([]);
    expect((await checkRunInvariants({ store, runId: result.runId, result, secrets: ['token'] })).violations).toHaveLength(1);
  });

  it('accepts a non-idempotent call started again after an approver approved the re-run (onUnknownOutcome: ask), and finds it without `tools` through the ledger', async () => {
    const { store, result, slot } = await recorded();
    const started = slot.events[indexOf(slot, 'tool_started')]!;
    const finished = slot.events[indexOf(slot, 'tool_finished')]!;
    const approved = { ...started, type: 'approval_decided', decision: 'approve' } as unknown as StoredRunEvent;
    slot.events.splice(indexOf(slot, 'tool_finished') + 1, 0, approved, started, finished);
    renumber(slot);
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    slot.events.splice(indexOf(slot, 'approval_decided'), 1);
    renumber(slot);
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([expect.stringMatching(/^I4: non-idempotent call 0\/call_1 \(charge\) was started 2 times/)]);
  });
});

describe('mutants 15h: describeToolPack against packs with one fault', { timeout: 300_000 }, () => {
  it('passes the sound pack and fails every mutant in at least one case', async () => {
    // The six the suite let through before mutants 15h; MUTANTS15H_ALL=1 adds the four it already
    // failed (a BigInt, a cycle, a thrown string or plain object), about 6 s each.
    const caughtBefore = ['returns a BigInt', 'returns a cycle', 'throws a string', 'throws a plain object'];
    const packs = ['correct', ...Object.keys(TOOL_MUTANTS_15H).filter((name) => process.env.MUTANTS15H_ALL || !caughtBefore.includes(name))];
    const tally = await childVitest(fileURLToPath(new URL('./__fixtures__/mutants15h.vitest.config.ts', import.meta.url)), { MUTANTS15H_TOOLS: JSON.stringify(packs) });
    const of = (name: string) => tally.get(`tool pack conformance: ${name}`) ?? { passed: 0, failed: ['(not run)'] };
    expect(of('correct').failed, 'the sound pack fails no case').toEqual([]);
    expect(of('correct').passed).toBeGreaterThan(5);
    expect(packs.slice(1).filter((name) => of(name).failed.length === 0), 'mutants the suite lets through').toEqual([]);
  });
});

// The SQLite store mutants of describeCrashRecovery and describeCrossProcess (a minute or more each)
// are in mutants15h-crash.test.ts and mutants15h-xp.test.ts: separate files, so two workers run them side by side.
