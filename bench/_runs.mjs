import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = Number(process.env.STEPS ?? 1);
const rt = createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore({maxFinishedRuns: 100}), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
for (let i = 0; i < 3000; i++) await rt.run('go');
const t = performance.now(); const N = 20000;
for (let i = 0; i < N; i++) await rt.run('go');
console.log(((performance.now() - t) * 1000 / N).toFixed(1), 'µs/run of', steps, 'steps');
