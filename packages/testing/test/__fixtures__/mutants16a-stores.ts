// Mutants 16a: subtly wrong third-party stores, each a correct MemoryStore with one fault a store
// author could make, aimed at what describeRunLimits (run counters, usage, finalize, resume) and
// describeConcurrentRuns (many runs at once on one store, parallel calls, kills, leases) promise.
import { KILL_ALL_SCOPE, MemoryStore, type KillFlag, type Lease, type RunRecord, type StateStore, type StepRecord, type ToolLedgerEntry } from '@agentrt/core';

interface Slot { run: RunRecord; steps: StepRecord[]; ledger?: Map<string, ToolLedgerEntry>; lease?: { owner: string; epoch: number; expiresAt: number }; epoch: number }
/** The MemoryStore's own records (a mutant reaches into them as a buggy store's SQL would). */
const slots = (store: StateStore) => (store as unknown as { runs: Map<string, Slot> }).runs;
const kills = (store: StateStore) => (store as unknown as { kills: Map<string, KillFlag> }).kills;
/** Replaces fields of a run's record, as a buggy write would leave them. */
const patch = (store: StateStore, runId: string, fields: Partial<Record<keyof RunRecord, unknown>>) => {
  const slot = slots(store).get(runId);
  if (slot) slot.run = { ...slot.run, ...fields } as RunRecord;
};
/** The await between a read and the write that depends on it (a round trip to a server). */
const roundTrip = () => new Promise((resolve) => setTimeout(resolve, 2));

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

const cents = (usd: number) => Math.round(usd * 100) / 100;

/** Faults describeRunLimits is meant to catch (one run per store, counters as stored and read back). */
export const LIMIT_MUTANTS: Record<string, () => StateStore> = {
  'commitStep leaves toolCallsRefused behind': mutant((s) => ({
    commitStep: async (input) => {
      const before = slots(s).get(input.runId)?.run.toolCallsRefused;
      await s.commitStep(input);
      patch(s, input.runId, { toolCallsRefused: before });
    },
  })),
  'commitStep counts refused calls as executed': mutant((s) => ({
    commitStep: async (input) => {
      await s.commitStep(input);
      const run = slots(s).get(input.runId)!.run;
      patch(s, input.runId, { toolCalls: run.toolCalls + (input.step.toolCallsRefused ?? 0) });
    },
  })),
  'saveDecision adds the decision usage to the run (counted twice)': mutant((s) => ({
    saveDecision: async (input) => {
      await s.saveDecision(input);
      const usage = slots(s).get(input.runId)!.run.usage;
      patch(s, input.runId, { usage: { inputTokens: usage.inputTokens + input.decision.usage.inputTokens, outputTokens: usage.outputTokens + input.decision.usage.outputTokens, costUsd: usage.costUsd + input.decision.usage.costUsd } });
    },
  })),
  'commitStep adds no usage for the finalize record (not a step)': mutant((s) => ({
    commitStep: (input) => s.commitStep(input.step.finalize ? { ...input, usageDelta: { inputTokens: 0, outputTokens: 0, costUsd: 0 } } : input),
  })),
  'cost kept in whole cents (a numeric(12,2) column)': mutant((s) => ({
    commitStep: (input) => s.commitStep({ ...input, step: { ...input.step, usage: { ...input.step.usage, costUsd: cents(input.step.usage.costUsd) } }, usageDelta: { ...input.usageDelta, costUsd: cents(input.usageDelta.costUsd) } }),
  })),
  'updateRun rewrites the record without toolCallsRefused': mutant((s) => ({
    updateRun: async (input) => {
      await s.updateRun(input);
      const slot = slots(s).get(input.runId);
      if (slot) {
        const { toolCallsRefused: _dropped, ...rest } = slot.run;
        slot.run = rest as RunRecord;
      }
    },
  })),
  'finishRun drops the stop detail': mutant((s) => ({
    finishRun: (input) => {
      const { stopDetail: _dropped, ...result } = input.result;
      return s.finishRun({ ...input, result });
    },
  })),
  'the finalize marker of a step is not stored': mutant((s) => ({
    commitStep: (input) => {
      const { finalize: _dropped, ...step } = input.step;
      return s.commitStep({ ...input, step });
    },
  })),
  'a structured output stored as its JSON text': mutant((s) => ({
    finishRun: (input) => s.finishRun(input.result.output !== undefined && typeof input.result.output !== 'string' ? { ...input, result: { ...input.result, output: JSON.stringify(input.result.output) } } : input),
  })),
  'getRun cached, the cache not cleared by commitStep': mutant((s) => {
    const cache = new Map<string, RunRecord>();
    const drop = <A extends { runId: string }, R>(write: (input: A) => Promise<R>) => async (input: A) => {
      cache.delete(input.runId);
      return write(input);
    };
    return {
      getRun: async (runId) => {
        const hit = cache.get(runId);
        if (hit) return structuredClone(hit);
        const run = await s.getRun(runId);
        if (run) cache.set(runId, structuredClone(run));
        return run;
      },
      updateRun: drop((input) => s.updateRun(input)),
      finishRun: drop((input) => s.finishRun(input)),
    };
  }),
};

