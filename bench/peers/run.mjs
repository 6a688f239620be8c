// `pnpm bench:peers`: agentrt against its peers and two bare baselines, side by side, on this
// machine, in one sitting. Peers are installed on demand with npm into .tmp/bench-peers/ (never
// into the workspace). Every cell (runtime × measurement) runs in its own process; rounds are
// interleaved (round-robin over runtimes, the start rotating each round) and the table shows the
// median. Writes bench/peers/results.md. See docs/performance.md "Peer comparison".
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, RUNTIMES, USAGE } from './options.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const peersDir = join(root, '.tmp', 'bench-peers');
const CELL_TIMEOUT_MS = 30 * 60_000;

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (line) => process.stderr.write(`${line}\n`);
const selected = RUNTIMES.filter((r) => options.runtimes.includes(r.name));
const MEASURES = [
  { key: 'steps200', arg: 'steps=200' },
  { key: 'steps1000', arg: 'steps=1000' },
  { key: 'concurrent', arg: 'concurrent=1000x10' },
  { key: 'durable', arg: 'durable=200', durableOnly: true },
];

/** npm-installs the pinned peers into .tmp/bench-peers/ when bench/peers/package*.json changed. */
function ensurePeers() {
  const manifests = ['package.json', 'package-lock.json'];
  const hash = createHash('sha256');
  for (const file of manifests) hash.update(readFileSync(join(here, file)));
  const stamp = join(peersDir, '.installed');
  const digest = hash.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && existsSync(join(peersDir, 'node_modules'))) return;
  log(`installing peers into ${relative(root, peersDir)}/ (npm ci; better-sqlite3 compiles from source: minutes on a busy machine)…`);
  mkdirSync(peersDir, { recursive: true });
  for (const file of manifests) cpSync(join(here, file), join(peersDir, file));
  const env = { ...process.env };
  // better-sqlite3 compiles from source here; node-gyp needs the headers (TOOLCHAIN: nodedir=/usr).
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const installed = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: peersDir, env, stdio: ['ignore', 2, 2] });
  if (installed.status !== 0) {
    log('npm ci failed; the peers could not be installed (see above).');
    process.exit(1);
  }
  writeFileSync(stamp, digest);
}

/** Runs one cell in a fresh process and returns its parsed RESULT line, or { error }. */
function runCell(runtime, measure) {
  const cwd = runtime.peer ? join(peersDir, 'cells') : join(here, 'cells');
  const args = [join(cwd, 'cell.mjs'), runtime.name, measure.arg, `--budget-ms=${options.budgetMs}`, `--synchronous=${options.synchronous}`];
  // No telemetry or tracing export from any peer: the figures must not include network I/O.
  const env = { ...process.env, LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false', OPENAI_AGENTS_DISABLE_TRACING: '1', OTEL_SDK_DISABLED: 'true' };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), CELL_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(7)));
      const reason = signal ? `killed by ${signal}` : `exit ${code}`;
      const detail = stderr.split('\n').find((l) => /Error|error/.test(l)) ?? stderr.trim().split('\n').at(-1) ?? '';
      resolve({ error: `${reason}: ${detail.trim()}`.slice(0, 300) });
    });
  });
}

