import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

export async function loopDetection() {
  const search = defineTool({ name: 'search', description: 'Searches', input: z.object({ q: z.string() }), execute: () => 'no results' });
  // A model stuck repeating the same call:
  const model = new ScriptedModel([ScriptedModel.call('search', { q: 'same thing' })], { whenExhausted: 'repeat_last' });
  const runtime = createRuntime({ model, tools: [search], loopDetection: { threshold: 3 }, limits: { maxSteps: 20 } });
  return runtime.run('find it'); // 3rd identical call: a loop_warning result; 4th: stopReason 'loop_detected'
}
