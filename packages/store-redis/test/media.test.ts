import { AgentrtError, createRuntime, defineTool, type ContentPart } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));
const image = (size: number, seed = 7) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed + 3) % 256;
  return bytes.toString('base64');
};
const MB = image(1024 * 1024);
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

describe('RedisStore with images and files', () => {
  it('stores a 1 MB image once per run: bytes written per step stay flat however often it appears', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const screenshot: ContentPart[] = [{ type: 'text', text: 'screen' }, { type: 'image', mediaType: 'image/png', data: MB }];
    const shot = defineTool({ name: 'screenshot', description: 'Screenshot', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: () => screenshot });
    const model = new ScriptedModel([(_request, i) => ScriptedModel.call('screenshot', { n: i })], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, store, tools: [shot], loopDetection: false, limits: { maxSteps: 8, maxToolCalls: 8 } });
    const result = await runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'watch' }, { type: 'image', mediaType: 'image/png', data: MB }] }] });
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 8 });

    const redis = new Redis(REDIS_URL);
    try {
      const blobs = await redis.hgetall(`${keyPrefix}blobs:${result.runId}`);
      expect(Object.values(blobs)).toEqual([MB]);
      const steps = await redis.lrange(`${keyPrefix}steps:${result.runId}`, 0, -1);
      const ledger = Object.values(await redis.hgetall(`${keyPrefix}ledger-done:${result.runId}`));
      const staticPart = await redis.hget(`${keyPrefix}run:${result.runId}`, 'static');
      expect(steps).toHaveLength(8);
      for (const text of [...steps, ...ledger, staticPart!]) expect(text.length).toBeLessThan(2_000);
    } finally {
      redis.disconnect();
    }
    const messages = await runtime.messages(result.runId);
    expect(messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'watch' }, { type: 'image', mediaType: 'image/png', data: MB }] });
    expect(messages.filter((m) => m.role === 'tool').every((m) => JSON.stringify(m.content) === JSON.stringify(screenshot))).toBe(true);
    expect((await store.getToolLedger(result.runId))[3]?.result?.content).toEqual(screenshot);
    await assertRunInvariants({ store, runId: result.runId, result });
    await store.close();
  });

  it('reports a missing blob as state_corrupt, never as missing data', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('seen')]), store }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: image(4000) }] }] });
    expect(result.stopReason).toBe('final_answer');
    const redis = new Redis(REDIS_URL);
    expect(await redis.del(`${keyPrefix}blobs:${result.runId}`)).toBe(1);
    redis.disconnect();
    expect(await codeOf(store.getRun(result.runId))).toBe('state_corrupt');
    await store.close();
  });

  it('sends a blob it knows is stored as its hash only, and its data again when the blob has gone', async () => {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    const data = image(50_000, 11);
    const runId = `blob-resend-${Date.now()}`;
    await store.createRun({ runId, input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data }] }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
    const redis = (store as unknown as { redis: Redis }).redis;
    const sent: number[] = [];
    // Scripts go as EVALSHA (EVAL only when the server lacks the script): count the arguments of both, not the script body.
    const spies = (['eval', 'evalsha'] as const).map((command) => {
      const original = redis[command].bind(redis) as (...args: unknown[]) => Promise<unknown>;
      return vi.spyOn(redis, command).mockImplementation(((...args: unknown[]) => {
        sent.push(args.slice(1).reduce<number>((sum, arg) => sum + String(arg).length, 0));
        return original(...args);
      }) as never);
    });
    const step = (stepIndex: number) => ({
      runId, stepIndex, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, toolCalls: 1, finishReason: 'tool_calls' as const,
      startedAt: new Date().toISOString(), endedAt: new Date().toISOString(),
      messages: [
        { role: 'assistant' as const, content: '', toolCalls: [{ id: `c${stepIndex}`, name: 'shot', args: {} }] },
        { role: 'tool' as const, toolCallId: `c${stepIndex}`, name: 'shot', content: [{ type: 'image' as const, mediaType: 'image/png', data }] },
      ],
    });
    await store.commitStep({ runId, step: step(0), events: [], usageDelta: step(0).usage });
    expect(sent.at(-1)).toBeLessThan(10_000);
    const admin = new Redis(REDIS_URL);
    await admin.del(`${keyPrefix}blobs:${runId}`);
    await store.commitStep({ runId, step: step(1), events: [], usageDelta: step(1).usage });
    expect(Math.max(...sent.slice(-2))).toBeGreaterThan(data.length);
    expect(await admin.hget(`${keyPrefix}blobs:${runId}`, Object.keys(await admin.hgetall(`${keyPrefix}blobs:${runId}`))[0]!)).toBe(data);
    admin.disconnect();
    for (const spy of spies) spy.mockRestore();
    expect((await store.loadSteps(runId)).map((s) => s.messages[1])).toEqual([step(0).messages[1], step(1).messages[1]]);
    expect((await store.getRun(runId))?.input[0]).toEqual({ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data }] });
    await store.close();
  });
});
