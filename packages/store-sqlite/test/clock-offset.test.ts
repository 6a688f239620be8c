// F-50 on SQLite: a process whose wall clock (Date) runs 10 minutes ahead must not take the lease
// of a run another process is driving; lease time comes from SQLite's clock, not the caller's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describe, expect, it } from 'vitest';

const STORE = new URL('../dist/index.js', import.meta.url).href;

/** Asks a process whose `Date` is shifted by `offsetMs` to take the run's lease; prints what it got. */
function acquireShifted(path: string, runId: string, offsetMs: number): { lease: unknown; now: number } {
  const script = `
    const RealDate = Date;
    const shift = ${offsetMs};
    globalThis.Date = class extends RealDate {
      constructor(...args) { if (args.length === 0) super(RealDate.now() + shift); else super(...args); }
      static now() { return RealDate.now() + shift; }
    };
    const { SqliteStore } = await import(${JSON.stringify(STORE)});
    const store = new SqliteStore({ path: ${JSON.stringify(path)} });
    const lease = await store.acquireLease({ runId: ${JSON.stringify(runId)}, owner: 'skewed', ttlMs: 30000 });
    await store.close();
    process.stdout.write(JSON.stringify({ lease: lease ?? null, now: Date.now() }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as { lease: unknown; now: number };
}

describe('SqliteStore leases under clock offsets (F-50)', () => {
  it('a process 10 minutes ahead cannot steal a live lease; one 10 minutes behind gets no longer lease', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentrt-clock-')), 'runs.db');
    const store = new SqliteStore({ path });
    try {
      await store.createRun({ runId: 'skew', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
      const live = await store.acquireLease({ runId: 'skew', owner: 'driver', ttlMs: 30_000 });
      expect(live).toBeDefined();
      const ahead = acquireShifted(path, 'skew', 10 * 60_000);
      expect(ahead.now - Date.now()).toBeGreaterThan(9 * 60_000);
      expect(ahead.lease).toBeNull();
      expect(await store.renewLease(live!, 30_000)).toMatchObject({ epoch: live!.epoch, owner: 'driver' });

      // Released, then taken by a process 10 minutes behind: its lease expires on the store's clock.
      await store.releaseLease(live!);
      const behind = acquireShifted(path, 'skew', -10 * 60_000) as { lease: { expiresAt: number } };
      expect(behind.lease.expiresAt).toBeGreaterThan(Date.now() + 20_000);
      expect(behind.lease.expiresAt).toBeLessThan(Date.now() + 31_000);
      expect(await store.acquireLease({ runId: 'skew', owner: 'driver', ttlMs: 30_000 })).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
