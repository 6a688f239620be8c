import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseModel, INIT_CONFIG, main } from '../src/index.js';
import { agentrt, BIN, CONFIG, freshDb, run, waitFor } from './__fixtures__/cli-harness.js';

const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };

/** The same `main` the binary runs, in this process (usage and help never reach a config or store). */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--config', CONFIG, ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// Each test starts several CLI processes one after another (a few seconds each when every core is busy).
describe('agentrt CLI', { timeout: 120_000 }, () => {
  it('runs an agent printing each step, lists it, and traces it from the audit log', async () => {
    const path = freshDb();
    const first = await run(path, 'run', 'add', 'two', 'numbers', '--run-id', 'cli-add');
    expect(first.code).toBe(0);
    for (const line of ['step 1', 'decide    add({"a":2,"b":3})', 'act       add → 5', 'state     step 1 committed', 'stop: final_answer · 2 steps · 1 tool calls', 'The sum is 5.']) expect(first.out).toContain(line);
    expect(first.out).not.toContain('\x1b[');
    const runs = await run(path, 'runs');
    expect(runs.out).toMatch(/cli-add\s+completed\s+final_answer\s+2/);
    const trace = await run(path, 'trace', 'cli-add');
    expect(trace.code).toBe(0);
    expect(trace.out).toContain('run cli-add · completed · final_answer');
    expect(trace.out).toMatch(/#001 run started/);
    expect(trace.out).toContain('sequence intact');
    const json = await run(path, 'trace', 'cli-add', '--json');
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual(expect.arrayContaining([1, 2, 3]));
  });

  it('takes --config after the command too', async () => {
    const path = freshDb();
    const child = spawn(process.execPath, [BIN, 'run', '--config', CONFIG, 'add', 'it', '--run-id', 'late-config'], { env: { ...process.env, AGENTRT_TEST_DB: path }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect(out).toContain('The sum is 5.');
  });

  it('streams NDJSON events with --json: one parseable, redacted event per line ending with the result', async () => {
    const path = freshDb();
    const result = await run(path, 'run', 'leak', 'it', '--run-id', 'cli-ndjson', '--json');
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { type: string; runId: string; result?: { stopReason: string } });
    expect(events[0]!.type).toBe('run_started');
    expect(events.every((event) => event.runId === 'cli-ndjson')).toBe(true);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['step_started', 'model_response', 'tool_finished', 'step_finished']));
    expect(events.at(-1)).toMatchObject({ type: 'run_finished', result: { stopReason: 'final_answer' } });
    expect(result.out).not.toContain('sk-agentrt-CANARY');
    expect(result.out).toContain('[REDACTED]');
  });

  it('shows a live status line (step n of max, tool, tokens, cost) on a terminal', async () => {
    const path = freshDb();
    // `script` gives the command a real pseudo-terminal, so stdout.isTTY is true.
    const command = [process.execPath, BIN, '--config', CONFIG, 'run', 'add', 'two', 'numbers', '--run-id', 'cli-tty'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...process.env, AGENTRT_TEST_DB: path, COLUMNS: '120' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toContain('\r\x1b[2K');
    expect(out).toMatch(/step 1 of 200 · [^\r\n]*tokens · \$0\.0000/);
    expect(out).toMatch(/step 2 of 200 · [^\r\n]*30 tokens/);
    expect(out).toContain('stop: final_answer');
    expect(out).toContain('The sum is 5.');
  });

  it('pauses for approval (exit 2) and is approved from another invocation', async () => {
    const path = freshDb();
    const paused = await run(path, 'run', 'pay', 'the', 'invoice', '--run-id', 'cli-pay');
    expect(paused.code).toBe(2);
    expect(paused.out).toContain('awaiting approval: pay({"cents":500}) — agentrt approve cli-pay pay-0');
    const approved = await run(path, 'approve', 'cli-pay', 'pay-0', '--reason', 'ok by finance');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('Done: paid 500.');
    expect((await run(path, 'trace', 'cli-pay')).out).toContain('approval  pay-0: approve (ok by finance)');
  });

  it('redacts a secret in pending approval args printed by run and approve --deny', async () => {
    const path = freshDb();
    const paused = await run(path, 'run', 'secret', '--run-id', 'cli-secret');
    expect(paused.code).toBe(2);
    expect(paused.out).toContain('awaiting approval: send(');
    expect(paused.out).not.toContain('sk-agentrt-CANARY');
    const denied = await run(path, 'approve', 'cli-secret', 'send-0', '--deny', '--json');
    expect(denied.out).not.toContain('sk-agentrt-CANARY');
    expect(JSON.parse(denied.out)).toMatchObject({ runId: 'cli-secret', status: 'completed' });
  });

  it('kills a run driven by another process (exit 3 for the killed run)', async () => {
    const path = freshDb();
    const long = agentrt(path, ['run', 'loop', 'forever', '--run-id', 'cli-loop']);
    await waitFor(async () => {
      const listed = await run(path, 'runs', '--json');
      return listed.out.includes('cli-loop') && (JSON.parse(listed.out) as { stepCount: number }[])[0]!.stepCount >= 1;
      // Generous: every check starts a process, and the whole suite may be starting dozens more meanwhile.
    }, 'the run to commit a step', 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; the run's output: ${JSON.stringify(long.output())}`);
    });
    const killed = await run(path, 'kill', 'cli-loop', 'runaway', 'loop');
    expect(killed.out).toContain('kill requested for cli-loop: runaway loop');
    const result = await long.done;
    expect(result.code).toBe(3);
    expect(result.out).toContain('stop: killed (runaway loop)');
  });

  it('sets and clears the incident stop: new runs are refused while it holds', async () => {
    const path = freshDb();
    expect((await run(path, 'kill', '--all', 'bad', 'deploy')).out).toContain('incident stop: every run stops');
    const refused = await run(path, 'run', 'add', 'it', '--run-id', 'cli-refused');
    expect(refused.code).toBe(3);
    expect(refused.out).toContain('stop: killed');
    expect((await run(path, 'kill', '--clear')).out).toContain('incident stop cleared');
    expect((await run(path, 'run', 'add', 'it', '--run-id', 'cli-after')).code).toBe(0);
  });

  it('redacts secrets in traces', async () => {
    const path = freshDb();
    await run(path, 'run', 'leak', '--run-id', 'cli-leak');
    const trace = await run(path, 'trace', 'cli-leak');
    expect(trace.out).not.toContain('sk-agentrt-CANARY');
    expect(trace.out).toContain('[REDACTED]');
  });

  it('labels the finalize call of limits.finalize in run output and trace: the limit, the tool-less step, its answer', async () => {
    const path = freshDb();
    const config = join(mkdtempSync(join(tmpdir(), 'agentrt-finalize-')), 'agentrt.config.mjs');
    writeFileSync(config, [
      `import base from ${JSON.stringify(CONFIG)};`,
      'const answer = { message: { role: "assistant", content: "Best so far: 5." }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: "stop" };',
      'export default { ...base, limits: { maxSteps: 1, maxToolCalls: 10, timeoutMs: 60_000, finalize: true },',
      '  model: { ...base.model, generate: async (request) => (request.tools?.length ? base.model.generate(request) : answer) } };',
    ].join('\n'));
    const first = await agentrt(path, ['run', 'add', 'two', 'numbers', '--run-id', 'cli-final'], { config }).done;
    expect(first.code, first.err).toBe(3); // stopped by a limit, with the finalize call's answer
    expect(first.out).toContain('Best so far: 5.');
    expect(first.out).toContain('stop: max_steps');
    const trace = await agentrt(path, ['trace', 'cli-final'], { config }).done;
    expect(trace.code, trace.err).toBe(0);
    expect(trace.out).toMatch(/limit {5}max_steps/);
    expect(trace.out).toContain('step 2 · finalize (a best answer after the limit, no tools)');
    expect(trace.out).toContain('state     step 2 committed · finalize answer');
    expect(trace.out).toContain('state     step 1 committed · 1 tool call(s)');
  });

  it('writes a self-contained HTML trace with --html', async () => {
    const path = freshDb();
    await run(path, 'run', 'leak', '--run-id', 'cli-html');
    const file = join(mkdtempSync(join(tmpdir(), 'agentrt-html-')), 'trace.html');
    const wrote = await run(path, 'trace', 'cli-html', '--html', file);
    expect(wrote.code).toBe(0);
    expect(wrote.out).toContain(file);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!127\.)/);
    expect(html).not.toContain('sk-agentrt-CANARY');
    expect(html).toContain('"runId":"cli-html"');
    expect((await run(path, 'trace', 'cli-html', '--html', file, '--json')).code).toBe(64);
  });

  it('fails clearly: unknown run, a --config file that does not exist', async () => {
    const path = freshDb();
    const missing = await run(path, 'trace', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error[run_not_found]');
    const noConfig = await agentrt(path, ['--config', 'nope.mjs', 'runs'], { cwd: tmpdir(), config: false }).done;
    expect(noConfig.code).toBe(1);
    expect(noConfig.err).toContain('error[config_invalid]');
  });

  it('works with no config file at all: the defaults, the demo model, and it says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-bare-'));
    const hello = await agentrt('', ['run', 'hi'], { cwd: dir, config: false, env: NO_KEYS }).done;
    expect(hello.code).toBe(0);
    expect(hello.err).toContain('no agentrt.config.mjs here: using the defaults (runs kept in .agentrt/runs.db)');
    expect(hello.err).toContain('model: embedded demo model');
    expect(existsSync(join(dir, '.agentrt', 'runs.db'))).toBe(true);
    expect((await agentrt('', ['runs'], { cwd: dir, config: false }).done).out).toMatch(/completed\s+final_answer/);
  });
});

