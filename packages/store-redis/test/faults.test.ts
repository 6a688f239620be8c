import { createRuntime, defineTool } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PrivateRedis } from './redis-helpers.js';

const put = defineTool({ name: 'put', description: 'p', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: async ({ n }) => { await new Promise((r) => setTimeout(r, 20)); return n; } });
const steps = (n: number) => [...Array.from({ length: n }, (_, i) => ScriptedModel.call('put', { n: i })), ScriptedModel.answer('done')];

describe('RedisStore under faults (private redis-server)', () => {
  it('refuses a server whose maxmemory-policy can evict keys, or warns when told to (F-43)', async () => {
    await using redis = await PrivateRedis.start(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const strict = new RedisStore({ url: redis.url });
    await expect(strict.getRun('x')).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('noeviction') });
    await strict.close();
    const lenient = new RedisStore({ url: redis.url, evictionPolicy: 'warn' });
    expect(await lenient.getRun('x')).toBeUndefined();
    await lenient.close();
  });

  it('survives dropped connections mid-run: reconnects, no duplicate step (F-40)', async () => {
    await using redis = await PrivateRedis.start();
    const store = new RedisStore({ url: redis.url });
    const admin = new Redis(redis.url);
    admin.on('error', () => undefined);
    // Drops the store's connections every 15 ms, but never twice without the run getting something done in
    // between: a busy machine (slow reconnects) then sees fewer drops instead of a client that never gets through.
    let progress = 0;
    let droppedAt = -1;
    let dropped = 0;
    const killer = setInterval(() => {
      if (progress === droppedAt) return;
      droppedAt = progress;
      void admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes').then((n) => void (dropped += Number(n)), () => undefined);
    }, 15);
    const tick = () => void progress++;
    try {
      const model = new ScriptedModel(steps(12));
      const hooks = [{ beforeModel: tick, afterModel: tick, beforeTool: tick, afterTool: tick, onStepEnd: tick }];
      const result = await createRuntime({ model, tools: [put], store, hooks, loopDetection: false, limits: { maxSteps: 20, maxToolCalls: 20 } }).run({ input: 'go', runId: 'blip' });
      clearInterval(killer);
      expect(dropped).toBeGreaterThan(0);
      expect(result).toMatchObject({ stopReason: 'final_answer', steps: 13 });
      await assertRunInvariants({ store, runId: 'blip', result });
    } finally {
      clearInterval(killer);
      admin.disconnect();
      await store.close();
    }
  });

  it('reports store_unavailable while Redis is down; with AOF the run resumes after a restart (F-41)', async () => {
    await using redis = await PrivateRedis.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    // Long enough that a busy machine does not time out a command before the crash, short enough to fail fast after it.
    const store = new RedisStore({ url: redis.url, commandTimeoutMs: 2_000 });
    let crashed = false;
    const model = new ScriptedModel(steps(4));
    const runtime = createRuntime({
      model, tools: [put], store, leaseTtlMs: 300,
      hooks: [{ onStepEnd: async (step) => { if (step.stepIndex === 1 && !crashed) { crashed = true; await redis.crash(); } } }],
    });
    const failed = await runtime.run({ input: 'go', runId: 'outage' });
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'store_unavailable' } });
    // While the server is down a resume is a read error, never "no such run" and never a fresh start.
    const blind = new RedisStore({ url: redis.url, commandTimeoutMs: 300 });
    await expect(createRuntime({ model, tools: [put], store: blind }).resume('outage')).rejects.toMatchObject({ code: 'store_unavailable' });
    await blind.close();
    await redis.restart();
    const again = new RedisStore({ url: redis.url });
    const record = await again.getRun('outage');
    expect(record?.stepCount).toBe(2); // both committed steps survived the crash (appendfsync always)
    const done = await createRuntime({ model, tools: [put], store: again, leaseTtlMs: 300 }).resume('outage', { waitForLeaseMs: 2_000 });
    expect(done).toMatchObject({ stopReason: 'final_answer', steps: 5 });
    await assertRunInvariants({ store: again, runId: 'outage', result: done });
    await Promise.all([store.close(), again.close()]);
  });

  it('after a restart without persistence, resume is a loud run_not_found, not a fresh start (F-42)', async () => {
    await using redis = await PrivateRedis.start(['--appendonly', 'no']);
    const store = new RedisStore({ url: redis.url, commandTimeoutMs: 300 });
    const model = new ScriptedModel([ScriptedModel.call('put', { n: 1 }), ScriptedModel.answer('x')]);
    const runtime = createRuntime({ model, tools: [put], store, hooks: [{ onStepEnd: () => redis.crash() }] });
    await runtime.run({ input: 'go', runId: 'volatile' });
    await redis.restart();
    const fresh = new RedisStore({ url: redis.url });
    await expect(createRuntime({ model, tools: [put], store: fresh }).resume('volatile')).rejects.toMatchObject({ code: 'run_not_found' });
    await Promise.all([store.close(), fresh.close()]);
  });

  it('takes lease time from the Redis clock, not the caller (F-50)', async () => {
    await using redis = await PrivateRedis.start();
    const store = new RedisStore({ url: redis.url });
    await store.createRun({ runId: 'clock', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
    const admin = new Redis(redis.url);
    const serverNow = async () => {
      const [seconds, micros] = (await admin.time()) as unknown as [string, string];
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    // Bracketed by the server's clock read before and after, so a slow machine cannot fail it.
    const before = await serverNow();
    const lease = await store.acquireLease({ runId: 'clock', owner: 'a', ttlMs: 10_000 });
    const after = await serverNow();
    expect(lease!.expiresAt).toBeGreaterThanOrEqual(before + 10_000);
    expect(lease!.expiresAt).toBeLessThanOrEqual(after + 10_000);
    admin.disconnect();
    await store.close();
  });
});
