import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => { let n = 0; return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; };
const steps = 2000; const dir = mkdtempSync(join(tmpdir(), 'sq-'));
for (let r = 0; r < 6; r++) {
  const store = new SqliteStore({ path: join(dir, `a${r}.db`), synchronous: 'normal' });
  const rt = createRuntime({ model: benchModel(), tools: [add], store, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
  const c = process.cpuUsage(); const t = performance.now();
  await rt.run({ input: 'go', runId: 'bench' });
  const u = process.cpuUsage(c); console.log(((performance.now() - t) * 1000 / steps).toFixed(1), 'µs/step wall', ((u.user + u.system) / steps).toFixed(1), 'CPU');
  await store.close();
}
rmSync(dir, { recursive: true, force: true });
