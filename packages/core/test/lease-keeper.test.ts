// A model or tool call longer than the run's lease: the lease was renewed only as steps committed,
// so it expired mid-call and another runtime sharing the store could take the run over while this
// one still drove it (its commit then refused with lease_lost, the takeover re-running the step).
// The runtime now keeps the leases of the runs it drives while they wait on a call.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants } from './helpers.js';

// Long enough that a busy machine's event-loop stalls (the keeper renews after a third of it) do not let it lapse.
const TTL = 1_000;

describe('a call longer than the lease', () => {
  it('keeps the lease: another runtime cannot take the run over mid-call, and the run finishes where it started', async () => {
    const store = new MemoryStore();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const slow = defineTool({ name: 'slow', description: 'Waits', input: z.object({}), sideEffects: 'idempotent', execute: async () => { started++; await released; return 'done'; } });
    const make = (owner: string) => createRuntime({ model: new ScriptedModel([ScriptedModel.call('slow', {}, { id: 'c1' }), ScriptedModel.answer('ok')]), tools: [slow], store, owner, leaseTtlMs: TTL });
    const first = make('worker-a');
    const running = first.run({ input: 'go', runId: 'long-call' });
    await waitFor(() => started === 1, { message: 'the slow tool started' });
    // Well past the lease's time (three times it): without renewal it has expired by now.
    const since = Date.now();
    await waitFor(() => Date.now() - since > 3 * TTL, { timeoutMs: 10 * TTL, message: 'three lease times passed' });
    // Another owner's resume finds the run driven (its lease kept), and takes nothing over.
    await expect(make('worker-b').resume('long-call')).rejects.toMatchObject({ code: 'run_conflict' });
    release();
    const result = await running;
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'ok' });
    expect(started).toBe(1);
    await expectRunInvariants(store, result.runId, result);
    await first.close();
  });
});
