// Red team 13b: the documented journeys walked as a new user. `agentrt kill` of a run that has
// already finished answered "kill requested" with exit 0 and left a kill flag behind for the
// finished run, where the console (docs/console.md) refuses the same kill with `run_not_active`.
import { SqliteStore } from '@agentrt/store-sqlite';
import { describe, expect, it } from 'vitest';
import { freshDb, run } from './__fixtures__/cli-harness.js';

describe('agentrt kill of a finished run (red team 13b)', { timeout: 60_000 }, () => {
  it('is refused with run_not_active (exit 1), records nothing, and the run stays as it was', async () => {
    const db = freshDb();
    expect((await run(db, 'run', 'add', '--run-id', 'done-1')).code).toBe(0);
    const kill = await run(db, 'kill', 'done-1', 'too late');
    expect(kill.code).toBe(1);
    expect(kill.out).toBe('');
    expect(kill.err).toContain('error[run_not_active]');
    expect(kill.err).toContain('completed');
    const store = new SqliteStore({ path: db });
    try {
      expect(await store.getKillFlag('done-1')).toBeUndefined();
      expect((await store.getRun('done-1'))?.status).toBe('completed');
    } finally {
      await store.close();
    }
    // A paused run is still killed (it is finished as killed at once), and an unknown id is run_not_found.
    expect((await run(db, 'run', 'pay', '--run-id', 'paused-1')).code).toBe(2);
    const paused = await run(db, 'kill', 'paused-1', 'no');
    expect(paused).toMatchObject({ code: 0, out: 'kill requested for paused-1: no\n' });
    const unknown = await run(db, 'kill', 'nope-1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('error[run_not_found]');
  });
});
