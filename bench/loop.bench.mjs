// Per-step overhead of the agentrt loop (in-memory path) against two honest baselines, measured
// side by side in one process, interleaved round by round so machine load hits every cell alike:
//   (a) bare loop:        a plain `while` loop calling the same scripted model and the same `add`
//                         tool, appending to a transcript — nothing else.
//   (b) bare + persist:   (a) plus what persisting a step costs in memory: zod validation of the
//                         arguments and a deep copy of the step (what MemoryStore keeps).
//   agentrt:              createRuntime + MemoryStore, default governance, audit (events) on.
// Then 1,000 concurrent 10-step runs (wall time and peak RSS), each cell in a fresh child process
// so earlier cells' garbage does not count against it, measured in steady state (see concurrentCell).
// Run on demand: `pnpm bench` (figures vary by machine; the ratios are what matter).
// Options: `--rounds N` (default 9), `--quick` (3 rounds, shorter warm-up), `--copying-model`
// (the scripted model does not declare `borrowsMessages`: every step copies the history for it).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const roundsAt = argv.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : quick ? 3 : 9;

const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
const addFn = ({ a, b }) => a + b;

/**
 * A model that always calls `add` with fresh args (so loop detection stays quiet), looking only at
 * the last tool result. Like the built-in provider adapters it reads `request.messages` only during
 * the call and says so (`borrowsMessages`), so agentrt lends it the transcript rather than copying it
 * (the bare loops pass their one array too). `--copying-model` drops the declaration, to show what a
 * model that keeps its requests costs.
 */
const borrows = !argv.includes('--copying-model');
function benchModel() {
  let n = 0;
  return {
    provider: 'bench',
    model: 'bench-1',
    borrowsMessages: borrows,
    async generate(request) {
      n++;
      sampleRss();
      void request.messages[request.messages.length - 1];
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' };
    },
  };
}

/** Deep copy of JSON-shaped data, the kind MemoryStore makes of each step it keeps. */
function copy(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  const out = {};
  for (const key in value) if (value[key] !== undefined) out[key] = copy(value[key]);
  return out;
}

/** (a) The bare loop: model, tool, transcript. Nothing else. */
async function bareLoop(steps) {
  const model = benchModel();
  const messages = [{ role: 'user', content: 'go' }];
  const request = { messages, tools: [add.spec] };
  for (let i = 0; i < steps; i++) {
    const response = await model.generate(request);
    const call = response.message.toolCalls[0];
    const output = await addFn(call.args);
    messages.push(response.message, { role: 'tool', toolCallId: call.id, name: call.name, content: JSON.stringify(output) });
  }
  return messages.length;
}

/** (b) The bare loop plus argument validation and the in-memory persistence of each step (a copy the caller cannot mutate). */
async function barePersistLoop(steps) {
  const model = benchModel();
  const messages = [{ role: 'user', content: 'go' }];
  const saved = [];
  const request = { messages, tools: [add.spec] };
  for (let i = 0; i < steps; i++) {
    const response = await model.generate(request);
    const call = response.message.toolCalls[0];
    const output = await addFn(input.parse(call.args));
    const result = { role: 'tool', toolCallId: call.id, name: call.name, content: JSON.stringify(output) };
    messages.push(response.message, result);
    saved.push(copy({ stepIndex: i, messages: [response.message, result], usage: response.usage }));
  }
  return saved.length;
}

function makeRuntime(steps) {
  return createRuntime({
    model: benchModel(),
    tools: [add],
    store: new MemoryStore(),
    limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 },
  });
}

async function runtimeLoop(steps) {
  const result = await makeRuntime(steps).run('go');
  if (result.stopReason !== 'max_steps' || result.steps !== steps) throw new Error(`unexpected result ${result.stopReason} after ${result.steps}`);
  return result.steps;
}

/**
 * One sample of `fn` over `steps` steps: wall and CPU µs per step. Repeated until the sample spans
 * at least 20 ms, so the sub-microsecond bare loop is timed over enough work to be resolved.
 */
