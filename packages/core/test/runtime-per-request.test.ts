import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Built code in its own process with --expose-gc: the heap and the store's listeners are these runtimes' alone.
const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'runtime-per-request.mjs');

describe('a runtime made per request on one long-lived store, never closed', () => {
  it('is collected with its kill subscription: 3,000 such runtimes leave no listeners and no heap behind; a live one still gets kills pushed', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', fixture, '3000'], { encoding: 'utf8', timeout: 120_000 });
    const { listeners, growthMb, killed } = JSON.parse(out.trim().split('\n').at(-1)!) as { listeners: number; growthMb: number; killed: string };
    // Each dropped runtime's store listener kept the whole runtime alive: 3,101 listeners and ~27 MB before.
    expect(listeners).toBeLessThanOrEqual(5);
    expect(growthMb).toBeLessThan(8);
    expect(killed).toBe('killed');
  });
});
