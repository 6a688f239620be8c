// Red team 11: the built `agentrt` bin as a user runs it.
// - Ctrl-C during `agentrt run` killed the process with the run left `running` (held by the dead
//   process's lease, then resumable as if it had crashed): it is now recorded stopped / cancelled, exit 3.
// - An `agentrt.config.json` in the working directory that is a FIFO hung every command forever
//   (only `--config` was checked to be a file); a symlink loop there silently used the defaults.
// - `agentrt: model: …` printed AGENTRT_MODEL unredacted (a key pasted into it, a URL with a key).
// And the positive path on each store: init → demo run → runs → trace; pause → approve → resume.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentrt, CONFIG, freshDb, run, waitFor, type Spawned } from './__fixtures__/cli-harness.js';

const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
const CANARY = 'sk-agentrt-CANARY-rt11-0123456789abcdef';

/** The command's end, or `hung` (the child is killed) if it has not ended within `ms`. */
async function endsWithin(spawned: Spawned, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  const outcome = await Promise.race([spawned.done, hung]);
  clearTimeout(timer);
  if (outcome === 'hung') spawned.kill('SIGKILL');
  return outcome;
}

describe('red team 11: the agentrt bin', () => {
  it('Ctrl-C during `run` records the run stopped / cancelled and exits 3 (not left running)', async () => {
    const db = freshDb();
    const child = agentrt(db, ['run', 'loop', 'forever', '--run-id', 'rt11-int']);
    await waitFor(() => child.output().out.includes('step 2'), `the run's second step (stderr: ${child.output().err})`, 60_000);
    child.kill('SIGINT');
    const ended = await child.done;
    expect(ended.err).toContain('agentrt: interrupted: stopping the run');
    expect(ended.out).toMatch(/^stop: cancelled/m);
    expect(ended.code).toBe(3);
    const runs = await run(db, 'runs', '--json');
    const record = (JSON.parse(runs.out) as { runId: string; status: string; result?: { stopReason: string } }[]).find((r) => r.runId === 'rt11-int');
    expect(record?.status).toBe('stopped');
    expect(record?.result?.stopReason).toBe('cancelled');
    const trace = await run(db, 'trace', 'rt11-int');
    expect(trace.out).toMatch(/audit: \d+ events, sequence intact/);
  }, 120_000);

  it('a config candidate in the working directory that is a FIFO or a symlink loop is config_invalid, never a hang or the defaults', async () => {
    const fifoDir = mkdtempSync(join(tmpdir(), 'agentrt-rt11-fifo-'));
    execFileSync('mkfifo', [join(fifoDir, 'agentrt.config.json')]);
    const fifo = await endsWithin(agentrt('', ['runs'], { cwd: fifoDir, config: false, env: NO_KEYS }), 30_000);
    expect(fifo).not.toBe('hung');
    if (fifo === 'hung') return;
    expect(fifo.code).toBe(1);
    expect(fifo.err).toMatch(/error\[config_invalid\] .*agentrt\.config\.json is not a file/);

    const loopDir = mkdtempSync(join(tmpdir(), 'agentrt-rt11-loop-'));
    symlinkSync('other.mjs', join(loopDir, 'agentrt.config.mjs'));
    symlinkSync('agentrt.config.mjs', join(loopDir, 'other.mjs'));
    const loop = await agentrt('', ['runs'], { cwd: loopDir, config: false, env: NO_KEYS }).done;
    expect(loop.code).toBe(1);
    expect(loop.err).toMatch(/error\[config_invalid\] .*agentrt\.config\.mjs cannot be read: ELOOP/);
    expect(loop.err).not.toContain('using the defaults');
  }, 120_000);

  it('the model line never prints a key that is in AGENTRT_MODEL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt11-model-'));
    for (const model of [`openai:gpt-4o?key=${CANARY}`, CANARY, 'https://user:hunter2-rt11-pw@models.example/x']) {
      const result = await agentrt('', ['run', 'hi'], { cwd: dir, config: false, env: { ...NO_KEYS, AGENTRT_MODEL: model } }).done;
      expect(result.err).toMatch(/^agentrt: model: .*\(AGENTRT_MODEL is set/m);
      expect(result.err).toContain('[REDACTED]');
      expect(result.err + result.out).not.toContain(CANARY);
      expect(result.err + result.out).not.toContain('hunter2-rt11-pw');
    }
  }, 120_000);

  it('positive path: init → run on the demo model → runs → trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt11-init-'));
    const bin = (...args: string[]) => agentrt('', args, { cwd: dir, config: false, env: NO_KEYS }).done;
    expect((await bin('init')).code).toBe(0);
    const ran = await bin('run', 'hello', 'there', '--run-id', 'rt11-demo');
    expect(ran.code).toBe(0);
    expect(ran.err).toContain('agentrt: model: embedded demo model');
    expect(ran.out).toContain('You said: "hello there"');
    expect((await bin('runs')).out).toMatch(/^rt11-demo\s+completed\s+final_answer/m);
    const trace = await bin('trace', 'rt11-demo');
    expect(trace.code).toBe(0);
    expect(trace.out).toMatch(/audit: \d+ events, sequence intact/);
  }, 120_000);

  const stores = {
    sqlite: () => `{ type: 'sqlite', path: 'runs.db' }`,
    redis: () => `{ type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'rt11-${process.pid}-${Date.now()}:' }`,
    postgres: () => `{ type: 'postgres', url: ${JSON.stringify(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')}, schema: 'rt11_${process.pid}_${Date.now()}' }`,
  };
  for (const [name, spec] of Object.entries(stores)) {
    it(`positive path on ${name}: a paused run is approved, then resume returns its result`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `agentrt-rt11-${name}-`));
      const config = join(dir, 'agentrt.config.mjs');
      writeFileSync(config, `import base from ${JSON.stringify(CONFIG)};\nexport default { ...base, store: ${spec()} };\n`);
      const bin = (...args: string[]) => agentrt('', args, { cwd: dir, config }).done;
      const paused = await bin('run', 'pay', 'the', 'invoice', '--run-id', 'rt11-pay');
      expect(paused.code).toBe(2);
      expect(paused.out).toContain('awaiting approval: pay({"cents":500}) — agentrt approve rt11-pay pay-0 [--deny]');
      expect((await bin('runs', '--status', 'paused')).out).toMatch(/^rt11-pay\s+paused/m);
      const approved = await bin('approve', 'rt11-pay', 'pay-0', '--reason', 'ok');
      expect(approved.code).toBe(0);
      expect(approved.out).toContain('Done: paid 500.');
      const resumed = await bin('resume', 'rt11-pay', '--json');
      expect(resumed.code).toBe(0);
      expect((JSON.parse(resumed.out) as { status: string; output: string }).output).toBe('Done: paid 500.');
      const again = await bin('approve', 'rt11-pay', 'pay-0');
      expect(again.code).toBe(1);
      expect(again.err).toContain('error[run_not_paused]');
      const trace = await bin('trace', 'rt11-pay', '--json');
      const types = trace.out.trim().split('\n').map((line) => (JSON.parse(line) as { type: string }).type);
      expect(types).toContain('approval_decided');
      expect(types.filter((type) => type === 'tool_finished')).toHaveLength(1);
    }, 180_000);
  }
});
