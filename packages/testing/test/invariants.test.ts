import { createRuntime, MemoryStore, ModelError } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

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
