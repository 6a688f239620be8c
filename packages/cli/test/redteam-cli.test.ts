// Red team of the agentrt command from outside: the built binary in child processes, a real
// SQLite store, a hostile model/tool config (secret canaries and terminal control sequences in
// every field), hostile config files and `init` against symlinks.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { SECRET_CANARIES } from '@agentrt/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { agentrt, freshDb, type Finished } from './__fixtures__/cli-harness.js';
// @ts-expect-error -- a plain-JS fixture module without types
import { QUOTE_ID } from './__fixtures__/hostile.config.mjs';

const HOSTILE_CONFIG = new URL('./__fixtures__/hostile.config.mjs', import.meta.url).pathname;
const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
/**
 * What must never reach a terminal raw: C0 controls but newline and tab, DEL, C1 controls (0x9b is
 * an 8-bit CSI), format characters (bidi, zero-width, tag characters), line separators and
 * default-ignorable code points (Hangul fillers, variation selectors) but an emoji's selector.
 */
const RAW_CONTROL = /(?![\n\t])(?<!\u2764)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

const hostile = (db: string, ...args: string[]) => agentrt(db, args, { config: HOSTILE_CONFIG, env: NO_KEYS }).done;
const printed = (result: Finished) => `${result.out}\n${result.err}`;
function expectClean(name: string, text: string): void {
  for (const canary of SECRET_CANARIES) expect(text, `${name} shows ${canary}`).not.toContain(canary);
  const raw = RAW_CONTROL.exec(text);
  expect(raw, `${name} prints a raw control character U+${raw?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} near ${JSON.stringify(text.slice(Math.max(0, (raw?.index ?? 0) - 40), (raw?.index ?? 0) + 10))}`).toBeNull();
}

describe('red team: what the CLI prints', () => {
  let db: string;
  const outputs: Record<string, Finished> = {};

  beforeAll(async () => {
    db = freshDb();
    outputs.run = await hostile(db, 'run', 'leak', 'it', '--run-id', 'rt-leak');
    outputs.runJson = await hostile(db, 'run', 'leak', 'again', '--run-id', 'rt-leak-json', '--json');
    outputs.answer = await hostile(db, 'run', 'answer', '--run-id', 'rt-answer');
    outputs.answerJson = await hostile(db, 'run', 'answer', 'json', '--run-id', 'rt-answer-json', '--json');
    outputs.fail = await hostile(db, 'run', 'fail', '--run-id', 'rt-fail');
    outputs.pay = await hostile(db, 'run', 'pay', '--run-id', 'rt-pay');
    outputs.payJson = await hostile(db, 'run', 'pay', 'json', '--run-id', 'rt-pay-json', '--json');
    outputs.approve = await hostile(db, 'approve', 'rt-pay', 'pay-1');
    outputs.approveJson = await hostile(db, 'approve', 'rt-pay-json', 'pay-1', '--json');
    // A run another program wrote into the shared store, with a hostile id and stop detail.
    const store = new SqliteStore({ path: db });
    const at = new Date().toISOString();
    const runId = `evil\x1b]0;PWNED\x07\u202e${SECRET_CANARIES[1]}`;
    await store.createRun({ runId, input: [{ role: 'user', content: 'x' }], inputFingerprint: 'x', toolsFingerprint: 'x', createdAt: at });
    await store.finishRun({
      runId,
      result: { runId, status: 'failed', stopReason: 'error', stopDetail: `detail \x1b[2J ${SECRET_CANARIES[0]}`, steps: 0, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt: at, endedAt: at, error: { code: 'x', message: `boom \x9b31m ${SECRET_CANARIES[3]}` } },
      events: [{ type: 'run_started', runId, at, seq: 1, messageCount: 1, tools: [] }, { type: 'run_error', runId, at, seq: 2, code: 'x', message: `boom \x1b]52;c;AAAA\x07 ${SECRET_CANARIES[2]}` }],
    });
    await store.close();
    outputs.runs = await hostile(db, 'runs');
    outputs.runsJson = await hostile(db, 'runs', '--json');
    for (const id of ['rt-leak', 'rt-fail', 'rt-pay', runId]) {
      outputs[`trace ${id}`] = await hostile(db, 'trace', id);
      outputs[`trace --json ${id}`] = await hostile(db, 'trace', id, '--json');
    }
    outputs.resumeDone = await hostile(db, 'resume', 'rt-leak');
    outputs.unknownRun = await hostile(db, 'trace', `nope\x1b[31m${SECRET_CANARIES[0]}`);
  }, 240_000);

  it('runs the hostile scenarios with their usual exit codes', () => {
    expect(Object.fromEntries(['run', 'runJson', 'answer', 'answerJson', 'fail', 'pay', 'payJson', 'approve', 'approveJson', 'runs', 'runsJson'].map((k) => [k, outputs[k]!.code]))).toEqual({
      run: 0, runJson: 0, answer: 0, answerJson: 0, fail: 0, pay: 2, payJson: 2, approve: 0, approveJson: 0, runs: 0, runsJson: 0,
    });
    expect(outputs.unknownRun!.code).toBe(1);
  });

  it('never prints a secret canary or a raw terminal control sequence, in any command or mode', () => {
    for (const [name, result] of Object.entries(outputs)) expectClean(name, printed(result));
  });

  it('still shows the text around the escapes (made visible, not dropped) and the redaction marker', () => {
    expect(outputs.run!.out).toContain('PWNED');
    expect(outputs.run!.out).toMatch(/\\u001b\]0;PWNED/);
    expect(outputs.run!.out).toContain('[REDACTED]');
    expect(outputs['trace rt-leak']!.out).toMatch(/\\u001b\]52;c;/);
  });

  it('--json lines stay valid JSON whose values keep the characters (escaped in the text only)', () => {
    const events = outputs.runJson!.out.trim().split('\n').map((line) => JSON.parse(line) as { type: string; result?: { output?: string } });
    const finished = events.at(-1)!;
    expect(finished.type).toBe('run_finished');
    expect(finished.result!.output).toContain('\u202eevil\u202c');
    expect(finished.result!.output).toContain('\x1b]0;PWNED\x07');
  });

  it('--json never lets a secret through split across streamed text deltas', () => {
    for (const name of ['runJson', 'answerJson', 'payJson']) {
      const events = outputs[name]!.out.trim().split('\n').map((line) => JSON.parse(line) as { type: string; text?: string });
      const streamed = events.filter((e) => e.type === 'model_delta' || e.type === 'model_reasoning_delta').map((e) => e.text).join('');
      for (const canary of SECRET_CANARIES) expect(streamed, `${name}: deltas rejoined`).not.toContain(canary);
    }
  });
});

