import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** `add` that counts its executions. */
const counted = () => {
  const state = { executed: 0 };
  const tool = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { state.executed++; return a + b; } });
  return { tool, state };
};

describe('loop detection keys on the validated arguments', () => {
  it('counts {a,b}, {b,a}, {a,b,extra} (stripped by the schema) and raw JSON text of them as one repeated call', async () => {
    const { tool, state } = counted();
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.call('add', { a: 1, b: 2 }),
      ScriptedModel.call('add', { b: 2, a: 1 }),
      ScriptedModel.call('add', { a: 1, b: 2, extra: 'x' }),
      ScriptedModel.call('add', '{ "b": 2,\n "a": 1, "extra": {"nested": [1, 2]} }'),
      ScriptedModel.answer('unreachable'),
    ]);
    const result = await createRuntime({ model, tools: [tool], store, limits: { maxSteps: 20 } }).run('go');
    expect(result.stopReason).toBe('loop_detected');
    expect(state.executed).toBe(2);
    expect(model.requests[3]!.messages.at(-1)).toMatchObject({ code: 'loop_warning' });
    const events = await store.listEvents(result.runId);
    expect(events.filter((event) => event.type === 'loop_warning')).toHaveLength(1);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('counts calls whose arguments the schema normalizes to the same value as one call (transforms, defaults)', async () => {
    let executed = 0;
    const search = defineTool({
      name: 'search', description: 's',
      input: z.object({ q: z.string().trim().toLowerCase(), limit: z.number().default(10) }),
      execute: () => ++executed,
    });
    const model = new ScriptedModel([
      ScriptedModel.call('search', { q: 'Paris' }),
      ScriptedModel.call('search', { q: ' paris ', limit: 10 }),
      ScriptedModel.call('search', { q: 'PARIS' }),
      ScriptedModel.call('search', { limit: 10, q: 'paris\t' }),
    ]);
    const result = await createRuntime({ model, tools: [search], limits: { maxSteps: 20 } }).run('go');
    expect(result.stopReason).toBe('loop_detected');
    expect(executed).toBe(2);
  });

  it('still tells calls with different validated values apart', async () => {
    const { tool, state } = counted();
    const model = new ScriptedModel([
      ScriptedModel.call('add', { a: 1, b: 2 }),
      ScriptedModel.call('add', { b: 3, a: 1 }),
      ScriptedModel.call('add', { a: 1, b: 2, extra: 'x' }),
      ScriptedModel.call('add', { a: 2, b: 1 }),
      ScriptedModel.answer('done'),
    ]);
    const result = await createRuntime({ model, tools: [tool], limits: { maxSteps: 20 } }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(state.executed).toBe(4);
  });

  it('keys an initial transcript (and so a resumed history) the same way: the earlier variants count', async () => {
    const { tool, state } = counted();
    const input: Message[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'h1', name: 'add', args: { a: 1, b: 2, extra: 'x' } }] },
      { role: 'tool', toolCallId: 'h1', name: 'add', content: '3' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'h2', name: 'add', args: { b: 2, a: 1 } }] },
      { role: 'tool', toolCallId: 'h2', name: 'add', content: '3' },
    ];
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.call('add', { a: 1, b: 2, other: true })]);
    const result = await createRuntime({ model, tools: [tool], limits: { maxSteps: 20 } }).run({ input });
    expect(result.stopReason).toBe('loop_detected');
    expect(state.executed).toBe(0);
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ code: 'loop_warning' });
  });

  it('never runs the schema of a denied tool to compute the key', async () => {
    let refinements = 0;
    const secret = defineTool({ name: 'secret', description: 's', input: z.object({ a: z.number() }).refine(() => { refinements++; return true; }), execute: () => 'x' });
    const model = new ScriptedModel([ScriptedModel.call('secret', { a: 1 }), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [secret], toolPolicy: { deny: ['secret'] } }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(refinements).toBe(0);
  });

  it('validates each call once (the key reuses the validation)', async () => {
    let refinements = 0;
    const once = defineTool({ name: 'once', description: 's', input: z.object({ a: z.number() }).refine(() => { refinements++; return true; }), execute: () => 'x' });
    const model = new ScriptedModel([ScriptedModel.call('once', { a: 1 }), ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [once] }).run('go');
    expect(refinements).toBe(1);
  });
});
