import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = 10;
for (const max of [0, 10000]) {
  const store = new MemoryStore({ maxFinishedRuns: max });
  const rt = createRuntime({ model: benchModel(), tools: [add], store, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
  await rt.run('go');
  global.gc(); const h0 = process.memoryUsage().heapUsed;
  await Promise.all(Array.from({ length: 1000 }, () => rt.run('go')));
  global.gc(); const h1 = process.memoryUsage().heapUsed;
  console.log('maxFinished', max, ((h1 - h0) / 1000 / 1024).toFixed(1), 'KiB per run');
  if (max) { const ev = await store.listEvents((await store.listRuns({limit:1}))[0].runId); console.log(ev.length, 'events', JSON.stringify(ev).length, 'json chars'); const types = {}; for (const e of ev) types[e.type] = JSON.stringify(e).length; console.log(types); const st = await store.loadSteps((await store.listRuns({limit:1}))[0].runId); console.log('steps json', JSON.stringify(st).length, JSON.stringify(st[3])); }
}
