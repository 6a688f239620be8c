// Red team: values nested so deep that a recursive walk (redaction, canonical JSON, store copies)
// overflows the stack. A model's tool-call arguments must become an error tool result the model
// sees; a caller's metadata or input must be a typed `config_invalid`, never a RangeError.
import { AgentrtError, createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const nestedArrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const nestedObjects = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
const codeOf = async (fn: () => unknown) => {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    return AgentrtError.isInstance(error) ? `${error.code}${'field' in error ? `:${String(error.field)}` : ''}` : `untyped: ${String(error)}`;
  }
};

describe('red team: deeply nested values', () => {
  const echo = defineTool({ name: 'echo', description: 'Echoes', input: z.object({ v: z.unknown() }), execute: () => 'echoed' });

  for (const depth of [100, 3_000, 50_000]) {
    it(`turns tool-call arguments nested ${depth} levels deep into an error result the model sees (the run goes on)`, async () => {
      const store = new MemoryStore();
      const model = new ScriptedModel([ScriptedModel.call('echo', { v: nestedArrays(depth) }, { id: 'deep' }), ScriptedModel.answer('recovered')]);
      const runtime = createRuntime({ model, store, tools: [echo] });
      const result = await runtime.run({ input: 'go', runId: `deep-${depth}` });
      expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'recovered' });
      const sent = model.requests[1]!.messages.find((m) => m.role === 'tool');
      expect(sent).toMatchObject({ role: 'tool', toolCallId: 'deep', isError: true });
      expect(String(sent!.content)).toMatch(/nest/);
      await assertRunInvariants({ store, runId: result.runId, result });
      await runtime.close();
    });
  }

  it('keeps arguments nested 40 levels deep (real schemas nest that far) and runs the tool', async () => {
    const model = new ScriptedModel([ScriptedModel.call('echo', { v: nestedObjects(40) }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [echo] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'completed', toolCalls: 1 });
    await runtime.close();
  });

  it('refuses metadata or input history nested too deep with config_invalid, storing nothing', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([]), store });
    expect(await codeOf(() => runtime.run({ input: 'x', runId: 'meta', metadata: { m: nestedObjects(20_000) } }))).toBe('config_invalid:run.metadata');
    expect(await codeOf(() => runtime.run({
      input: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'echo', args: { v: nestedArrays(20_000) } }] },
        { role: 'tool', toolCallId: 'a', name: 'echo', content: 'r' },
        { role: 'user', content: 'y' },
      ],
      runId: 'history',
    }))).toBe('config_invalid:run.input');
    expect(await codeOf(() => runtime.run({
      input: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'z', reasoning: [{ text: 't', providerData: { d: nestedObjects(20_000) } }] }, { role: 'user', content: 'y' }],
      runId: 'reasoning',
    }))).toBe('config_invalid:run.input');
    expect(await store.listRuns()).toEqual([]);
    // Moderate nesting stays accepted.
    const ok = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('fine')]), store });
    expect((await ok.run({ input: 'x', metadata: { m: nestedObjects(40) } })).status).toBe('completed');
    await runtime.close();
    await ok.close();
  });
});
