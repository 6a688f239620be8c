// Red team 15d: subtly wrong third-party stores, each a correct MemoryStore with one fault. The
// conformance suite (describeStateStore) must fail every one of them. A fault applies only to
// well-formed calls: ill-formed ones reach the MemoryStore as they are (so a mutant is never
// caught merely by the suite's input-validation cases).
import { AgentrtError, defineTool, KILL_ALL_SCOPE, MemoryStore, type Lease, type RunRecord, type StateStore, type Tool, type ToolLedgerEntry } from '@agentrt/core';
import { z } from 'zod';

interface Slot { run: RunRecord; events: unknown[]; ledger?: Map<string, ToolLedgerEntry> }
/** The MemoryStore's own records (a mutant reaches into them as a buggy store's SQL would). */
const slots = (store: StateStore) => (store as unknown as { runs: Map<string, Slot> }).runs;

function mutant(overrides: (inner: StateStore) => Partial<StateStore>): () => StateStore {
  return () => {
    const inner = new MemoryStore();
    const own = overrides(inner);
    return new Proxy(inner, {
      get(target, key, receiver) {
        if (typeof key === 'string' && Object.hasOwn(own, key)) return (own as Record<string, unknown>)[key];
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) as StateStore;
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isLease = (value: unknown): value is Lease => isObject(value) && typeof value.owner === 'string' && value.owner !== '' && Number.isInteger(value.epoch) && typeof value.runId === 'string';

/**
 * A store that hands out the object it handed out before (its "internal" one) as long as what it
 * holds has not changed since: a caller's mutation of it then shows in every later read.
 */
function shared<A extends unknown[], R>(read: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const handed = new Map<string, { json: string; value: R }>();
  return async (...args: A) => {
    const fresh = await read(...args);
    const key = JSON.stringify(args);
    const json = JSON.stringify(fresh);
    const before = handed.get(key);
    if (before && before.json === json) return before.value;
    handed.set(key, { json, value: fresh });
    return fresh;
  };
}

/** Hides, from reads of the event log, the events a write method was given. */
function hideEventsOf(method: 'finishRun' | 'updateRun') {
  return mutant((s) => {
    const hidden = new Set<string>();
    return {
      [method]: async (input: { runId: string; events?: readonly { seq: number }[] }) => {
        const out = await (s[method] as (i: unknown) => Promise<unknown>)(input);
        for (const event of input.events ?? []) hidden.add(`${input.runId}\u0000${event.seq}`);
        return out;
      },
      listEvents: async (runId: string, options?: { afterSeq?: number; limit?: number }) => (await s.listEvents(runId, options)).filter((e) => !hidden.has(`${runId}\u0000${e.seq}`)),
    } as Partial<StateStore>;
  });
}

export const MUTANTS: Record<string, () => StateStore> = {
  // Events
  'finishRun loses its events': hideEventsOf('finishRun'),
  'updateRun loses its events': hideEventsOf('updateRun'),
  'commitStep drops its last event': mutant((s) => ({ commitStep: (input) => s.commitStep(isObject(input) && Array.isArray(input.events) && input.events.length > 1 ? { ...input, events: input.events.slice(0, -1) } : input) })),
  'listEvents newest first': mutant((s) => ({ listEvents: async (runId, options) => (await s.listEvents(runId, options)).reverse() })),
  'appendEvents leaves lastEventSeq behind': mutant((s) => ({
    appendEvents: async (runId, events, options) => {
      const before = slots(s).get(runId)?.run.lastEventSeq;
      await s.appendEvents(runId, events, options);
      const slot = slots(s).get(runId);
      if (slot && before !== undefined) slot.run = { ...slot.run, lastEventSeq: before };
    },
  })),
  // Runs
  'listRuns ignores the status filter': mutant((s) => ({
    listRuns: async (query) => {
      await s.listRuns(query); // validates
      return s.listRuns(isObject(query) && query.limit !== undefined ? { limit: query.limit as number } : undefined);
    },
  })),
  'getRun loses a paused run\'s result': mutant((s) => ({
    getRun: async (runId) => {
      const run = await s.getRun(runId);
      if (run?.status !== 'paused') return run;
      const { result: _result, ...rest } = run;
      return rest as RunRecord;
    },
  })),
  'usage keeps only input tokens': mutant((s) => ({
    getRun: async (runId) => {
      const run = await s.getRun(runId);
      return run && { ...run, usage: { ...run.usage, outputTokens: 0, costUsd: 0 } };
    },
  })),
  'updateRun reopens a completed run': mutant((s) => ({
    updateRun: async (input) => {
      const slot = isObject(input) && typeof input.runId === 'string' ? slots(s).get(input.runId) : undefined;
      if (slot && input.status === 'running' && (slot.run.status === 'completed' || slot.run.status === 'stopped')) {
        slot.run = { ...slot.run, status: 'running' };
        return;
      }
      return s.updateRun(input);
    },
  })),
  'finishRun refuses a paused run': mutant((s) => ({
    finishRun: async (input) => {
      const slot = isObject(input) && typeof input.runId === 'string' ? slots(s).get(input.runId) : undefined;
      if (slot?.run.status === 'paused') throw Object.assign(new Error('run is paused'), { code: 'run_conflict' });
      return s.finishRun(input);
    },
  })),
  // Leases
  'acquireLease always grants': mutant((s) => {
    let epoch = 1000;
    return { acquireLease: async (input) => (await s.acquireLease(input)) ?? { runId: input.runId, owner: input.owner, epoch: ++epoch, expiresAt: Date.now() + input.ttlMs } };
  }),
  'releaseLease by a stale owner frees the live lease': mutant((s) => ({
    releaseLease: async (lease: Lease) => {
      if (!isLease(lease)) return s.releaseLease(lease);
      const slot = slots(s).get(lease.runId) as unknown as { lease?: unknown } | undefined;
      if (slot) slot.lease = undefined;
    },
  })),
  'renewLease renews a lost lease': mutant((s) => ({ renewLease: async (lease, ttlMs) => (await s.renewLease(lease, ttlMs)) ?? { ...lease, expiresAt: Date.now() + ttlMs } })),
  'finishRun ignores the lease': mutant((s) => ({ finishRun: (input) => s.finishRun(isObject(input) && isLease(input.lease) ? { ...input, lease: undefined } : input) })),
  'saveDecision ignores the lease': mutant((s) => ({ saveDecision: (input) => s.saveDecision(isObject(input) && isLease(input.lease) ? { ...input, lease: undefined } : input) })),
  // Kill flags
  'getKillFlag prefers the incident stop over the run\'s own flag': mutant((s) => ({
    getKillFlag: async (runId) => {
      const own = await s.getKillFlag(runId);
      const all = await s.getKillFlag(`${KILL_ALL_SCOPE}-no-such-run`).catch(() => undefined);
      return all?.scope === KILL_ALL_SCOPE ? all : own;
    },
  })),
  // Ledger
  'recordToolIntent after a result resets the entry to started': mutant((s) => ({
    recordToolIntent: async (entry, options) => {
      const ledger = isObject(entry) && typeof entry.runId === 'string' ? slots(s).get(entry.runId)?.ledger : undefined;
      const existing = ledger?.get(entry.toolCallId);
      if (existing?.status === 'completed') {
        ledger!.set(entry.toolCallId, { ...JSON.parse(JSON.stringify(entry)), status: 'started' } as ToolLedgerEntry);
        return;
      }
      return s.recordToolIntent(entry, options);
    },
  })),
  // Shared mutable objects
  'getRun hands out shared objects': mutant((s) => ({ getRun: shared(s.getRun.bind(s)) })),
  'loadSteps hands out shared objects': mutant((s) => ({ loadSteps: shared(s.loadSteps.bind(s)) })),
  'listEvents hands out shared objects': mutant((s) => ({ listEvents: shared(s.listEvents.bind(s)) })),
  'getToolLedger hands out shared objects': mutant((s) => ({ getToolLedger: shared(s.getToolLedger.bind(s)) })),
  'listRuns hands out shared objects': mutant((s) => ({ listRuns: shared(s.listRuns.bind(s)) })),
  'getKillFlag hands out shared objects': mutant((s) => ({ getKillFlag: shared(s.getKillFlag.bind(s)) })),
  'createRun keeps the caller\'s input': mutant((s) => {
    const inputs = new Map<string, unknown>();
    return {
      createRun: async (run) => {
        const created = await s.createRun(run);
        if (created.created) inputs.set(run.runId, run.input);
        return created;
      },
      getRun: async (runId) => {
        const run = await s.getRun(runId);
        return run && inputs.has(runId) ? { ...run, input: JSON.parse(JSON.stringify(inputs.get(runId))) } : run;
      },
    };
  }),
  'commitStep keeps the caller\'s step': mutant((s) => {
    const steps = new Map<string, unknown[]>();
    return {
      commitStep: async (input) => {
        await s.commitStep(input);
        const list = steps.get(input.runId) ?? [];
        list.push(input.step);
        steps.set(input.runId, list);
      },
      loadSteps: async (runId, options) => {
        const loaded = await s.loadSteps(runId, options);
        const kept = steps.get(runId);
        return kept ? loaded.map((step) => JSON.parse(JSON.stringify(kept[step.stepIndex] ?? step))) : loaded;
      },
    };
  }),
};

/** Tool packs with one fault each (the example pack's tool, rebuilt): `describeToolPack` must fail them. */
export const TOOL_MUTANTS: Record<string, () => Tool[]> = {
  'error quotes the environment': () => [unitsTool((from, to) => new AgentrtError('unit_unsupported', `cannot convert ${from} to ${to} (env: ${JSON.stringify(process.env)})`))],
};

function unitsTool(failure: (from: string, to: string) => Error = (from, to) => new AgentrtError('unit_unsupported', `cannot convert ${from} to ${to}`)): Tool {
  const factors: Record<string, number> = { m: 1, km: 1000, mi: 1609.344 };
  return defineTool({
    name: 'convert_units',
    description: 'Converts a value between units of length (m, km, mi).',
    input: z.object({ value: z.number().finite(), from: z.string().min(1).max(8), to: z.string().min(1).max(8) }),
    timeoutMs: 1_000,
    execute: ({ value, from, to }) => {
      if (factors[from] === undefined || factors[to] === undefined) throw failure(from, to);
      return { value: (value * factors[from]) / factors[to], unit: to };
    },
  });
}

/** The samples `describeToolPack` takes for `unitsTool`. */
export const UNITS_SAMPLES = { convert_units: { valid: { value: 1, from: 'mi', to: 'km' }, invalid: [{}, { value: 'one', from: 'm', to: 'km' }], failing: { value: 1, from: 'm', to: 'kg' } } };
export const correctUnitsTools = (): Tool[] => [unitsTool()];
