// One measurement of one runtime in a fresh process: `node cell.mjs <runtime> <measure> [options]`.
// measures: steps=<N> (µs/step of one run of N tool steps), concurrent=<R>x<N> (ms wall for R
// concurrent runs of N steps), durable=<N> (µs/step of one durable run of N steps on SQLite).
// Options: --budget-ms=<ms> (time spent taking samples; at least one sample is taken),
// --synchronous=<off|normal|full|extra>. Prints one line `RESULT <json>` on stdout.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [runtimeName, measure, ...rest] = process.argv.slice(2);
const option = (key, fallback) => rest.find((a) => a.startsWith(`--${key}=`))?.slice(key.length + 3) ?? fallback;
const budgetMs = Number(option('budget-ms', '1000'));
const synchronous = option('synchronous', 'normal');
const WARMUP_STEPS = 200;
const WARMUP_RUNS = 12;
const WARMUP_MS = 3_000;

const runtime = await import(`./${runtimeName}.mjs`);
const now = () => performance.now();
const median = (values) => { const s = [...values].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
/** Bytes this process passed to write(2) so far (Linux); undefined elsewhere. */
function writtenBytes() {
  try { return Number(/^wchar:\s*(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))[1]); } catch { return undefined; }
}

/** JIT warm-up: runs of `run` until WARMUP_RUNS or WARMUP_MS, whichever comes first (at least one). */
async function warmUp(run) {
  const started = now();
  for (let i = 0; i < WARMUP_RUNS && (i === 0 || now() - started < WARMUP_MS); i++) await run();
}

/** Timed samples of `run` until the budget is spent (at least one, at most 50); returns ms per sample. */
async function sample(run) {
  const samples = [];
  const started = now();
  while (samples.length === 0 || (now() - started < budgetMs && samples.length < 50)) {
    const t = now();
    await run();
    samples.push(now() - t);
  }
  return samples;
}

let result;
const [kind, arg] = measure.split('=');
if (kind === 'steps') {
  const steps = Number(arg);
  await warmUp(runtime.setup(Math.min(steps, WARMUP_STEPS)));
  const samples = await sample(runtime.setup(steps));
  result = { value: (median(samples) * 1000) / steps, unit: 'µs/step', samples: samples.length };
} else if (kind === 'concurrent') {
  const [runs, steps] = arg.split('x').map(Number);
  const run = runtime.setup(steps);
  const all = (count) => () => Promise.all(Array.from({ length: count }, () => run()));
  await warmUp(all(Math.max(1, runs / 10)));
  const t = now();
  await all(runs)();
  result = { value: now() - t, unit: 'ms', samples: 1 };
} else if (kind === 'durable') {
  const steps = Number(arg);
  if (!runtime.setupDurable) throw new Error(`${runtimeName}: no durable variant`);
  const dir = mkdtempSync(join(tmpdir(), `agentrt-peers-${runtimeName}-`));
  try {
    const warm = await runtime.setupDurable({ steps: Math.min(steps, 20), dir: mkdtempSync(join(dir, 'warm-')), synchronous });
    await warmUp(warm.run);
    await warm.close();
    const durable = await runtime.setupDurable({ steps, dir, synchronous });
    await durable.run(); // creates tables and statements outside the timed samples
    const before = writtenBytes();
    const samples = await sample(durable.run);
    const after = writtenBytes();
    await durable.close();
    const bytesPerStep = before === undefined ? undefined : (after - before) / (samples.length * steps);
    result = { value: (median(samples) * 1000) / steps, unit: 'µs/step', samples: samples.length, bytesPerStep };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  throw new Error(`unknown measure "${measure}"`);
}
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`RESULT ${JSON.stringify({ runtime: runtimeName, measure, ...result })}\n`);
