import { createRuntime, defineTool, MemoryStore, StoreError, type StateStore, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// A store write that fails while a step's tools run (Redis restarting under the worker, L-04): the
// run fails with the retryable store error, and must stay resumable from its last committed step.
// Committing the step anyway, with "not run" results for the calls whose results could not be
// recorded, told the model that a charge which had happened had not run — on resume the model
// sees that and may charge again — and hid it from the resume, which settles every call of a
// pending step from the ledger (a recorded result replayed, an intent without one reported as
// tool_outcome_unknown).

/** A MemoryStore whose next write of a `charge` result fails with a retryable `store_unavailable`: after the write landed (its answer lost) or before it. */
class ResultWriteFails extends MemoryStore {
  constructor(private readonly landed: boolean) {
    super();
  }
  armed = true;
  override async recordToolResult(...args: Parameters<StateStore['recordToolResult']>): Promise<void> {
    if (!this.armed || args[0].name !== 'charge') return super.recordToolResult(...args);
    this.armed = false;
    if (this.landed) await super.recordToolResult(...args);
    throw new StoreError('store_unavailable', 'recordToolResult failed: Command timed out', { retryable: true });
  }
}

function setup(landed: boolean) {
  const effects: string[] = [];
  const charge = defineTool({
    name: 'charge', description: 'Charges a card', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
    execute: ({ cents }, ctx) => {
      effects.push(ctx.toolCallId);
      return `charged ${cents}`;
    },
  });
  const lookup = defineTool({ name: 'lookup', description: 'Reads', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
  const store = new ResultWriteFails(landed);
  const model = new ScriptedModel([
    ScriptedModel.parallel([{ id: 'c1', name: 'charge', args: { cents: 100 } }, { id: 'l1', name: 'lookup', args: { q: 'x' } }]),
    ScriptedModel.answer('done'),
  ]);
  return { effects, store, model, runtime: createRuntime({ model, tools: [charge, lookup], store }) };
}

const chargeResults = async (store: StateStore, runId: string): Promise<ToolMessage[]> =>
  (await store.loadSteps(runId)).flatMap((step) => step.messages).filter((message): message is ToolMessage => message.role === 'tool' && message.name === 'charge');

describe('a retryable store failure while a step acts', () => {
  it('leaves the step uncommitted; the resume replays the charge whose result landed, without running it again', async () => {
    const { effects, store, model, runtime } = setup(true);
    const failed = await runtime.run('go');
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'store_unavailable', retryable: true } });
    expect(effects).toEqual(['c1']);
    // Nothing claims the charge was not run: the step is not committed, its decision stays pending.
    expect(await store.loadSteps(failed.runId)).toEqual([]);
    expect((await store.getRun(failed.runId))?.pendingStep?.stepIndex).toBe(0);
    await assertRunInvariants({ store, runId: failed.runId, result: failed });

    const resumed = await runtime.resume(failed.runId);
    expect(resumed).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 2 });
    expect(effects).toEqual(['c1']);
    expect(await chargeResults(store, failed.runId)).toMatchObject([{ toolCallId: 'c1', content: 'charged 100' }]);
    expect((await chargeResults(store, failed.runId))[0]?.isError).toBeUndefined();
    model.assertDone();
    await assertRunInvariants({ store, runId: failed.runId, result: resumed });
  });

  it('leaves the step uncommitted; the resume reports the charge whose result was lost as tool_outcome_unknown, never "not run"', async () => {
    const { effects, store, model, runtime } = setup(false);
    const failed = await runtime.run('go');
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'store_unavailable', retryable: true } });
    expect(await store.loadSteps(failed.runId)).toEqual([]);

    const resumed = await runtime.resume(failed.runId);
    expect(resumed).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 2 });
    expect(effects).toEqual(['c1']);
    expect(await chargeResults(store, failed.runId)).toMatchObject([{ toolCallId: 'c1', isError: true, code: 'tool_outcome_unknown' }]);
    model.assertDone();
    await assertRunInvariants({ store, runId: failed.runId, result: resumed });
  });
});
