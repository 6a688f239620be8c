// RELIABILITY.md 5.1 F-31 "worker event loop blocked": a tool blocks its worker's event loop for
// longer than lockDuration (a synchronous busy-wait, not SIGSTOP as in worker.test.ts). The lock
// is lost, the second worker takes the job and finishes the run; the first worker's later commit
// is refused with lease_lost: 0 double commits, I1–I8 (checkCrashRecovery).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStore } from '@agentrt/store-redis';
import { checkCrashRecovery, startEffectCounter, waitFor } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = new URL('./__fixtures__/worker.mjs', import.meta.url).pathname;

describe('F-31 worker event loop blocked', () => {
  it('a tool blocking the loop > lockDuration: the other worker takes the job and completes it; the blocked worker\'s later commit is lease_lost; 0 double commits', async () => {
    const id = randomUUID().slice(0, 8);
    await using counter = await startEffectCounter();
    const cfg = {
      url: URL_, keyPrefix: `agentrt-rel-f31:${id}:`, queue: `agentrt-rel-f31-${id}`, counterUrl: counter.url,
      lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 1, stepDelayMs: 40,
      blockOnce: 'put@1', blockMs: 40_000, markerDir: mkdtempSync(join(tmpdir(), 'agentrt-rel-f31-')),
    };
    // The blocked worker stays blocked until the other one has finished the run (a fixed block lost
    // that race on a loaded machine: the other worker had not taken the job yet, so the blocked one
    // simply finished its run), then it wakes and its stale drive meets the taken lease.
    const release = join(cfg.markerDir, 'release');
    Object.assign(cfg, { blockRelease: release });
    const queue = new AgentQueue({ url: URL_, name: cfg.queue });
    const store = new RedisStore({ url: URL_, keyPrefix: cfg.keyPrefix });
    const children: ChildProcess[] = [];
    const output = new Map<ChildProcess, string>();
    const worker = () => {
      const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      output.set(child, '');
      return new Promise<ChildProcess>((resolve, reject) => {
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          output.set(child, output.get(child)! + chunk);
          if (output.get(child)!.includes('ready')) resolve(child);
        });
        child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
      });
    };
    try {
      await Promise.all([worker(), worker()]);
      const runId = await queue.enqueue({ input: 'go', runId: 'f31-blocked' });
      const blocked = await waitFor(() => children.find((c) => output.get(c)!.includes('blocked put@1')), { timeoutMs: 20_000, message: 'a worker blocked its event loop' });
      await waitFor(async () => ['completed', 'stopped', 'failed'].includes((await store.getRun(runId))?.status ?? ''), { timeoutMs: 30_000, intervalMs: 100, message: 'the run is terminal' });
      writeFileSync(release, '');
      // The blocked worker wakes up and ends its stale drive: refused at its next write.
      await waitFor(() => output.get(blocked)!.split('\n').some((line) => line.startsWith(`drive_end ${runId} `)), { timeoutMs: 20_000, message: 'the blocked worker ended its drive' });
      const ends = output.get(blocked)!.split('\n').filter((line) => line.startsWith(`drive_end ${runId} `));
      expect(ends.map((line) => line.split(' ')[3])).toEqual(['lease_lost']);
      const other = children.find((c) => c !== blocked)!;
      expect(output.get(other)!).toContain(`drive_start ${runId}`);

      const run = (await store.getRun(runId))!;
      expect(run).toMatchObject({ status: 'completed', result: { stopReason: 'final_answer' } });
      const steps = await store.loadSteps(runId);
      expect(steps.map((step) => step.stepIndex)).toEqual(steps.map((_, i) => i));
      const events = await store.listEvents(runId);
      const finished = events.filter((e) => e.type === 'step_finished').map((e) => (e as { stepIndex: number }).stepIndex);
      expect(finished).toEqual([...new Set(finished)]);
      expect(finished.length).toBe(steps.length);
      expect(events.filter((e) => e.type === 'run_finished')).toHaveLength(1);
      expect(await checkCrashRecovery({ store, runId, result: run.result, counter })).toEqual([]);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await store.close();
      const redis = new Redis(URL_);
      const keys = await redis.keys(`${cfg.keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  }, 60_000);
});
