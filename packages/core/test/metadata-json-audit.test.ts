import { createRuntime, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { expect, it } from 'vitest';

/**
 * Metadata that JSON.stringify accepts but changes (NaN/Infinity → null, a toJSON object → its JSON,
 * a function or symbol in an array → null) was hashed as given and stored as JSON: verifyAudit then
 * reported an untouched log as edited (hash_mismatch at seq 1, the run_started event). The run now
 * takes the metadata's JSON form from the start (red team 7b).
 */
it.each([['NaN', { score: NaN }], ['Infinity', { limit: Infinity }], ['toJSON', { when: { toJSON: () => '2026-01-01' } }], ['function in array', { list: [() => 1] }]])(
  'verifyAudit accepts an untouched hash-chained log of a run whose metadata holds %s',
  async (_name, metadata) => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store: new MemoryStore(), audit: { hashChain: true } });
    const result = await runtime.run({ input: 'go', metadata });
    expect(await runtime.verifyAudit(result.runId)).toMatchObject({ ok: true });
  },
);

it('hooks and the stored record see the metadata in its JSON form, in the first drive as after a resume', async () => {
  const seen: unknown[] = [];
  const store = new MemoryStore();
  const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store, hooks: [{ onRunStart: (c) => void seen.push(c.metadata) }] });
  const result = await runtime.run({ input: 'go', metadata: { score: NaN, when: { toJSON: () => '2026-01-01' }, keep: 'x' } });
  expect(seen).toEqual([{ score: null, when: '2026-01-01', keep: 'x' }]);
  expect((await store.getRun(result.runId))?.metadata).toEqual({ score: null, when: '2026-01-01', keep: 'x' });
});

it('metadata whose toJSON gives something other than an object is config_invalid', async () => {
  const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store: new MemoryStore() });
  await expect(runtime.run({ input: 'go', metadata: { toJSON: () => 5 } as never })).rejects.toMatchObject({ code: 'config_invalid', field: 'run.metadata' });
});