describe('usage errors exit 64 and name the problem', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['runs', '--limt', '5'], /unknown option '--limt'[\s\S]*Did you mean --limit\?/],
    ['missing flag value', ['runs', '--limit'], /option '--limit <n>' argument missing/],
    ['bad number', ['runs', '--limit', 'abc'], /'--limit <n>' argument 'abc' is invalid\. expected a positive integer/],
    ['zero', ['runs', '--limit', '0'], /'--limit <n>' argument '0' is invalid/],
    ['bad choice', ['runs', '--status', 'done'], /'--status <status>' argument 'done' is invalid\. Allowed choices are running, paused/],
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['missing argument', ['approve', 'only-one'], /missing required argument 'toolCallId'/],
    ['too many arguments', ['trace', 'a', 'b'], /too many arguments for 'trace'/],
    ['unknown flag on run', ['run', 'hi', '--max-step', '3'], /unknown option '--max-step'/],
    ['kill without target', ['kill'], /kill needs a run id \(or --all \/ --clear\)/],
    ['conflicting flags', ['kill', '--all', '--clear'], /option '--all' cannot be used with option '--clear'/],
    ['bad port', ['ui', '--port', '70000'], /'--port <n>' argument '70000' is invalid/],
    ['no command', [], /Usage: agentrt/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: agentrt ${args.join(' ')}`, async () => {
      const result = await cli(...args);
      expect(result.code).toBe(64);
      expect(result.err).toMatch(message);
      expect(result.out).toBe('');
    });
  }
  it('the binary exits with 64 too', async () => {
    const result = await run(freshDb(), 'runs', '--limt', '5');
    expect(result.code).toBe(64);
    expect(result.err).toContain("agentrt: error[usage] unknown option '--limt'");
  });
});

describe('help', () => {
  for (const command of ['run', 'runs', 'trace', 'kill', 'resume', 'approve', 'ui', 'init']) {
    it(`agentrt ${command} --help prints its usage and exits 0`, async () => {
      const result = await cli(command, '--help');
      expect(result.code).toBe(0);
      expect(result.out).toMatch(new RegExp(`^Usage: agentrt ${command} `));
      expect(result.out).toContain('--config <file>');
      expect(result.err).toBe('');
      expect((await cli('help', command)).out).toBe(result.out);
    });
  }
  it('agentrt --help lists every command and the exit codes; --version prints the version', async () => {
    const help = await run(freshDb(), '--help');
    expect(help.code).toBe(0);
    for (const command of ['run', 'runs', 'trace', 'kill', 'resume', 'approve', 'ui', 'init']) expect(help.out).toMatch(new RegExp(`\\n  ${command} `));
    expect(help.out).toContain('64 usage');
    const version = await run(freshDb(), '--version');
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });
});

describe('agentrt init and the embedded demo model', () => {
  it('writes a commented config, refuses to overwrite it without --force, and the CLI then runs offline on the demo model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-init-'));
    const init = await agentrt('', ['init'], { cwd: dir, config: false }).done;
    expect(init.code).toBe(0);
    const file = join(dir, 'agentrt.config.mjs');
    expect(readFileSync(file, 'utf8')).toBe(INIT_CONFIG);
    expect(INIT_CONFIG.split('\n').filter((line) => line.trim().startsWith('//')).length).toBeGreaterThan(15);
    writeFileSync(file, `${INIT_CONFIG}// mine\n`);
    const again = await agentrt('', ['init'], { cwd: dir, config: false }).done;
    expect(again.code).toBe(1);
    expect(again.err).toContain('error[config_exists]');
    expect(readFileSync(file, 'utf8')).toContain('// mine');
    expect((await agentrt('', ['init', '--force'], { cwd: dir, config: false }).done).out).toContain('replaced');
    expect(readFileSync(file, 'utf8')).toBe(INIT_CONFIG);

    const hello = await agentrt('', ['run', 'hello', 'there'], { cwd: dir, config: false, env: NO_KEYS }).done;
    expect(hello.code).toBe(0);
    expect(hello.err).toContain('model: embedded demo model');
    expect(hello.out).toContain("embedded demo model (no API key is set");
    expect(hello.out).toContain('stop: final_answer · 1 steps');
    expect(existsSync(join(dir, '.agentrt', 'runs.db'))).toBe(true);
    const listed = await agentrt('', ['runs'], { cwd: dir, config: false, env: NO_KEYS }).done;
    expect(listed.out).toMatch(/completed\s+final_answer/);
  });

  it('the demo model calls a tool named in the input with arguments taken from it', async () => {
    const config = new URL('./__fixtures__/demo.config.mjs', import.meta.url).pathname;
    const result = await agentrt(freshDb(), ['run', 'add', '2', 'and', '40'], { config, env: NO_KEYS }).done;
    expect(result.code).toBe(0);
    expect(result.out).toContain('decide    add({"a":2,"b":40})');
    expect(result.out).toContain('act       add → 42');
    expect(result.out).toContain('add returned: 42');
  });

  it('picks the model: the config, else AGENTRT_MODEL or a provider key in the environment, else the embedded one', () => {
    expect(chooseModel('ollama:qwen3', { OPENAI_API_KEY: 'x' })).toMatchObject({ model: 'ollama:qwen3', source: 'configured' });
    expect(chooseModel(undefined, { AGENTRT_MODEL: 'anthropic:claude-haiku-4-5', OPENAI_API_KEY: 'x' })).toMatchObject({ model: 'anthropic:claude-haiku-4-5', source: 'environment' });
    expect(chooseModel(undefined, { OPENAI_API_KEY: 'x' })).toMatchObject({ model: 'openai:gpt-4o-mini', source: 'environment', label: 'openai:gpt-4o-mini (OPENAI_API_KEY is set)' });
    expect(chooseModel(undefined, { ANTHROPIC_API_KEY: 'x' })).toMatchObject({ model: 'anthropic:claude-sonnet-4-6' });
    expect(chooseModel(undefined, { OLLAMA_HOST: 'http://127.0.0.1:11434' })).toMatchObject({ model: 'ollama:llama3.1' });
    const embedded = chooseModel(undefined, {});
    expect(embedded.source).toBe('embedded');
    expect(embedded.model).toMatchObject({ provider: 'agentrt', model: 'demo' });
  });
});
