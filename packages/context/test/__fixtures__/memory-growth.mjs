// RELIABILITY L-03 in its own process (built code, --expose-gc): sequential runs whose tool returns
// a 200 KB payload, with a context strategy and a MemoryStore that keeps only the last 10 finished
// runs. Prints the heap growth after forced GCs (MB) and how many RunResults were finalized.
// Usage: node --expose-gc memory-growth.mjs <full|sliding|budget|summarize|truncate|composed> [runs]
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { z } from 'zod';

const kind = process.argv[2];
const RUNS = Number(process.argv[3] ?? 300);
const payload = (i) => `${i}:`.padEnd(200_000, 'abcdefghij');
let calls = 0;
const big = defineTool({ name: 'big', description: 'returns 200 KB', input: z.object({}), execute: () => payload(calls) });
// A model that keeps nothing (a ScriptedModel keeps every request it was sent, by design).
let k = 0;
const model = {
  provider: 'plain',
  model: 'plain',
  async generate() {
    k++;
    calls++;
    return k % 2
      ? { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${k}`, name: 'big', args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }
      : { message: { role: 'assistant', content: 'ok' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
  },
};
const summarizer = { provider: 'plain', model: 'summary', async generate() { return { message: { role: 'assistant', content: 'summary' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }; } };
const strategies = {
  full: () => undefined,
  sliding: () => new SlidingWindow({ maxMessages: 10 }),
  budget: () => new TokenBudget({ maxTokens: 400_000 }),
  summarize: () => new Summarize({ model: summarizer, triggerTokens: 100_000 }),
  truncate: () => new TruncateToolResults({ maxChars: 50_000 }),
  composed: () => composeStrategies(new TruncateToolResults({ maxChars: 50_000 }), new Summarize({ model: summarizer, triggerTokens: 100_000 }), new TokenBudget({ maxTokens: 400_000 })),
};
const runtime = createRuntime({ model, tools: [big], store: new MemoryStore({ maxFinishedRuns: 10 }), context: strategies[kind]() });
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
};
for (let i = 0; i < 20; i++) await runtime.run(`warm ${i}`);
const baseline = await settle();
let finalized = 0;
const registry = new FinalizationRegistry(() => finalized++);
for (let i = 0; i < RUNS; i++) {
  const result = await runtime.run(`go ${i}`);
  if (result.stopReason !== 'final_answer') throw new Error(`run ${i}: ${result.stopReason} ${result.stopDetail ?? ''}`);
  registry.register(result, i);
}
const growthMb = (await settle()) - baseline;
console.log(JSON.stringify({ growthMb: Math.round(growthMb * 10) / 10, finalized, runs: RUNS }));
