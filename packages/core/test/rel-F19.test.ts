import { createRuntime, defineTool, MemoryStore, ModelError, StoreError, type StateStore } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// RELIABILITY.md 5.1 F-19 "resume edge cases": resume of a terminal run is a no-op returning the
// stored result; an unknown id is run_not_found; a store read error during resume is
// store_unavailable, never a silent fresh start. (Two concurrent resumes: tool-kill-faults.test.ts
// and the cross-process conformance suite.)

const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error?.code ?? String(error));

/**
 * The store, with its reads failing while `broken.on` is set (a connection lost mid-read), typed
 * the way the store contract asks (docs/stores.md: the driver error is only the `cause`; the
 * first-party stores' own outages are tested in store-redis/store-postgres faults.test.ts).
 */
function flakyReads(base: StateStore, broken: { on: boolean; method?: string }): StateStore {
  return new Proxy(base, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (broken.on && (property === 'getRun' || property === 'loadSteps') && (broken.method === undefined || broken.method === property)) {
        return async () => { throw new StoreError('store_unavailable', 'the store could not be read', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }); };
      }
      return value.bind(target);
    },
  });
}

describe('F-19 resume edge cases', () => {
  it('resume of a terminal run returns the stored result: no model or tool call, nothing appended', async () => {
    let executed = 0;
    const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({}), execute: () => (executed++, 'ok') });
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('tick', {}), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [tick], store });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 2 });
    const eventsBefore = (await store.listEvents(result.runId)).length;
    const stepsBefore = await store.loadSteps(result.runId);

    const again = await runtime.resume(result.runId);
    expect(again).toMatchObject({ runId: result.runId, status: 'completed', stopReason: 'final_answer', output: 'done', steps: 2, toolCalls: 1 });
    expect(again.usage).toEqual(result.usage);
    expect(model.calls).toBe(2);
    expect(executed).toBe(1);
    expect((await store.listEvents(result.runId)).length).toBe(eventsBefore);
    expect(await store.loadSteps(result.runId)).toEqual(stepsBefore);
    expect((await checkRunInvariants({ store, runId: result.runId, result: again })).violations).toEqual([]);
  });

  it('resume of an unknown id is run_not_found and creates nothing', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([]), store });
    expect(await codeOf(runtime.resume('no-such-run'))).toBe('run_not_found');
    expect(await store.getRun('no-such-run')).toBeUndefined();
  });

  it.each(['getRun', 'loadSteps'])('a store read error (%s) during resume is store_unavailable, never a fresh start; once reads work, resume continues from the last committed step', async (method) => {
    let executed = 0;
    const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ n: z.number() }), execute: ({ n }) => (executed++, `tick ${n}`) });
    const base = new MemoryStore();
    const broken = { on: false, method };
    const store = flakyReads(base, broken);
    // Step 0 runs a tool, then the model call of step 1 fails for good: a resumable run with one committed step.
    const model = new ScriptedModel([ScriptedModel.call('tick', { n: 1 }), { error: new ModelError('model_unavailable', 'the provider is down', { retryable: true }) }, ScriptedModel.answer('finished')]);
    const runtime = createRuntime({ model, tools: [tick], store });
    const failed = await runtime.run('go');
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', steps: 1 });

    broken.on = true;
    expect(await codeOf(runtime.resume(failed.runId))).toBe('store_unavailable');
    expect(model.calls).toBe(2);
    expect(executed).toBe(1);
    // Nothing of the run was reset or rewritten.
    expect(await base.loadSteps(failed.runId)).toHaveLength(1);
    expect((await base.getRun(failed.runId))?.status).toBe('failed');

    broken.on = false;
    const resumed = await runtime.resume(failed.runId);
    expect(resumed).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'finished', steps: 2 });
    expect(executed).toBe(1);
    expect(model.requests.at(-1)!.messages.some((m) => m.role === 'tool' && m.content === 'tick 1')).toBe(true);
    expect((await checkRunInvariants({ store: base, runId: failed.runId, result: resumed })).violations).toEqual([]);
  });
});
