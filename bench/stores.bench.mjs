// The durable step: agentrt with a durable store against a bare loop doing the same model and tool
// work plus one durable write per step (SQLite: one INSERT of the step's messages, one WAL append;
// Redis: one MULTI/EXEC pipeline), measured side by side in one process, in interleaved rounds.
// Prints µs/step (wall and CPU), bytes handed to the OS per step (/proc/self/io wchar; SQLite), the
// ratios and a verdict per issue-15 target. Run on demand: `pnpm bench:stores` (Redis at REDIS_URL,
// default 127.0.0.1:6379; PostgreSQL at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
// BENCH_STORES=sqlite,redis,postgres picks stores; BENCH_STEPS, BENCH_ROUNDS size the runs; BENCH_WARMUP
// unmeasured rounds (default 3) come first.
import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { RedisStore } from '@agentrt/store-redis';
import { PostgresStore } from '@agentrt/store-postgres';
import pg from 'pg';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { z } from 'zod';

const STEPS = Number(process.env.BENCH_STEPS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const only = (name) => (process.env.BENCH_STORES ?? 'sqlite,redis,postgres').split(',').includes(name);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
const benchModel = () => {
  let n = 0;
  return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } };
};

const io = () => {
  if (!existsSync('/proc/self/io')) return { wchar: NaN };
  return Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((line) => line.split(': ')).map(([k, v]) => [k, Number(v)]));
};
/** Runs `loop` (which does `steps` steps) and returns wall µs/step, CPU µs/step and bytes written per step. */
async function measure(steps, loop) {
  const before = io();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await loop();
  const wall = Number(process.hrtime.bigint() - started) / 1000 / steps;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / steps, bytes: (io().wchar - before.wchar) / steps };
}

/** The bare loop: the same scripted model, the same tool, one `persist(i, messages)` per step, nothing else. */
const bareLoop = (persist, steps) => async () => {
  const model = benchModel();
  const messages = [{ role: 'user', content: 'go' }];
  const signal = new AbortController().signal;
  for (let i = 0; i < steps; i++) {
    const response = await model.generate({ messages, tools: [add.spec], signal });
    const call = response.message.toolCalls[0];
    const output = await add.execute(input.parse(call.args), { runId: 'r', stepIndex: i, toolCallId: call.id, idempotencyKey: `r:${call.id}`, signal });
    const result = { role: 'tool', toolCallId: call.id, name: call.name, content: String(output) };
    messages.push(response.message, result);
    await persist(i, JSON.stringify([response.message, result]));
  }
};

/** The same `add`, declared pure: its steps need no decision record before the tool runs (one write per step). */
const pureAdd = defineTool({ name: 'add', description: 'Adds two numbers', input, sideEffects: 'none', execute: ({ a, b }) => a + b });

const runtimeLoop = (store, steps, runId, tool = add) => async () => {
  const runtime = createRuntime({ model: benchModel(), tools: [tool], store, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
  const result = await runtime.run({ input: 'go', runId });
  if (result.stopReason !== 'max_steps') throw new Error(`unexpected ${result.stopReason}: ${result.stopDetail}`);
};

/**
 * The store calls agentrt makes for `steps` steps (kill checks, decision, results, commit, run
 * start and finish), recorded once over MemoryStore, for replay against a durable store: the
 * store's own cost per step, without the in-memory loop's (noisy on a busy machine, and another
 * target of issue 15).
 */
async function recordStoreCalls(steps, tool = add) {
  const calls = [];
  const memory = new MemoryStore();
  const recorder = new Proxy(memory, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'subscribeKills' || property === 'close') return typeof value === 'function' ? value.bind(target) : value;
      return (...args) => {
        calls.push([property, structuredClone(args)]);
        return value.apply(target, args);
      };
    },
  });
  await runtimeLoop(recorder, steps, 'replay', tool)();
  return calls;
}
const replay = (store, calls) => async () => {
  for (const [method, args] of calls) await store[method](...args);
};
const stepMessages = (calls) => calls.filter(([method]) => method === 'commitStep').map(([, [input]]) => JSON.stringify(input.step.messages));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
/** Warm-up rounds, then interleaved rounds of each cell (order alternating), medians per metric. */
async function compare(cells, steps) {
  const samples = Object.fromEntries(Object.keys(cells).map((name) => [name, []]));
  // Unmeasured rounds first (BENCH_WARMUP, default 3), so no cell is timed while the JIT is still
  // compiling it: the loop's code reaches its optimized tier after a few thousand steps.
  for (let warm = 0; warm < WARMUP; warm++) for (const name of Object.keys(cells)) await (await cells[name](ROUNDS + warm))();
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(cells);
    if (round % 2 === 1) names.reverse();
    for (const name of names) samples[name].push(await measure(steps, await cells[name](round)));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, { wall: median(list.map((s) => s.wall)), cpu: median(list.map((s) => s.cpu)), bytes: median(list.map((s) => s.bytes)) }]));
}
const verdicts = [];
function report(title, result, targets) {
  console.log(`\n${title}`);
  for (const [name, r] of Object.entries(result)) console.log(`  ${name.padEnd(22)} ${fmt(r.wall).padStart(7)} µs/step wall · ${fmt(r.cpu).padStart(7)} µs/step CPU${Number.isNaN(r.bytes) ? '' : ` · ${fmt(r.bytes).padStart(7)} B/step written`}`);
  for (const { what, value, limit } of targets) {
    const ok = value <= limit;
    verdicts.push(`${ok ? 'MET    ' : 'NOT MET'} ${what}: ${value.toFixed(2)}× (target ≤ ${limit}×)`);
    console.log(`  ${what}: ${value.toFixed(2)}× (target ≤ ${limit}×) ${ok ? 'MET' : 'NOT MET'}`);
  }
}

