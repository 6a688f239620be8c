// L-04 soak, on demand: `pnpm bench:worker` (SOAK_RUNS, SOAK_WORKERS, SOAK_CONCURRENCY, SOAK_KILL_EVERY_MS).
// A private redis-server with AOF (appendfsync always); workers are SIGKILLed at random and
// replaced; Redis is killed and restarted once mid-soak. Every run is then checked for
// invariants I1–I6/I8 and duplicate effects (the crash harness's checkCrashRecovery).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStore } from '@agentrt/store-redis';
import { checkCrashRecovery, startEffectCounter } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { Redis } from 'ioredis';

const RUNS = Number(process.env.SOAK_RUNS ?? 300);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 4);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 10);
const KILL_EVERY_MS = Number(process.env.SOAK_KILL_EVERY_MS ?? 3_000);
const WORKER = new URL('../packages/worker-bullmq/test/__fixtures__/worker.mjs', import.meta.url).pathname;
const bin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
if (!bin) throw new Error('redis-server is required');

const port = await new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const dir = mkdtempSync(join(tmpdir(), 'agentrt-soak-'));
let redisProcess;
const startRedis = async () => {
  redisProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) { try { if (await probe.ping() === 'PONG') break; } catch { await new Promise((r) => setTimeout(r, 50)); } }
  probe.disconnect();
};
await startRedis();
const url = `redis://127.0.0.1:${port}`;
const counter = await startEffectCounter();
const cfg = { url, keyPrefix: 'soak:', queue: 'soak', counterUrl: counter.url, lockDurationMs: 2_000, stalledIntervalMs: 1_000, maxStalledCount: 5, stepDelayMs: 30, concurrency: CONCURRENCY, commandTimeoutMs: 1_000 };
const workers = new Set();
const spawnWorker = () => {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: 'ignore' });
  workers.add(child);
  child.on('exit', () => workers.delete(child));
};
for (let i = 0; i < WORKERS; i++) spawnWorker();

const queue = new AgentQueue({ url, name: 'soak' });
const started = Date.now();
const runIds = [];
for (let i = 0; i < RUNS; i++) runIds.push(await queue.enqueue({ input: 'go', runId: `soak-${i}` }));
const store = new RedisStore({ url, keyPrefix: 'soak:', commandTimeoutMs: 2_000 });
let kills = 0;
let redisRestarts = 0;
const killer = setInterval(() => {
  const list = [...workers];
  if (list.length === 0) return;
  list[Math.floor(Math.random() * list.length)].kill('SIGKILL');
  kills++;
  spawnWorker();
}, KILL_EVERY_MS);

const terminal = async () => {
  let done = 0;
  for (let i = 0; i < runIds.length; i += 100) {
    const runs = await Promise.all(runIds.slice(i, i + 100).map((id) => store.getRun(id).catch(() => undefined)));
    done += runs.filter((r) => r && ['completed', 'stopped', 'failed'].includes(r.status)).length;
  }
  return done;
};
const deadline = Date.now() + 15 * 60_000;
for (;;) {
  const done = await terminal().catch(() => 0);
  if (redisRestarts === 0 && done >= RUNS / 2) {
    redisProcess.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await startRedis();
    redisRestarts++;
  }
  if (done === RUNS) break;
  if (Date.now() > deadline) { console.log(`timed out with ${done}/${RUNS} terminal`); break; }
  await new Promise((r) => setTimeout(r, 500));
}
clearInterval(killer);
const wall = (Date.now() - started) / 1000;
let problems = [];
const outcomes = {};
for (const runId of runIds) {
  const run = await store.getRun(runId);
  outcomes[run?.result?.stopReason ?? run?.status ?? 'missing'] = (outcomes[run?.result?.stopReason ?? run?.status ?? 'missing'] ?? 0) + 1;
  problems = problems.concat(await checkCrashRecovery({ store, runId, result: run?.result, counter }));
}
console.log(`L-04 soak: ${RUNS} runs · ${WORKERS} workers × concurrency ${CONCURRENCY} · ${kills} worker SIGKILLs · ${redisRestarts} Redis restart(s) (AOF always) · ${wall.toFixed(1)} s wall`);
console.log(`  outcomes: ${JSON.stringify(outcomes)}`);
const retried = await queue.queue.getJobs(['completed'], 0, -1);
const retries = retried.filter((job) => job.attemptsMade > 1);
console.log(`  jobs retried after an unrecorded outcome: ${retries.length}${retries.length ? ` (e.g. ${retries[0].stacktrace?.[0]?.split('\n')[0] ?? ''})` : ''}`);
console.log(`  invariant / duplicate-effect problems: ${problems.length}${problems.length ? `\n    ${problems.slice(0, 10).join('\n    ')}` : ''}`);
for (const w of workers) w.kill('SIGKILL');
await queue.close();
await store.close();
await counter.close();
redisProcess.kill('SIGKILL');
process.exit(problems.length ? 1 : 0);
