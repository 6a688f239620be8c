/**
 * A store that answers `created: false` for a run started without an idempotency key breaks its
 * contract (StateStore.createRun: only a used key returns an existing run). The runtime reported it
 * as "idempotency key undefined was used for a run with different input"; it now names the fault.
 */
import { createRuntime, MemoryStore, type NewRunRecord, type StateStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

class AnswersNotCreated extends MemoryStore {
  override async createRun(input: NewRunRecord) {
    const { run } = await super.createRun(input);
    return { run: { ...run, inputFingerprint: 'another input' }, created: false };
  }
}

describe('a store that answers created: false without an idempotency key', () => {
  it('is run_conflict naming the store fault, not an idempotency conflict of key undefined', async () => {
    const store: StateStore = new AnswersNotCreated();
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), store });
    const error = await runtime.run('go').then(() => undefined, (caught: unknown) => caught as { code?: string; message?: string });
    expect(error?.code).toBe('run_conflict');
    expect(error?.message).toMatch(/no idempotency key/);
    expect(error?.message).not.toMatch(/undefined/);
  });
});
