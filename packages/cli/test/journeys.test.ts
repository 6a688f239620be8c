// The journeys docs/cli.md walks a user through, driven as a user would: the built binary in
// child processes, one SQLite file per test, and the edges a user hits first (a crashed run, a
// mistyped config field, a pipe into `head`, a kill racing an approval).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentrt, BIN, freshDb, waitFor } from './__fixtures__/cli-harness.js';

const JOURNEY = new URL('./__fixtures__/journey.config.mjs', import.meta.url).pathname;
const journey = (db: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) => agentrt(db, args, { config: JOURNEY, env });
// Every case has its own SQLite file (and config files), so they run side by side, at most five at
// a time (vitest's maxConcurrency): the worker only waits on CLI processes, and one case sits out
// a dead owner's 8 s lease.
const events = async (db: string, runId: string) => {
  const trace = await journey(db, ['trace', runId, '--json']).done;
  return trace.out.trim().split('\n').map((line) => JSON.parse(line) as { type: string; seq: number });
};

describe.concurrent('journeys: approve decides only a pending call', { timeout: 120_000 }, () => {
  it('refuses a call id that is not pending (approval_not_pending) and leaves the run paused, untouched', async () => {
    const db = freshDb();
    expect((await journey(db, ['run', 'pay', '--run-id', 'ap-1']).done).code).toBe(2);
    const before = await events(db, 'ap-1');
    const wrong = await journey(db, ['approve', 'ap-1', 'pay-9']).done;
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('error[approval_not_pending]');
    expect(wrong.err).toContain('pending: pay-0');
    expect(await events(db, 'ap-1')).toHaveLength(before.length);
    const right = await journey(db, ['approve', 'ap-1', 'pay-0']).done;
    expect(right.code).toBe(0);
    expect(right.out).toContain('done: paid 500');
  });

  it('refuses to approve a run that is not paused (run_not_paused), e.g. one already finished', async () => {
    const db = freshDb();
    expect((await journey(db, ['run', 'pay', '--run-id', 'ap-2']).done).code).toBe(2);
    expect((await journey(db, ['approve', 'ap-2', 'pay-0']).done).code).toBe(0);
    const again = await journey(db, ['approve', 'ap-2', 'pay-0', '--deny']).done;
    expect(again.code).toBe(1);
    expect(again.err).toContain('error[run_not_paused] run ap-2 is completed (final_answer), not awaiting approval');
  });

  it('prints an approve command that works when pasted, even for ids starting with a dash', async () => {
    const db = freshDb();
    const paused = await journey(db, ['run', '--run-id=-run', '--', 'pay', '-call']).done;
    expect(paused.code).toBe(2);
    const suggestion = paused.out.split('\n').find((line) => line.startsWith('awaiting approval: '))!;
    expect(suggestion).toContain('agentrt approve [--deny] -- -run -call');
    // Pasted into a shell (the `agentrt` word being this binary and config), without the optional [--deny].
    const command = suggestion.slice(suggestion.indexOf('agentrt approve')).replace(' [--deny]', '').replace(/^agentrt /, '');
    const shell = spawn('bash', ['-c', `"$NODE" "$BIN" --config "$CONFIG" ${command}`], { env: { ...process.env, NODE: process.execPath, BIN, CONFIG: JOURNEY, AGENTRT_TEST_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    shell.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    expect(await new Promise((resolve) => shell.on('close', resolve))).toBe(0);
    expect(out).toContain('done: paid 500');
  });
});

describe.concurrent('journeys: resume after a crash', { timeout: 120_000 }, () => {
  it('resumes a run whose process was SIGKILLed mid-call: it waits out the dead owner\'s lease, says so, and finishes', async () => {
    const db = freshDb();
    // A lease longer than any fixed wait the CLI could have used: the resume must wait for the lease itself.
    const env = { AGENTRT_TEST_LEASE_MS: '8000' };
    const first = journey(db, ['run', 'slow', '--run-id', 'crash-1'], env);
    await waitFor(() => first.output().out.includes('slow({"ms":600000})'), 'the slow call to start');
    first.kill('SIGKILL');
    await first.done;
    const resumed = await journey(db, ['resume', 'crash-1'], { ...env, AGENTRT_TEST_RESUMED: '1' }).done;
    expect(resumed.err).toContain('is held by another process');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('stop: final_answer');
    expect(resumed.out).toContain('done: slept');
  });
});

describe.concurrent('journeys: kill from a second process', { timeout: 120_000 }, () => {
  it('stops a run in flight (exit 3), and the trace shows the cut-short call once, with its code once', async () => {
    const db = freshDb();
    const running = journey(db, ['run', 'slow', '--run-id', 'kill-1']);
    await waitFor(() => running.output().out.includes('slow({"ms":600000})'), 'the slow call to start');
    const kill = await journey(db, ['kill', 'kill-1', 'enough', 'waiting']).done;
    expect(kill).toMatchObject({ code: 0, out: 'kill requested for kill-1: enough waiting\n' });
    const result = await running.done;
    expect(result.code).toBe(3);
    expect(result.out).toContain('stop: killed (enough waiting)');
    const trace = await journey(db, ['trace', 'kill-1']).done;
    expect(trace.out).toMatch(/act {7}slow → tool_cancelled: cut short while running/);
    expect(trace.out).not.toContain('tool_cancelled: tool_cancelled');
  });
});

describe.concurrent('journeys: output into a closed pipe', { timeout: 120_000 }, () => {
  it('`agentrt trace --json | head -1` and a `run` whose reader went away end quietly; the run still finishes', async () => {
    const db = freshDb();
    // 40 steps of 8 KB results: far more than a pipe buffer, so writes go on after the reader closes.
    expect((await journey(db, ['run', 'blobs', '40', '--run-id', 'long-1']).done).code).toBe(0);
    const piped = execFileSync('bash', ['-c', `"$NODE" "$BIN" --config "$CONFIG" trace long-1 --json | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], { env: { ...process.env, NODE: process.execPath, BIN, CONFIG: JOURNEY, AGENTRT_TEST_DB: db }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(piped)).toMatchObject({ type: 'run_started', runId: 'long-1' });

    const child = spawn(process.execPath, [BIN, '--config', JOURNEY, 'trace', 'long-1', '--json'], { env: { ...process.env, AGENTRT_TEST_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout.once('data', () => child.stdout.destroy());
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect(err).not.toMatch(/EPIPE|Unhandled|at /);

    const run = spawn(process.execPath, [BIN, '--config', JOURNEY, 'run', 'blobs', '40', '--run-id', 'long-2', '--json'], { env: { ...process.env, AGENTRT_TEST_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
    let runErr = '';
    run.stderr.setEncoding('utf8').on('data', (chunk: string) => (runErr += chunk));
    run.stdout.once('data', () => run.stdout.destroy());
    expect(await new Promise((resolve) => run.on('close', resolve))).toBe(0);
    expect(runErr).not.toMatch(/EPIPE|Unhandled/);
    const listed = await journey(db, ['runs', '--json']).done;
    expect((JSON.parse(listed.out) as { runId: string; status: string }[]).find((r) => r.runId === 'long-2')?.status).toBe('completed');
  });
});

describe.concurrent('journeys: config mistakes name the field', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-journey-config-'));
  const config = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const attempt = (path: string, ...args: string[]) => agentrt(freshDb(), args.length ? args : ['runs'], { config: path }).done;

  it('refuses an unknown top-level field (a typo would silently run the demo model), suggesting the near miss', async () => {
    const typo = await attempt(config('typo.json', JSON.stringify({ modle: 'openai:gpt-4o-mini' })), 'run', 'hello');
    expect(typo.code).toBe(1);
    expect(typo.err).toContain('error[config_invalid] Invalid option "modle": unknown config field (did you mean "model"?)');
    expect(typo.out).toBe('');
    const module = await attempt(config('typo.mjs', 'export default { limit: { maxSteps: 2 } };'));
    expect(module.err).toContain('Invalid option "limit": unknown config field (did you mean "limits"?)');
  });

  it('reports a config that throws — its default-export function, a getter — as config_invalid', async () => {
    const fn = await attempt(config('fn.mjs', 'export default () => { throw new Error("no key in the vault"); };'));
    expect(fn.code).toBe(1);
    expect(fn.err).toMatch(/error\[config_invalid\] Invalid option "config": the default export of \S+fn\.mjs threw: no key in the vault/);
    const asyncFn = await attempt(config('async.mjs', 'export default async () => { throw "a string"; };'));
    expect(asyncFn.err).toContain('threw: a string');
    const getter = await attempt(config('getter.mjs', 'export default { get limits() { throw new Error("boom"); } };'));
    expect(getter.code).toBe(1);
    expect(getter.err).toContain('error[config_invalid] Invalid option "limits": reading it threw: boom');
    const proxy = await attempt(config('proxy.mjs', 'export default new Proxy({}, { ownKeys() { throw new Error("trap"); } });'));
    expect(proxy.err).toContain('error[config_invalid] Invalid option "config": the fields of');
  });

  it('names store.path when its folder cannot be made, and the file when --html cannot write it', async () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'file'), '');
    const store = await attempt(config('store.json', JSON.stringify({ store: { type: 'sqlite', path: 'sub/file/runs.db' } })));
    expect(store.code).toBe(1);
    expect(store.err).toContain('error[config_invalid] Invalid option "store.path": cannot create the folder of');
    const db = freshDb();
    expect((await journey(db, ['run', 'hello', '--run-id', 'html-1']).done).code).toBe(0);
    const html = await journey(db, ['trace', 'html-1', '--html', join(dir, 'missing', 'x.html')]).done;
    expect(html.code).toBe(1);
    expect(html.err).toMatch(/error\[output_unwritable\] cannot write \S+x\.html: ENOENT/);
  });
});

describe.concurrent('journeys: run ids', { timeout: 120_000 }, () => {
  it('refuses `.` and `..` as run ids (the console could not address them) and separators, before creating anything', async () => {
    const db = freshDb();
    for (const id of ['.', '..', '../x', 'a/b', 'a\\b']) {
      const result = await journey(db, ['run', 'hello', '--run-id', id]).done;
      expect(result.code, id).toBe(1);
      expect(result.err, id).toContain('error[config_invalid] Invalid option "run.runId"');
    }
    expect((await journey(db, ['run', 'hello', '--run-id', '...']).done).code).toBe(0);
    expect(JSON.parse((await journey(db, ['runs', '--json']).done).out)).toHaveLength(1);
  });
});

describe.concurrent('journeys: kill racing an approval from another process', { timeout: 180_000 }, () => {
  it('the kill never fails, and every run ends with exactly one recorded stop, audit intact', async () => {
    const db = freshDb();
    for (let i = 0; i < 6; i++) {
      const runId = `race-${i}`;
      expect((await journey(db, ['run', 'pay', '--run-id', runId]).done).code).toBe(2);
      const [approve, kill] = await Promise.all([journey(db, ['approve', runId, 'pay-0']).done, journey(db, ['kill', runId, 'race']).done]);
      // The kill never fails unexpectedly: it lands (0), or the approval had already finished the
      // run, and a kill of a finished run is refused as run_not_active (1), as in the console.
      if (kill.code === 1) {
        expect(kill.err, runId).toContain('error[run_not_active]');
        expect(approve.code, runId).toBe(0);
      } else {
        expect(kill.err, runId).toBe('');
        expect(kill.code, runId).toBe(0);
      }
      // The approval went first (0: finished, 3: killed while it drove the run), or the kill did (run_not_paused).
      expect([0, 1, 3], runId).toContain(approve.code);
      if (approve.code === 1) expect(approve.err).toContain('error[run_not_paused]');
      const trace = await journey(db, ['trace', runId]).done;
      expect(trace.out.match(/^#\d+ stop: (?!awaiting_approval)/gm), runId).toHaveLength(1);
      expect(trace.out).toContain('sequence intact');
    }
  });
});
