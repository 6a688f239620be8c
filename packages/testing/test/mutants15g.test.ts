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
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from './__fixtures__/mutants15g-adapters.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
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

interface Report { testResults: { message?: string; assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[] }

describe('mutants 15g: describeModelAdapter against wrong adapters', { timeout: 900_000 }, () => {
  it('passes the correct adapter and fails every mutant (each with one fault) in at least one case', async () => {
    const names = ['correct', ...(process.env.MUTANTS15G_ALL ? Object.keys(MUTANTS) : GAPS)];
    const out = join(mkdtempSync(join(tmpdir(), 'agentrt-m15g-')), 'report.json');
    // The child is a vitest of its own: none of this run's VITEST_* variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'));
    const child = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--reporter=json', `--outputFile=${out}`], {
      cwd: root, env: { ...env, MUTANTS15G: JSON.stringify(names) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.testResults.map((file) => file.message ?? '').join(''), log.slice(-2000)).toBe('');
    const tally = new Map(names.map((name) => [`mutant: ${name}`, { passed: 0, failed: [] as string[] }]));
    for (const file of report.testResults) {
      for (const test of file.assertionResults) {
        const entry = tally.get(test.ancestorTitles[0]!)!;
        if (test.status === 'passed') entry.passed++;
        else if (test.status === 'failed') entry.failed.push(test.title);
      }
    }
    expect(tally.get('mutant: correct')!.failed, 'the correct adapter fails no case').toEqual([]);
    const uncaught = [...tally].filter(([name, entry]) => name !== 'mutant: correct' && entry.failed.length === 0).map(([name]) => name);
    expect(uncaught, 'mutants the suite lets through').toEqual([]);
    // The whole suite ran for the correct adapter (the contract cases included).
    expect(tally.get('mutant: correct')!.passed).toBeGreaterThan(45);
  });
});
