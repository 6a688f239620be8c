import { BUDGET_OUTPUT_CEILING, CharTokenEstimator, MAX_CALL_OUTPUT_TOKENS, MemoryStore, MIN_OUTPUT_TOKENS, TokenBudgetStop, CostBudgetStop, DEFAULT_LIMITS, createRuntime, defineTool, type ModelRequest, type StopCheckContext, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Mutation-testing gaps (m16i): budget promises of docs/governance.md "Budgets" that no other test pinned.

const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];

function stopContext(overrides: Partial<StopCheckContext>): StopCheckContext {
  return {
    phase: 'before_model', runId: 'r', steps: 0, toolCalls: 0, toolCallsRefused: 0, toolCallCapExceeded: false,
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, elapsedMs: 0, lastMessage: undefined,
    limits: { ...DEFAULT_LIMITS, maxTokens: 100, maxCostUsd: 1 }, metadata: {}, ...overrides,
  };
}

describe('budgets: boundaries the docs state (m16i)', () => {
  it('TokenBudgetStop / CostBudgetStop stop once usage reaches the budget exactly (not only above it)', () => {
    const tokens = new TokenBudgetStop();
    expect(tokens.check(stopContext({ usage: { inputTokens: 60, outputTokens: 39, costUsd: 0 } }))).toBeUndefined();
    expect(tokens.check(stopContext({ usage: { inputTokens: 60, outputTokens: 40, costUsd: 0 } }))).toMatchObject({ reason: 'token_budget' });
    const cost = new CostBudgetStop();
    expect(cost.check(stopContext({ usage: { inputTokens: 0, outputTokens: 0, costUsd: 0.99 } }))).toBeUndefined();
    expect(cost.check(stopContext({ usage: { inputTokens: 0, outputTokens: 0, costUsd: 1 } }))).toMatchObject({ reason: 'cost_budget' });
  });

  it('a call whose estimated input plus exactly 16 output tokens fits is made, capped at 16; one token less and it is not made', async () => {
    const estimator = { estimate: () => 100 };
    const fits = new ScriptedModel([ScriptedModel.answer('ok', { inputTokens: 100, outputTokens: 16 })]);
    const made = await createRuntime({ model: fits, tokenEstimator: estimator, limits: { maxTokens: 100 + MIN_OUTPUT_TOKENS } }).run('go');
    expect(made).toMatchObject({ stopReason: 'final_answer', steps: 1 });
    expect(fits.requests[0]!.maxOutputTokens).toBe(MIN_OUTPUT_TOKENS);

    const tight = new ScriptedModel([]);
    const stopped = await createRuntime({ model: tight, tokenEstimator: estimator, limits: { maxTokens: 100 + MIN_OUTPUT_TOKENS - 1 } }).run('go');
    expect(stopped).toMatchObject({ stopReason: 'token_budget', steps: 0 });
    expect(tight.calls).toBe(0);
  });

  it('with finalize on, the finalize reserve counts in "near a limit": a budget just above MAX_CALL_OUTPUT_TOKENS caps the first call', async () => {
    const counter = new CharTokenEstimator();
    const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
    // A model that always talks as long as it may (ScriptedModel cuts output at the request's cap).
    const model = new ScriptedModel([(request: ModelRequest, i: number) => {
      const usage = { inputTokens: counter.estimate(request), outputTokens: MAX_CALL_OUTPUT_TOKENS };
      return request.tools.length === 0 ? ScriptedModel.answer('best answer', usage) : ScriptedModel.call('lookup', { q: `q${i}` }, { usage });
    }], { whenExhausted: 'cycle' });
    // Within MAX_CALL_OUTPUT_TOKENS + the request's bound + the finalize reserve (4 096 + its input), not within the first two alone.
    const maxTokens = MAX_CALL_OUTPUT_TOKENS + 600;
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [lookup], loopDetection: false, limits: { maxTokens, maxSteps: 50, maxToolCalls: 50, finalize: { maxOutputTokens: 4_096 } } }).run('go');
    // The first call must not be able to spend the finalize call's room: it is capped.
    expect(model.requests[0]!.maxOutputTokens).toBeLessThanOrEqual(BUDGET_OUTPUT_CEILING);
    expect(result).toMatchObject({ stopReason: 'token_budget', finalized: true, output: 'best answer' });
    // "Every check also keeps room for the finalize call": it gets its output cap, less at most the
    // last step's small tool traffic (a call line and "found qN").
    const finalizeRequest = model.requests.find((request) => request.tools.length === 0)!;
    expect(finalizeRequest.maxOutputTokens).toBeGreaterThan(4_096 - 64);
    expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
  });

  it('a finalize call that no longer fits (a huge last tool result) is skipped: finalize_failed with code token_budget, no model call, never over budget', async () => {
    const counter = new CharTokenEstimator();
    const dump = defineTool({ name: 'dump', description: 'Dumps a lot', input: z.object({}), execute: () => 'x'.repeat(30_000) });
    const model = new ScriptedModel([(request: ModelRequest) => {
      const usage = { inputTokens: counter.estimate(request), outputTokens: 20 };
      return request.tools.length === 0 ? ScriptedModel.answer('summary', usage) : ScriptedModel.call('dump', {}, { usage });
    }], { whenExhausted: 'cycle' });
    const store = new MemoryStore();
    const maxTokens = 4_000;
    const result = await createRuntime({ model, store, tools: [dump], limits: { maxTokens, finalize: true } }).run('go');
    expect(result.stopReason).toBe('token_budget');
    expect(result.finalized).toBeUndefined();
    expect(model.calls).toBe(1);
    expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
    const failed = only(await store.listEvents(result.runId), 'finalize_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'token_budget', stopReason: 'token_budget' });
  });
});

