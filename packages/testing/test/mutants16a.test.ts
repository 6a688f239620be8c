/**
 * Mutants 16a: do `describeRunLimits` and `describeConcurrentRuns` fail a subtly wrong third-party
 * store? Each mutant in `__fixtures__/mutants16a-stores.ts` is a correct MemoryStore with one fault a
 * store author could make: a counter not kept, cost rounded to cents, a stale cached read, a
 * read-modify-write across an await (run index, tool ledger, idempotency key, lease), a kill flag
 * reaching another run, run ids cut or matched as prefixes… One child vitest runs both suites over
 * the plain MemoryStore and the mutants: the plain store must pass every case, each mutant must fail
 * at least one. Before mutants 16a, 11 of the 20 passed both suites; CI runs those 11 and 3 others,
 * MUTANTS16A_ALL=1 runs all 20.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childVitest } from './__fixtures__/child-vitest.js';
import { MUTANTS } from './__fixtures__/mutants16a-stores.js';

const config = fileURLToPath(new URL('./__fixtures__/mutants16a.vitest.config.ts', import.meta.url));

/** The mutants both suites let through before mutants 16a. */
const GAPS = [
  'cost kept in whole cents (a numeric(12,2) column)',
  'updateRun rewrites the record without toolCallsRefused',
  'getRun cached, the cache not cleared by commitStep',
  'the run index read-modified-written across an await (listRuns loses runs)',
  'the last kill flag read is cached for 200 ms, not keyed by run',
  'getKillFlag matches the scope as a prefix of the run id (LIKE scope%)',
  'step records keyed by step index alone (the last run to commit it wins)',
  'run ids cut to 36 characters (a uuid column)',
  'the idempotency key checked, then the run inserted, across an await',
  'the tool ledger read-modified-written across an await (parallel results lost)',
  'a lease granted by check-then-set across an await (two owners)',
];
/** Three the suites failed already, one per kind (counters, the terminal record, the event log across runs). */
const CAUGHT_BEFORE = ['commitStep leaves toolCallsRefused behind', 'finishRun drops the stop detail', 'listEvents matches the run id as a prefix (KEYS events:id*)'];

describe('mutants 16a: describeRunLimits and describeConcurrentRuns against wrong stores', { timeout: 300_000 }, () => {
  const mutants = process.env.MUTANTS16A_ALL ? Object.keys(MUTANTS) : [...GAPS, ...CAUGHT_BEFORE];
  it(`pass the correct store and fail every mutant (each with one fault) in at least one case: ${mutants.length} mutants`, async () => {
    for (const name of mutants) expect(MUTANTS, name).toHaveProperty([name]);
    const names = ['correct', ...mutants];
    const found = await childVitest(config, { MUTANTS16A: JSON.stringify(names) }, 'MUTANTS16A');
    const tally = new Map(names.map((name) => [`mutant: ${name}`, found.get(`mutant: ${name}`) ?? { passed: 0, failed: [] as string[] }]));
    expect(tally.get('mutant: correct')!.failed, 'the correct store fails no case').toEqual([]);
    // Both suites ran whole for the correct store (11 run-limits cases, 5 concurrent-runs cases).
    expect(tally.get('mutant: correct')!.passed).toBeGreaterThanOrEqual(16);
    const uncaught = [...tally].filter(([name, entry]) => name !== 'mutant: correct' && entry.failed.length === 0).map(([name]) => name);
    expect(uncaught, 'mutants the suites let through').toEqual([]);
  });
});
