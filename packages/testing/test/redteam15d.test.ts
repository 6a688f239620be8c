/**
 * Red team 15d: does `describeStateStore` fail a subtly wrong third-party store? Each mutant in
 * `__fixtures__/redteam15d-mutants.ts` is a correct MemoryStore with one fault (a lost event, a
 * reordered log, an ignored lease, a shared mutable object, …). One child vitest runs the suite over
 * the plain MemoryStore and every mutant: the plain store must pass every case, each mutant must
 * fail at least one. Before red team 15d, 16 of the 26 mutants passed the whole suite.
 * `describeToolPack` likewise, over the example pack's tool and packs with one fault (an error
 * message quoting the environment passed: only the valid sample's output was checked for secrets).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MUTANTS, TOOL_MUTANTS } from './__fixtures__/redteam15d-mutants.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const config = fileURLToPath(new URL('./__fixtures__/redteam15d.vitest.config.ts', import.meta.url));

interface Report { testResults: { message?: string; assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[] }

describe('red team 15d: describeStateStore and describeToolPack against wrong stores and packs', { timeout: 300_000 }, () => {
  it('pass a correct store and pack and fail every mutant (each with one fault) in at least one case', async () => {
    const names = ['correct', ...Object.keys(MUTANTS)];
    const packs = ['correct', ...Object.keys(TOOL_MUTANTS)];
    const out = join(mkdtempSync(join(tmpdir(), 'agentrt-rt15d-')), 'report.json');
    // The child is a vitest of its own: none of this run's VITEST_* variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'));
    const child = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--reporter=json', `--outputFile=${out}`], {
      cwd: root, env: { ...env, REDTEAM15D_MUTANTS: JSON.stringify(names), REDTEAM15D_TOOL_MUTANTS: JSON.stringify(packs) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.testResults.map((file) => file.message ?? '').join(''), log.slice(-2000)).toBe('');
    const tally = new Map([...names.map((name) => `store ${name}`), ...packs.map((name) => `pack ${name}`)].map((name) => [name, { passed: 0, failed: [] as string[] }]));
    for (const file of report.testResults) {
      for (const test of file.assertionResults) {
        const entry = tally.get(test.ancestorTitles[0]!.replace('StateStore conformance: ', 'store ').replace('tool pack conformance: ', 'pack '))!;
        if (test.status === 'passed') entry.passed++;
        else entry.failed.push(test.title);
      }
    }
    expect(tally.get('store correct')!.failed, 'the plain MemoryStore fails no case').toEqual([]);
    expect(tally.get('store correct')!.passed).toBeGreaterThan(30);
    expect(tally.get('pack correct')!.failed, 'the sound pack fails no case').toEqual([]);
    expect(tally.get('pack correct')!.passed).toBeGreaterThan(5);
    const uncaught = [...tally].filter(([name, entry]) => !name.endsWith(' correct') && entry.failed.length === 0).map(([name]) => name);
    expect(uncaught, 'mutants the suite lets through').toEqual([]);
  });
});
