import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = 1000;
const mk = () => createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
for (let i = 0; i < 10; i++) await mk().run('go');
const t = performance.now(); const N = Number(process.env.N ?? 60);
for (let i = 0; i < N; i++) await mk().run('go');
console.log(((performance.now() - t) * 1000 / (N * steps)).toFixed(2), 'µs/step');
