// RELIABILITY.md 5.1 F-40 "Redis blip", the 2 s network drop mid-commit (CLIENT KILL is in
// faults.test.ts): a TCP proxy between the store and Redis cuts every connection the moment a
// step commit is sent and refuses connections for 2 s. ioredis reconnects and re-sends the
// commit; the store applies it once (same step id ⇒ no duplicate); the run completes; I1–I8.
import { createServer, type Server, type Socket, connect } from 'node:net';
import { createRuntime, defineTool, type StateStore } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

/** A TCP proxy to Redis that can drop every connection and refuse new ones for a while. */
async function startProxy(target: URL): Promise<{ url: string; drop(ms: number): void; drops: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let downUntil = 0;
  let drops = 0;
  const server: Server = createServer((client) => {
    if (Date.now() < downUntil) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    drop(ms) {
      drops++;
      downUntil = Date.now() + ms;
      for (const socket of sockets) socket.destroy();
    },
    get drops() { return drops; },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

const put = defineTool({ name: 'put', description: 'p', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: ({ n }) => n });

describe('F-40 Redis blip: a 2 s network drop mid-commit', () => {
  it('ioredis reconnects; the commit is re-sent and applied once; the run completes', async () => {
    const keyPrefix = freshPrefix();
    const proxy = await startProxy(new URL(REDIS_URL));
    const base = new RedisStore({ url: proxy.url, keyPrefix });
    let droppedAt = 0;
    // The drop happens right after the step-2 commit went out on the wire.
    const store = new Proxy(base, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property !== 'commitStep') return value.bind(target);
        return (input: Parameters<StateStore['commitStep']>[0]) => {
          const pending = value.call(target, input) as Promise<unknown>;
          if (input.step.stepIndex === 2 && proxy.drops === 0) setImmediate(() => { droppedAt = performance.now(); proxy.drop(2_000); });
          return pending;
        };
      },
    }) as RedisStore;
    try {
      const model = new ScriptedModel([...Array.from({ length: 4 }, (_, n) => ScriptedModel.call('put', { n }, { id: `c${n}` })), ScriptedModel.answer('done')]);
      const started = performance.now();
      const result = await createRuntime({ model, tools: [put], store }).run({ input: 'go', runId: 'rel-f40' });
      expect(proxy.drops).toBe(1);
      expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 5, toolCalls: 4 });
      // The run waited out the drop (it did not go on without the commit, nor fail).
      expect(performance.now() - droppedAt).toBeGreaterThanOrEqual(1_900);
      expect(performance.now() - started).toBeLessThan(20_000);
      const check = new RedisStore({ url: REDIS_URL, keyPrefix });
      try {
        const steps = await check.loadSteps('rel-f40');
        expect(steps.map((s) => s.stepIndex)).toEqual([0, 1, 2, 3, 4]);
        const finished = (await check.listEvents('rel-f40')).filter((e) => e.type === 'step_finished').map((e) => (e as { stepIndex: number }).stepIndex);
        expect(finished).toEqual([0, 1, 2, 3, 4]);
        expect((await checkRunInvariants({ store: check, runId: 'rel-f40', result })).violations).toEqual([]);
      } finally {
        await check.close();
      }
    } finally {
      await base.close();
      await proxy.close();
      await dropPrefix(keyPrefix);
    }
  }, 30_000);
});