async function timed(fn, steps) {
  let runs = 0;
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  let elapsed = 0;
  do {
    await fn(steps);
    runs++;
    elapsed = Number(process.hrtime.bigint() - started) / 1000;
  } while (elapsed < 20_000);
  const cpu = process.cpuUsage(cpu0);
  return { wall: elapsed / (runs * steps), cpu: (cpu.user + cpu.system) / (runs * steps) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (us) => (us < 10 ? us.toFixed(2) : us.toFixed(1));

/** Peak RSS seen so far: sampled by the scripted model every 256 calls (a batch of concurrent runs never yields to timers). */
let peakRss = 0;
let modelCalls = 0;
const sampleRss = () => {
  if ((++modelCalls & 255) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
};

/**
 * 1,000 concurrent 10-step runs of one kind, in this (fresh) process, in steady state: two
 * unmeasured batches first (the JIT compiles and the heap grows to its working size, as in any
 * long-lived process), then `BATCHES` measured batches, each on a fresh runtime and store.
 * Reports the median batch's wall and CPU time, and the peak RSS over the whole process life
 * (the unmeasured batches included).
 */
const BATCHES = 3;
async function concurrentCell(kind) {
  const runs = 1000;
  const steps = 10;
  const batch = () => {
    if (kind === 'agentrt') {
      const runtime = makeRuntime(steps);
      return Promise.all(Array.from({ length: runs }, () => runtime.run('go')));
    }
    return Promise.all(Array.from({ length: runs }, () => bareLoop(steps)));
  };
  global.gc?.();
  const idle = process.memoryUsage.rss();
  for (let i = 0; i < 2; i++) await batch();
  const samples = [];
  for (let i = 0; i < BATCHES; i++) {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const results = await batch();
    const wall = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const ok = kind === 'agentrt' ? results.filter((r) => r.stopReason === 'max_steps' && r.steps === steps).length : runs;
    samples.push({ wall, cpuMs: (cpu.user + cpu.system) / 1000, ok });
  }
  const mid = [...samples].sort((x, y) => x.wall - y.wall)[Math.floor(samples.length / 2)];
  return { ...mid, ok: Math.min(...samples.map((x) => x.ok)), peakMiB: peakRss / 2 ** 20, deltaMiB: (peakRss - idle) / 2 ** 20 };
}

if (argv[0] === '--cell') {
  process.stdout.write(JSON.stringify(await concurrentCell(argv[1])));
  process.exit(0);
}

// ---- single-run cells: warm up, then interleaved rounds ----
const cells = [['bare', bareLoop], ['bare+persist', barePersistLoop], ['agentrt', runtimeLoop]];
const warm = quick ? 4 : 12;
for (const [, fn] of cells) for (let i = 0; i < warm; i++) await fn(1000); // ~12k steps each: JIT warm-up
const samples = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const steps of [200, 1000]) {
    for (const [name, fn] of cells) {
      const key = `${name}@${steps}`;
      if (!samples.has(key)) samples.set(key, []);
      samples.get(key).push(await timed(fn, steps));
    }
  }
}
const at = (name, steps, kind = 'wall') => median(samples.get(`${name}@${steps}`).map((sample) => sample[kind]));

// Wall time is what a user waits; CPU time is what the process spent (less sensitive to other
// processes on a loaded machine). Both are reported; the targets are judged on both.
for (const kind of ['wall', 'cpu']) {
  console.log(`single run, ${kind} µs/step (median of ${ROUNDS} interleaved rounds):`);
  console.log('  steps   bare(a)  bare+persist(b)   agentrt   ×(a)    ×(b)');
  for (const steps of [200, 1000]) {
    const a = at('bare', steps, kind);
    const b = at('bare+persist', steps, kind);
    const r = at('agentrt', steps, kind);
    console.log(`  ${String(steps).padStart(5)} ${fmt(a).padStart(9)} ${fmt(b).padStart(16)} ${fmt(r).padStart(9)} ${(r / a).toFixed(1).padStart(6)}× ${(r / b).toFixed(1).padStart(6)}×`);
  }
}
const ratio = (kind, base) => Math.max(at('agentrt', 200, kind) / at(base, 200, kind), at('agentrt', 1000, kind) / at(base, 1000, kind));
const growth = at('agentrt', 1000) / at('agentrt', 200);
const growthCpu = at('agentrt', 1000, 'cpu') / at('agentrt', 200, 'cpu');

// ---- concurrent cells, each in a fresh process ----
const self = fileURLToPath(import.meta.url);
function cell(kind) {
  const child = spawnSync(process.execPath, ['--expose-gc', self, '--cell', kind, ...(borrows ? [] : ['--copying-model'])], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`concurrent cell ${kind} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}
const concurrent = { bare: [], agentrt: [] };
for (let round = 0; round < (quick ? 1 : 3); round++) for (const kind of ['bare', 'agentrt']) concurrent[kind].push(cell(kind));
const pick = (list) => [...list].sort((x, y) => x.wall - y.wall)[Math.floor(list.length / 2)];
const cb = pick(concurrent.bare);
const ca = pick(concurrent.agentrt);
const peakA = Math.max(...concurrent.agentrt.map((c) => c.peakMiB));
console.log(`1,000 concurrent 10-step runs (fresh process per cell, ${concurrent.agentrt.length} cell(s); steady state: median of ${BATCHES} batches after 2 unmeasured ones):`);
console.log(`  bare(a):  ${cb.wall.toFixed(0)} ms wall · ${cb.cpuMs.toFixed(0)} ms CPU · peak RSS ${cb.peakMiB.toFixed(0)} MiB`);
console.log(`  agentrt:  ${ca.wall.toFixed(0)} ms wall · ${ca.cpuMs.toFixed(0)} ms CPU · peak RSS ${ca.peakMiB.toFixed(0)} MiB (worst ${peakA.toFixed(0)} MiB, +${ca.deltaMiB.toFixed(0)} MiB over the process at start) · ${ca.ok}/1000 ended max_steps · ${(ca.wall / cb.wall).toFixed(1)}× bare`);

const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
for (const kind of ['wall', 'cpu']) {
  const ratioA = ratio(kind, 'bare');
  console.log(`verdict: per-step ${kind} ${ratioA.toFixed(1)}× bare(a) (target ≤ 30×): ${verdict(ratioA <= 30)} · ${ratio(kind, 'bare+persist').toFixed(1)}× bare+persist(b) (reported; no target)`);
}
console.log(`verdict: growth 1000/200 wall ${growth.toFixed(2)}× · cpu ${growthCpu.toFixed(2)}× (target ≤ 1.2×): ${verdict(growth <= 1.2 && growthCpu <= 1.2)}`);
console.log(`verdict: concurrent ${ca.wall.toFixed(0)} ms wall, ${ca.cpuMs.toFixed(0)} ms CPU (target ≤ 250 ms): ${verdict(ca.wall <= 250)} · ${(ca.wall / cb.wall).toFixed(1)}× bare (the issue's 250 ms was ~6× its bare loop's 40 ms)`);
console.log(`verdict: concurrent peak RSS ${peakA.toFixed(0)} MiB (target ≤ 100 MB = ${(100e6 / 2 ** 20).toFixed(0)} MiB): ${verdict(peakA * 2 ** 20 <= 100e6)}`);
