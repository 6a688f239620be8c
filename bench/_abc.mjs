import 'reflect-metadata';
import { z } from 'zod';
const cores = { base: await import('../packages/core/dist-base/index.js'), new: await import('@agentrt/core') };
const input = z.object({ a: z.number(), b: z.number() });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = 10;
const mk = (core) => { const add = core.defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b }); return () => core.createRuntime({ model: benchModel(), tools: [add], store: new core.MemoryStore(), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } }); };
const makers = { base: mk(cores.base), new: mk(cores.new) };
for (const k of ['base', 'new']) for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 50 }, () => makers[k]().run('go')));
const res = { base: [], new: [] };
for (let round = 0; round < 11; round++) for (const k of round % 2 ? ['base', 'new'] : ['new', 'base']) {
  global.gc?.(); const rt = makers[k](); const c0 = process.cpuUsage(); const t = performance.now(); await Promise.all(Array.from({ length: 1000 }, () => rt.run('go'))); { const c = process.cpuUsage(c0); res[k].push((c.user + c.system) / 1000); }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`1000×10 concurrent: base ${med(res.base).toFixed(0)} ms CPU · new ${med(res.new).toFixed(0)} ms CPU · new/base ${(med(res.new) / med(res.base)).toFixed(3)}`);
