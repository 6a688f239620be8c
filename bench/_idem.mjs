import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: process.env.SE ?? 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => { let n = 0; return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; };
const steps = 2000;
const go = async () => { const rt = createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } }); const r = await rt.run({ input: 'go' }); if (r.stopReason !== 'max_steps') throw new Error(r.stopDetail); };
for (let i = 0; i < 3; i++) { const c = process.cpuUsage(); await go(); const u = process.cpuUsage(c); console.log(((u.user + u.system) / steps).toFixed(1), 'µs/step CPU'); }
