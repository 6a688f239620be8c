// Per-step overhead of the agentrt loop against a bare `while` loop doing the same work
// (model call, argument validation, tool execution, transcript append, step persisted to memory).
// Run on demand: `pnpm bench`. Figures vary by machine; the ratios are what matter.
import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';

const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });

/** A model that always calls `add` with fresh args (so loop detection stays quiet). No recording, no copying. */
function benchModel() {
  let n = 0;
  return {
    provider: 'bench',
    model: 'bench-1',
    async generate() {
      n++;
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' };
    },
  };
}

async function bareLoop(steps) {
  const model = benchModel();
  const messages = [{ role: 'user', content: 'go' }];
  const saved = [];
  const signal = new AbortController().signal;
  const started = process.hrtime.bigint();
  let i = 0;
  while (i < steps) {
    const response = await model.generate({ messages, tools: [add.spec], signal });
    const call = response.message.toolCalls[0];
    const args = input.parse(call.args);
    const output = await add.execute(args, { runId: 'r', stepIndex: i, toolCallId: call.id, idempotencyKey: `r:${call.id}`, signal });
    const result = { role: 'tool', toolCallId: call.id, name: call.name, content: JSON.stringify(output) };
    messages.push(response.message, result);
    // Persist the step as an in-memory store must: a copy the caller cannot mutate.
    saved.push(JSON.parse(JSON.stringify({ stepIndex: i, messages: [response.message, result], usage: response.usage })));
    i++;
  }
  return Number(process.hrtime.bigint() - started) / 1000 / steps;
}

async function runtimeLoop(steps) {
  const runtime = createRuntime({
    model: benchModel(),
    tools: [add],
    store: new MemoryStore(),
    limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 },
  });
  const started = process.hrtime.bigint();
  const result = await runtime.run('go');
  const micros = Number(process.hrtime.bigint() - started) / 1000 / steps;
  if (result.stopReason !== 'max_steps' || result.steps !== steps) throw new Error(`unexpected result ${result.stopReason} after ${result.steps}`);
  return micros;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
async function measure(fn, steps, repeats) {
  for (let i = 0; i < 12; i++) await fn(1000); // JIT warm-up (~12k steps): before it, figures measure the compiler, not the loop
  const samples = [];
  for (let i = 0; i < repeats; i++) samples.push(await fn(steps));
  return median(samples);
}

const rows = [];
for (const steps of [200, 1000]) {
  const bare = await measure(bareLoop, steps, 9);
  const rt = await measure(runtimeLoop, steps, 9);
  rows.push({ steps, bareUsPerStep: bare, runtimeUsPerStep: rt, ratio: rt / bare });
}
console.log('single run (median of 9):');
for (const row of rows) {
  console.log(`  ${String(row.steps).padStart(5)} steps: bare ${row.bareUsPerStep.toFixed(2)} µs/step · agentrt ${row.runtimeUsPerStep.toFixed(2)} µs/step · ratio ${row.ratio.toFixed(1)}×`);
}
const growth = rows[1].runtimeUsPerStep / rows[0].runtimeUsPerStep;
console.log(`  growth 1000 vs 200 steps: ${growth.toFixed(2)}× (target ≤ 1.2×)`);

// 1000 concurrent 10-step runs.
global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
const runtime = createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), limits: { maxSteps: 10, maxToolCalls: 100 } });
const started = performance.now();
const results = await Promise.all(Array.from({ length: 1000 }, () => runtime.run('go')));
const wall = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const ok = results.filter((r) => r.stopReason === 'max_steps' && r.steps === 10).length;
console.log(`1000 concurrent 10-step runs: ${wall.toFixed(0)} ms wall · ${(wall * 1000 / 10_000).toFixed(1)} µs/step amortized · peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (+${((peak - baseline) / 2 ** 20).toFixed(0)} MiB) · ${ok}/1000 ended max_steps`);
const worst = Math.max(...rows.map((r) => r.ratio));
console.log(`verdict: ratio ${worst.toFixed(1)}× (target ≤ 30×), growth ${growth.toFixed(2)}× (target ≤ 1.2×)`);
