import 'reflect-metadata';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => { let n = 0; return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; };
const steps = 200;
const dir = mkdtempSync(join(tmpdir(), 'p2probe-'));
const path = join(dir, 'a.db');
const store = new SqliteStore({ path, synchronous: 'normal' });
store.db.pragma('wal_autocheckpoint = 0');
const db = store.db;
const orig = db.transaction.bind(db);
const wal = () => { try { return statSync(path + '-wal').size; } catch { return 0; } };
const per = new Map();
for (const name of ['saveDecision', 'commitStep', 'recordToolResult', 'createRun', 'finishRun', 'acquireLease', 'renewLease']) {
  const f = store[name].bind(store);
  store[name] = async (...args) => { const a = wal(); const r = await f(...args); const d = (wal() - a) / 4120; const p = per.get(name) ?? [0, 0]; per.set(name, [p[0] + 1, p[1] + d]); return r; };
}
const runtime = createRuntime({ model: benchModel(), tools: [add], store, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
await runtime.run({ input: 'go', runId: 'bench' });
for (const [k, [c, f]] of per) console.log(k, 'calls', c, 'frames/call', (f / c).toFixed(2));
console.log(db.prepare("select avg(length(data)) d, avg(length(events)) e, avg(length(ledger)) l from agentrt_steps").get());
console.log(db.prepare("select length(static) s, length(pending_step) p, length(result) r from agentrt_runs").get());
