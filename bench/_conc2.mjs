import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = 10;
const mk = () => createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 50 }, () => mk().run('go')));
let tot = 0;
for (let k = 0; k < 8; k++) { const rt = mk(); const t = performance.now(); await Promise.all(Array.from({ length: 1000 }, () => rt.run('go'))); tot += performance.now() - t; }
console.log((tot/8).toFixed(0), 'ms per 1000 concurrent');
