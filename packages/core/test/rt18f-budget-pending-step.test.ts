/**
 * rt18f: a decided step that is not committed yet — paused for an approval, or cut by a crash — has
 * spent its model call. A resumed drive must count that spend against `maxTokens` / `maxCostUsd`
 * before its next call; it counted only committed steps, so the next call was capped (or made) as
 * if the paused step's tokens were still there to spend, and the run ended over its budget with a
 * provider that bills exactly what the runtime estimates.
 */
import { CharTokenEstimator, createRuntime, defineTool, MemoryStore, type ModelRequest } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const estimator = new CharTokenEstimator();
const PRICE = { 'scripted:scripted-1': { inputPerMillionUsd: 1_000, outputPerMillionUsd: 1_000 } };

/** A model billed exactly as estimated, writing all it may: step 0 asks for an approved call, then it looks things up. */
function budgetModel(firstOutput: number) {
  return new ScriptedModel([(request: ModelRequest) => {
    const i = request.messages.filter((message) => message.role === 'assistant').length;
    const usage = { inputTokens: estimator.estimate(request), outputTokens: i === 0 ? firstOutput : (request.maxOutputTokens ?? 100) };
    return i === 0 ? ScriptedModel.call('pay', { cents: 5 }, { id: 'pay-1', usage }) : ScriptedModel.call('lookup', { q: `q${i}` }, { id: `l${i}`, usage });
  }], { whenExhausted: 'cycle' });
}
const tools = () => [
  defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), requiresApproval: true, execute: () => 'paid' }),
  defineTool({ name: 'lookup', description: 'looks up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` }),
];

describe('rt18f: the usage of a step paused for approval counts against the budget after resume', () => {
  it.each([
    ['maxTokens', { maxTokens: 2_000, maxSteps: 50 }, 'token_budget'],
    ['maxCostUsd', { maxCostUsd: 2, maxSteps: 50 }, 'cost_budget'],
  ] as const)('%s: the resumed run stays within the budget (another runtime resumes)', async (_name, limits, stopReason) => {
    const store = new MemoryStore();
    const first = createRuntime({ model: budgetModel(1_200), tools: tools(), store, pricing: PRICE, limits });
    const paused = await first.run({ input: 'pay and look up', runId: `pending-${stopReason}` });
    expect(paused.status).toBe('paused');
    const second = createRuntime({ model: budgetModel(1_200), tools: tools(), store, pricing: PRICE, limits });
    const done = await second.resume(paused.runId, { approvals: { 'pay-1': { decision: 'approve' } } });
    expect(done.stopReason).toBe(stopReason);
    const spent = done.usage.inputTokens + done.usage.outputTokens;
    if (stopReason === 'token_budget') expect(spent).toBeLessThanOrEqual(2_000);
    else expect(done.usage.costUsd).toBeLessThanOrEqual(2 + 1e-9);
    expect((await checkRunInvariants({ store, runId: done.runId, result: done })).violations).toEqual([]);
  });

  it('the positive path: the paused step is counted once (the result equals the sum over steps), and a budget with room lets the run finish', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.call('pay', { cents: 5 }, { id: 'pay-1', usage: { inputTokens: 100, outputTokens: 50 } }),
      ScriptedModel.answer('done', { inputTokens: 200, outputTokens: 10 }),
    ]);
    const runtime = createRuntime({ model, tools: tools(), store, limits: { maxTokens: 10_000 } });
    const paused = await runtime.run('pay');
    const done = await runtime.resume(paused.runId, { approvals: { 'pay-1': { decision: 'approve' } } });
    expect(done).toMatchObject({ stopReason: 'final_answer', usage: { inputTokens: 300, outputTokens: 60 } });
    expect((await store.getRun(done.runId))?.usage).toMatchObject({ inputTokens: 300, outputTokens: 60 });
    expect((await checkRunInvariants({ store, runId: done.runId, result: done })).violations).toEqual([]);
  });
});
