// Mutants 15h, SQLite stores: runs describeCrashRecovery / describeCrossProcess over the named
// mutants (`crash:<mutant>` / `xp:<mutant>`) in a child vitest and returns those no case failed.
import { fileURLToPath } from 'node:url';
import { childVitest } from './child-vitest.js';

export async function storeMutantsLetThrough(entries: string[]): Promise<string[]> {
  const tally = await childVitest(fileURLToPath(new URL('./mutants15h-stores.vitest.config.ts', import.meta.url)), { MUTANTS15H_STORES: JSON.stringify(entries) });
  return entries.filter((entry) => {
    const suite = [...tally].find(([title]) => title.includes(entry));
    return !suite || suite[1].failed.length === 0;
  });
}
