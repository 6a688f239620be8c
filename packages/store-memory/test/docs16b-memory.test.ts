// docs16b: packages/store-memory/README.md and docs/stores.md "Retention", through public names.
import 'reflect-metadata';
import { AgentrtError, createRuntime } from '@agentrt/core';
import { MemoryStore, memoryStorePlugin } from '@agentrt/store-memory';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

function thrownSync(fn: () => unknown): AgentrtError & { field?: string } {
  try {
    fn();
  } catch (error) {
    expect(AgentrtError.isInstance(error)).toBe(true);
    return error as AgentrtError & { field?: string };
  }
  throw new Error('expected a throw');
}

describe('packages/store-memory/README.md and docs/stores.md "Retention"', () => {
  it('the example, the plugin form, and maxFinishedRuns dropping the oldest finished runs whole', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')], { whenExhausted: 'repeat_last' });
    const other = createRuntime({ model, plugins: [memoryStorePlugin()] });
    expect((await other.run('go')).stopReason).toBe('final_answer');
    const store = new MemoryStore({ maxFinishedRuns: 2, finishedRunTtlMs: 3_600_000 });
    const runtime = createRuntime({ model, store });
    const first = await runtime.run({ input: 'a', idempotencyKey: 'k-a' });
    await runtime.run('b');
    await runtime.run('c');
    expect(await runtime.getRun(first.runId)).toBeUndefined();
    expect(await runtime.events(first.runId)).toEqual([]);
    await expect(runtime.resume(first.runId)).rejects.toMatchObject({ code: 'run_not_found' });
    const again = await runtime.run({ input: 'a', idempotencyKey: 'k-a' }); // the key can start a new run
    expect(again.runId).not.toBe(first.runId);
    expect(thrownSync(() => new MemoryStore({ maxFinishedRuns: -1 }))).toMatchObject({ code: 'config_invalid', field: 'maxFinishedRuns' });
  });
});