describe('the finalize reserve covers the last call\'s own output (m16i bug)', () => {
  it('a model that writes as much text as it may before each tool call (tiny tool results) still gets its finalize answer under a token budget', async () => {
    for (const maxTokens of [3_000, 5_000, 9_000]) {
      const counter = new CharTokenEstimator();
      const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
      const model = new ScriptedModel([(request: ModelRequest, i: number) => {
        // Up to 600 output tokens of thinking-aloud text (3 bytes a token, as the default estimator counts it), then a call.
        const tokens = Math.min(request.maxOutputTokens ?? 600, 600);
        const usage = { inputTokens: counter.estimate(request), outputTokens: tokens };
        return request.tools.length === 0 ? ScriptedModel.answer('best answer', usage) : ScriptedModel.call('lookup', { q: `q${i}` }, { usage, text: 'y'.repeat(tokens * 3) });
      }], { whenExhausted: 'cycle' });
      const store = new MemoryStore();
      const result = await createRuntime({ model, store, tools: [lookup], loopDetection: false, limits: { maxTokens, maxSteps: 50, maxToolCalls: 50, finalize: { maxOutputTokens: 200 } } }).run('go');
      const failed = only(await store.listEvents(result.runId), 'finalize_failed');
      expect(failed, `budget ${maxTokens}`).toEqual([]);
      expect(result, `budget ${maxTokens}`).toMatchObject({ stopReason: 'token_budget', finalized: true, output: 'best answer' });
      expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
    }
  });
  it('the same under a cost cap: the finalize call is made, and the cap holds', async () => {
    for (const maxCostUsd of [0.02, 0.05]) {
      const counter = new CharTokenEstimator();
      const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
      const model = new ScriptedModel([(request: ModelRequest, i: number) => {
        const tokens = Math.min(request.maxOutputTokens ?? 600, 600);
        const usage = { inputTokens: counter.estimate(request), outputTokens: tokens };
        return request.tools.length === 0 ? ScriptedModel.answer('best answer', usage) : ScriptedModel.call('lookup', { q: `q${i}` }, { usage, text: 'y'.repeat(tokens * 3) });
      }], { whenExhausted: 'cycle' });
      const store = new MemoryStore();
      const result = await createRuntime({
        model, store, tools: [lookup], loopDetection: false, pricing: { 'scripted:scripted-1': { input: 10, output: 10 } },
        limits: { maxCostUsd, maxSteps: 80, maxToolCalls: 80, finalize: { maxOutputTokens: 200 } },
      }).run('go');
      expect(only(await store.listEvents(result.runId), 'finalize_failed'), `cap ${maxCostUsd}`).toEqual([]);
      expect(result, `cap ${maxCostUsd}`).toMatchObject({ stopReason: 'cost_budget', finalized: true, output: 'best answer' });
      expect(result.usage.costUsd).toBeLessThanOrEqual(maxCostUsd + 1e-12);
    }
  });
});