// References without durability: the bare loop writing nothing, and agentrt on MemoryStore. What a
// durable store adds per step is measured against them: agentrt(store) − agentrt(memory) against
// bare(store) − bare(nothing), the store's own share, apart from the in-memory loop (issue 15's other targets).
const reference = await compare({
  'bare (no write)': () => bareLoop(() => undefined, STEPS),
  'agentrt, MemoryStore': () => runtimeLoop(new MemoryStore(), STEPS, 'mem'),
}, STEPS);
report(`references (${STEPS} steps × ${ROUNDS} rounds, no durability)`, reference, []);

// SQLite, at the store's default (synchronous=full) and at normal; the bare loop at the same setting.
for (const synchronous of only('sqlite') ? ['normal', 'full'] : []) {
  const steps = synchronous === 'full' ? Math.min(STEPS, 500) : STEPS;
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-bench-'));
  const result = await compare({
    'bare (one INSERT)': (round) => {
      const db = new Database(join(dir, `bare-${round}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.exec('CREATE TABLE steps (run_id TEXT, step_index INTEGER, data TEXT, PRIMARY KEY (run_id, step_index))');
      const insert = db.prepare('INSERT INTO steps VALUES (?, ?, ?)');
      const loop = bareLoop((i, data) => insert.run('bare', i, data), steps);
      return async () => { await loop(); db.close(); };
    },
    'agentrt, SqliteStore': (round) => {
      const store = new SqliteStore({ path: join(dir, `agentrt-${round}.db`), synchronous });
      const loop = runtimeLoop(store, steps, 'bench');
      return async () => { await loop(); await store.close(); };
    },
    'agentrt, pure tool': (round) => {
      const store = new SqliteStore({ path: join(dir, `pure-${round}.db`), synchronous });
      const loop = runtimeLoop(store, steps, 'bench', pureAdd);
      return async () => { await loop(); await store.close(); };
    },
  }, steps);
  const bare = result['bare (one INSERT)'];
  const rt = result['agentrt, SqliteStore'];
  report(`SQLite, synchronous=${synchronous}${synchronous === 'full' ? ' (the store default)' : ''}, ${steps} steps × ${ROUNDS} rounds`, result, [
    { what: `SQLite ${synchronous}: durable step time vs bare (wall)`, value: rt.wall / bare.wall, limit: 3 },
    { what: `SQLite ${synchronous}: bytes written per step vs bare`, value: rt.bytes / bare.bytes, limit: 2 },
  ]);
  const pure = result['agentrt, pure tool'];
  console.log(`  (CPU ratio ${(rt.cpu / bare.cpu).toFixed(2)}×; the store's share of agentrt's CPU is agentrt minus the MemoryStore reference above)`);
  console.log(`  (pure tool, sideEffects 'none', one write per step: ${(pure.wall / bare.wall).toFixed(2)}× time, ${(pure.bytes / bare.bytes).toFixed(2)}× bytes; not a target)`);
  const db = new Database(join(dir, 'agentrt-0.db'), { readonly: true });
  const rows = [10, 100, steps - 1].map((i) => [i, db.prepare("SELECT length(data) + coalesce(length(events), 0) + coalesce(length(ledger), 0) AS n FROM agentrt_step_log WHERE key = (SELECT run_no FROM agentrt_runs WHERE run_id = 'bench') * 4294967296 + ?").get(i).n]);
  db.close();
  console.log(`  stored per step (record + events + ledger): ${rows.map(([i, n]) => `step ${i}: ${n} B`).join(' · ')}`);
  rmSync(dir, { recursive: true, force: true });
}

// Store-only replay (informational, no target): the recorded calls of an effectful run against the
// same INSERTs the bare loop makes, without either loop.
if (only('sqlite')) {
  const steps = STEPS;
  const calls = await recordStoreCalls(steps);
  const messages = stepMessages(calls);
  for (const synchronous of ['normal', 'full']) {
    const n = synchronous === 'full' ? Math.min(steps, 500) : steps;
    const subset = synchronous === 'full' ? await recordStoreCalls(n) : calls;
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-bench-replay-'));
    const result = await compare({
      'bare INSERTs': (round) => {
        const db = new Database(join(dir, `bare-${round}.db`));
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${synchronous}`);
        db.exec('CREATE TABLE steps (run_id TEXT, step_index INTEGER, data TEXT, PRIMARY KEY (run_id, step_index))');
        const insert = db.prepare('INSERT INTO steps VALUES (?, ?, ?)');
        return async () => { for (let i = 0; i < n; i++) insert.run('bare', i, messages[i]); db.close(); };
      },
      'SqliteStore calls': (round) => {
        const store = new SqliteStore({ path: join(dir, `agentrt-${round}.db`), synchronous });
        return async () => { await replay(store, subset)(); await store.close(); };
      },
    }, n);
    report(`store-only replay, SQLite synchronous=${synchronous}, ${n} steps — ${(result['SqliteStore calls'].wall / result['bare INSERTs'].wall).toFixed(2)}× time, ${(result['SqliteStore calls'].bytes / result['bare INSERTs'].bytes).toFixed(2)}× bytes (informational)`, result, []);
    rmSync(dir, { recursive: true, force: true });
  }
}

