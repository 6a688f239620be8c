// Providers whose tool call ids are unique only per response (Kimi K2/K3's `name:index`).
import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const caps = { ...ScriptedModel.ALL_CONTENT, reusesToolCallIds: true };

describe('capabilities.reusesToolCallIds', () => {
  it('a renamed id is the one the ledger, the approval and a resume in another runtime use', async () => {
    const sent: unknown[] = [];
    const keys: string[] = [];
    const transfer = defineTool({
      name: 'transfer', description: 'moves money', input: z.object({ amount: z.number() }), sideEffects: 'non-idempotent',
      requiresApproval: ({ amount }) => amount > 100,
      execute: (args, ctx) => { sent.push(args); keys.push(ctx.idempotencyKey); return 'sent'; },
    });
    const store = new MemoryStore();
    const script = () => [
      ScriptedModel.call('transfer', { amount: 5 }, { id: 'transfer:0' }),
      ScriptedModel.call('transfer', { amount: 500 }, { id: 'transfer:0' }),
      ScriptedModel.answer('done'),
    ];
    const first = createRuntime({ model: new ScriptedModel(script(), { capabilities: caps }), tools: [transfer], store });
    const paused = await first.run({ input: 'pay', runId: 'kimi-approve' });
    expect(paused).toMatchObject({ status: 'paused', pendingApprovals: [{ toolCallId: 'transfer:0_1', args: { amount: 500 } }] });
    // Another runtime (a restart): the decision it resumes carries the renamed id.
    const later = new ScriptedModel(script().slice(2), { capabilities: caps });
    const done = await createRuntime({ model: later, tools: [transfer], store }).resume('kimi-approve', { approvals: { 'transfer:0_1': { decision: 'approve' } } });
    expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer', toolCalls: 2 });
    expect(sent).toEqual([{ amount: 5 }, { amount: 500 }]);
    expect(keys).toEqual(['kimi-approve:transfer:0', 'kimi-approve:transfer:0_1']);
    const pairs = later.requests[0]!.messages.flatMap((m) => (m.role === 'tool' ? [(m as ToolMessage).toolCallId] : m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.id) : []));
    expect(pairs).toEqual(['transfer:0', 'transfer:0', 'transfer:0_1', 'transfer:0_1']);
    await assertRunInvariants({ store, runId: 'kimi-approve', result: done });
  });

  it('an id from the input history counts as used', async () => {
    const model = new ScriptedModel([ScriptedModel.call('echo', { text: 'b' }, { id: 'echo:0' }), ScriptedModel.answer('ok')], { capabilities: caps });
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [echo], store }).run({
      input: [
        { role: 'user', content: 'say a' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'echo:0', name: 'echo', args: { text: 'a' } }] },
        { role: 'tool', toolCallId: 'echo:0', name: 'echo', content: 'a' },
        { role: 'user', content: 'say b' },
      ],
    });
    expect(result.stopReason).toBe('final_answer');
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages.filter((m): m is ToolMessage => m.role === 'tool').map((m) => [m.toolCallId, m.content])).toEqual([['echo:0_0', 'b']]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
  // A call without an id gets `call_<step>_<index>`: that must not take an id the model gave
  // another call of the same response or of an earlier step (the model repeated nothing).
  it('an id assigned to a call without one never collides with an id the model gave', async () => {
    const ids: string[] = [];
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }, ctx) => { ids.push(ctx.toolCallId); return text; } });
    for (const capabilities of [ScriptedModel.ALL_CONTENT, caps]) {
      ids.length = 0;
      const model = new ScriptedModel([
        { toolCalls: [{ id: '', name: 'echo', args: { text: 'a' } }, { id: 'call_0_0', name: 'echo', args: { text: 'b' } }, { id: 'call_1_0', name: 'echo', args: { text: 'c' } }] },
        { toolCalls: [{ id: '', name: 'echo', args: { text: 'd' } }] },
        ScriptedModel.answer('ok'),
      ], { capabilities });
      const store = new MemoryStore();
      const result = await createRuntime({ model, tools: [echo], store }).run('go');
      expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', toolCalls: 4 });
      expect(new Set(ids).size).toBe(4);
      expect(ids[1]).toBe('call_0_0');
      expect(ids[2]).toBe('call_1_0');
      await assertRunInvariants({ store, runId: result.runId, result });
    }
  });
  // Only a reused id is renamed: a later call of the same response whose own, new id is what the
  // rename would produce keeps it (its ledger entry and idempotency key are the model's id).
  it('a renamed id does not take the new id the model gave a later call of the same response', async () => {
    const ids: string[] = [];
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }, ctx) => { ids.push(ctx.toolCallId); return text; } });
    const model = new ScriptedModel([
      ScriptedModel.call('echo', { text: 'a' }, { id: 'x' }),
      { toolCalls: [{ id: 'x', name: 'echo', args: { text: 'b' } }, { id: 'x_1', name: 'echo', args: { text: 'c' } }] },
      ScriptedModel.answer('ok'),
    ], { capabilities: caps });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [echo], store }).run('go');
    expect(result).toMatchObject({ status: 'completed', toolCalls: 3 });
    expect(ids).toEqual(['x', 'x_1_1', 'x_1']);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
