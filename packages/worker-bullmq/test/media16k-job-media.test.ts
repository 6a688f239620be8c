// media16k: a run with an image in its input and in its tool results, enqueued and driven by a
// worker process. The store keeps the image once per run; the BullMQ job must not keep a second
// copy of it for as long as BullMQ keeps finished jobs (the last 1 000 completed, 5 000 failed).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { buildPng, checkRunInvariants, crc32, waitFor } from '@agentrt/testing';
import { AgentQueue } from '@agentrt/worker-bullmq';
import { afterEach, describe, expect, it } from 'vitest';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER = new URL('./__fixtures__/media16k-worker.mjs', import.meta.url).pathname;

/** A real PNG made large (incompressible) by a private ancillary chunk, which decoders skip. */
function bigPng(bytes: number): string {
  const png = buildPng({ width: 16, height: 16 });
  const chunk = Buffer.alloc(12 + bytes);
  chunk.writeUInt32BE(bytes, 0);
  chunk.write('raNd', 4, 'latin1');
  randomBytes(bytes).copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + bytes)), 8 + bytes);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]).toString('base64');
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

async function startWorker(config: Record<string, unknown>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return child;
}

describe('media16k: media runs through worker-bullmq', () => {
  it('a worker process drives a run with an image in its input and tool results; the result reads back and the finished job holds no copy of the media', async () => {
    const id = randomUUID().slice(0, 8);
    const image = bigPng(300 * 1024);
    const imageFile = join(mkdtempSync(join(tmpdir(), 'agentrt-media16k-')), 'chart.b64');
    writeFileSync(imageFile, image);
    const config = { url: URL_, keyPrefix: `agentrt-media16k:${id}:`, queue: `agentrt-media16k-${id}`, imageFile };
    const store = new RedisStore({ url: URL_, keyPrefix: config.keyPrefix });
    const queue = new AgentQueue({ url: URL_, name: config.queue, store });
    cleanup.push(() => store.close(), () => queue.close(), () => queue.queue.obliterate({ force: true }));
    await startWorker(config);

    const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'What does this chart show?' }, { type: 'image', mediaType: 'image/png', data: image }] }];
    const runId = await queue.enqueue({ runId: `media-${id}`, input });
    // The state first, then the job read again: a job read before its state (one snapshot taken
    // while it was still active) would lack the return value its completion wrote.
    await waitFor(async () => (await queue.queue.getJobState(runId)) === 'completed', { timeoutMs: 30_000, message: 'the job completes' });
    const job = await queue.queue.getJob(runId);

    // The result, read back.
    expect(job!.returnvalue).toMatchObject({ runId, status: 'completed', stopReason: 'final_answer' });
    const record = await store.getRun(runId);
    expect(record?.result).toMatchObject({ stopReason: 'final_answer', output: 'a rising line', steps: 3 });
    expect(record?.input).toEqual(input);
    const steps = await store.loadSteps(runId);
    const images = steps.flatMap((step) => step.messages).flatMap((message) => (message.role === 'tool' && Array.isArray(message.content) ? message.content : []))
      .filter((part) => part.type === 'image');
    expect(images.map((part) => 'data' in part && part.data === image)).toEqual([true, true]);
    expect((await checkRunInvariants({ store, runId, result: record!.result! })).violations).toEqual([]);

    // The finished job keeps its request for idempotent re-enqueues, but not the media bytes.
    const data = JSON.stringify(job!.data);
    expect(data.includes(image.slice(0, 4096))).toBe(false);
    expect(data.length).toBeLessThan(4 * 1024);

    // Re-enqueuing the same request is still a no-op; another image is still a conflict.
    await expect(queue.enqueue({ runId, input })).resolves.toBe(runId);
    const other: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'What does this chart show?' }, { type: 'image', mediaType: 'image/png', data: bigPng(2048) }] }];
    await expect(queue.enqueue({ runId, input: other })).rejects.toMatchObject({ code: 'run_conflict' });
    // Also through the job alone (a queue without a store compares with the job's data).
    const bare = new AgentQueue({ url: URL_, name: config.queue });
    cleanup.push(() => bare.close());
    await expect(bare.enqueue({ runId, input })).resolves.toBe(runId);
    await expect(bare.enqueue({ runId, input: other })).rejects.toMatchObject({ code: 'run_conflict' });
  }, 60_000);
});