// Redis: the bare loop makes one MULTI/EXEC pipeline per step (the step appended, a counter bumped).
// agentrt makes two round trips per step with an idempotent tool (the decision, the commit; each
// script also reads the kill flags for the check that follows it): `node bench/redis-commands.mjs`
// counts the commands and round trips per step.
if (only('redis')) {
  const prefix = `agentrt-bench:${process.pid}:`;
  const redis = new Redis(REDIS_URL);
  const result = await compare({
    'bare (one MULTI/EXEC)': (round) => bareLoop((i, data) => redis.multi().rpush(`${prefix}bare-${round}`, data).hincrby(`${prefix}bare-run-${round}`, 'steps', 1).exec(), STEPS),
    'agentrt, RedisStore': (round) => {
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
      const loop = runtimeLoop(store, STEPS, `bench-${round}`);
      return async () => { await loop(); await store.close(); };
    },
    'agentrt, killFlagMaxAgeMs': (round) => {
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix, killFlagMaxAgeMs: 20 });
      const loop = runtimeLoop(store, STEPS, `bench-kfm-${round}`);
      return async () => { await loop(); await store.close(); };
    },
  }, STEPS);
  const bare = result['bare (one MULTI/EXEC)'];
  const rt = result['agentrt, RedisStore'];
  for (const r of Object.values(result)) r.bytes = NaN; // the server writes (AOF), not this process
  report(`Redis (loopback), ${STEPS} steps × ${ROUNDS} rounds`, result, [{ what: 'Redis: durable step time vs bare (wall)', value: rt.wall / bare.wall, limit: 3 }]);
  console.log(`  (CPU ratio ${(rt.cpu / bare.cpu).toFixed(2)}×; opt-in killFlagMaxAgeMs: 20 — a write's kill read also answers checks in later event-loop turns for 20 ms: ${(result['agentrt, killFlagMaxAgeMs'].wall / bare.wall).toFixed(2)}×, not the default)`);
  // Store-only replay (informational): the recorded calls against one MULTI/EXEC per step.
  const calls = await recordStoreCalls(STEPS);
  const messages = stepMessages(calls);
  const replayed = await compare({
    'bare MULTI/EXECs': (round) => async () => { for (let i = 0; i < STEPS; i++) await redis.multi().rpush(`${prefix}replay-bare-${round}`, messages[i]).hincrby(`${prefix}replay-run-${round}`, 'steps', 1).exec(); },
    'RedisStore calls': (round) => {
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: `${prefix}replay-${round}:` });
      return async () => { await replay(store, calls)(); await store.close(); };
    },
  }, STEPS);
  for (const r of Object.values(replayed)) r.bytes = NaN;
  report(`store-only replay, Redis, ${STEPS} steps — ${(replayed['RedisStore calls'].wall / replayed['bare MULTI/EXECs'].wall).toFixed(2)}× time (informational)`, replayed, []);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

// PostgreSQL (no issue-15 target; reported for comparison): synchronous_commit on (the server's
// durable default) and off; the bare loop is one INSERT per step on the same connection settings.
for (const synchronousCommit of only('postgres') ? ['off', 'on'] : []) {
  const steps = synchronousCommit === 'on' ? Math.min(STEPS, 500) : STEPS;
  const schema = `agentrt_bench_${process.pid}_${synchronousCommit}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`SET synchronous_commit = ${synchronousCommit}`);
  await admin.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".bare (run_id text, step_index integer, data text, PRIMARY KEY (run_id, step_index))`);
  const store = new PostgresStore({ url: DATABASE_URL, schema, synchronousCommit });
  const result = await compare({
    'bare (one INSERT)': (round) => bareLoop((i, data) => admin.query(`INSERT INTO "${schema}".bare VALUES ($1, $2, $3)`, [`bare-${round}`, i, data]), steps),
    'agentrt, PostgresStore': (round) => runtimeLoop(store, steps, `bench-${round}`),
  }, steps);
  for (const r of Object.values(result)) r.bytes = NaN;
  const ratio = result['agentrt, PostgresStore'].wall / result['bare (one INSERT)'].wall;
  report(`PostgreSQL (loopback), synchronous_commit=${synchronousCommit}, ${steps} steps × ${ROUNDS} rounds — ratio ${ratio.toFixed(2)}× (no target)`, result, []);
  await store.close();
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}

console.log(`\nverdicts (issue 15, durable step)\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
