// F-51 (the wall clock steps mid-run) and F-52 (TZ differs between crash and resume), in child
// processes on a real SQLite file. The clock jump is a patched `Date` in the child: what NTP or a
// VM resume does to `Date.now()`, while the monotonic clock (performance.now) goes on.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD = new URL('./__fixtures__/clock-child.mjs', import.meta.url).pathname;
const HOUR = 3_600_000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Outcome { status: string; stopReason: string; steps: number; startedAt: string; endedAt: string }

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function freshPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'agentrt-clock-')), 'runs.db');
}

async function child(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<{ outcome?: Outcome; signal: NodeJS.Signals | null }> {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let output = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.once('exit', (c, s) => resolve([c, s])));
  if (signal === null) expect(code).toBe(0);
  return { outcome: output.trim() ? (JSON.parse(output.trim().split('\n').at(-1)!) as Outcome) : undefined, signal };
}

function open(path: string): SqliteStore {
  const store = new SqliteStore({ path });
  stores.push(store);
  return store;
}

describe('wall clock and time zone (F-51, F-52)', () => {
  it('F-51: the wall clock stepping back 1 h mid-run leaves every step and tool duration ≥ 0 and the run completes', async () => {
    const path = freshPath();
    const { outcome } = await child({ path, runId: 'jump-back', steps: 4, jumpAtStep: 1, jumpMs: -HOUR, tickMs: 20, timeoutMs: 60_000 });
    expect(outcome).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 5 });
    const events = await open(path).listEvents('jump-back');
    const durations = events.filter((e) => e.type === 'step_finished' || e.type === 'tool_finished').map((e) => (e as { durationMs: number }).durationMs);
    expect(durations.length).toBe(5 + 4);
    for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(0);
    // The jump did happen: the audit's wall-clock times step back by about an hour once.
    const times = events.map((event) => Date.parse(event.at));
    expect(times.some((t, i) => i > 0 && times[i - 1]! - t > HOUR - 60_000)).toBe(true);
  }, 30_000);

  it('F-51: the run timeout runs on the monotonic clock: a jump forward of 1 h does not time the run out', async () => {
    const path = freshPath();
    const { outcome } = await child({ path, runId: 'jump-forward', steps: 4, jumpAtStep: 1, jumpMs: HOUR, tickMs: 20, timeoutMs: 60_000 });
    expect(outcome).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 5 });
  }, 30_000);

  it('F-51: …and a jump back of 1 h does not extend it: the run still stops with timeout', async () => {
    const path = freshPath();
    // 1 000 steps of 50 ms cannot finish inside a 1.5 s timeout, whatever the load; an hour-long
    // extension would leave the run going (the test would time out instead).
    const { outcome } = await child({ path, runId: 'jump-back-timeout', steps: 1_000, jumpAtStep: 1, jumpMs: -HOUR, tickMs: 50, timeoutMs: 1_500 });
    expect(outcome).toMatchObject({ status: 'stopped', stopReason: 'timeout' });
    expect(outcome!.steps).toBeLessThan(1_000);
  }, 60_000);

  it('F-52: a run crashed under one TZ and resumed under another keeps ISO-8601 UTC audit timestamps and resumes normally', async () => {
    const path = freshPath();
    const crashed = await child({ path, runId: 'tz', steps: 4, crashAtStep: 2 }, { TZ: 'America/St_Johns' });
    expect(crashed.signal).toBe('SIGKILL');
    const { outcome } = await child({ path, runId: 'tz', steps: 4, resume: true }, { TZ: 'Asia/Kathmandu' });
    expect(outcome).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 5 });
    expect(outcome!.startedAt).toMatch(ISO_UTC);
    expect(outcome!.endedAt).toMatch(ISO_UTC);
    const store = open(path);
    const events = await store.listEvents('tz');
    expect(events.some((e) => e.type === 'run_resumed')).toBe(true);
    for (const event of events) expect(event.at).toMatch(ISO_UTC);
    const times = events.map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => a - b)); // one timeline across the crash, whatever the zone
    const run = (await store.getRun('tz'))!;
    expect(run.createdAt).toMatch(ISO_UTC);
    await assertRunInvariants({ store, runId: 'tz', result: run.result! });
  }, 60_000);
});
