import 'reflect-metadata';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import Database from 'better-sqlite3';
import { z } from 'zod';
const io = () => Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => { let n = 0; return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } }; };
const steps = Number(process.env.N ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'p2probe-'));
for (const kind of ['memory', 'sqlite']) {
  const store = kind === 'memory' ? new MemoryStore() : new SqliteStore({ path: join(dir, 'a.db'), synchronous: 'normal' });
  const runtime = createRuntime({ model: benchModel(), tools: [add], store, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
  await runtime.run({ input: 'warm', runId: 'warm' });
  const a = io(); const c = process.cpuUsage(); const t = process.hrtime.bigint();
  await runtime.run({ input: 'go', runId: 'bench' });
  const wall = Number(process.hrtime.bigint() - t) / 1000 / steps; const cpu = process.cpuUsage(c); const b = io();
  console.log(kind, 'wall µs/step', wall.toFixed(1), 'cpu µs/step', ((cpu.user + cpu.system) / steps).toFixed(1), 'wchar/step', ((b.wchar - a.wchar) / steps).toFixed(0), 'write_bytes/step', ((b.write_bytes - a.write_bytes) / steps).toFixed(0), 'syscw/step', ((b.syscw - a.syscw) / steps).toFixed(1));
  if (kind === 'sqlite') {
    const db = new Database(join(dir, 'a.db'), { readonly: true });
    const s = db.prepare("select avg(length(data)) n from agentrt_steps where run_id='bench'").get();
    const e = db.prepare("select count(*) c, sum(length(data)) n from agentrt_events where run_id='bench'").get();
    console.log('step bytes avg', s.n, 'events/step', e.c / steps, 'event bytes/step', e.n / steps);
    console.log(db.prepare("select type, avg(length(data)) n from agentrt_events where run_id='bench' group by type").all());
  }
}
