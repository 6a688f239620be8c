// RELIABILITY.md 5.1 F-50 "clock offset": a process whose wall clock is 10 minutes ahead or behind
// drives a run on a real SQLite file. Lease steals under offset: clock-offset.test.ts. Here: no
// negative durations, and the run timeout fires at the configured duration ± 1 s.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const CHILD = new URL('./__fixtures__/clock-child.mjs', import.meta.url).pathname;
const TEN_MINUTES = 600_000;

async function child(config: Record<string, unknown>): Promise<{ outcome: { status: string; stopReason: string; steps: number; startedAt: string; endedAt: string } }> {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  expect(code).toBe(0);
  return { outcome: JSON.parse(output.trim().split('\n').at(-1)!) };
}

describe('F-50 clock offset', () => {
  it.each([['+10 min', TEN_MINUTES], ['−10 min', -TEN_MINUTES]])('a process %s: durations ≥ 0, run timeout at the configured 1.5 s ± 1 s', async (_label, offsetMs) => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rel-f50-')), 'runs.db');
    const runId = `offset-${offsetMs > 0 ? 'ahead' : 'behind'}`;
    // 1 000 steps of 20 ms cannot finish inside 1.5 s.
    const { outcome } = await child({ path, runId, steps: 1_000, tickMs: 20, timeoutMs: 1_500, offsetMs });
    expect(outcome).toMatchObject({ status: 'stopped', stopReason: 'timeout' });
    // The run's own stamps come from the skewed wall clock, consistently: their difference is the run's length.
    const startedAt = Date.parse(outcome.startedAt);
    expect(Math.abs(startedAt - Date.now() - offsetMs)).toBeLessThan(60_000);
    const lasted = Date.parse(outcome.endedAt) - startedAt;
    expect(lasted).toBeGreaterThanOrEqual(500);
    expect(lasted).toBeLessThanOrEqual(2_500);

    const store = new SqliteStore({ path });
    try {
      const events = await store.listEvents(runId);
      const durations = events.flatMap((e) => ('durationMs' in e && typeof e.durationMs === 'number' ? [e.durationMs] : []));
      expect(durations.length).toBeGreaterThan(0);
      for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(0);
      const record = await store.getRun(runId);
      const result = record?.result as RunResult<unknown> | undefined;
      expect(result).toMatchObject({ stopReason: 'timeout' });
      expect((await checkRunInvariants({ store, runId, result })).violations).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);
});
