#!/usr/bin/env node
// `pnpm test:stress [--repeat N] [--hogs N] [vitest args…]`: runs the README test command
// (`node scripts/test.mjs`, which prints `N passed, N failed`) while one CPU hog per core keeps
// every core busy, as on a loaded machine or a shared CI runner. With `--repeat N` it runs the
// suite N times in a row, stops at the first failing run, and prints each run's summary line.
// The hogs are stopped on exit, on failure and on Ctrl-C; a hog whose parent is gone stops itself.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const options = { repeat: 1, hogs: availableParallelism(), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    if (flag === '--repeat' || flag === '--hogs') {
      const value = Number(inline ?? argv[++i]);
      if (!Number.isInteger(value) || value < (flag === '--repeat' ? 1 : 0)) {
        console.error(`test:stress: ${flag} needs ${flag === '--repeat' ? 'a positive' : 'a non-negative'} integer`);
        process.exit(64);
      }
      options[flag.slice(2)] = value;
    } else {
      options.rest.push(arg);
    }
  }
  return options;
}

// Spins one core; checks every ~100 ms that the parent still lives, so no hog outlives a killed parent.
const HOG = `
  const parent = ${process.pid};
  for (;;) {
    const until = Date.now() + 100;
    while (Date.now() < until) Math.sqrt(Math.random());
    try { process.kill(parent, 0); } catch { process.exit(0); }
  }`;

const hogs = new Set();
function startHogs(count) {
  for (let i = 0; i < count; i++) {
    const hog = spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' });
    hogs.add(hog);
    hog.once('exit', () => hogs.delete(hog));
  }
}
function stopHogs() {
  for (const hog of hogs) {
    try {
      hog.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  hogs.clear();
}

let current;
/** Stops the running suite: test.mjs, vitest and its workers share the process group made for them. */
function stopSuite(signal) {
  if (!current?.pid) return;
  try {
    process.kill(-current.pid, signal);
  } catch {
    // already gone
  }
}
process.on('exit', () => {
  stopHogs();
  stopSuite('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopHogs();
    stopSuite(signal);
    process.exit(130);
  });
}

/** One run of the test command, its output passed through; resolves with its exit code and summary line. */
function runSuite(args) {
  return new Promise((resolve) => {
    // Its own process group, so a signal here can stop the whole tree (test.mjs, vitest, its workers).
    const child = spawn(process.execPath, [join(root, 'scripts', 'test.mjs'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    current = child;
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk).slice(-4096);
    });
    child.on('close', (code, signal) => {
      current = undefined;
      const summary = tail.split('\n').map((line) => line.trim()).filter((line) => /^\d+ passed, \d+ failed/.test(line)).at(-1);
      resolve({ code: code ?? (signal ? 1 : 0), summary: summary ?? '0 passed, 1 failed (no summary line)' });
    });
  });
}

const options = parseArgs(process.argv.slice(2));
startHogs(options.hogs);
console.log(`[test:stress] ${options.hogs} CPU hog(s) on ${availableParallelism()} core(s); ${options.repeat} run(s)`);
const lines = [];
let failed = false;
for (let run = 1; run <= options.repeat; run++) {
  const started = Date.now();
  const { code, summary } = await runSuite(options.rest);
  lines.push(`[test:stress] run ${run}/${options.repeat}: ${summary} (${Math.round((Date.now() - started) / 1000)} s)`);
  if (code !== 0) {
    failed = true;
    break;
  }
}
stopHogs();
for (const line of lines) console.log(line);
if (failed) console.log(`[test:stress] stopped at the first failing run`);
process.exit(failed ? 1 : 0);