describe('red team: the approve command the CLI suggests', () => {
  it('quotes a model-chosen tool call id so the printed command, pasted into a shell, runs nothing else', async () => {
    for (const n of [1, 2, 3, 4]) rmSync(`/tmp/agentrt-redteam-pwned-${n}`, { force: true });
    const db = freshDb();
    const paused = await hostile(db, 'run', 'quote', '--run-id', 'rt-quote');
    expect(paused.code).toBe(2);
    const line = paused.out.split('\n').find((l) => l.startsWith('awaiting approval: '));
    expect(line).toBeDefined();
    const command = line!.slice(line!.indexOf('— ') + 2).replace(/ \[--deny\]$/, '');
    expect(command.startsWith('agentrt approve rt-quote ')).toBe(true);
    // What bash makes of the pasted words: exactly three arguments, the id byte for byte.
    // (In a scratch folder with a scratch HOME: were the quoting broken, the pasted words would run there.)
    const scratch = mkdtempSync(join(tmpdir(), 'agentrt-rt-paste-'));
    const args = spawnSync('bash', ['-c', `printf '%s\\0' ${command.slice('agentrt '.length)}`], { encoding: 'utf8', cwd: scratch, env: { PATH: process.env.PATH, HOME: scratch } });
    expect(args.status).toBe(0);
    expect(args.stdout.split('\0').slice(0, -1)).toEqual(['approve', 'rt-quote', QUOTE_ID]);
    for (const n of [1, 2, 3, 4]) expect(existsSync(`/tmp/agentrt-redteam-pwned-${n}`), `pwned-${n}`).toBe(false);
    // And that command decides the call.
    const approved = await hostile(db, 'approve', 'rt-quote', QUOTE_ID);
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('stop: final_answer');
  });
});

