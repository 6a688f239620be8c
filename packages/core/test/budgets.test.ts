import { BUDGET_OUTPUT_CEILING, CharTokenEstimator, MAX_CALL_OUTPUT_TOKENS, createRuntime, defineTool, MemoryStore, type ModelRequest, type StoredRunEvent, type TokenEstimator } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, seededRandom } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];
const lookup = defineTool({ name: 'lookup', description: 'Looks something up', input: z.object({ q: z.string() }), execute: ({ q }) => `result for ${q}: ${'lorem ipsum '.repeat(20)}` });


/**
 * A provider that counts input exactly as the runtime estimates it (a fresh `CharTokenEstimator`)
 * and reports `outputs[i]` output tokens, capped at the request's `maxOutputTokens` (ScriptedModel does that).
 */
function exactModel(outputs: (i: number) => number, answerAt = Infinity) {
  const counter = new CharTokenEstimator();
  return new ScriptedModel([(request: ModelRequest, i: number) => {
    const usage = { inputTokens: counter.estimate(request), outputTokens: outputs(i) };
    return i >= answerAt ? ScriptedModel.answer('done', usage) : ScriptedModel.call('lookup', { q: `page ${i}` }, { usage });
  }], { whenExhausted: 'cycle' });
}

describe('budgets that do not overshoot (issue 11, item 2)', () => {
  it('never exceeds a token budget when the input estimate is exact (200 random budgets and outputs)', async () => {
    const next = seededRandom(11);
    for (let i = 0; i < 200; i++) {
      const maxTokens = 200 + Math.floor(next() * 20_000);
      const big = next() < 0.3;
      const model = exactModel(() => (big ? 20_000 : 1 + Math.floor(next() * 3_000)));
      const store = new MemoryStore();
      const result = await createRuntime({ model, tools: [lookup], store, limits: { maxTokens, maxSteps: 200, maxToolCalls: 200 }, loopDetection: false }).run('research');
      const used = result.usage.inputTokens + result.usage.outputTokens;
      expect(used, `budget ${maxTokens}`).toBeLessThanOrEqual(maxTokens);
      expect(result.stopReason).toBe('token_budget');
      // Every call that was made had room for at least 16 output tokens.
      for (const request of model.requests) if (request.maxOutputTokens !== undefined) expect(request.maxOutputTokens).toBeGreaterThanOrEqual(16);
      if (i % 40 === 0) await assertRunInvariants({ store, runId: result.runId, result });
    }
  });

  it('never exceeds a cost budget when the input estimate is exact (100 random caps and prices)', async () => {
    const next = seededRandom(23);
    for (let i = 0; i < 100; i++) {
      const inputPerMillionUsd = 0.1 + next() * 10;
      const outputPerMillionUsd = next() < 0.1 ? 0 : 0.1 + next() * 40;
      const maxCostUsd = 0.0005 + next() * 0.05;
      const model = exactModel(() => 1 + Math.floor(next() * 4_000));
      const result = await createRuntime({
        model, tools: [lookup], pricing: { 'scripted:scripted-1': { inputPerMillionUsd, outputPerMillionUsd } },
        limits: { maxCostUsd, maxSteps: 300, maxToolCalls: 300 }, loopDetection: false,
      }).run('research');
      expect(result.usage.costUsd, `cap ${maxCostUsd}`).toBeLessThanOrEqual(maxCostUsd + 1e-12);
      expect(['cost_budget', 'max_steps']).toContain(result.stopReason);
    }
  });

  it('stops before the first call when the input alone does not fit: 0 model calls, 0 steps', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([]);
    const result = await createRuntime({ model, store, limits: { maxTokens: 100 } }).run('x'.repeat(3_000));
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'token_budget', steps: 0, usage: { inputTokens: 0, outputTokens: 0 } });
    expect(result.stopDetail).toMatch(/input tokens/);
    expect(model.calls).toBe(0);
    expect(only(await store.listEvents(result.runId), 'limit_reached')).toHaveLength(1);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('sets maxOutputTokens only near a limit, never above the ceiling, and keeps a smaller cap a hook set', async () => {
    const model = exactModel(() => 500);
    const hooks = { beforeModel: (request: ModelRequest) => ({ ...request, maxOutputTokens: 300 }) };
    const result = await createRuntime({ model, tools: [lookup], hooks: [hooks], limits: { maxTokens: 8_000, maxSteps: 100, maxToolCalls: 100 }, loopDetection: false }).run('go');
    expect(result.stopReason).toBe('token_budget');
    const caps = model.requests.map((request) => request.maxOutputTokens);
    expect(caps[0]).toBe(300); // the hook's cap; the budget was far
    expect(caps.every((cap) => cap !== undefined && cap <= 300)).toBe(true);
    const plain = exactModel(() => 500);
    const far = await createRuntime({ model: plain, tools: [lookup], limits: { maxTokens: 200_000, maxSteps: 400, maxToolCalls: 400 }, loopDetection: false }).run('go');
    expect(far.stopReason).toBe('token_budget');
    // While more than MAX_CALL_OUTPUT_TOKENS are left, nothing is capped.
    expect(MAX_CALL_OUTPUT_TOKENS).toBeLessThan(200_000);
    expect(plain.requests[0]!.maxOutputTokens).toBeUndefined();
    expect(plain.requests.some((request) => request.maxOutputTokens !== undefined)).toBe(true);
    for (const request of plain.requests) if (request.maxOutputTokens !== undefined) expect(request.maxOutputTokens).toBeLessThanOrEqual(BUDGET_OUTPUT_CEILING);
  });

  it('asks the token estimator only when a budget is near its limit', async () => {
    let asked = 0;
    const inner = new CharTokenEstimator();
    const tokenEstimator: TokenEstimator = { estimate: (request) => (asked++, inner.estimate(request)) };
    const far = new ScriptedModel([(_r, i) => ScriptedModel.call('lookup', { q: String(i) })], { whenExhausted: 'cycle' });
    await createRuntime({ model: far, tools: [lookup], tokenEstimator, limits: { maxSteps: 30, maxToolCalls: 30 }, loopDetection: false }).run('go');
    expect(asked).toBe(0);
    const near = exactModel(() => 400);
    const result = await createRuntime({ model: near, tools: [lookup], tokenEstimator, limits: { maxTokens: 20_000, maxSteps: 100, maxToolCalls: 100 }, loopDetection: false }).run('go');
    expect(result.stopReason).toBe('token_budget');
    expect(asked).toBeGreaterThan(0);
    expect(asked).toBeLessThan(near.calls + 2);
  });

  it('uses a custom estimator, and refuses one without estimate() at construction', async () => {
    const generous: TokenEstimator = { estimate: () => 900 };
    const model = new ScriptedModel([ScriptedModel.answer('hi')]);
    const result = await createRuntime({ model, tokenEstimator: generous, limits: { maxTokens: 910 } }).run('hello');
    expect(result).toMatchObject({ stopReason: 'token_budget', steps: 0 });
    expect(model.calls).toBe(0);
    expect(() => createRuntime({ model, tokenEstimator: {} as TokenEstimator })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'tokenEstimator' }));
  });

  it('records the cap on the model_request event', async () => {
    const store = new MemoryStore();
    const model = exactModel(() => 300);
    const result = await createRuntime({ model, tools: [lookup], store, limits: { maxTokens: 5_000, maxSteps: 100, maxToolCalls: 100 }, loopDetection: false }).run('go');
    const requests = only(await store.listEvents(result.runId), 'model_request');
    expect(requests.map((event) => event.maxOutputTokens)).toEqual(model.requests.map((request) => request.maxOutputTokens));
  });
});
