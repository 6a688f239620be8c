import { createRuntime, defineTool, MemoryStore, StoreError, type RuntimeHooks, type StateStore, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// A non-retryable failure after a tool already ran in the step (an afterTool hook throws, the store
// refuses the call's result): the step is committed and the run fails. The committed transcript
// used to answer that call with a synthetic "tool_cancelled: not run: the run failed" — false, the
// tool ran (a charge happened). Each call now keeps an honest result: its real result when known,
// "ran, result not kept" when a hook processing it failed, and "not run" only for a call whose tool
// was never called.

function tools() {
  const effects: string[] = [];
  const charge = defineTool({
    name: 'charge', description: 'Charges a card', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
    execute: ({ cents }, ctx) => {
      effects.push(ctx.toolCallId);
      return `charged ${cents}`;
    },
  });
  const lookup = defineTool({
    name: 'lookup', description: 'Reads', input: z.object({ q: z.string() }),
    execute: ({ q }, ctx) => {
      effects.push(ctx.toolCallId);
      return `found ${q}`;
    },
  });
  return { effects, charge, lookup };
}

const toolResults = async (store: StateStore, runId: string): Promise<ToolMessage[]> =>
  (await store.loadSteps(runId)).flatMap((step) => step.messages).filter((message): message is ToolMessage => message.role === 'tool');

const twoCalls = () => new ScriptedModel([
  ScriptedModel.parallel([{ id: 'c1', name: 'charge', args: { cents: 100 } }, { id: 'l1', name: 'lookup', args: { q: 'x' } }]),
]);

/** A MemoryStore that refuses the result of a `charge` with a non-retryable error (the call already ran). */
class RefusesChargeResult extends MemoryStore {
  override async recordToolResult(...args: Parameters<StateStore['recordToolResult']>): Promise<void> {
    if (args[0].name === 'charge') throw new StoreError('store_unavailable', 'recordToolResult refused: value too large');
    return super.recordToolResult(...args);
  }
}

describe('a non-retryable failure after a tool ran in the step', () => {
  it('commits the call as ran, result not kept, when an afterTool hook throws; a call never started stays "not run"', async () => {
    const { effects, charge, lookup } = tools();
    const store = new MemoryStore();
    const hooks: RuntimeHooks = { afterTool: (result) => { if (result.name === 'charge') throw new Error('exporter down'); } };
    const result = await createRuntime({ model: twoCalls(), tools: [charge, lookup], store, hooks: [hooks], limits: { toolConcurrency: 1 } }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 1, toolCalls: 2, error: { code: 'hook_failed' } });
    expect(effects).toEqual(['c1']);
    const [c1, l1] = await toolResults(store, result.runId);
    expect(c1).toMatchObject({ toolCallId: 'c1', isError: true, code: 'hook_failed' });
    expect(c1!.content).toContain('"charge" ran and answered');
    expect(c1!.content).not.toContain('not run');
    // The raw answer is not kept: the hook that processes it failed.
    expect(c1!.content).not.toContain('charged 100');
    expect(l1).toMatchObject({ toolCallId: 'l1', isError: true, code: 'tool_cancelled' });
    expect(l1!.content).toContain('not run');
    // The audit says the same as the transcript.
    const finished = (await store.listEvents(result.runId)).filter((event) => event.type === 'tool_finished');
    expect(finished).toMatchObject([{ toolCallId: 'c1', code: 'hook_failed', content: c1!.content }]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('commits the call with its real result when the store refuses to record it (non-retryable)', async () => {
    const { effects, charge, lookup } = tools();
    const store = new RefusesChargeResult();
    const result = await createRuntime({ model: twoCalls(), tools: [charge, lookup], store, limits: { toolConcurrency: 1 } }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 1, toolCalls: 2, error: { code: 'store_unavailable' } });
    expect(result.error?.retryable).toBeUndefined();
    expect(effects).toEqual(['c1']);
    const [c1, l1] = await toolResults(store, result.runId);
    expect(c1).toEqual({ role: 'tool', toolCallId: 'c1', name: 'charge', content: 'charged 100' });
    expect(l1).toMatchObject({ toolCallId: 'l1', code: 'tool_cancelled' });
    const finished = (await store.listEvents(result.runId)).filter((event) => event.type === 'tool_finished');
    expect(finished).toMatchObject([{ toolCallId: 'c1', isError: false, content: 'charged 100' }]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('commits the call as ran, result not kept, when a wrapToolCall hook throws after the tool answered', async () => {
    const { effects, charge } = tools();
    const store = new MemoryStore();
    const hooks: RuntimeHooks = {
      wrapToolCall: async (_call, _context, next) => {
        await next();
        throw new Error('tracer crashed');
      },
    };
    const model = new ScriptedModel([ScriptedModel.call('charge', { cents: 5 })]);
    const result = await createRuntime({ model, tools: [charge], store, hooks: [hooks] }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 1, error: { code: 'hook_failed' } });
    expect(effects).toHaveLength(1);
    const [call] = await toolResults(store, result.runId);
    expect(call).toMatchObject({ isError: true, code: 'hook_failed' });
    expect(call!.content).toContain('"charge" ran and answered');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('commits "not run" when a wrapToolCall hook throws before calling the tool', async () => {
    const { effects, lookup } = tools();
    const store = new MemoryStore();
    const hooks: RuntimeHooks = { wrapToolCall: async () => { throw new Error('tracer crashed'); } };
    const model = new ScriptedModel([ScriptedModel.call('lookup', { q: 'x' })]);
    const result = await createRuntime({ model, tools: [lookup], store, hooks: [hooks] }).run('go');
    expect(result).toMatchObject({ status: 'failed', steps: 1, error: { code: 'hook_failed' } });
    expect(effects).toEqual([]);
    const [call] = await toolResults(store, result.runId);
    expect(call).toMatchObject({ isError: true, code: 'tool_cancelled' });
    expect(call!.content).toContain('not run');
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
