// Red team: values shaped like the stores' own blob references (`{ type: 'image', blob }`) put
// wherever a caller, a model or a tool can put data — input, metadata, tool-call args, tool
// output, reasoning providerData, a structured answer — must never make a run unreadable or
// unresumable, on every store the CLI opens, and the console must still show it.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type ModelRequest, type StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildRunView, renderTraceHtml } from '../src/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const id = randomUUID().replace(/-/g, '').slice(0, 12);
const redisPrefix = `agentrt-redteam:${id}:`;
const pgSchema = `agentrt_redteam_${id}`;

const FAKE = { type: 'image', mediaType: 'image/png', blob: 'f'.repeat(64) };
const FAKE_FILE = { type: 'file', mediaType: 'application/pdf', blob: 'e'.repeat(64), '~blob': 'x' };
const BIG = Buffer.alloc(4096, 9).toString('base64');

const stores: Record<string, () => StateStore> = {
  memory: () => new MemoryStore(),
  sqlite: () => new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'agentrt-rt-stores-')), 'runs.db') }),
  redis: () => new RedisStore({ url: REDIS_URL, keyPrefix: redisPrefix }),
  postgres: () => new PostgresStore({ url: DATABASE_URL, schema: pgSchema }),
};

afterAll(async () => {
  spawnSync('sh', ['-c', `redis-cli -u ${REDIS_URL} --scan --pattern '${redisPrefix}*' | xargs -r redis-cli -u ${REDIS_URL} del`], { stdio: 'ignore' });
  const pg = new PostgresStore({ url: DATABASE_URL, schema: pgSchema });
  await pg.pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`).catch(() => undefined);
  await pg.close();
});

/** A model that decides from the conversation (so a resumed run continues the same way). */
const model: ModelAdapter = {
  provider: 'scripted',
  model: 'lookalikes',
  capabilities: { imageTypes: ['*'], fileTypes: ['*'], partsInToolResults: true, imageUrls: true, fileUrls: true, structuredOutput: false, reasoning: true },
  async generate(request: ModelRequest) {
    const usage = { inputTokens: 1, outputTokens: 1 };
    const tools = request.messages.filter((m) => m.role === 'tool').length;
    if (request.output) return { message: { role: 'assistant', content: JSON.stringify({ answer: FAKE, files: [FAKE_FILE] }) }, usage, finishReason: 'stop' };
    if (tools === 0) return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'shot-1', name: 'shot', args: { like: FAKE, list: [FAKE_FILE] } }], reasoning: [{ text: 'look', providerData: { ...FAKE, nested: FAKE_FILE } }] }, usage, finishReason: 'tool_calls' };
    if (tools === 1) return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'pay-1', name: 'pay', args: { memo: FAKE } }] }, usage, finishReason: 'tool_calls' };
    return { message: { role: 'assistant', content: JSON.stringify(FAKE) }, usage, finishReason: 'stop' };
  },
};
const tools = [
  defineTool({ name: 'shot', description: 'returns parts', input: z.object({ like: z.unknown(), list: z.unknown() }), execute: () => [
    { type: 'text', text: JSON.stringify(FAKE) },
    { type: 'image', mediaType: 'image/png', data: BIG },
    { ...FAKE, url: 'https://example.com/a.png' } as never,
  ] }),
  defineTool({ name: 'pay', description: 'needs approval', input: z.object({ memo: z.unknown() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ memo }) => ({ paid: true, memo }) }),
];

describe('red team: blob-reference look-alikes on every store', () => {
  for (const [name, create] of Object.entries(stores)) {
    it(`${name}: a run full of look-alikes pauses, resumes, finishes and reads back; the console shows it`, async () => {
      const store = create();
      const runtime = createRuntime({ model, tools, store });
      try {
        const runId = `lookalike-${name}-${id}`;
        const paused = await runtime.run({
          runId,
          input: [{ role: 'user', content: [{ type: 'text', text: JSON.stringify(FAKE) }, { type: 'image', mediaType: 'image/png', data: BIG }, { ...FAKE, data: BIG } as never] }],
          metadata: { ref: FAKE, list: [FAKE_FILE] },
        });
        expect(paused.status).toBe('paused');
        const resumed = await runtime.resume(runId, { approvals: { 'pay-1': 'approve' } });
        expect(resumed).toMatchObject({ status: 'completed', output: JSON.stringify(FAKE) });
        const record = await store.getRun(runId);
        expect(record?.metadata).toEqual({ ref: FAKE, list: [FAKE_FILE] });
        const steps = await store.loadSteps(runId);
        expect(steps[0]!.messages[0]).toMatchObject({ toolCalls: [{ args: { like: FAKE, list: [FAKE_FILE] } }], reasoning: [{ providerData: { ...FAKE, nested: FAKE_FILE } }] });
        expect(JSON.stringify(steps[0]!.messages[1])).toContain(BIG);
        expect(await runtime.listRuns()).toEqual(expect.arrayContaining([expect.objectContaining({ runId })]));
        expect((await checkRunInvariants({ store, runId, result: resumed })).violations).toEqual([]);
        const view = await buildRunView(runtime, runId);
        expect(renderTraceHtml(view)).not.toContain(BIG);

        const structured = await runtime.run({ runId: `${runId}-out`, input: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', mediaType: 'image/png', data: BIG }] }], output: z.object({ answer: z.unknown(), files: z.array(z.unknown()) }) });
        expect(structured).toMatchObject({ status: 'completed', output: { answer: FAKE, files: [FAKE_FILE] } });
        expect((await runtime.getRun(`${runId}-out`))?.result?.output).toEqual({ answer: FAKE, files: [FAKE_FILE] });
        expect(await store.loadSteps(`${runId}-out`)).toHaveLength(1);
      } finally {
        await runtime.close();
      }
    }, 60_000);
  }
});
