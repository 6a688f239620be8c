/**
 * The run's model-call race (`ActiveRun.raceModel`, issue 15, eighteenth pass: its state on the
 * run, its handlers made once per run): each call settles as its own answer says, a failure is
 * mapped, an abort rejects the call in flight at once, and a late answer of a call an abort freed
 * changes nothing.
 */
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type ModelResponse } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 });
const call = (n: number): ModelResponse => ({ message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' });

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the model call race of a run', () => {
  it('answers settle their own call, step after step; a failure on a later step is mapped (model_unavailable)', async () => {
    let n = 0;
    const model: ModelAdapter = {
      provider: 'p', model: 'm', borrowsMessages: true,
      generate: async () => {
        n++;
        if (n === 5) throw new Error('upstream down');
        // Some answers settle after a macrotask, some at once.
        if (n % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        return call(n);
      },
    };
    const result = await createRuntime({ model, tools: [add], store: new MemoryStore(), loopDetection: false }).run('go');
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'model_unavailable' });
    expect(result.error?.message).toContain('upstream down');
    expect(result.steps).toBe(4);
  });

  for (const late of ['resolves', 'rejects'] as const) {
    it(`a killed call's answer that ${late} late changes nothing (no event, no unhandled rejection)`, async () => {
      const store = new MemoryStore();
      let release: ((value: ModelResponse) => void) | undefined;
      let fail: ((error: Error) => void) | undefined;
      let n = 0;
      const model: ModelAdapter = {
        provider: 'p', model: 'm',
        generate: () => {
          n++;
          if (n < 3) return Promise.resolve(call(n));
          // The third call ignores its signal and settles only when the test says.
          return new Promise<ModelResponse>((resolve, reject) => {
            release = resolve;
            fail = reject;
          });
        },
      };
      const runtime = createRuntime({ model, tools: [add], store, loopDetection: false });
      const running = runtime.run('go');
      await until(() => release !== undefined);
      const runId = (await store.listRuns({ status: 'running' }))[0]!.runId;
      await runtime.kill(runId, 'stop');
      const result = await running;
      expect(result.stopReason).toBe('killed');
      const events = await store.listEvents(runId);
      if (late === 'resolves') release!(call(99));
      else fail!(new Error('late failure'));
      // Let the late answer's handlers run.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(await store.listEvents(runId)).toEqual(events);
      expect((await store.getRun(runId))!.result).toMatchObject({ stopReason: 'killed' });
      expect(events.filter((event) => event.type === 'model_response')).toHaveLength(2);
    });
  }

  it('1,000 concurrent runs of one runtime, a tenth of them killed mid-call: every run ends as it should', async () => {
    const store = new MemoryStore();
    const hung = new Set<string>();
    const model: ModelAdapter = {
      provider: 'p', model: 'm', borrowsMessages: true,
      generate: (request) => {
        const count = request.messages.filter((message) => message.role === 'assistant').length;
        const tag = String(request.messages[0]!.content);
        if (count === 2 && tag.endsWith('0')) {
          hung.add(tag);
          return new Promise<ModelResponse>(() => {});
        }
        return Promise.resolve(count < 3 ? call(count) : { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' });
      },
    };
    const runtime = createRuntime({ model, tools: [add], store, loopDetection: false });
    const runs = Array.from({ length: 1000 }, (_, i) => runtime.run({ input: `run ${i}`, runId: `r${i}` }));
    await until(() => hung.size === 100);
    await Promise.all([...hung].map((tag) => runtime.kill(`r${tag.slice(4)}`, 'stop')));
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.stopReason === 'killed').map((r) => r.runId).sort()).toEqual([...hung].map((tag) => `r${tag.slice(4)}`).sort());
    expect(results.filter((r) => r.stopReason !== "killed").map((r) => `${r.status}:${r.stopReason}:${r.steps}`)).toEqual(Array(900).fill("completed:final_answer:4"));
  });
});
