// Pins what `act` does on the paths around its synchronous common step (perf pass 18b: `act`
// plans calls without an async frame and continues in a promise only when it must wait): mixed
// steps keep their results, events and stops; a durable rejection's ledger record is written
// before the next call runs; a failing record stops the calls after it; hooks still rewrite and deny.
import { createRuntime, defineTool, MemoryStore, type RunEvent, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ranArgs: unknown[] = [];
const add = defineTool({
  name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }),
  execute: (args) => {
    ranArgs.push(args);
    return args.a + args.b;
  },
});
const secret = defineTool({ name: 'secret', description: 's', input: z.object({}), execute: () => 'leaked' });

function stepEvents(events: readonly RunEvent[], stepIndex: number): string[] {
  return events.filter((event) => (event as { stepIndex?: number }).stepIndex === stepIndex).map((event) => {
    const id = (event as { toolCallId?: string }).toolCallId;
    return id ? `${event.type}:${id}` : event.type;
  });
}

const toolResults = (messages: readonly { role: string }[]) => messages.filter((m): m is ToolMessage => m.role === 'tool').map((m) => [m.toolCallId, m.code ?? 'ok', m.content]);

describe('act around its synchronous common step', () => {
  it('a mixed step (unknown, denied, invalid, valid): results in call order, the same events, the policy stop after the step', async () => {
    ranArgs.length = 0;
    const store = new MemoryStore();
    const runtime = createRuntime({
      model: new ScriptedModel([
        ScriptedModel.parallel([
          { id: 'u', name: 'nope', args: {} },
          { id: 'd', name: 'secret', args: {} },
          { id: 'i', name: 'add', args: { a: 'x' } },
          { id: 'ok', name: 'add', args: { a: 1, b: 2 } },
        ]),
        { text: 'never asked' },
      ]),
      tools: [add, secret],
      store,
      toolPolicy: { deny: ['secret'], onViolation: 'stop' },
    });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'policy_violation', steps: 1, toolCalls: 4 });
    expect(ranArgs).toEqual([{ a: 1, b: 2 }]);
    const results = toolResults(await runtime.messages(result.runId));
    expect(results.map(([id, code]) => [id, code])).toEqual([['u', 'tool_not_found'], ['d', 'tool_denied'], ['i', 'tool_args_invalid'], ['ok', 'ok']]);
    expect(results[3]![2]).toBe('3');
    expect(stepEvents(await runtime.events(result.runId), 0)).toEqual([
      'step_started', 'model_request', 'model_response',
      'tool_rejected:u', 'tool_denied:d', 'tool_rejected:i', 'tool_started:ok', 'tool_finished:ok',
      'step_finished',
    ]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a durable step: a refused call\'s ledger record is written before the next call runs', async () => {
    const log: string[] = [];
    class SlowLedger extends MemoryStore {
      override async recordToolResult(...args: Parameters<MemoryStore['recordToolResult']>): Promise<void> {
        log.push(`record:${args[0].toolCallId}:start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await super.recordToolResult(...args);
        log.push(`record:${args[0].toolCallId}:end`);
      }
    }
    const charge = defineTool({
      name: 'charge', description: 'charges', input: z.object({ cents: z.number() }), sideEffects: 'idempotent',
      execute: ({ cents }) => {
        log.push(`exec:${cents}`);
        return `charged ${cents}`;
      },
    });
    const store = new SlowLedger();
    const runtime = createRuntime({
      model: new ScriptedModel([
        ScriptedModel.parallel([{ id: 'bad', name: 'charge', args: { cents: 'x' } }, { id: 'good', name: 'charge', args: { cents: 7 } }]),
        { text: 'done' },
      ]),
      tools: [charge],
      store,
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(log).toEqual(['record:bad:start', 'record:bad:end', 'exec:7', 'record:good:start', 'record:good:end']);
    const ledger = await store.getToolLedger(result.runId, { stepIndex: 0 });
    expect(ledger.map((entry) => [entry.toolCallId, entry.status, entry.result?.code ?? 'ok'])).toEqual([['bad', 'completed', 'tool_args_invalid'], ['good', 'completed', 'ok']]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a durable step whose refusal cannot be recorded: the calls after it do not run, and the run fails with the store\'s error', async () => {
    const ran: number[] = [];
    class BrokenLedger extends MemoryStore {
      override async recordToolResult(...args: Parameters<MemoryStore['recordToolResult']>): Promise<void> {
        if (args[0].toolCallId === 'bad') throw new Error('ledger disk full');
        return super.recordToolResult(...args);
      }
    }
    const charge = defineTool({
      name: 'charge', description: 'charges', input: z.object({ cents: z.number() }), sideEffects: 'idempotent',
      execute: ({ cents }) => {
        ran.push(cents);
        return 'ok';
      },
    });
    const store = new BrokenLedger();
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.parallel([{ id: 'bad', name: 'charge', args: { cents: 'x' } }, { id: 'good', name: 'charge', args: { cents: 7 } }])]),
      tools: [charge],
      store,
    });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(result.stopDetail).toContain('ledger disk full');
    expect(ran).toEqual([]);
    const results = toolResults(await runtime.messages(result.runId));
    expect(results).toEqual([['bad', 'tool_args_invalid', expect.any(String)], ['good', 'tool_cancelled', 'tool_cancelled: not run: the run failed']]);
  });

  it('beforeTool hooks still rewrite one call and deny the next; the rewritten call runs with its new arguments', async () => {
    ranArgs.length = 0;
    const store = new MemoryStore();
    const runtime = createRuntime({
      model: new ScriptedModel([
        ScriptedModel.parallel([{ id: 'a1', name: 'add', args: { a: 1, b: 1 } }, { id: 'a2', name: 'add', args: { a: 2, b: 2 } }]),
        { text: 'done' },
      ]),
      tools: [add],
      store,
      hooks: [{ beforeTool: async (call) => (call.toolCallId === 'a1' ? { args: { a: 10, b: 10 } } : { deny: 'not this one' }) }],
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(ranArgs).toEqual([{ a: 10, b: 10 }]);
    const results = toolResults(await runtime.messages(result.runId));
    expect(results).toEqual([['a1', 'ok', '20'], ['a2', 'tool_denied', 'tool_denied: denied by a beforeTool hook: not this one']]);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
