import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const lookup = defineTool({ name: 'lookup', description: 'Looks a price up', input: z.object({ product: z.string() }), execute: ({ product }) => `${product}: $${product.length * 3}` });

export async function finalize() {
  // A model that would look prices up forever — and, asked without tools, sums up what it found.
  const model = new ScriptedModel([(request, i) => (request.tools.length === 0
    ? ScriptedModel.answer('Found 3 of 5 prices: desk $12, lamp $12, chair $15. Shelf and rug were not looked up.')
    : ScriptedModel.call('lookup', { product: ['desk', 'lamp', 'chair', 'shelf', 'rug'][i]! }))], { whenExhausted: 'cycle' });
  const runtime = createRuntime({ model, tools: [lookup], limits: { maxSteps: 3, finalize: true } });
  const result = await runtime.run('Compare the prices of desk, lamp, chair, shelf and rug');
  // stopReason 'max_steps', status 'stopped', steps 3, finalized true, output: the summary.
  return { result, modelCalls: model.calls }; // 4 calls: 3 steps + the finalize call (no tools)
}
