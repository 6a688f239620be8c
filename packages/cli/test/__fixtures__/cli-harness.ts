// Drives the built `agentrt` binary in child processes (run `tsc -b` first), against the
// fixture config and a SQLite file per test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = new URL('../../dist/bin.js', import.meta.url).pathname;
export const CONFIG = new URL('./agentrt.config.mjs', import.meta.url).pathname;

/** A fresh SQLite path in its own temp folder. */
export const freshDb = () => join(mkdtempSync(join(tmpdir(), 'agentrt-cli-')), 'runs.db');

export interface Finished {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly done: Promise<Finished>;
  /** Everything printed so far. */
  output(): { out: string; err: string };
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `agentrt --config <fixture> ...args` with the test store. */
export function agentrt(dbPath: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; config?: string | false } = {}): Spawned {
  const config = options.config === false ? [] : ['--config', options.config ?? CONFIG];
  const child = spawn(process.execPath, [BIN, ...config, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, AGENTRT_TEST_DB: dbPath, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': the output may still be in the pipes when the process has exited.
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out, err })));
  return { child, done, output: () => ({ out, err }), kill: (signal = 'SIGKILL') => child.kill(signal) };
}

/** Runs a command to its end. */
export const run = (dbPath: string, ...args: string[]) => agentrt(dbPath, args).done;

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A running `agentrt ui --port 0`, with the URL it printed. */
export interface UiProcess extends AsyncDisposable {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly port: number;
  readonly process: Spawned;
  stop(): Promise<Finished>;
}

/** Starts the console on a free port and waits for the URL it prints. */
export async function startUi(dbPath: string, extra: readonly string[] = [], options: { config?: string; env?: NodeJS.ProcessEnv } = {}): Promise<UiProcess> {
  const ui = agentrt(dbPath, ['ui', '--port', '0', ...extra], options);
  const url = await waitFor(() => /http:\/\/\S+\?token=\S+/.exec(ui.output().out)?.[0], `the console URL (stderr: ${ui.output().err})`, 30_000);
  const parsed = new URL(url);
  const stop = async () => {
    if (ui.child.exitCode === null && ui.child.signalCode === null) ui.kill('SIGTERM');
    return ui.done;
  };
  return { url, origin: parsed.origin, token: parsed.searchParams.get('token')!, port: Number(parsed.port), process: ui, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}
