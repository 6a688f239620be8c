/**
 * Mutants 15g: does `describeModelAdapter` fail a subtly wrong third-party model adapter? Each
 * mutant in `__fixtures__/mutants15g-adapters.ts` is OpenAIModel behind the layer an adapter
 * author writes (retry loop, error mapping, response and stream mapping) with one fault: an ignored
 * abort signal, a 429 mapped as final, an ignored Retry-After, zero usage, a dropped delta, empty or
 * duplicate tool call ids, the key in an error message, printed server text, a mutated request… One
 * child vitest runs the suite over the correct layer and every mutant: the correct one must pass
 * every case, each mutant must fail at least one. Before mutants 15g, 12 of the 29 passed the whole
 * suite (see the changeset).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childVitest } from './__fixtures__/child-vitest.js';
import { MUTANTS } from './__fixtures__/mutants15g-adapters.js';

const config = fileURLToPath(new URL('./__fixtures__/mutants15g.vitest.config.ts', import.meta.url));

/**
 * The 12 mutants the suite let through before mutants 15g, which the CI run keeps (about 25 s of a
 * child run). The 17 others failed older cases already; MUTANTS15G_ALL=1 runs them too (about 100 s).
 */
const GAPS = [
  'ignores the abort signal when streaming',
  'reports no usage when streaming',
  'returns finishReason stop with tool calls when streaming',
  'maps finishReason length to stop',
  'emits tool calls with empty ids',
  'emits tool calls with duplicate ids',
  'numbers tool call ids per response',
  'drops the tools from the request',
  'mutates the request messages',
  'returns the same response object for the same transcript',
  'leaks the API key in an error message',
  'prints the provider error text',
];

describe('mutants 15g: describeModelAdapter against wrong adapters', { timeout: 900_000 }, () => {
  it('passes the correct adapter and fails every mutant (each with one fault) in at least one case', async () => {
    const names = ['correct', ...(process.env.MUTANTS15G_ALL ? Object.keys(MUTANTS) : GAPS)];
    const found = await childVitest(config, { MUTANTS15G: JSON.stringify(names) });
    const tally = new Map(names.map((name) => [`mutant: ${name}`, found.get(`mutant: ${name}`) ?? { passed: 0, failed: [] as string[] }]));
    expect(tally.get('mutant: correct')!.failed, 'the correct adapter fails no case').toEqual([]);
    const uncaught = [...tally].filter(([name, entry]) => name !== 'mutant: correct' && entry.failed.length === 0).map(([name]) => name);
    expect(uncaught, 'mutants the suite lets through').toEqual([]);
    // The whole suite ran for the correct adapter (the contract cases included).
    expect(tally.get('mutant: correct')!.passed).toBeGreaterThan(45);
  });
});
