// Per-step cost of agentrt with durable persistence against a bare loop that appends one
// row per step to the same database, and bytes written per step from step 10 to 10,000.
// Run on demand: `pnpm bench:stores` (needs Redis at REDIS_URL, default 127.0.0.1:6379, and
// PostgreSQL at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { RedisStore } from '@agentrt/store-redis';
import { PostgresStore } from '@agentrt/store-postgres';
import pg from 'pg';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { z } from 'zod';

const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
/** `BENCH_STORES=postgres` (comma-separated) runs only those stores. */
const only = (name) => !process.env.BENCH_STORES || process.env.BENCH_STORES.split(',').includes(name);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
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

async function runtimeLoop(store, steps, runId, hooks = []) {
  const runtime = createRuntime({ model: benchModel(), tools: [add], store, hooks, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
  const started = process.hrtime.bigint();
  const result = await runtime.run({ input: 'go', runId });
  if (result.stopReason !== 'max_steps') throw new Error(`unexpected ${result.stopReason}: ${result.stopDetail}`);
  return Number(process.hrtime.bigint() - started) / 1000 / steps;
}

const pick = (steps) => [10, 100, 1000, steps - 1].filter((i, k, all) => i < steps && all.indexOf(i) === k);
const flat = (bytes) => `${bytes.map(([i, b]) => `step ${i}: ${b} B`).join(' · ')} (max/min ${(Math.max(...bytes.map((x) => x[1])) / Math.min(...bytes.map((x) => x[1]))).toFixed(2)})`;

// SQLite
for (const synchronous of only('sqlite') ? ['normal', 'full'] : []) {
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
if (only('redis')) {
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

}

// PostgreSQL: with the server's durable default (synchronous_commit=on, one WAL flush per commit)
// and with synchronous_commit=off (the WAL is flushed in the background).
for (const synchronousCommit of only('postgres') ? ['off', 'on'] : []) {
  const steps = synchronousCommit === 'on' ? Math.min(STEPS, 2_000) : STEPS;
  const schema = `agentrt_bench_${process.pid}_${synchronousCommit}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`SET synchronous_commit = ${synchronousCommit}`);
  await admin.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".bare (run_id text, step_index integer, data text, PRIMARY KEY (run_id, step_index))`);
  const bare = await bareLoop((i, data) => admin.query(`INSERT INTO "${schema}".bare VALUES ($1, $2, $3)`, ['bare', i, data]), steps);
  const store = new PostgresStore({ url: DATABASE_URL, schema, synchronousCommit });
  // On-disk bytes of the run's tables (heap, TOAST, indexes) at a few steps: the growth per step between them.
  const disk = [];
  const size = async () => Number((await admin.query(
    `SELECT sum(pg_total_relation_size(c.oid))::bigint AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'agentrt\\_%'`, [schema])).rows[0].n);
  const marks = new Set([Math.floor(steps / 10), Math.floor(steps / 2), steps - 1]);
  // Time per step of the first and the last 10 % of the run (excluding the size probes).
  const tenth = Math.floor(steps / 10);
  const clock = new Map();
  const rt = await runtimeLoop(store, steps, 'bench', [{
    onStepEnd: async (step) => {
      if ([0, tenth, steps - tenth - 1, steps - 1].includes(step.stepIndex)) clock.set(step.stepIndex, process.hrtime.bigint());
      if (marks.has(step.stepIndex)) disk.push([step.stepIndex, await size()]);
    },
  }]);
  const firstTenth = Number(clock.get(tenth) - clock.get(0)) / 1000 / tenth;
  const lastTenth = Number(clock.get(steps - 1) - clock.get(steps - tenth - 1)) / 1000 / tenth;
  const bytes = [];
  for (const i of pick(steps)) {
    const step = (await admin.query(`SELECT length(data) AS n FROM "${schema}".agentrt_steps WHERE run_id = 'bench' AND step_index = $1`, [i])).rows[0].n;
    const events = (await admin.query(`SELECT coalesce(sum(length(data)), 0)::int AS n FROM "${schema}".agentrt_events WHERE run_id = 'bench' AND (data::json->>'stepIndex')::int = $1`, [i])).rows[0].n;
    bytes.push([i, step + events]);
  }
  console.log(`postgres (synchronous_commit=${synchronousCommit}, ${steps} steps): bare ${bare.toFixed(1)} µs/step · agentrt ${rt.toFixed(1)} µs/step · ratio ${(rt / bare).toFixed(1)}×`);
  console.log(`  bytes written per step: ${flat(bytes)}`);
  const growth = disk.slice(1).map(([i, n], k) => `steps ${disk[k][0]}→${i}: ${Math.round((n - disk[k][1]) / (i - disk[k][0]))} B/step`);
  console.log(`  on disk (tables + indexes + TOAST): ${growth.join(' · ')}`);
  console.log(`  time per step: first 10 % ${firstTenth.toFixed(0)} µs · last 10 % ${lastTenth.toFixed(0)} µs (last/first ${(lastTenth / firstTenth).toFixed(2)})`);
  await store.close();
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}
