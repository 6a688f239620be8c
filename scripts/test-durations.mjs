#!/usr/bin/env node
// Rewrites scripts/test-durations.json (seconds per test file, longest first) from the JSON report
// of the last `pnpm test` (.tmp/vitest-results.json). The sequencer starts the longest files first.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = JSON.parse(readFileSync(process.argv[2] ?? join(root, '.tmp', 'vitest-results.json'), 'utf8'));
const rows = report.testResults.map((file) => [relative(root, file.name).split('\\').join('/'), Math.round((file.endTime - file.startTime) / 100) / 10]);
rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
writeFileSync(join(root, 'scripts', 'test-durations.json'), `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
console.log(`scripts/test-durations.json: ${rows.length} files`);
