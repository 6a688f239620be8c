// Remaining budget overshoot (issue 11, item 2): many budgeted runs through the real OpenAI
// adapter (official SDK) against the strict loopback server, whose usage is computed from each
// request as a provider would (o200k tokens of every message — 3 framing tokens each plus the
// role —, tool calls, and the tool definitions as sent on the wire, plus 3; output within the
// request's max_completion_tokens). What is left over a budget is the input estimate's error.
// Also reports how much budget each estimator leaves unused when it stops (its caution).
// Run on demand: `pnpm bench:budget` (RUNS=N for more runs per estimator, default 150).
import 'reflect-metadata';
import { CharTokenEstimator, createRuntime, defineTool } from '@agentrt/core';
import { o200kTokenizer, TokenizerEstimator } from '@agentrt/context';
import { OpenAIModel } from '@agentrt/model-openai';
import { seededRandom, startOpenAIServer } from '@agentrt/testing';
import { z } from 'zod';

const RUNS = Number(process.env.RUNS ?? 150);
const tok = (text) => (typeof text === 'string' ? o200kTokenizer(text) : 0);
function providerInputTokens(body) {
  let tokens = 3;
  for (const message of body.messages) {
    tokens += 3 + tok(message.role);
    if (typeof message.content === 'string') tokens += tok(message.content);
    else if (Array.isArray(message.content)) for (const part of message.content) tokens += part.type === 'text' ? tok(part.text) : 765;
    for (const call of message.tool_calls ?? []) tokens += 3 + tok(call.function.name) + tok(call.function.arguments);
  }
  if (Array.isArray(body.tools)) tokens += tok(JSON.stringify(body.tools));
  return tokens;
}
// Tool output mixing English, JSON fragments and non-Latin text.
const WORDS = ['status', 'record', 'pending', 'the', 'review', 'found', 'items', 'related', 'was', 'and', 'of', 'ok', '{"id":', '42}', 'Zürich', '東京', 'данные'];
const lookup = defineTool({
  name: 'lookup', description: 'Looks a record up by id', input: z.object({ id: z.number() }),
  execute: ({ id }) => Array.from({ length: 20 + (id % 80) }, (_, i) => WORDS[(id * 31 + i * 7) % WORDS.length]).join(' '),
});

async function measure(label, estimator, finalize, seed) {
  const next = seededRandom(seed);
  const over = [];
  const unused = [];
  let calls = 0;
  for (let r = 0; r < RUNS; r++) {
    const maxTokens = 1_500 + Math.floor(next() * 60_000);
    let id = 0;
    const reply = (body) => {
      calls++;
      const limit = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : Infinity;
      const usage = { inputTokens: providerInputTokens(body), outputTokens: Math.min(limit, 20 + Math.floor(next() * 3_000)) };
      return Array.isArray(body.tools) && body.tools.length > 0 ? { toolCalls: [{ id: `c${r}-${id}`, name: 'lookup', args: { id: ++id } }], usage } : { text: 'what I found so far', usage };
    };
    const server = await startOpenAIServer(Array.from({ length: 500 }, () => ({ reply })));
    try {
      const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-loopback', baseURL: `${server.url}/v1` });
      const result = await createRuntime({
        model, tools: [lookup], tokenEstimator: estimator(),
        limits: { maxTokens, maxSteps: 400, maxToolCalls: 400, ...(finalize ? { finalize: { maxOutputTokens: 256 } } : {}) },
      }).run('Review every record and report.');
      if (result.stopReason !== 'token_budget') throw new Error(`run ${r} stopped with ${result.stopReason}`);
      const used = result.usage.inputTokens + result.usage.outputTokens;
      over.push(Math.max(0, used - maxTokens));
      unused.push(Math.max(0, maxTokens - used) / maxTokens);
    } finally {
      await server.close();
    }
  }
  const sorted = [...over].sort((a, b) => a - b);
  const overRuns = over.filter((o) => o > 0).length;
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(`${label.padEnd(40)} ${RUNS} runs, ${calls} calls · overshoot: ${overRuns} run(s) over, max ${sorted.at(-1)} tokens, p99 ${sorted[Math.floor(sorted.length * 0.99)]} · budget left unused at the stop: mean ${(mean(unused) * 100).toFixed(1)} %`);
}

await measure('TokenizerEstimator (o200k)', () => new TokenizerEstimator(), false, 1);
await measure('TokenizerEstimator, multiplier 1.05', () => new TokenizerEstimator({ tokenMultiplier: 1.05 }), false, 1);
await measure('CharTokenEstimator (default)', () => new CharTokenEstimator(), false, 1);
await measure('TokenizerEstimator + finalize (256)', () => new TokenizerEstimator(), true, 2);
await measure('CharTokenEstimator + finalize (256)', () => new CharTokenEstimator(), true, 2);
