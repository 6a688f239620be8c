import { CharTokenEstimator, createRuntime, defineTool, MemoryStore, type ModelRequest } from '@agentrt/core';
import { CachedTokenCounter, Summarize, TokenizerEstimator } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const words = (q: number) => Array.from({ length: 60 }, (_, i) => `fact${(q * 7919 + i * 104729) % 100_000}`).join(' ');
const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ q: z.number() }), execute: ({ q }) => `result ${q}: ${words(q)}` });

describe('budgets with a real tokenizer (TokenizerEstimator) and the Summarize strategy', () => {
  it('TokenizerEstimator counts requests like TokenBudget does, cached per message', () => {
    const estimator = new TokenizerEstimator();
    const counter = new CachedTokenCounter();
    const messages = [{ role: 'user' as const, content: 'What is the capital of France? Answer in one word.' }, { role: 'assistant' as const, content: 'Paris' }];
    const tools = [lookup.spec];
    expect(estimator.estimate({ messages, tools })).toBe(3 + counter.range(messages, 0, 2) + counter.tools(tools));
    const output = { name: 'answer', schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } };
    expect(estimator.estimate({ messages, tools, output })).toBeGreaterThan(estimator.estimate({ messages, tools }));
    expect(new TokenizerEstimator({ tokenMultiplier: 1.2 }).estimate({ messages, tools })).toBeGreaterThan(estimator.estimate({ messages, tools }));
    // The tokenizer counts English text well below the default estimator's one token per 3 bytes.
    expect(estimator.estimate({ messages, tools })).toBeLessThan(new CharTokenEstimator().estimate({ messages, tools }));
    expect(() => new TokenizerEstimator({ tokenMultiplier: 0.5 })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'tokenMultiplier' }));
  });

  it('a run whose provider counts exactly as TokenizerEstimator never exceeds its token budget', async () => {
    for (const maxTokens of [900, 2_500, 6_000, 15_000]) {
      const estimator = new TokenizerEstimator();
      const provider = new TokenizerEstimator();
      let q = 0;
      const model = new ScriptedModel([(request: ModelRequest) => ScriptedModel.call('lookup', { q: ++q }, { usage: { inputTokens: provider.estimate(request), outputTokens: 700 } })], { whenExhausted: 'cycle' });
      const store = new MemoryStore();
      const result = await createRuntime({ model, tools: [lookup], store, tokenEstimator: estimator, limits: { maxTokens, maxSteps: 200, maxToolCalls: 200 } }).run('research');
      expect(result.stopReason, `budget ${maxTokens}`).toBe('token_budget');
      expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
      await assertRunInvariants({ store, runId: result.runId, result });
    }
  });

  it("caps the summarizer's output near the budget and skips it without room: the run never exceeds its budget", async () => {
    for (const maxTokens of [3_000, 6_000, 10_000, 20_000]) {
      const counter = new CachedTokenCounter();
      const summarizerRequests: ModelRequest[] = [];
      // What the providers billed, whether or not the run's totals kept it.
      let billed = 0;
      const bill = (request: ModelRequest, inputTokens: number, outputTokens: number) => {
        billed += inputTokens + Math.min(outputTokens, request.maxOutputTokens ?? Infinity);
        return { inputTokens, outputTokens };
      };
      const summarizer = new ScriptedModel([(request: ModelRequest) => {
        summarizerRequests.push(request);
        return ScriptedModel.answer('facts so far: many', bill(request, counter.range(request.messages, 0, request.messages.length) + 3, 2_000));
      }], { whenExhausted: 'cycle', model: 'summarizer' });
      const provider = new TokenizerEstimator();
      let q = 0;
      const model = new ScriptedModel([(request: ModelRequest) => ScriptedModel.call('lookup', { q: ++q }, { usage: bill(request, provider.estimate(request), 300) })], { whenExhausted: 'cycle' });
      const result = await createRuntime({
        model, tools: [lookup], tokenEstimator: new TokenizerEstimator(),
        context: new Summarize({ model: summarizer, triggerTokens: 600, keepLast: 1 }),
        limits: { maxTokens, maxSteps: 200, maxToolCalls: 200 },
      }).run('research');
      expect(result.stopReason, `budget ${maxTokens}`).toBe('token_budget');
      // Summaries are part of the spend: counted, and capped so the total stays within the budget.
      expect(billed, `budget ${maxTokens}`).toBeLessThanOrEqual(maxTokens);
      // A summary is written only when the step's own call still fits after it: nothing billed is missing from the totals.
      expect(result.usage.inputTokens + result.usage.outputTokens).toBe(billed);
      expect(summarizerRequests.length).toBeGreaterThan(0);
      expect(summarizerRequests.some((request) => request.maxOutputTokens !== undefined)).toBe(true);
      for (const request of summarizerRequests) if (request.maxOutputTokens !== undefined) expect(request.maxOutputTokens).toBeGreaterThanOrEqual(16);
    }
  });
});
