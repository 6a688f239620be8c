#!/usr/bin/env node
// Rewrites scripts/test-durations.json (seconds per test file, longest first) from the JSON report
// of the last `pnpm test` (.tmp/vitest-results.json, or the report named as the argument). The sequencer starts the longest files first.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(process.argv[2] ?? join(root, '.tmp', 'vitest-results.json'));
const report = JSON.parse(readFileSync(source, 'utf8'));
// Paths relative to the checkout that wrote the report (<checkout>/.tmp/vitest-results.json), which may be another clone.
const base = dirname(dirname(source));
const rows = report.testResults.map((file) => [relative(base, file.name).split('\\').join('/'), Math.round((file.endTime - file.startTime) / 100) / 10]);
rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
writeFileSync(join(root, 'scripts', 'test-durations.json'), `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
console.log(`scripts/test-durations.json: ${rows.length} files`);
