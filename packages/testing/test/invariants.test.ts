import { createRuntime, defineTool, MemoryStore, ModelError, type StateStore, type StoredRunEvent } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('checkRunInvariants', () => {
  it('accepts a run that failed retryably and was resumed to completion (two drives)', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([{ error: new ModelError('model_rate_limited', '429', { retryable: true }) }, ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, store });
    const failed = await runtime.run('go');
    expect(failed.error?.code).toBe('model_rate_limited');
    const done = await runtime.resume(failed.runId);
    expect(done.stopReason).toBe('final_answer');
    expect((await checkRunInvariants({ store, runId: done.runId, result: done })).violations).toEqual([]);
  });

  it('flags a tampered log: a second run_finished in one drive, a gap in sequence numbers', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store }).run('go');
    const last = (await store.listEvents(result.runId)).at(-1)!;
    await store.appendEvents(result.runId, [{ ...last, seq: last.seq + 1 }]);
    const report = await checkRunInvariants({ store, runId: result.runId, result });
    expect(report.violations.some((v) => v.startsWith('I1'))).toBe(true);
  });

  it('flags a result that disagrees with the store', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store }).run('go');
    const report = await checkRunInvariants({ store, runId: result.runId, result: { ...result, stopReason: 'max_steps' } });
    expect(report.violations).toContain('I1: result says max_steps, store says final_answer');
  });
});

describe('checkRunInvariants: tool-call counts and the finalize record', () => {
  const tick = defineTool({ name: 'tick', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => String(i) });

  it('accepts a finalized run with refused calls, and flags counts that disagree with the steps', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel([0, 1, 2].map((i) => ({ name: 'tick', args: { i } }))), ScriptedModel.answer('two ran')]);
    const result = await createRuntime({ model, tools: [tick], store, limits: { maxToolCalls: 2, finalize: true } }).run('go');
    expect(result).toMatchObject({ toolCalls: 2, toolCallsRefused: 1, finalized: true, steps: 1 });
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    // A store whose result over-counts refused calls, or counts the finalize record as a step, is flagged.
    const lying: StateStore = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'getRun') return typeof value === 'function' ? value.bind(target) : value;
        return async (runId: string) => {
          const run = await target.getRun(runId);
          return run && { ...run, result: { ...run.result!, toolCallsRefused: 2, steps: 2 } };
        };
      },
    });
    const violations = (await checkRunInvariants({ store: lying, runId: result.runId })).violations;
    expect(violations).toContain('I5: result counts 2 refused tool calls, steps hold 1');
    expect(violations).toContain('I2: result counts 2 steps, the store holds 1 plus the finalize record');
  });

  it('flags a model call after limit_reached that is not the finalize call', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('tick', { i: 1 })]), tools: [tick], store, limits: { maxSteps: 1 } }).run('go');
    const events = await store.listEvents(result.runId);
    const finished = events.at(-1)!;
    const limit = events.findIndex((event) => event.type === 'limit_reached');
    const forged = [...events.slice(0, limit + 1), { type: 'model_request', runId: result.runId, at: finished.at, seq: 0, stepIndex: 1, messageCount: 1, historyMessages: 1, repairedPairs: 0, tools: [], attempt: 1 }, ...events.slice(limit + 1)]
      .map((event, i) => ({ ...event, seq: i + 1 })) as StoredRunEvent[];
    const tampered: StateStore = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'listEvents') return async () => forged;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const violations = (await checkRunInvariants({ store: tampered, runId: result.runId, result })).violations;
    expect(violations.some((v) => v.startsWith('I5: model_request') && v.includes('not the finalize call'))).toBe(true);
  });
});
