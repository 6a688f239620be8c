import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../dist/bin.js', import.meta.url).pathname;
const CONFIG = new URL('./__fixtures__/agentrt.config.mjs', import.meta.url).pathname;
const db = () => join(mkdtempSync(join(tmpdir(), 'agentrt-cli-')), 'runs.db');

function agentrt(dbPath: string, args: string[]): { done: Promise<{ code: number; out: string; err: string }>; kill: () => void } {
  const child = spawn(process.execPath, [BIN, '--config', CONFIG, ...args], { env: { ...process.env, AGENTRT_TEST_DB: dbPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  // 'close', not 'exit': the output may still be in the pipes when the process has exited.
  return { done: new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, out, err }))), kill: () => child.kill('SIGKILL') };
}
const run = (dbPath: string, ...args: string[]) => agentrt(dbPath, args).done;

// Each test starts several CLI processes one after another (a few seconds each when every core is busy).
describe('agentrt CLI', { timeout: 120_000 }, () => {
  it('runs an agent printing each step, lists it, and traces it from the audit log', async () => {
    const path = db();
    const first = await run(path, 'run', 'add', 'two', 'numbers', '--run-id', 'cli-add');
    expect(first.code).toBe(0);
    for (const line of ['step 1', 'decide    add({"a":2,"b":3})', 'act       add → 5', 'state     step 1 committed', 'stop: final_answer · 2 steps · 1 tool calls', 'The sum is 5.']) expect(first.out).toContain(line);
    const runs = await run(path, 'runs');
    expect(runs.out).toMatch(/cli-add\s+completed\s+final_answer\s+2/);
    const trace = await run(path, 'trace', 'cli-add');
    expect(trace.code).toBe(0);
    expect(trace.out).toContain('run cli-add · completed · final_answer');
    expect(trace.out).toMatch(/#001 run started/);
    expect(trace.out).toContain('audit: ');
    expect(trace.out).toContain('sequence intact');
    const json = await run(path, 'trace', 'cli-add', '--json');
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual(expect.arrayContaining([1, 2, 3]));
  });

  it('pauses for approval (exit 2) and is approved from another invocation', async () => {
    const path = db();
    const paused = await run(path, 'run', 'pay', 'the', 'invoice', '--run-id', 'cli-pay');
    expect(paused.code).toBe(2);
    expect(paused.out).toContain('awaiting approval: pay({"cents":500}) — agentrt approve cli-pay pay-0');
    const approved = await run(path, 'approve', 'cli-pay', 'pay-0', '--reason', 'ok by finance');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('Done: paid 500.');
    expect((await run(path, 'trace', 'cli-pay')).out).toContain('approval  pay-0: approve (ok by finance)');
  });

  it('kills a run driven by another process (exit 3 for the killed run)', async () => {
    const path = db();
    const long = agentrt(path, ['run', 'loop', 'forever', '--run-id', 'cli-loop']);
    await waitFor(async () => {
      const listed = await run(path, 'runs', '--json');
      return listed.out.includes('cli-loop') && JSON.parse(listed.out)[0]?.stepCount >= 1;
    }, { timeoutMs: 30_000, intervalMs: 100, message: 'the looping run committed a step' });
    const killed = await run(path, 'kill', 'cli-loop', 'runaway', 'loop');
    expect(killed.out).toContain('kill requested for cli-loop: runaway loop');
    const result = await long.done;
    expect(result.code).toBe(3);
    expect(result.out).toContain('stop: killed (runaway loop)');
  });

  it('redacts secrets in traces', async () => {
    const path = db();
    await run(path, 'run', 'leak', '--run-id', 'cli-leak');
    const trace = await run(path, 'trace', 'cli-leak');
    expect(trace.out).not.toContain('sk-agentrt-CANARY');
    expect(trace.out).toContain('[REDACTED]');
  });

  it('fails clearly: unknown run, unknown command, missing arguments, missing config', async () => {
    const path = db();
    const missing = await run(path, 'trace', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error[run_not_found]');
    expect((await run(path, 'frobnicate')).code).toBe(64);
    expect((await run(path, 'approve', 'only-one')).err).toContain('approve needs a run id and a tool call id');
    const child = spawn(process.execPath, [BIN, 'runs'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(err).toContain('error[config_invalid]');
  });
});
