// Per-step cost of agentrt with durable persistence against a bare loop that appends one
// row per step to the same database, and bytes written per step from step 10 to 10,000.
// Run on demand: `pnpm bench:stores` (needs Redis at REDIS_URL, default 127.0.0.1:6379).
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { RedisStore } from '@agentrt/store-redis';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { z } from 'zod';

const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => {
  let n = 0;
  return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } };
};
const stepRow = (i) => JSON.stringify({ stepIndex: i, messages: [{ role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'add', args: { a: i, b: 1 } }] }, { role: 'tool', toolCallId: `c${i}`, name: 'add', content: String(i + 1) }] });

async function bareLoop(append, steps) {
  const model = benchModel();
  const messages = [{ role: 'user', content: 'go' }];
  const signal = new AbortController().signal;
  const started = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    const response = await model.generate({ messages, tools: [add.spec], signal });
    const call = response.message.toolCalls[0];
    const output = await add.execute(input.parse(call.args), { runId: 'r', stepIndex: i, toolCallId: call.id, idempotencyKey: `r:${call.id}`, signal });
    messages.push(response.message, { role: 'tool', toolCallId: call.id, name: call.name, content: String(output) });
    await append(i, stepRow(i));
  }
  return Number(process.hrtime.bigint() - started) / 1000 / steps;
}

async function runtimeLoop(store, steps, runId) {
  const runtime = createRuntime({ model: benchModel(), tools: [add], store, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
  const started = process.hrtime.bigint();
  const result = await runtime.run({ input: 'go', runId });
  if (result.stopReason !== 'max_steps') throw new Error(`unexpected ${result.stopReason}: ${result.stopDetail}`);
  return Number(process.hrtime.bigint() - started) / 1000 / steps;
}

const pick = (steps) => [10, 100, 1000, steps - 1].filter((i, k, all) => i < steps && all.indexOf(i) === k);
const flat = (bytes) => `${bytes.map(([i, b]) => `step ${i}: ${b} B`).join(' · ')} (max/min ${(Math.max(...bytes.map((x) => x[1])) / Math.min(...bytes.map((x) => x[1]))).toFixed(2)})`;

// SQLite
for (const synchronous of ['normal', 'full']) {
  const steps = synchronous === 'full' ? Math.min(STEPS, 2_000) : STEPS;
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-bench-'));
  const bareDb = new Database(join(dir, 'bare.db'));
  bareDb.pragma('journal_mode = WAL');
  bareDb.pragma(`synchronous = ${synchronous}`);
  bareDb.exec('CREATE TABLE steps (run_id TEXT, step_index INTEGER, data TEXT, PRIMARY KEY (run_id, step_index))');
  const insert = bareDb.prepare('INSERT INTO steps VALUES (?, ?, ?)');
  const bare = await bareLoop((i, data) => insert.run('bare', i, data), steps);
  bareDb.close();
  const path = join(dir, 'agentrt.db');
  const store = new SqliteStore({ path, synchronous });
  const rt = await runtimeLoop(store, steps, 'bench');
  await store.close();
  const db = new Database(path, { readonly: true });
  const bytes = pick(steps).map((i) => [i,
    db.prepare("SELECT length(data) AS n FROM agentrt_steps WHERE run_id = 'bench' AND step_index = ?").get(i).n +
    db.prepare("SELECT coalesce(sum(length(data)), 0) AS n FROM agentrt_events WHERE run_id = 'bench' AND json_extract(data, '$.stepIndex') = ?").get(i).n]);
  db.close();
  console.log(`sqlite (synchronous=${synchronous}, ${steps} steps): bare ${bare.toFixed(1)} µs/step · agentrt ${rt.toFixed(1)} µs/step · ratio ${(rt / bare).toFixed(1)}×`);
  console.log(`  bytes written per step: ${flat(bytes)}`);
  rmSync(dir, { recursive: true, force: true });
}

// Redis
const prefix = `agentrt-bench:${process.pid}:`;
const redis = new Redis(REDIS_URL);
const bare = await bareLoop((i, data) => redis.rpush(`${prefix}bare`, data), STEPS);
const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
const rt = await runtimeLoop(store, STEPS, 'bench');
const bytes = [];
for (const i of pick(STEPS)) {
  const step = (await redis.lindex(`${prefix}steps:bench`, i)).length;
  const events = (await redis.lrange(`${prefix}events:bench`, 0, -1)).filter((e) => JSON.parse(e).stepIndex === i).reduce((n, e) => n + e.length, 0);
  bytes.push([i, step + events]);
}
console.log(`redis (${STEPS} steps): bare ${bare.toFixed(1)} µs/step · agentrt ${rt.toFixed(1)} µs/step · ratio ${(rt / bare).toFixed(1)}×`);
console.log(`  bytes written per step: ${flat(bytes)}`);
await store.close();
const keys = await redis.keys(`${prefix}*`);
if (keys.length) await redis.del(...keys);
redis.disconnect();
