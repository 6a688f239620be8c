import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '@agentrt/core';

/** Crash points of RELIABILITY.md §4.3. */
export const CRASH_POINTS = ['CP1', 'CP2', 'CP3', 'CP4', 'CP5', 'CP6', 'CP7', 'CP8'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Where to crash: a point, optionally only at one step index, and for CP4 which tool. */
export interface CrashSpec {
  readonly point: CrashPoint;
  readonly step?: number;
  readonly tool?: 'charge' | 'put' | 'lookup';
}

/** Configuration passed to the child process. */
export interface CrashChildConfig {
  readonly mode: 'start' | 'resume';
  readonly runId: string;
  /** File URL of a module exporting `createStore(options): StateStore`. */
  readonly storeModule: string;
  readonly storeOptions: unknown;
  readonly counterUrl: string;
  readonly leaseTtlMs: number;
  readonly crash?: CrashSpec;
  /**
   * `crash` (default): the crash scenario; `media`: the same with an image in the input, an image
   * from `lookup` and signed reasoning on every turn; `slow`: a run that loops on a slow tool;
   * `approval`: a run that pauses for approval.
   */
  readonly scenario?: 'crash' | 'media' | 'slow' | 'approval';
}

/** What one child process did. */
export interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly result?: RunResult<unknown>;
  readonly stderr: string;
}

// The child always runs built code: when this module is loaded from source (vitest), use dist.
const here = fileURLToPath(import.meta.url);
const CHILD = here.endsWith('.ts') ? here.replace(/([\\/])src([\\/]crash[\\/])harness\.ts$/, '$1dist$2child.js') : fileURLToPath(new URL('./child.js', import.meta.url));

/** Runs the crash scenario once in a child process (compiled `dist` code; build first). */
export function runCrashChild(config: CrashChildConfig, timeoutMs = 30_000): Promise<ChildOutcome> {
  return startCrashChild(config, timeoutMs).exited;
}

/** Starts a child without waiting; `exited` settles when it ends. */
export function startCrashChild(config: CrashChildConfig, timeoutMs = 30_000): { pid: number | undefined; exited: Promise<ChildOutcome> } {
  let pid: number | undefined;
  const exited = new Promise<ChildOutcome>((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code, signal, stderr, ...(line ? { result: JSON.parse(line.slice(7)) as RunResult<unknown> } : {}) });
    });
    pid = child.pid;
  });
  return { pid, exited };
}

/**
 * One crash-injected run: start it in a child that SIGKILLs itself at `crash`, then resume it
 * in a fresh child (no crash). Returns both outcomes; check invariants and the effect counter after.
 */
export async function runCrashScenario(options: Omit<CrashChildConfig, 'mode' | 'crash'> & { crash: CrashSpec }): Promise<{ crashed: ChildOutcome; resumed: ChildOutcome }> {
  const { crash, ...common } = options;
  const crashed = await runCrashChild({ ...common, crash, mode: 'start' });
  const resumed = await runCrashChild({ ...common, mode: 'resume' });
  return { crashed, resumed };
}
