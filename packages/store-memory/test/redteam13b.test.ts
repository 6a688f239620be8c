// Red team 13b: every other store plugin takes the store's options (`sqliteStorePlugin({ path })`,
// `redisStorePlugin({ url })`, `postgresStorePlugin({ url })`), and docs/stores.md documents
// MemoryStore's options (`maxFinishedRuns`, `finishedRunTtlMs`) — but `memoryStorePlugin(options)`
// registered the options object itself as the store: `config_invalid` "store: expected a StateStore".
import { createRuntime } from '@agentrt/core';
import { MemoryStore, memoryStorePlugin } from '@agentrt/store-memory';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const model = () => new ScriptedModel([ScriptedModel.answer('ok')], { whenExhausted: 'repeat_last' });

describe('memoryStorePlugin (red team 13b)', () => {
  it('takes MemoryStore options, like the other store plugins take theirs', async () => {
    const runtime = createRuntime({ model: model(), plugins: [memoryStorePlugin({ maxFinishedRuns: 1 })] });
    const first = await runtime.run('one');
    const second = await runtime.run('two');
    expect([first.stopReason, second.stopReason]).toEqual(['final_answer', 'final_answer']);
    // Retention of 1 finished run: the first is gone, the second is kept.
    expect(await runtime.getRun(first.runId)).toBeUndefined();
    expect((await runtime.getRun(second.runId))?.status).toBe('completed');
  });

  it('still takes a store instance, and a fresh store by default', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: model(), plugins: [memoryStorePlugin(store)] });
    const result = await runtime.run('one');
    expect((await store.getRun(result.runId))?.status).toBe('completed');
    expect((await createRuntime({ model: model(), plugins: [memoryStorePlugin()] }).run('x')).stopReason).toBe('final_answer');
  });

  it('bad options are config_invalid naming the option', () => {
    expect(() => memoryStorePlugin({ maxFinishedRuns: -1 })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'maxFinishedRuns' }));
  });
});
