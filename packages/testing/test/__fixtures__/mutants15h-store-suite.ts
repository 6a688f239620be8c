// Runs describeCrashRecovery / describeCrossProcess over the SQLite mutants MUTANTS15H_STORES names
// (a JSON list of `crash:<mutant>` / `xp:<mutant>`; the mutant "correct" is the plain store).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateStore } from '@agentrt/core';
import { describeCrashRecovery, describeCrossProcess } from '@agentrt/testing';

const storeModule = new URL('./mutants15h-stores.mjs', import.meta.url).href;
const { createStore } = (await import(storeModule)) as { createStore(options: unknown): StateStore };
const entries = JSON.parse(process.env.MUTANTS15H_STORES ?? '[]') as string[];
for (const [i, entry] of entries.entries()) {
  const [suite, mutant] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
  const path = join(mkdtempSync(join(tmpdir(), 'agentrt-m15h-')), 'runs.db');
  const storeOptions = { path, ...(mutant === 'correct' ? {} : { mutant }) };
  const common = { name: entry, storeModule, storeOptions, createStore: () => createStore(storeOptions), runIdPrefix: `m15h-${i}` };
  if (suite === 'crash') describeCrashRecovery(common);
  else describeCrossProcess({ ...common, onKillLatency: () => {} });
}
