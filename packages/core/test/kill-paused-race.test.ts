import { createRuntime, defineTool, MemoryStore, type RunRecord, type StateStore } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * The window `agentrt kill` and `agentrt approve` race through in two processes: the killer reads
 * the run as paused, then the approver takes it over and drives it. The killer's view is frozen
 * at that read (its store answers the snapshot taken before the approval), so the kill's write
 * lands exactly in that window every time.
 */
function staleView(inner: StateStore, snapshot: RunRecord): StateStore {
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'getRun') return async (runId: string) => (runId === snapshot.runId ? snapshot : target.getRun(runId));
      if (property === 'listRuns') return async (query?: { status?: string }) => (query?.status === 'paused' ? [snapshot] : target.listRuns(query as never));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as StateStore;
}

/** A paused run whose approved `pay` call, once resumed, holds until its signal aborts. */
async function pausedRun(runId: string) {
  const store = new MemoryStore();
  let started = 0;
  const pay = defineTool({
    name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), requiresApproval: true,
    execute: (_args, ctx) => new Promise<string>((_resolve, reject) => {
      started++;
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }),
  });
  const model = new ScriptedModel([ScriptedModel.call('pay', { cents: 5 }, { id: 'pay-0' }), ScriptedModel.answer('done')], { whenExhausted: 'repeat_last' });
  const approver = createRuntime({ model, tools: [pay], store, owner: 'approver' });
  expect((await approver.run({ input: 'pay', runId })).status).toBe('paused');
  const snapshot = (await store.getRun(runId))!;
  const resumed = approver.resume(runId, { approvals: { 'pay-0': 'approve' } });
  await waitFor(() => started === 1, { message: 'the approved call to start' });
  const killer = createRuntime({ model: new ScriptedModel([]), tools: [pay], store: staleView(store, snapshot), owner: 'killer' });
  return { store, resumed, killer };
}

describe('killing a paused run that another process is resuming', () => {
  it('kill(runId) succeeds, and the run the approver drives stops killed — one terminal record, invariants hold', async () => {
    const { store, resumed, killer } = await pausedRun('race-kill');
    await expect(killer.kill('race-kill', 'stop it')).resolves.toBeUndefined();
    const result = await resumed;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'stop it' });
    expect((await store.getRun('race-kill'))?.result).toMatchObject({ stopReason: 'killed' });
    await assertRunInvariants({ store, runId: 'race-kill', result });
  });

  it('killAll() succeeds too: the incident stop is not cut short by a paused run being resumed', async () => {
    const { store, resumed, killer } = await pausedRun('race-all');
    await expect(killer.killAll('incident')).resolves.toBeUndefined();
    expect(await resumed).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    await assertRunInvariants({ store, runId: 'race-all' });
  });
});