describe('red team: hostile config files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt-config-'));
  const withConfig = async (name: string, text: string, ...args: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return agentrt('', args.length ? args : ['runs'], { config: path, cwd: dir, env: NO_KEYS }).done;
  };

  it('refuses a JSON config that is not an object, naming the config (exit 1, config_invalid)', async () => {
    for (const [name, text] of [['array.json', '[1, 2]'], ['null.json', 'null'], ['string.json', '"sqlite"'], ['number.json', '42']] as const) {
      const result = await withConfig(name, text);
      expect(result.code, name).toBe(1);
      expect(result.err, name).toMatch(/^agentrt: error\[config_invalid\] .*config/m);
    }
  });

  it('refuses ill-typed store and plugins fields with config_invalid naming the field', async () => {
    const cases: [string, string, RegExp][] = [
      ['path.json', '{"store":{"type":"sqlite","path":5}}', /store\.path/],
      ['url.json', '{"store":{"type":"redis","url":5}}', /store\.url/],
      ['prefix.json', '{"store":{"type":"redis","keyPrefix":{}}}', /store\.keyPrefix/],
      ['plugins-string.json', '{"plugins":"@agentrt/tools-math"}', /plugins/],
      ['plugins-object.json', '{"plugins":{"0":"x"}}', /plugins/],
      ['store-string.json', '{"store":"sqlite"}', /store/],
    ];
    for (const [name, text, field] of cases) {
      const result = await withConfig(name, text);
      expect(result.code, name).toBe(1);
      expect(result.err, name).toMatch(/^agentrt: error\[config_invalid\]/m);
      expect(result.err, name).toMatch(field);
    }
  });

  it('ignores __proto__ in a JSON config (no pollution, no effect on limits); `constructor` is an unknown field', async () => {
    const result = await withConfig('proto.json', JSON.stringify({ store: { type: 'sqlite', path: 'p.db' } }).replace('{', '{"__proto__":{"limits":{"maxSteps":1}},'), 'run', 'hello');
    expect(result.code).toBe(0);
    expect(result.out).toContain('stop: final_answer');
    const constructor = await withConfig('constructor.json', JSON.stringify({ store: { type: 'sqlite', path: 'p.db' } }).replace('{', '{"constructor":{"prototype":{"polluted":true}},'), 'run', 'hello');
    expect(constructor.code).toBe(1);
    expect(constructor.err).toContain('error[config_invalid] Invalid option "constructor": unknown config field');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a --config that is a directory with config_invalid', async () => {
    const folder = join(dir, 'a-folder.mjs');
    mkdirSync(folder, { recursive: true });
    const result = await agentrt('', ['runs'], { config: folder, cwd: dir, env: NO_KEYS }).done;
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^agentrt: error\[config_invalid\]/m);
  });
});

describe('red team: agentrt init and symlinks', () => {
  it('never writes through a symlinked agentrt.config.mjs: refused without --force, the link replaced (not its target) with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt-init-'));
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'agentrt.config.mjs'));
    const refused = await agentrt('', ['init'], { cwd: dir, config: false }).done;
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/error\[config_exists\]/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    const forced = await agentrt('', ['init', '--force'], { cwd: dir, config: false }).done;
    expect(forced.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'agentrt.config.mjs')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'agentrt.config.mjs'), 'utf8')).toContain('export default');
  });

  it('treats a dangling symlink as an existing file (config_exists), and writes no file at its target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt-init-'));
    const target = join(dir, 'elsewhere', 'created-by-link.mjs');
    symlinkSync(target, join(dir, 'agentrt.config.mjs'));
    const refused = await agentrt('', ['init'], { cwd: dir, config: false }).done;
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/error\[config_exists\]/);
    const forced = await agentrt('', ['init', '--force'], { cwd: dir, config: false }).done;
    expect(forced.code).toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  it('fails with a typed error (exit 1) for a path in a missing folder or a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt-init-'));
    const missing = await agentrt('', ['--config', join(dir, 'no', 'such', 'agentrt.config.mjs'), 'init'], { cwd: dir, config: false }).done;
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^agentrt: error\[[a-z_]+\]/m);
    mkdirSync(join(dir, 'folder.mjs'));
    const folder = await agentrt('', ['--config', join(dir, 'folder.mjs'), 'init', '--force'], { cwd: dir, config: false }).done;
    expect(folder.code).toBe(1);
    expect(folder.err).toMatch(/^agentrt: error\[[a-z_]+\]/m);
  });
});
