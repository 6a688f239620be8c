import { CharTokenEstimator, createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

// A model that never stops calling tools and answers 300 output tokens whenever it may. Its
// provider counts input tokens exactly as the runtime estimates them (no estimation error).
const provider = new CharTokenEstimator();
const model = new ScriptedModel([(request, i) => ScriptedModel.call('lookup', { q: `page ${i}` }, { usage: { inputTokens: provider.estimate(request), outputTokens: 300 } })], { whenExhausted: 'cycle' });
const lookup = defineTool({ name: 'lookup', description: 'Looks something up', input: z.object({ q: z.string() }), execute: ({ q }) => `result for ${q}` });

export async function budgets() {
  const runtime = createRuntime({
    model,
    tools: [lookup],
    pricing: { 'scripted:scripted-1': { inputPerMillionUsd: 10, outputPerMillionUsd: 20 } },
    limits: { maxSteps: 100, maxTokens: 10_000, maxCostUsd: 0.01 }, // a full call would cost about $0.007
  });
  const result = await runtime.run('research forever');
  // Near the cap each call's output is capped to what the money left allows; then a call that
  // would not fit is not made. stopReason 'cost_budget', usage.costUsd ≤ $0.01.
  const caps = model.requests.map((request) => request.maxOutputTokens); // [470, 127]: each call got what was left
  return { result, caps };
}