/** Faults describeConcurrentRuns is meant to catch (many runs at once on one store). */
export const CONCURRENT_MUTANTS: Record<string, () => StateStore> = {
  'the run index read-modified-written across an await (listRuns loses runs)': mutant((s) => {
    let index: string[] = [];
    return {
      createRun: async (input) => {
        const out = await s.createRun(input);
        if (out.created) {
          const read = [...index];
          await roundTrip();
          index = [...read, out.run.runId];
        }
        return out;
      },
      listRuns: async (query) => (await s.listRuns(query)).filter((run) => index.includes(run.runId)),
    };
  }),
  'the last kill flag read is cached for 200 ms, not keyed by run': mutant((s) => {
    let cached: { flag: KillFlag; at: number } | undefined;
    return {
      getKillFlag: async (runId) => {
        if (cached && Date.now() - cached.at < 200) return { ...cached.flag };
        const flag = await s.getKillFlag(runId);
        if (flag) cached = { flag, at: Date.now() };
        return flag;
      },
    };
  }),
  'getKillFlag matches the scope as a prefix of the run id (LIKE scope%)': mutant((s) => ({
    getKillFlag: async (runId) => {
      const own = await s.getKillFlag(runId);
      if (own) return own;
      for (const [scope, flag] of kills(s)) if (scope !== KILL_ALL_SCOPE && runId.startsWith(scope)) return { ...flag };
      return undefined;
    },
  })),
  'one commit buffer shared by every run': mutant((s) => {
    let staged: Parameters<StateStore['commitStep']>[0] | undefined;
    return {
      commitStep: async (input) => {
        staged = input;
        await roundTrip();
        await s.commitStep(staged);
      },
    };
  }),
  'step records keyed by step index alone (the last run to commit it wins)': mutant((s) => {
    const byIndex = new Map<number, StepRecord>();
    return {
      commitStep: async (input) => {
        await s.commitStep(input);
        byIndex.set(input.step.stepIndex, structuredClone(input.step));
      },
      loadSteps: async (runId, options) => (await s.loadSteps(runId, options)).map((step) => structuredClone(byIndex.get(step.stepIndex) ?? step)),
    };
  }),
  'listEvents matches the run id as a prefix (KEYS events:id*)': mutant((s) => ({
    listEvents: async (runId, options) => {
      const own = await s.listEvents(runId, options);
      const others = [];
      for (const id of slots(s).keys()) if (id !== runId && id.startsWith(runId)) others.push(...(await s.listEvents(id, options)));
      return [...own, ...others].sort((a, b) => a.seq - b.seq);
    },
  })),
  'run ids cut to 36 characters (a uuid column)': mutant((s) => {
    const byKey = new Map<string, string>();
    return {
      createRun: async (input) => {
        const key = input.runId.slice(0, 36);
        const existing = byKey.get(key);
        if (existing !== undefined) {
          const run = await s.getRun(existing);
          if (run) return { run, created: false };
        }
        byKey.set(key, input.runId);
        return s.createRun(input);
      },
    };
  }),
  'the idempotency key checked, then the run inserted, across an await': mutant((s) => {
    const keys = new Map<string, string>();
    return {
      createRun: async (input) => {
        if (input.idempotencyKey === undefined) return s.createRun(input);
        const existing = keys.get(input.idempotencyKey);
        if (existing !== undefined) return { run: (await s.getRun(existing))!, created: false };
        await roundTrip();
        keys.set(input.idempotencyKey, input.runId);
        const { idempotencyKey, ...rest } = input;
        const out = await s.createRun(rest);
        patch(s, input.runId, { idempotencyKey });
        return { run: { ...out.run, idempotencyKey }, created: true };
      },
    };
  }),
  'the tool ledger read-modified-written across an await (parallel results lost)': mutant((s) => {
    const rmw = async (runId: string, toolCallId: string, write: () => Promise<void>) => {
      const before = new Map(slots(s).get(runId)?.ledger ?? []);
      await roundTrip();
      await write();
      const slot = slots(s).get(runId);
      const mine = slot?.ledger?.get(toolCallId);
      if (slot && mine) {
        before.set(toolCallId, mine);
        slot.ledger = before;
      }
    };
    return {
      recordToolIntent: (entry, options) => rmw(entry.runId, entry.toolCallId, () => s.recordToolIntent(entry, options)),
      recordToolResult: (input, options) => rmw(input.runId, input.toolCallId, () => s.recordToolResult(input, options)),
    };
  }),
  'a lease granted by check-then-set across an await (two owners)': mutant((s) => ({
    acquireLease: async (input) => {
      const slot = slots(s).get(input.runId);
      if (!slot) return s.acquireLease(input);
      const now = Date.now();
      if (slot.lease && slot.lease.expiresAt > now && slot.lease.owner !== input.owner) return undefined;
      await roundTrip();
      const epoch = ++slot.epoch;
      slot.lease = { owner: input.owner, epoch, expiresAt: now + input.ttlMs };
      return { runId: input.runId, owner: input.owner, epoch, expiresAt: now + input.ttlMs } satisfies Lease;
    },
  })),
};

export const MUTANTS: Record<string, () => StateStore> = { ...LIMIT_MUTANTS, ...CONCURRENT_MUTANTS };
