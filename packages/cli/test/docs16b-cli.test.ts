// docs16b: docs/cli.md and packages/cli/README.md read by a first-day user — every documented
// command run in-process through `main` against a temp config on the embedded demo model
// (`model: 'agentrt:demo'`), asserting the documented output and exit codes.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { createDemoModel, EXIT, main, runRow, runtimeFromConfig, startConsole, summarizeRun } from '@agentrt/cli';
import { Redactor } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const require = createRequire(import.meta.url);
const coreUrl = pathToFileURL(require.resolve('@agentrt/core')).href;
const zodUrl = pathToFileURL(createRequire(require.resolve('@agentrt/core')).resolve('zod')).href;

/** A config folder with a `pay` tool needing approval and an `add` tool, on the demo model and a SQLite store beside it. */
function project(limits = '{ maxSteps: 8 }'): string {
  const dir = mkdtempSync(join(tmpdir(), 'docs16b-cli-'));
  writeFileSync(join(dir, 'agentrt.config.mjs'), `
import { defineTool } from ${JSON.stringify(coreUrl)};
import { z } from ${JSON.stringify(zodUrl)};
export default {
  model: 'agentrt:demo',
  tools: [
    defineTool({ name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ cents }) => 'paid ' + cents }),
    defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b }),
  ],
  audit: { hashChain: true },
  limits: ${limits},
};
`);
  return dir;
}

