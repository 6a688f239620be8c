import 'reflect-metadata';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });
function benchModel() { let n = 0; return { provider: 'bench', model: 'bench-1', async generate(request) { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; }
const steps = Number(process.env.STEPS ?? 1000);
const mk = () => createRuntime({ model: benchModel(), tools: [add], store: new MemoryStore(), limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 } });
for (let i = 0; i < 5; i++) await mk().run('go');
const s = new Session(); s.connect();
await s.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
const N = Math.round(20000 / steps);
{ const rt = mk(); for (let i = 0; i < N; i++) await rt.run("go"); }
const { profile } = await s.post('HeapProfiler.stopSampling');
writeFileSync('/tmp/alloc.json', JSON.stringify({ head: profile.head }));
let total = 0; const visit = (n) => { total += n.selfSize; n.children.forEach(visit); }; visit(profile.head);
console.log('allocated per step ≈', (total / (N * steps)).toFixed(0), 'B');
