/**
 * `kill()` of a finished run does nothing (runtime TSDoc): no kill flag is left behind in the store.
 * A flag left on a failed run whose error is retryable killed its later `resume` at once.
 */
import { createRuntime, MemoryStore, ModelError, type ModelAdapter } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

describe('kill of a finished run', () => {
  it('leaves a completed run, its audit log and the store as they were (no flag)', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), store });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const events = (await store.listEvents(result.runId)).length;
    await runtime.kill(result.runId, 'too late');
    expect(await store.getKillFlag(result.runId)).toBeUndefined();
    expect(await runtime.getRun(result.runId)).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect((await store.listEvents(result.runId)).length).toBe(events);
  });

  it('does not kill a later resume of a failed run whose error is retryable', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const model: ModelAdapter = {
      provider: 'test',
      model: 'flaky',
      async generate() {
        if (++calls === 1) throw new ModelError('model_unavailable', 'upstream 503', { retryable: true, status: 503 });
        return { message: { role: 'assistant', content: 'recovered' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    };
    const runtime = createRuntime({ model, store });
    const failed = await runtime.run('go');
    expect(failed.stopReason).toBe('error');
    expect(failed.error?.retryable).toBe(true);
    await runtime.kill(failed.runId, 'stale kill from an old incident page');
    expect(await store.getKillFlag(failed.runId)).toBeUndefined();
    const resumed = await runtime.resume(failed.runId);
    expect(resumed.stopReason).toBe('final_answer');
    expect(resumed.output).toBe('recovered');
  });

  it('still records a kill flag for a run id not yet created (a kill issued before the run starts stops it)', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), store });
    await runtime.kill('not-yet', 'pre-emptive');
    expect(await store.getKillFlag('not-yet')).toMatchObject({ scope: 'not-yet' });
    const result = await runtime.run({ input: 'go', runId: 'not-yet' });
    expect(result.stopReason).toBe('killed');
  });
});
