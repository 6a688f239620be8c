/**
 * `killAll` kills every paused run even when finishing one of them fails (a store write refused for
 * that run): the others are still finished `killed`, and the failure is reported after all were tried.
 * Before, the first failing run stopped the loop and the paused runs after it stayed `paused`.
 */
import { createRuntime, defineTool, MemoryStore, StoreError, type RunResult, type StateStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

class FailsFinishOf extends MemoryStore {
  broken = new Set<string>();
  override async finishRun(input: Parameters<StateStore['finishRun']>[0]): Promise<RunResult<unknown>> {
    if (this.broken.has(input.runId)) throw new StoreError('store_unavailable', `finishRun of ${input.runId}: the store is down for this run`, { retryable: true });
    return super.finishRun(input);
  }
}

const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ cents }) => `paid ${cents}` });

describe('killAll with a paused run whose finish fails', () => {
  it('still kills the other paused runs, then reports the failure', async () => {
    const store = new FailsFinishOf();
    const model = new ScriptedModel([1, 2, 3].map((cents) => ScriptedModel.call('pay', { cents })));
    const runtime = createRuntime({ model, tools: [pay], store });
    const ids = ['p-a', 'p-b', 'p-c'];
    for (const runId of ids) expect((await runtime.run({ input: 'pay', runId })).stopReason).toBe('awaiting_approval');
    // listRuns is newest first: break the first one killAll meets.
    const first = (await store.listRuns({ status: 'paused' }))[0]!.runId;
    store.broken.add(first);
    const error = await runtime.killAll('incident').then(() => undefined, (caught: unknown) => caught as { code?: string });
    expect(error?.code).toBe('store_unavailable');
    for (const runId of ids.filter((id) => id !== first)) expect(await runtime.getRun(runId)).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    expect(await runtime.getRun(first)).toMatchObject({ status: 'paused' });
    // The incident flag stands: the one left paused is killed when it is resumed (approved or not).
    store.broken.clear();
    const resumed = await runtime.resume(first, { approvals: { [(await runtime.getRun(first))!.result!.pendingApprovals![0]!.toolCallId]: 'approve' } });
    expect(resumed.stopReason).toBe('killed');
  });
});
