import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { z } from 'zod';
const STEPS = 3000;
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => { let n = 0; return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; };
const calls = [];
const memory = new MemoryStore();
const recorder = new Proxy(memory, { get(t, p, r) { const v = Reflect.get(t, p, r); if (typeof v !== 'function' || p === 'subscribeKills' || p === 'close') return typeof v === 'function' ? v.bind(t) : v; return (...a) => { calls.push([p, structuredClone(a)]); return v.apply(t, a); }; } });
await createRuntime({ model: benchModel(), tools: [add], store: recorder, loopDetection: false, limits: { maxSteps: STEPS, maxToolCalls: STEPS, maxTokens: 1e12, timeoutMs: 3_600_000 } }).run({ input: 'go', runId: 'replay' });
for (let r = 0; r < 2; r++) {
  const store = new RedisStore({ keyPrefix: `agentrt-prof:${process.pid}:${r}:` });
  const t = performance.now(); const c = process.cpuUsage();
  for (const [m, a] of calls) await store[m](...a);
  const u = process.cpuUsage(c);
  console.log(`${((performance.now() - t) * 1000 / STEPS).toFixed(0)} µs/step wall, ${((u.user + u.system) / STEPS).toFixed(0)} µs/step CPU`);
  await store.close();
}
