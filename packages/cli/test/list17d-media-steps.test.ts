// list17d: the console's media route reads a bounded window of steps (`loadSteps` `limit`), not
// the rest of a long run — also from a store that predates `limit` and ignores it.
import { createHash } from 'node:crypto';
import { createRuntime, MemoryStore, type Message, type StateStore, type StepRecord } from '@agentrt/core';
import { buildPng, ScriptedModel, storeRecords } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { MEDIA_READ_STEPS } from '../src/console/media.js';
import { startConsole } from '../src/index.js';

const STEPS = 120;
const images = Array.from({ length: STEPS }, (_, i) => buildPng({ width: 8 + (i % 50), height: 8 + Math.floor(i / 50) }));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A run of `STEPS` steps, each with one tool image. */
async function longRun(store: StateStore, runId: string): Promise<void> {
  await store.createRun(storeRecords.run(runId));
  for (const [index, image] of images.entries()) {
    const messages = [
      { role: 'assistant', content: '', toolCalls: [{ id: `c${index}`, name: 'shot', args: {} }] },
      { role: 'tool', toolCallId: `c${index}`, name: 'shot', content: [{ type: 'image', mediaType: 'image/png', data: image.toString('base64') }] },
    ] as Message[];
    await store.commitStep({ runId, step: { ...storeRecords.step(runId, index, `c${index}`), messages }, events: [], usageDelta: storeRecords.usage });
  }
}

/** Wraps a store: records the steps each loadSteps answered; with `ignoreLimit`, drops the option as a store that predates it would. */
function watched(inner: StateStore, ignoreLimit: boolean): { store: StateStore; reads: { options: unknown; steps: number[] }[] } {
  const reads: { options: unknown; steps: number[] }[] = [];
  const store = new Proxy(inner, {
    get(target, key) {
      if (key === 'loadSteps') {
        return async (runId: string, options?: { fromIndex?: number; limit?: number }) => {
          const { limit: _limit, ...rest } = options ?? {};
          const steps: StepRecord[] = await target.loadSteps(runId, ignoreLimit ? rest : options);
          reads.push({ options, steps: steps.map((step) => step.stepIndex) });
          return steps;
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, reads };
}

describe.each([false, true])('list17d: console media reads a bounded window of steps (store ignores limit: %s)', (ignoreLimit) => {
  it('a part of step N reads steps N…N+15 only; the window serves the next requests from the cache; a step past the end or a huge index is 404', async () => {
    const { store, reads } = watched(new MemoryStore(), ignoreLimit);
    await longRun(store, 'long:run/1');
    const runtime = createRuntime({ model: new ScriptedModel([]), store });
    const server = await startConsole({ runtime, port: 0 });
    const get = async (path: string) => {
      const response = await fetch(`${server.origin}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
      return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
    };
    try {
      const runPath = `/api/runs/${encodeURIComponent('long:run/1')}/media`;
      const reply = await get(`${runPath}/${sha(images[50]!)}?step=50`);
      expect(reply.status).toBe(200);
      expect(reply.bytes.equals(images[50]!)).toBe(true);
      expect(reads).toHaveLength(1);
      expect(reads[0]!.options).toEqual({ fromIndex: 50, limit: MEDIA_READ_STEPS });
      // What the store answered: the window (a conforming store), or everything from 50 (one that ignores limit, cut by core's loadStepRange).
      expect(reads[0]!.steps).toEqual(Array.from({ length: ignoreLimit ? STEPS - 50 : MEDIA_READ_STEPS }, (_, i) => 50 + i));
      // The next steps of the window come from the cache; the one after it reads again.
      for (let step = 51; step < 50 + MEDIA_READ_STEPS; step++) expect((await get(`${runPath}/${sha(images[step]!)}?step=${step}`)).status).toBe(200);
      expect(reads).toHaveLength(1);
      expect((await get(`${runPath}/${sha(images[50 + MEDIA_READ_STEPS]!)}?step=${50 + MEDIA_READ_STEPS}`)).status).toBe(200);
      expect(reads).toHaveLength(2);
      // A part of another step is not in a window that does not reach it: 404, never another step's bytes.
      expect((await get(`${runPath}/${sha(images[110]!)}?step=100`)).status).toBe(200);
      expect((await get(`${runPath}/${sha(images[10]!)}?step=100`)).status).toBe(404);
      expect((await get(`${runPath}/${sha(images[119]!)}?step=100`)).status).toBe(404);
      for (const step of [String(STEPS), '2147483646', '2147483647', '999999999999999']) expect((await get(`${runPath}/${sha(images[0]!)}?step=${step}`)).status, step).toBe(404);
      for (const step of ['-1', '1.5', '1e3', '', '9999999999999999']) expect((await get(`${runPath}/${sha(images[0]!)}?step=${step}`)).status, step).toBe(400);
    } finally {
      await server.close();
      await runtime.close();
    }
  }, 60_000);
});
