import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = 10;
const mk = () => createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 50 }, () => mk().run('go')));
global.gc?.(); { const u = process.memoryUsage(); console.log("after warm", u.rss/2**20|0, "heapUsed", u.heapUsed/2**20|0, "heapTotal", u.heapTotal/2**20|0); const v8 = await import("node:v8"); for (const s of v8.getHeapSpaceStatistics()) console.log(s.space_name, s.space_size/2**20|0, s.space_used_size/2**20|0); }
const base = process.memoryUsage().rss; let peak = base;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2);
const rt = mk();
const t = performance.now();
const r = await Promise.all(Array.from({ length: 1000 }, () => rt.run('go')));
const wall = performance.now() - t;
clearInterval(sampler); peak = Math.max(peak, process.memoryUsage().rss);
{ const u = process.memoryUsage(); console.log("end", u.rss/2**20|0, "heapUsed", u.heapUsed/2**20|0, "heapTotal", u.heapTotal/2**20|0); const v8 = await import("node:v8"); for (const s of v8.getHeapSpaceStatistics()) console.log(s.space_name, s.space_size/2**20|0, s.space_used_size/2**20|0); }
console.log(wall.toFixed(0), 'ms', (base/2**20).toFixed(0), 'MiB idle', (peak/2**20).toFixed(0), 'MiB peak', r.filter(x=>x.stopReason==='max_steps').length);
