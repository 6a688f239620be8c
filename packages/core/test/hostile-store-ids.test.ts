// Ids a store keys records by, from hostile callers and models: a run id that reads like the
// incident-stop scope, idempotency keys and tool call ids that UTF-8 stores cannot keep apart.
import { AgentrtError, createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

describe('hostile ids at the runtime', () => {
  it('kill("*") is config_invalid and stops no other run; killAll is the incident stop', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store });
    const done = await runtime.run({ input: 'hi', runId: 'innocent' });
    expect(await codeOf(runtime.kill('*', 'a run id from a URL'))).toBe('config_invalid');
    expect(await store.getKillFlag('innocent')).toBeUndefined();
    expect(await store.getKillFlag('another')).toBeUndefined();
    expect(done.status).toBe('completed');
  });

  it('refuses an idempotency key with a lone surrogate (config_invalid): two such keys would be one key in a UTF-8 store', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('a')]), store });
    expect(await codeOf(runtime.run({ input: 'one', idempotencyKey: 'order-\ud800' }))).toBe('config_invalid');
    expect(await codeOf(runtime.run({ input: 'two', idempotencyKey: 'order-\udc00' }))).toBe('config_invalid');
    expect(await store.listRuns()).toEqual([]);
    expect(await codeOf(Promise.resolve().then(() => createRuntime({ model: new ScriptedModel([]), owner: 'w\udfff' })))).toBe('config_invalid');
  });

  it.each([
    ['a lone high surrogate', 'call_\ud800'],
    ['a lone low surrogate', '\udc00call'],
  ])('a tool call id with %s is model_output_invalid; the tool never runs', async (_what, id) => {
    let executed = 0;
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({}), sideEffects: 'non-idempotent', execute: async () => `${++executed}` });
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ id, name: 'echo', args: {} }] }], { whenExhausted: 'repeat_last' }), tools: [echo], store });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_output_invalid' } });
    expect(executed).toBe(0);
    expect(await store.getToolLedger(result.runId)).toEqual([]);
  });
});
