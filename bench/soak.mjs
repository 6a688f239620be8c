// RELIABILITY L-08, shortened: a long-lived process serving runs back to back — a runtime made per
// run on one shared store (as a server does per request), 20 in flight, with mixed faults: tools
// that throw (1/7), slow tools (1/11), approvals that pause and are then killed (1/13), run
// timeouts (1/17), kills mid-run (1/19). Samples the heap after forced GCs every 10 s and reports
// whether it plateaus (the last third of the samples within 10 % or 5 MB of their start, no
// upward trend); checks invariants I1–I8 on every run (exit 1 on a violation). Run on demand: `pnpm bench:soak [seconds]` (default 120; the catalogue's nightly
// run is 4 h). Needs --expose-gc (the script sets it up itself when missing).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const { createRuntime, defineTool, MemoryStore } = await import('@agentrt/core');
const { SlidingWindow } = await import('@agentrt/context');
const { checkRunInvariants, ScriptedModel } = await import('@agentrt/testing');
const { z } = await import('zod');

const DURATION_MS = Number(process.argv[2] ?? 120) * 1000;
const flaky = defineTool({
  name: 'flaky', description: 'sometimes fails, sometimes slow', input: z.object({ n: z.number() }),
  execute: async ({ n }, ctx) => {
    if (n % 7 === 0) throw new Error(`boom ${n}`);
    if (n % 11 === 0) await new Promise((resolve, reject) => { const timer = setTimeout(resolve, 50); ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true }); });
    return `${'x'.repeat(2_000)}${n}`;
  },
});
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ n: z.number() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ n }) => `paid ${n}` });
const store = new MemoryStore({ maxFinishedRuns: 200 });
let made = 0;
function runtimeFor() {
  const k = ++made;
  let step = 0;
  const model = new ScriptedModel([() => (step++ < 4 ? ScriptedModel.call(k % 13 === 0 ? 'pay' : 'flaky', { n: k * 10 + step }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
  return { k, runtime: createRuntime({ model, tools: [flaky, pay], store, context: new SlidingWindow({ maxMessages: 6 }), limits: { maxSteps: 8, timeoutMs: k % 17 === 0 ? 30 : 10_000 } }) };
}
const heapMb = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const started = Date.now();
const samples = [];
let nextSample = started + 10_000;
let finished = 0;
let violations = 0;
const stops = new Map();
const active = new Set();
while (Date.now() - started < DURATION_MS) {
  while (active.size < 20) {
    const { k, runtime } = runtimeFor();
    const runId = `soak-${k}`;
    const done = runtime.run({ input: `go ${k}`, runId }).then(async (result) => {
      finished++;
      if (result.status === 'paused') {
        await runtime.kill(runId, 'soak: approval not given');
        result = (await runtime.getRun(runId))?.result ?? result;
      }
      stops.set(result.stopReason, (stops.get(result.stopReason) ?? 0) + 1);
      // I1–I8 on every run (RELIABILITY L-08: 0 invariant violations).
      violations += (await checkRunInvariants({ store, runId, result })).violations.length;
    }).finally(() => active.delete(done));
    active.add(done);
    if (k % 19 === 0) setTimeout(() => void runtime.kill(runId, 'soak: chaos').catch(() => undefined), 5);
  }
  await Promise.race(active);
  if (Date.now() >= nextSample) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    samples.push({ s: Math.round((Date.now() - started) / 1000), heap: heapMb(), rss: process.memoryUsage.rss() / 2 ** 20, runs: finished });
    nextSample += 10_000;
  }
}
await Promise.all(active);
console.log('  s    heap MiB   RSS MiB   runs');
for (const { s, heap, rss, runs } of samples) console.log(`${String(s).padStart(4)} ${heap.toFixed(1).padStart(10)} ${rss.toFixed(0).padStart(9)} ${String(runs).padStart(6)}`);
console.log(`stop reasons: ${[...stops].map(([reason, n]) => `${reason} ${n}`).join(' · ')}`);
console.log(`invariant violations (I1–I8, every run): ${violations}`);
if (violations > 0) process.exitCode = 1;
const tail = samples.slice(Math.floor((samples.length * 2) / 3));
if (tail.length >= 2) {
  const rise = tail.at(-1).heap - tail[0].heap;
  const ok = rise <= Math.max(5, tail[0].heap * 0.1);
  console.log(`verdict: heap over the last third ${tail[0].heap.toFixed(1)} → ${tail.at(-1).heap.toFixed(1)} MiB (${rise >= 0 ? '+' : ''}${rise.toFixed(1)}): ${ok ? 'PLATEAU' : 'GROWING'} · ${(finished / (DURATION_MS / 1000)).toFixed(0)} runs/s (target ≥ 5)`);
} else console.log('verdict: run longer (at least 30 s) for a plateau verdict');
