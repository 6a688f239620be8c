import { DEFAULT_LIMITS, MemoryStore, TimeoutStop, createRuntime, defineTool, type StopCheckContext, type ToolMessage } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Mutation-testing gaps (m16i): approval audit events (docs/governance.md "Approvals", the guardrail
// table) and the codes of calls a run timeout leaves unrun (docs/errors.md, docs/architecture.md).

describe('approvals are audited both ways (m16i)', () => {
  it('a denial writes approval_decided { decision: deny, reason } and reaches the model as tool_denied', async () => {
    const ran: number[] = [];
    const transfer = defineTool({ name: 'transfer', description: 'Sends money', input: z.object({ cents: z.number() }), requiresApproval: true, execute: ({ cents }) => { ran.push(cents); return 'sent'; } });
    const model = new ScriptedModel([ScriptedModel.call('transfer', { cents: 900 }, { id: 'tx-1' }), ScriptedModel.answer('Not sent.')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [transfer] });
    const paused = await runtime.run('pay');
    expect(paused.status).toBe('paused');
    const done = await runtime.resume(paused.runId, { approvals: { 'tx-1': { decision: 'deny', reason: 'too much' } } });
    expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(ran).toEqual([]);
    const events = await store.listEvents(paused.runId);
    const decided = events.filter((event) => event.type === 'approval_decided');
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ toolCallId: 'tx-1', decision: 'deny', reason: 'too much' });
    expect(events.filter((event) => event.type === 'tool_denied')).toHaveLength(1);
    const result = model.requests[1]!.messages.find((message): message is ToolMessage => message.role === 'tool')!;
    expect(result).toMatchObject({ toolCallId: 'tx-1', isError: true, code: 'tool_denied' });
  });
});

describe('the run timeout (m16i)', () => {
  it('TimeoutStop stops once the elapsed time reaches timeoutMs exactly', () => {
    const context = (elapsedMs: number): StopCheckContext => ({
      phase: 'before_model', runId: 'r', steps: 0, toolCalls: 0, toolCallsRefused: 0, toolCallCapExceeded: false,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, elapsedMs, lastMessage: undefined,
      limits: { ...DEFAULT_LIMITS, timeoutMs: 100 }, metadata: {},
    });
    expect(new TimeoutStop().check(context(99))).toBeUndefined();
    expect(new TimeoutStop().check(context(100))).toMatchObject({ reason: 'timeout' });
  });

  it('calls a run timeout leaves unrun get tool_timeout results (not tool_cancelled): the run was not killed or cancelled', async () => {
    const slow = defineTool({
      name: 'slow', description: 'Waits', input: z.object({ n: z.number() }),
      execute: (_args, ctx) => new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve('late'), 5_000);
        ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); });
      }),
    });
    const model = new ScriptedModel([ScriptedModel.parallel([1, 2, 3].map((n) => ({ name: 'slow', args: { n }, id: `s${n}` })))]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [slow], limits: { timeoutMs: 150, toolConcurrency: 1 } }).run('go');
    expect(result.stopReason).toBe('timeout');
    const steps = await store.loadSteps(result.runId);
    const results = steps.flatMap((step) => step.messages).filter((message): message is ToolMessage => message.role === 'tool');
    expect(results.map((message) => message.toolCallId)).toEqual(['s1', 's2', 's3']);
    expect(results.map((message) => message.code)).toEqual(['tool_timeout', 'tool_timeout', 'tool_timeout']);
  });
});
