import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
const benchModel = () => { let n = 0; return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; };
const ld = process.env.LD === 'off' ? { loopDetection: false } : {};
const to = Number(process.env.TO ?? 600_000);
const go = async (steps) => { const rt = createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), ...ld, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: to } }); const r = await rt.run({ input: 'go' }); if (r.stopReason !== 'max_steps') throw new Error(r.stopDetail); };
for (let i = 0; i < 5; i++) await go(1000);
for (const steps of [500, 1000, 2000, 4000]) { const c = process.cpuUsage(); await go(steps); const u = process.cpuUsage(c); console.log(steps, ((u.user + u.system) / steps).toFixed(1), 'µs/step CPU'); }
