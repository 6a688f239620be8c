// Memory of the in-memory path as counts, not timings (they hold on a loaded machine, where wall,
// CPU and peak RSS figures swing with the load): 1,000 concurrent 10-step runs of the loop
// benchmark's setup (`loop.bench.mjs`: scripted model lending nothing, `add` tool, MemoryStore),
// each measure in a fresh child process with the V8 flags it needs:
//   retained   heap per finished run while the store still holds it (`heapUsed` after `gc()`)
//   in flight  heap per run at its 6th and 10th model call, every run in flight (`gc()` inside the call)
//   allocated  bytes allocated per step: a 1 GiB young generation, so no GC runs in the measured batch
//              (a batch with a GC in it is discarded and reported as such)
// Run: `node bench/memory.bench.mjs [--core <dir>]` (`pnpm build` first). `--core` loads another build
// of @agentrt/core (a directory holding its package.json and dist/), to compare two builds side by side.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { z } from 'zod';

const argv = process.argv.slice(2);
const coreAt = argv.indexOf('--core');
const coreDir = coreAt >= 0 ? resolve(argv[coreAt + 1]) : undefined;
const { createRuntime, defineTool, MemoryStore } = await import(coreDir ? `${coreDir}/dist/index.js` : '@agentrt/core');

const RUNS = 1000;
const STEPS = 10;
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });

/** Called on every model call with the process-wide call count (the measures hook in here). */
let onCall;
let calls = 0;
function benchModel() {
  let n = 0;
  return {
    provider: 'bench',
    model: 'bench-1',
    borrowsMessages: true,
    async generate(request) {
      n++;
      calls++;
      onCall?.(calls);
      void request.messages[request.messages.length - 1];
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' };
    },
  };
}

async function batch(store) {
  const runtime = createRuntime({ model: benchModel(), tools: [add], store, limits: { maxSteps: STEPS, maxToolCalls: STEPS, maxTokens: 1e12, timeoutMs: 600_000 } });
  const results = await Promise.all(Array.from({ length: RUNS }, () => runtime.run('go')));
  if (results.some((r) => r.stopReason !== 'max_steps' || r.steps !== STEPS)) throw new Error('a run did not end with max_steps after 10 steps');
}

const settle = () => new Promise((done) => setTimeout(done, 20));
const liveHeap = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
};

/** Warm-up batches in a function of their own (a top-level await would keep the last batch's values reachable). */
async function warm(batches) {
  for (let i = 0; i < batches; i++) await batch(new MemoryStore());
  await settle();
}

async function measureRetained() {
  await warm(2);
  const before = liveHeap();
  let at6 = 0;
  let at10 = 0;
  const first = calls;
  // Runs advance in lockstep: call first + RUNS·k + RUNS is the last run's (k+1)-th call, every run in flight.
  onCall = (call) => {
    if (call === first + RUNS * 5 + RUNS) at6 = liveHeap();
    if (call === first + RUNS * 9 + RUNS) at10 = liveHeap();
  };
  const store = new MemoryStore();
  await batch(store);
  onCall = undefined;
  await settle();
  const after = liveHeap();
  void store;
  return { retained: (after - before) / RUNS, at6: (at6 - before) / RUNS, at10: (at10 - before) / RUNS };
}

async function measureAllocated() {
  await warm(3);
  let gcs = 0;
  new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
  const samples = [];
  for (let i = 0; i < 5; i++) {
    global.gc();
    await settle();
    const seen = gcs;
    const before = process.memoryUsage().heapUsed;
    await batch(new MemoryStore());
    const after = process.memoryUsage().heapUsed;
    await settle();
    samples.push(gcs === seen ? (after - before) / (RUNS * STEPS) : undefined);
  }
  return samples;
}

const mode = argv[0];
if (mode === '--retained') {
  process.stdout.write(JSON.stringify(await measureRetained()));
  process.exit(0);
}
if (mode === '--allocated') {
  process.stdout.write(JSON.stringify(await measureAllocated()));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const child = (flags, which) => {
  const out = spawnSync(process.execPath, [...flags, self, which, ...(coreDir ? ['--core', coreDir] : [])], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${which} failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
};
const kb = (bytes) => (bytes / 1024).toFixed(1);
const retained = [0, 1, 2].map(() => child(['--expose-gc'], '--retained'));
const range = (key) => `${kb(Math.min(...retained.map((r) => r[key])))}–${kb(Math.max(...retained.map((r) => r[key])))} KiB`;
const allocated = child(['--expose-gc', '--min-semi-space-size=1024', '--max-semi-space-size=1024'], '--allocated');
const clean = allocated.filter((sample) => sample !== undefined).sort((a, b) => a - b);
console.log(`1,000 concurrent 10-step runs (MemoryStore, audit on)${coreDir ? ` · core from ${coreDir}` : ''}:`);
console.log(`  retained per finished run, store held (3 processes):   ${range('retained')}`);
console.log(`  live per run in flight at its 6th model call:          ${range('at6')}`);
console.log(`  live per run in flight at its 10th model call:         ${range('at10')}`);
console.log(`  allocated per step (${clean.length} of 5 batches without a GC): ${clean.length ? `${kb(clean[0])}–${kb(clean.at(-1))} KiB, median ${kb(clean[Math.floor(clean.length / 2)])} KiB` : 'none (a GC ran in every batch)'}`);
