// Runs a mutant suite in a child vitest (its config from `childConfig`) and tallies passed and
// failed cases per top-level describe (skipped ones count as neither). The child is a vitest of
// its own: it gets none of this run's VITEST_* variables, nor those whose names start with `drop`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

interface Report { testResults: { message?: string; assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[] }

export async function childVitest(config: string, env: Record<string, string>, drop?: string): Promise<Map<string, { passed: number; failed: string[] }>> {
  const out = join(mkdtempSync(join(tmpdir(), 'agentrt-mutants-')), 'report.json');
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST' && !(drop && key.startsWith(drop))));
  const child = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--reporter=json', `--outputFile=${out}`], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  expect(report.testResults.map((file) => file.message ?? '').join(''), log.slice(-2000)).toBe('');
  const tally = new Map<string, { passed: number; failed: string[] }>();
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      const name = test.ancestorTitles[0]!;
      const entry = tally.get(name) ?? { passed: 0, failed: [] };
      if (test.status === 'passed') entry.passed++;
      else if (test.status === 'failed') entry.failed.push(test.title);
      tally.set(name, entry);
    }
  }
  return tally;
}
