/**
 * A step write that failed with "outcome unknown" (`store_unavailable`, retryable) may still land
 * afterwards (a client-side timeout: the statement committed on the server). When it lands before
 * the failed drive's terminal record, that record no longer follows the run's event log and the
 * store refuses it with `run_conflict`: the run stays `running` at the committed step, resumable.
 * The drive's result says so — its error is retryable — and `resume` finishes the run with the
 * tool's effect recorded once.
 */
import { createRuntime, defineTool, MemoryStore, StoreError, type StateStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants } from './helpers.js';

/** A memory store whose first step commit lands, then answers as if the client had timed out. */
class LateLandingStore extends MemoryStore {
  lateOnce = true;
  override async commitStep(input: Parameters<StateStore['commitStep']>[0]): Promise<void> {
    await super.commitStep(input);
    if (this.lateOnce) {
      this.lateOnce = false;
      throw new StoreError('store_unavailable', 'query timed out: the outcome is unknown', { retryable: true });
    }
  }
}

describe('a step commit that landed after its write was reported failed', () => {
  it('the drive result is retryable and resume finishes the run with the effect once', async () => {
    const store = new LateLandingStore();
    let effects = 0;
    const charge = defineTool({ name: 'charge', description: 'c', input: z.object({}).passthrough(), execute: () => ++effects });
    const model = new ScriptedModel([{ text: '', toolCalls: [{ id: 'c1', name: 'charge', args: {} }] }, { text: 'charged' }]);
    const runtime = createRuntime({ model, tools: [charge], store });
    const first = await runtime.run('go');
    expect(first.stopReason).toBe('error');
    expect(first.error?.retryable).toBe(true);
    expect((await store.getRun(first.runId))?.status).toBe('running');
    const resumed = await runtime.resume(first.runId);
    expect(resumed.stopReason).toBe('final_answer');
    expect(resumed.output).toBe('charged');
    expect(effects).toBe(1);
    await expectRunInvariants(store, first.runId, resumed);
  });
});