const median = (values) => {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const num = (value) => (value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US'));
const ratio = (value, base) => (value === undefined || !base ? '' : ` (${value / base < 10 ? (value / base).toFixed(1) : num(value / base)}×)`);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const version = (pkg, dir) => {
  try { return JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version; } catch { return '?'; }
};

// ---- run ----
const loadStart = os.loadavg();
const startedAt = new Date();
if (selected.some((r) => r.peer)) ensurePeers();
if (selected.some((r) => r.peer)) {
  rmSync(join(peersDir, 'cells'), { recursive: true, force: true });
  cpSync(join(here, 'cells'), join(peersDir, 'cells'), { recursive: true });
}

const results = new Map(); // `${runtime}|${measure}` → array of cell results
const cells = (runtime, measure) => results.get(`${runtime}|${measure}`) ?? [];
for (let round = 0; round < options.rounds; round++) {
  for (const measure of MEASURES) {
    const runtimes = selected.filter((r) => !measure.durableOnly || r.durable);
    const order = runtimes.map((_, i) => runtimes[(i + round) % runtimes.length]);
    for (const runtime of order) {
      const t = performance.now();
      const result = await runCell(runtime, measure);
      const key = `${runtime.name}|${measure.key}`;
      results.set(key, [...cells(runtime.name, measure.key), result]);
      const shown = result.error ? `FAILED ${result.error}` : `${num(result.value)} ${result.unit}`;
      log(`round ${round + 1}/${options.rounds} · ${measure.arg.padEnd(18)} · ${runtime.name.padEnd(13)} · ${shown} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    }
  }
}

// ---- report ----
const stat = (runtime, measure, field = 'value') => median(cells(runtime, measure).filter((c) => !c.error && c[field] !== undefined).map((c) => c[field]));
const failed = (runtime, measure) => cells(runtime, measure).find((c) => c.error)?.error;
const cell = (runtime, measure, unit, field = 'value', withRatio = true) => {
  const value = stat(runtime.name, measure, field);
  if (value === undefined) return failed(runtime.name, measure) ? 'failed' : '—';
  const base = withRatio && runtime.name !== 'bare' ? stat('bare', measure, field) : undefined;
  return `${unit === 'bytes' ? kb(value) : `${num(value)}${unit}`}${ratio(value, base)}`;
};
const versions = {
  ai: version('ai', peersDir),
  '@openai/agents': version('@openai/agents', peersDir),
  '@langchain/langgraph': version('@langchain/langgraph', peersDir),
  agentrt: JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).version,
};
const label = (runtime) => {
  if (runtime.name === 'agentrt') return `agentrt ${versions.agentrt} (MemoryStore · SqliteStore)`;
  if (runtime.name === 'langgraph') return `LangGraph.js ${versions[runtime.package]} + checkpointer (MemorySaver · SqliteSaver)`;
  if (runtime.package) return `${runtime.label} ${versions[runtime.package]}`;
  return runtime.label;
};
const rows = selected.map((r) => `| ${label(r)} | ${cell(r, 'steps200', '')} | ${cell(r, 'steps1000', '')} | ${cell(r, 'concurrent', ' ms')} | ${cell(r, 'concurrent', ' MB', 'maxRssMB', false)} | ${r.durable ? cell(r, 'durable', ' µs') : '—'} | ${r.durable ? cell(r, 'durable', 'bytes', 'bytesPerStep') : '—'} |`);
const cpus = os.cpus();
const loadEnd = os.loadavg();
const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1);
const machine = `${cpus[0]?.model.trim() ?? 'unknown CPU'} · ${cpus.length} cores · ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB · ${os.platform()} ${os.release()} · Node ${process.version}`;
const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
const errors = [...results.entries()].flatMap(([key, list]) => list.filter((c) => c.error).map((c) => `- ${key.replace('|', ' · ')}: ${c.error}`));

const markdown = `| runtime | µs/step, 200 steps | µs/step, 1,000 steps | 1,000 concurrent 10-step runs | peak RSS | durable step (SQLite) | written per durable step |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

(×) = ratio to the bare loop in the same column (durable columns: to the bare loop doing one SQLite WAL append per step).

- Machine: ${machine}
- Load average (1/5/15 min) at start: ${load(loadStart)}; at end: ${load(loadEnd)}
- Run: ${startedAt.toISOString()} · ${options.rounds} interleaved round(s)${options.quick ? ' (--quick)' : ''} · ${minutes} min · SQLite synchronous=${options.synchronous}
- Peers: ai ${versions.ai}, @openai/agents ${versions['@openai/agents']}, @langchain/langgraph ${versions['@langchain/langgraph']} (pinned in bench/peers/package.json)
${errors.length ? `\nFailed cells:\n${errors.join('\n')}\n` : ''}`;

const fullSet = selected.length === RUNTIMES.length;
const target = fullSet ? join(here, 'results.md') : join(peersDir, 'results.md');
const document = `# Peer comparison: latest results

Written by \`pnpm bench:peers\`${fullSet ? '' : ` --only=${options.runtimes.join(',')}`}; method in docs/performance.md ("Peer comparison").

${markdown}`;
console.log(markdown);
if (options.write) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, document);
  // Every cell's raw result, for a closer look (and to re-check the medians by hand).
  mkdirSync(peersDir, { recursive: true });
  writeFileSync(join(peersDir, 'last-run.json'), JSON.stringify({ startedAt, machine, loadStart, loadEnd, options, cells: Object.fromEntries(results) }, null, 2));
  log(`written to ${relative(root, target)}${fullSet ? '' : ' (a partial run never overwrites bench/peers/results.md)'}`);
}
if (errors.length) process.exitCode = 1;
