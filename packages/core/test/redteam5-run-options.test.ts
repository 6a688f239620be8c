// Red team 5: run() and resume() options from untyped callers (JavaScript, a JSON body, job data).
// createRuntime refuses what it would otherwise ignore; run() and resume() ignored unknown keys, so
// `run({ input, limits: { timeoutMs } })` ran with the default 5-minute timeout and
// `resume(id, { approval: … })` made no decision — each silently, with the caller sure of the opposite.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const refusal = (field: string) => expect.objectContaining({ code: 'config_invalid', field });

describe('run() and resume() refuse options they would ignore (red team 5)', () => {
  it.each([
    ['limits, a runtime option', { limits: { timeoutMs: 5 } }, 'run.limits'],
    ['a misspelt option', { metdata: { a: 1 } }, 'run.metdata'],
    ['a limit at the top level', { maxSteps: 1 }, 'run.maxSteps'],
    ['an unknown key next to metadata (the zod path)', { metadata: { a: 1 }, timeoutMs: 5 }, 'run.timeoutMs'],
  ])('run: %s is config_invalid naming it; no run is created', async (_what, extra, field) => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('x')], { whenExhausted: 'repeat_last' }), store });
    await expect(runtime.run({ input: 'hi', ...(extra as object) })).rejects.toEqual(refusal(field));
    const events: unknown[] = [];
    await expect((async () => { for await (const event of runtime.stream({ input: 'hi', ...(extra as object) })) events.push(event); })()).rejects.toEqual(refusal(field));
    expect(await store.listRuns()).toEqual([]);
    // Every documented option is still accepted.
    const done = await runtime.run({ input: 'hi', system: 's', runId: 'r-1', idempotencyKey: 'k', signal: new AbortController().signal, metadata: { a: 1 }, maxOutputRepairs: 1 });
    expect(done.status).toBe('completed');
  });

  it('resume: a misspelt approvals is config_invalid, and the run stays paused for its decision', async () => {
    const store = new MemoryStore();
    let executed = 0;
    const pay = defineTool({ name: 'pay', description: 'pay', input: z.object({}), requiresApproval: true, execute: () => `${++executed}` });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}, { id: 'p1' }), ScriptedModel.answer('paid')]), tools: [pay], store });
    const paused = await runtime.run('pay');
    expect(paused.status).toBe('paused');
    await expect(runtime.resume(paused.runId, { approval: { p1: 'approve' } } as never)).rejects.toEqual(refusal('resume.approval'));
    await expect(runtime.resume(paused.runId, { approvals: { p1: 'approve' }, waitForLease: 10 } as never)).rejects.toEqual(refusal('resume.waitForLease'));
    expect((await store.getRun(paused.runId))?.status).toBe('paused');
    expect(executed).toBe(0);
    const done = await runtime.resume(paused.runId, { approvals: { p1: 'approve' }, waitForLeaseMs: 0, signal: new AbortController().signal });
    expect(done).toMatchObject({ status: 'completed', output: 'paid' });
    expect(executed).toBe(1);
  });
});