async function cli(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--config', join(dir, 'agentrt.config.mjs'), ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('docs/cli.md commands on the demo model', { timeout: 60_000 }, () => {
  it('run → paused (exit 2) with the approve command; approve of a call not pending is approval_not_pending (exit 1); approve runs it (exit 0); trace verifies the chain', async () => {
    const dir = project();
    const paused = await cli(dir, 'run', 'pay', '500', 'cents', '--run-id', 'p1');
    expect(paused.code).toBe(EXIT.paused);
    expect(paused.code).toBe(2);
    expect(paused.out).toContain('awaiting approval: pay({"cents":500}) — agentrt approve p1 demo-0 [--deny]');
    expect(existsSync(join(dir, '.agentrt', 'runs.db'))).toBe(true); // default store path beside the config
    const listed = await cli(dir, 'runs', '--status', 'paused');
    expect(listed.out).toMatch(/p1\s+paused\s+awaiting_approval/);
    const wrong = await cli(dir, 'approve', 'p1', 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('agentrt: error[approval_not_pending]');
    expect(wrong.err).toContain('pending: demo-0');
    const approved = await cli(dir, 'approve', 'p1', 'demo-0', '--reason', 'ok');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('pay returned: paid 500');
    const again = await cli(dir, 'approve', 'p1', 'demo-0');
    expect(again.code).toBe(1);
    expect(again.err).toContain('error[run_not_paused]');
    const trace = await cli(dir, 'trace', 'p1');
    expect(trace.code).toBe(0);
    expect(trace.out).toContain('hash chain verified');
    expect(trace.out).toContain('approval  demo-0: approve (ok)');
  });

  it('kill: a paused run is finished as killed at once; a finished run is run_not_active; an unknown one run_not_found; --all refuses new runs (exit 3) until --clear', async () => {
    const dir = project();
    await cli(dir, 'run', 'pay', '5', '--run-id', 'p2');
    expect((await cli(dir, 'kill', 'p2', 'not', 'today')).code).toBe(0);
    expect((await cli(dir, 'runs')).out).toMatch(/p2\s+stopped\s+killed/);
    const finished = await cli(dir, 'kill', 'p2');
    expect(finished).toMatchObject({ code: 1 });
    expect(finished.err).toContain('error[run_not_active]');
    const unknown = await cli(dir, 'kill', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('error[run_not_found]');
    expect((await cli(dir, 'kill', '--all', 'incident', '7')).code).toBe(0);
    const refused = await cli(dir, 'run', 'add', '1', '2', '--run-id', 'k1');
    expect(refused.code).toBe(3);
    expect(refused.out).toContain('stop: killed');
    expect((await cli(dir, 'kill', '--clear')).code).toBe(0);
    const ok = await cli(dir, 'run', 'add', '1', '2', '--run-id', 'k2');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('add returned: 3');
  });

  it('trace --html writes one self-contained file; an unwritable FILE is output_unwritable; --json and --html conflict (usage, 64)', async () => {
    const dir = project();
    await cli(dir, 'run', 'add', '2', '3', '--run-id', 'a1');
    const file = join(dir, 'out.html');
    expect((await cli(dir, 'trace', 'a1', '--html', file)).code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/);
    const missing = await cli(dir, 'trace', 'a1', '--html', join(dir, 'no', 'such', 'dir', 'x.html'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error[output_unwritable]');
    expect(missing.err).toContain('ENOENT');
    expect((await cli(dir, 'trace', 'a1', '--json', '--html', file)).code).toBe(64);
    const jsonl = await cli(dir, 'trace', 'a1', '--json');
    expect(jsonl.out.split('\n').map((line) => JSON.parse(line).type)).toContain('run_finished');
  });

  it('resume of a finished run returns its stored result; of an unknown id run_not_found', async () => {
    const dir = project();
    await cli(dir, 'run', 'add', '2', '3', '--run-id', 'r1');
    const resumed = await cli(dir, 'resume', 'r1');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('add returned: 5');
    const unknown = await cli(dir, 'resume', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('error[run_not_found]');
  });

  it('usage errors: exit 64 naming the flag with the near miss; bad choices and numbers', async () => {
    const dir = project();
    const typo = await cli(dir, 'runs', '--limt', '5');
    expect(typo.code).toBe(64);
    expect(typo.err).toContain("agentrt: error[usage] unknown option '--limt'");
    expect(typo.err).toContain('(Did you mean --limit?)');
    expect((await cli(dir, 'runs', '--status', 'bogus')).code).toBe(64);
    expect((await cli(dir, 'runs', '--limit', '0')).code).toBe(64);
    expect((await cli(dir, 'kill', '--all', '--clear')).code).toBe(64);
  });

  it('init writes a config, refuses to replace it (config_exists, exit 1) unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs16b-init-'));
    const config = join(dir, 'agentrt.config.mjs');
    expect((await main(['--config', config, 'init'], { out: () => {}, err: () => {} }))).toBe(0);
    const err: string[] = [];
    expect(await main(['--config', config, 'init'], { out: () => {}, err: (line) => err.push(line) })).toBe(1);
    expect(err.join('\n')).toContain('error[config_exists]');
    expect(await main(['--config', config, 'init', '--force'], { out: () => {}, err: () => {} })).toBe(0);
  });

  it('a run stopped by a limit with finalize: run, runs and the console summary agree on the step count (the finalize call is not a step)', async () => {
    const dir = project('{ maxSteps: 1, finalize: true }');
    const run = await cli(dir, 'run', 'add', '1', '1', '--run-id', 'f1');
    expect(run.code).toBe(3);
    expect(run.out).toContain('step 2 · finalize (a best answer after the limit, no tools)');
    expect(run.out).toContain('stop: max_steps (1 of 1 steps used) · 1 steps');
    const runs = await cli(dir, 'runs');
    expect(runs.out).toMatch(/f1\s+stopped\s+max_steps\s+1\s/);
  });

  it('the demo model answers a finalize call from the tool results it got, not by quoting the instruction', async () => {
    const dir = project('{ maxSteps: 1, finalize: true }');
    const run = await cli(dir, 'run', 'add', '1', '1', '--run-id', 'f2');
    const answer = run.out.slice(run.out.indexOf('run id: f2'));
    expect(answer).toContain('add returned: 2');
    expect(answer).not.toContain('This run has reached one of its limits');
    expect(answer).not.toContain('Add tools (plugins) to the config');
  });
});

describe('runRow / summarizeRun (public exports)', () => {
  it('show RunResult.steps for a finalized run, not the record count that includes the finalize record', async () => {
    const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const store = new MemoryStore();
    const runtime = createRuntime({ model: createDemoModel(), tools: [add], store, limits: { maxSteps: 1, finalize: true } });
    const result = await runtime.run('add 1 and 1');
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 1, finalized: true });
    const record = (await runtime.getRun(result.runId))!;
    expect(record.stepCount).toBe(2); // governance.md: stepCount includes the finalize record
    expect(runRow(record)).toMatch(new RegExp(`${result.runId}\\s+stopped\\s+max_steps\\s+1\\s`));
    expect(summarizeRun(record, new Redactor()).steps).toBe(1);
  });
});

describe('docs/console.md "Programmatic use"', () => {
  it('runtimeFromConfig + startConsole({ runtime, port: 0 }) serves the page behind its token; close() stops it', async () => {
    const dir = project();
    const runtime = await runtimeFromConfig(join(dir, 'agentrt.config.mjs'));
    const console = await startConsole({ runtime, port: 0 });
    try {
      expect(console.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect((await fetch(console.origin)).status).toBe(401);
      const page = await fetch(console.url, { redirect: 'manual' });
      expect([200, 303]).toContain(page.status);
    } finally {
      await console.close();
      await runtime.close();
    }
  });
});
