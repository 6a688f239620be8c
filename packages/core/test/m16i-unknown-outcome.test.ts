import { MemoryStore, StoreError, createRuntime, defineTool, type ToolMessage } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Mutation-testing gap (m16i): onUnknownOutcome 'ask' — an approver's denial of re-running a
// non-idempotent call whose outcome is unknown reaches the model as tool_denied (docs/governance.md
// "Idempotency" and "Approvals": "A denial reaches the model as a tool_denied result").

/** A store whose first recordToolResult fails (retryable): the intent is recorded, the completion is not. */
class LosesFirstResult extends MemoryStore {
  lost = false;
  override async recordToolResult(...args: Parameters<MemoryStore['recordToolResult']>): Promise<void> {
    if (!this.lost) {
      this.lost = true;
      throw new StoreError('store_unavailable', 'the result write was lost', { retryable: true });
    }
    return super.recordToolResult(...args);
  }
}

describe('onUnknownOutcome: ask (m16i)', () => {
  it('pauses for an approver; a denial answers the call with tool_denied, it is not re-run, and the run goes on', async () => {
    const sent: number[] = [];
    const transfer = defineTool({ name: 'transfer', description: 'Sends money', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', execute: ({ cents }) => { sent.push(cents); return 'sent'; } });
    const model = new ScriptedModel([ScriptedModel.call('transfer', { cents: 700 }, { id: 'tx-1' }), ScriptedModel.answer('Checked by hand.')]);
    const store = new LosesFirstResult();
    const runtime = createRuntime({ model, store, tools: [transfer], onUnknownOutcome: 'ask' });
    const failed = await runtime.run('pay');
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'store_unavailable', retryable: true } });
    expect(sent).toEqual([700]);

    const paused = await runtime.resume(failed.runId);
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    expect(paused.pendingApprovals?.map((pending) => pending.toolCallId)).toEqual(['tx-1']);

    const done = await runtime.resume(failed.runId, { approvals: { 'tx-1': { decision: 'deny', reason: 'already sent' } } });
    expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'Checked by hand.' });
    expect(sent).toEqual([700]);
    const result = model.requests[1]!.messages.find((message): message is ToolMessage => message.role === 'tool')!;
    expect(result).toMatchObject({ toolCallId: 'tx-1', isError: true, code: 'tool_denied' });
  });
});
