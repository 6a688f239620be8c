// One run whose tool returns a huge value (built code, its own process so peak RSS is its own).
// Usage: node --expose-gc big-output.mjs <nested|objects|control>; prints the growth of peak RSS in MB.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const cases = {
  control: () => 'small',
  // A 100 MB string in a nested field (RELIABILITY.md B-09): the tool's own 100 MB is counted too.
  nested: () => ({ a: { b: [{ c: 'x'.repeat(100 * 2 ** 20) }] } }),
  objects: () => Array.from({ length: 1_000_000 }, (_, i) => ({ i, s: 'abc' })),
};
const make = cases[process.argv[2]];
const tool = defineTool({ name: 'big', description: 'returns a huge value', input: z.object({}), execute: () => make() });
await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('warm up')]) }).run('warm up');
globalThis.gc?.();
const before = process.resourceUsage().maxRSS;
const model = new ScriptedModel([ScriptedModel.call('big'), ScriptedModel.answer('done')]);
const result = await createRuntime({ model, store: new MemoryStore(), tools: [tool] }).run('go');
const content = model.requests[1].messages.at(-1).content;
console.log(JSON.stringify({ growthMb: Math.round((process.resourceUsage().maxRSS - before) / 1024), stopReason: result.stopReason, chars: content.length }));
