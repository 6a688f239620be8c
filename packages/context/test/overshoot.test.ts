import { CharTokenEstimator, createRuntime, defineTool, type TokenEstimator } from '@agentrt/core';
import { o200kTokenizer, TokenizerEstimator } from '@agentrt/context';
import { OpenAIModel } from '@agentrt/model-openai';
import { seededRandom, startOpenAIServer, type ScriptedReply } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * Measures the remaining budget overshoot through the real OpenAI adapter (official SDK) against
 * the strict loopback server, whose usage is computed from each request as a provider would:
 * input = o200k tokens of every message (3 framing tokens each, plus the role), tool calls and the
 * tool definitions as sent on the wire, plus 3; output = what the script wants, within the
 * request's `max_completion_tokens`. What remains over budget is the input estimate's error.
 * `pnpm bench:budget` runs more of these and prints the figures (docs/governance.md).
 */
type Json = Record<string, unknown>;
const tok = (text: unknown) => (typeof text === 'string' ? o200kTokenizer(text) : 0);
function providerInputTokens(body: Json): number {
  let tokens = 3;
  for (const message of body.messages as Json[]) {
    tokens += 3 + tok(message.role);
    if (typeof message.content === 'string') tokens += tok(message.content);
    else if (Array.isArray(message.content)) for (const part of message.content as Json[]) tokens += part.type === 'text' ? tok(part.text) : 765;
    for (const call of (message.tool_calls ?? []) as { function: { name: string; arguments: string } }[]) tokens += 3 + tok(call.function.name) + tok(call.function.arguments);
  }
  if (Array.isArray(body.tools)) tokens += tok(JSON.stringify(body.tools));
  return tokens;
}


const words = ['status', 'record', 'pending', 'the', 'review', 'found', 'items', 'related', 'was', 'and', 'of', 'ok', '{"id":', '42}', 'Zürich', '東京'];
const lookup = defineTool({
  name: 'lookup', description: 'Looks a record up by id', input: z.object({ id: z.number() }),
  execute: ({ id }) => Array.from({ length: 20 + (id % 60) }, (_, i) => words[(id * 31 + i * 7) % words.length]).join(' '),
});

/** Runs `runs` budgeted runs, each against a fresh server; returns each run's overshoot (tokens over its budget). */
async function measure(estimator: () => TokenEstimator, runs: number, seed: number, finalize: boolean): Promise<{ overshoots: number[]; budgets: number[]; calls: number }> {
  const next = seededRandom(seed);
  const overshoots: number[] = [];
  const budgets: number[] = [];
  let calls = 0;
  for (let r = 0; r < runs; r++) {
    const maxTokens = 1_500 + Math.floor(next() * 30_000);
    let id = 0;
    const reply = (body: unknown): ScriptedReply => {
      calls++;
      const b = body as Json;
      const limit = typeof b.max_completion_tokens === 'number' ? b.max_completion_tokens : Infinity;
      const usage = { inputTokens: providerInputTokens(b), outputTokens: Math.min(limit, 20 + Math.floor(next() * 2_500)) };
      return Array.isArray(b.tools) && b.tools.length > 0
        ? { toolCalls: [{ id: `c${r}-${id}`, name: 'lookup', args: { id: ++id } }], usage }
        : { text: 'what I found so far', usage };
    };
    await using server = await startOpenAIServer(Array.from({ length: 400 }, () => ({ reply })));
    const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-loopback', baseURL: `${server.url}/v1` });
    const result = await createRuntime({
      model, tools: [lookup], tokenEstimator: estimator(),
      limits: { maxTokens, maxSteps: 300, maxToolCalls: 300, ...(finalize ? { finalize: { maxOutputTokens: 256 } } : {}) },
    }).run('Review every record and report.');
    expect(result.stopReason).toBe('token_budget');
    if (finalize) expect(result.finalized).toBe(true);
    overshoots.push(Math.max(0, result.usage.inputTokens + result.usage.outputTokens - maxTokens));
    budgets.push(maxTokens);
  }
  return { overshoots, budgets, calls };
}

describe('remaining budget overshoot through the OpenAI adapter (input estimation error only)', () => {
  it('TokenizerEstimator: overshoot stays within 1 % of the budget; the default estimator does not overshoot on this text', async () => {
    const tokenizer = await measure(() => new TokenizerEstimator(), 12, 7, false);
    const char = await measure(() => new CharTokenEstimator(), 12, 7, false);
    const finalized = await measure(() => new TokenizerEstimator(), 6, 9, true);
    console.log(`overshoot (tokens) — TokenizerEstimator: max ${Math.max(...tokenizer.overshoots)}, CharTokenEstimator: max ${Math.max(...char.overshoots)}, with finalize: max ${Math.max(...finalized.overshoots)} (${tokenizer.calls + char.calls + finalized.calls} calls)`);
    const worst = (m: { overshoots: number[]; budgets: number[] }) => Math.max(...m.overshoots.map((o, i) => o / m.budgets[i]!));
    expect(worst(tokenizer)).toBeLessThanOrEqual(0.01);
    expect(worst(finalized)).toBeLessThanOrEqual(0.01);
    expect(Math.max(...char.overshoots)).toBe(0);
  });
});
