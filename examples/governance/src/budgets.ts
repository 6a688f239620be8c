import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

// A model that never stops calling tools, 300 tokens per call.
const model = new ScriptedModel([(_, i) => ScriptedModel.call('lookup', { q: `page ${i}` }, { usage: { inputTokens: 200, outputTokens: 100 } })], { whenExhausted: 'cycle' });
const lookup = defineTool({ name: 'lookup', description: 'Looks something up', input: z.object({ q: z.string() }), execute: ({ q }) => `result for ${q}` });

export async function budgets() {
  const runtime = createRuntime({
    model,
    tools: [lookup],
    pricing: { 'scripted:scripted-1': { inputPerMillionUsd: 10, outputPerMillionUsd: 20 } },
    limits: { maxSteps: 100, maxTokens: 10_000, maxCostUsd: 0.01 }, // $0.004 per call
  });
  const result = await runtime.run('research forever');
  return result; // stopReason 'cost_budget' after 3 calls: $0.012 spent, overshoot ≤ one call
}
