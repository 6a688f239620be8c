import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = 10;
const mk = () => createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
let peak = 0; const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 2);
for (let b = 0; b < 9; b++) {
  const rt = mk(); const t = performance.now();
  await Promise.all(Array.from({ length: 1000 }, () => rt.run('go')));
  console.log(`batch ${b}: ${(performance.now() - t).toFixed(0)} ms, peak so far ${(peak / 2 ** 20).toFixed(0)} MiB`);
}
clearInterval(sampler);
