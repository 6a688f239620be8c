// F-48: duplicate tool calls in one model response.
import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

function charging() {
  const effects: string[] = [];
  const charge = defineTool({
    name: 'charge', description: 'charges', input: z.object({ cents: z.number() }), sideEffects: 'idempotent',
    execute: async ({ cents }, ctx) => {
      effects.push(ctx.idempotencyKey);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return `charged ${cents}`;
    },
  });
  return { charge, effects };
}

describe('duplicate tool calls in one response (F-48)', () => {
  it('a reused call id with different args is model_output_invalid; nothing runs', async () => {
    const { charge, effects } = charging();
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel([{ id: 'dup', name: 'charge', args: { cents: 1 } }, { id: 'dup', name: 'charge', args: { cents: 2 } }])]);
    const result = await createRuntime({ model, tools: [charge], store }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_output_invalid' } });
    expect(effects).toEqual([]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('with dedupeIdenticalCalls, an identical side-effecting call twice in one step runs once; the second result is marked deduplicated', async () => {
    const { charge, effects } = charging();
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ id: 'c1', name: 'charge', args: { cents: 5 } }, { id: 'c2', name: 'charge', args: { cents: 5 } }, { id: 'c3', name: 'charge', args: { cents: 7 } }]),
      ScriptedModel.answer('done'),
    ]);
    const runtime = createRuntime({ model, tools: [charge], store, dedupeIdenticalCalls: true });
    const result = await runtime.run({ input: 'go', runId: 'f48' });
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(effects).toEqual(['f48:c1', 'f48:c3']);
    const [step] = await store.loadSteps('f48');
    const tools = step!.messages.filter((m): m is ToolMessage => m.role === 'tool');
    expect(tools.map((m) => [m.toolCallId, m.content])).toEqual([['c1', 'charged 5'], ['c2', 'charged 5'], ['c3', 'charged 7']]);
    const finished = (await runtime.events('f48')).filter((e) => e.type === 'tool_finished');
    expect(finished.map((e) => [e.toolCallId, e.deduplicated ?? false])).toEqual(expect.arrayContaining([['c1', false], ['c2', true], ['c3', false]]));
    await assertRunInvariants({ store, runId: 'f48', result });
  });

  it('without dedupeIdenticalCalls, identical calls under two ids each run, with their own idempotency keys', async () => {
    const { charge, effects } = charging();
    const model = new ScriptedModel([ScriptedModel.parallel([{ id: 'c1', name: 'charge', args: { cents: 5 } }, { id: 'c2', name: 'charge', args: { cents: 5 } }]), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, tools: [charge] }).run({ input: 'go', runId: 'f48b' });
    expect(result.stopReason).toBe('final_answer');
    expect(effects.sort()).toEqual(['f48b:c1', 'f48b:c2']);
  });
});
