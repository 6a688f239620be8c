// Mutants 15h: SqliteStore with one fault each, loaded by the crash harness's child processes (plain
// node, built code) and by the mutant suite. `options.mutant` names the fault; none: the plain store.
// (A relative import: @agentrt/testing does not depend on the SQLite store.)
import { SqliteStore } from '../../../store-sqlite/dist/index.js';

/** Kill flags this process set: the mutant "kill flag not visible to another process" keeps them here. */
const localKills = new Map();

const FAULTS = {
  // The step row and its events in two writes: a crash between them leaves the step without its events.
  'commitStep not atomic': (s) => ({
    commitStep: async (input) => {
      await s.commitStep({ ...input, events: [] });
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (input.events.length > 0) await s.appendEvents(input.runId, input.events, { lease: input.lease });
    },
  }),
  'ledger forgets the intent': () => ({ recordToolIntent: async () => {} }),
  'lease never expires': (s) => ({
    acquireLease: (input) => s.acquireLease({ ...input, ttlMs: 3_600_000 }),
    renewLease: (lease) => s.renewLease(lease, 3_600_000),
  }),
  'kill flag kept in the process': (s) => ({
    setKillFlag: async (flag) => void localKills.set(flag.scope, flag),
    clearKillFlag: async (scope) => (scope === undefined ? localKills.clear() : localKills.delete(scope), s.clearKillFlag(scope)),
    getKillFlag: async (runId) => localKills.get(runId) ?? localKills.get('*') ?? s.getKillFlag(runId),
  }),
  // Writes the terminal record again over a finished run (the first finish is not final).
  'finishRun writable twice': (s) => ({
    finishRun: async (input) => {
      const run = await s.getRun(input.runId);
      if (run && run.result && run.status !== 'paused') {
        s.db.prepare('UPDATE agentrt_runs SET result = ?, status = ? WHERE run_id = ?').run(JSON.stringify(input.result), input.result.status, input.runId);
        return input.result;
      }
      return s.finishRun(input);
    },
  }),
};

export const STORE_MUTANTS_15H = Object.keys(FAULTS);

export const createStore = (options) => {
  const { mutant, ...rest } = options;
  const inner = new SqliteStore(rest);
  if (!mutant) return inner;
  const own = FAULTS[mutant](inner);
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.hasOwn(own, key)) return own[key];
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};
