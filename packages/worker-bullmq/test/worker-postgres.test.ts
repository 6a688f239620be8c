import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PostgresStore } from '@agentrt/store-postgres';
import { checkCrashRecovery, startEffectCounter } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { describe, expect, it } from 'vitest';

// BullMQ still needs Redis for the queue; the runs themselves live in PostgreSQL.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WORKER = new URL('./__fixtures__/worker.mjs', import.meta.url).pathname;

describe('@agentrt/worker-bullmq with a PostgresStore', () => {
  it('spreads runs over two workers sharing PostgreSQL; a SIGKILLed worker’s runs finish on the other, no duplicate effect', async () => {
    const id = randomUUID().slice(0, 8);
    const schema = `agentrt_worker_${id}`;
    const counter = await startEffectCounter();
    const cfg = { store: 'postgres', databaseUrl: DATABASE_URL, schema, url: REDIS_URL, queue: `agentrt-pg-${id}`, counterUrl: counter.url, lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 1, stepDelayMs: 150 };
    const queue = new AgentQueue({ url: REDIS_URL, name: cfg.queue });
    const store = new PostgresStore({ url: DATABASE_URL, schema });
    const children: ChildProcess[] = [];
    const worker = () => new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve(child));
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    try {
      const [first] = await Promise.all([worker(), worker()]);
      const runIds = await Promise.all(Array.from({ length: 6 }, (_, i) => queue.enqueue({ input: 'go', runId: `pgw-${i}` })));
      // Kill one worker once some run has committed a step (it holds runs mid-flight).
      const deadline = Date.now() + 30_000;
      while (!(await Promise.all(runIds.map((r) => store.getRun(r)))).some((run) => (run?.stepCount ?? 0) >= 1)) {
        if (Date.now() > deadline) throw new Error('no run committed a step');
        await new Promise((r) => setTimeout(r, 50));
      }
      first!.kill('SIGKILL');
      for (;;) {
        const runs = await Promise.all(runIds.map((r) => store.getRun(r)));
        if (runs.every((run) => run && ['completed', 'stopped', 'failed'].includes(run.status))) break;
        if (Date.now() > deadline + 30_000) throw new Error(`runs not terminal: ${runs.map((r, i) => `${runIds[i]}=${r?.status}`).join(', ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      let resumed = 0;
      for (const runId of runIds) {
        const run = (await store.getRun(runId))!;
        expect(run.status).toBe('completed');
        expect(await checkCrashRecovery({ store, runId, result: run.result, counter })).toEqual([]);
        if ((await store.listEvents(runId)).some((e) => e.type === 'run_resumed')) resumed++;
      }
      expect(resumed).toBeGreaterThan(0);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await store.close();
      await counter.close();
    }
  }, 90_000);
});
