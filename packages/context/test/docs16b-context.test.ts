// docs16b: docs/context.md and packages/context/README.md claims through the public exports.
import 'reflect-metadata';
import {
  composeStrategies, estimateFileTokens, estimateImageTokens, IMAGE_TOKENS_MIN, IMAGE_TOKENS_UNKNOWN, PDF_PAGE_TOKENS,
  SlidingWindow, Summarize, TokenBudget, TokenizerEstimator, TruncateToolResults,
} from '@agentrt/context';
import { AgentrtError, createRuntime, defineTool, type ContextStrategy } from '@agentrt/core';
import { pdfDocument, pngImage, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

function thrownSync(fn: () => unknown): AgentrtError & { field?: string } {
  try {
    fn();
  } catch (error) {
    expect(AgentrtError.isInstance(error)).toBe(true);
    return error as AgentrtError & { field?: string };
  }
  throw new Error('expected a throw');
}

const fetchPage = defineTool({ name: 'fetch_page', description: 'Fetches a page', input: z.object({ page: z.number() }), execute: ({ page }) => `Page ${page}: ${'word '.repeat(2_000)}` });

describe('docs/context.md "Writing your own"', () => {
  it('the lastTen strategy sends at most 10 messages and keeps tool pairing', async () => {
    const lastTen: ContextStrategy = {
      name: 'last_ten',
      borrowsHistory: true,
      prepare: (messages) => (messages.length <= 10 ? messages : messages.slice(-10)),
    };
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('fetch_page', { page: i })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [fetchPage], context: lastTen, limits: { maxSteps: 8 }, loopDetection: false }).run('read');
    expect(result.stopReason).toBe('max_steps');
    for (const request of model.requests) {
      expect(request.messages.length).toBeLessThanOrEqual(10);
      expect(request.messages[0]!.role).not.toBe('tool');
    }
  });
});

describe('docs/context.md guarantees', () => {
  it('TokenBudget: when even the minimum does not fit, the run ends with error / context_overflow, no request sent', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('never')]);
    const result = await createRuntime({ model, context: new TokenBudget({ maxTokens: 50, reserveOutputTokens: 10 }) }).run('x '.repeat(500));
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'context_overflow' } });
    expect(model.calls).toBe(0);
  });

  it('TruncateToolResults cuts big results with a tool_output_truncated marker, in the request only', async () => {
    const model = new ScriptedModel([ScriptedModel.call('fetch_page', { page: 1 }), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, tools: [fetchPage], context: new TruncateToolResults({ maxChars: 500 }) });
    const result = await runtime.run('read');
    const sent = model.requests[1]!.messages.at(-1)!.content as string;
    expect(sent.length).toBeLessThan(1_000);
    expect(sent).toContain('tool_output_truncated');
    const stored = (await runtime.messages(result.runId)).find((m) => m.role === 'tool')!.content as string;
    expect(stored.length).toBeGreaterThan(5_000);
  });

  it('SlidingWindow({ maxMessages }) keeps the task and the newest messages', async () => {
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('fetch_page', { page: i })], { whenExhausted: 'cycle' });
    await createRuntime({ model, tools: [fetchPage], context: new SlidingWindow({ maxMessages: 4 }), limits: { maxSteps: 6 }, loopDetection: false }).run('the task');
    const last = model.requests.at(-1)!.messages;
    expect(last[0]).toMatchObject({ role: 'user', content: 'the task' });
    expect(last.length).toBeLessThanOrEqual(5);
  });

  it('a Summarize summarizer answering empty ends the run with model_output_invalid (typed), never a TypeError', async () => {
    const summarizer = new ScriptedModel([ScriptedModel.answer('   ')], { whenExhausted: 'repeat_last', model: 'summarizer' });
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('fetch_page', { page: i })], { whenExhausted: 'cycle' });
    const context = new Summarize({ model: summarizer, triggerTokens: 2_000, keepLast: 2 });
    const result = await createRuntime({ model, tools: [fetchPage], context, limits: { maxSteps: 6 }, loopDetection: false }).run('read');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_output_invalid' } });
  });

  it('under a cost cap a Summarize model without a price fails the run with config_invalid before its first call', async () => {
    const summarizer = new ScriptedModel([ScriptedModel.answer('summary')], { whenExhausted: 'repeat_last', provider: 'cheap', model: 'unpriced' });
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('fetch_page', { page: i })], { whenExhausted: 'cycle' });
    const context = new Summarize({ model: summarizer, triggerTokens: 2_000, keepLast: 2 });
    const result = await createRuntime({
      model, tools: [fetchPage], context, loopDetection: false,
      limits: { maxSteps: 6, maxCostUsd: 1 },
      pricing: { 'scripted:scripted-1': { input: 1, output: 1 } },
    }).run('read');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'config_invalid' } });
    expect(summarizer.calls).toBe(0);
  });
});

describe('docs/context.md options and media estimates', () => {
  it('tokenizer must be a function; booleans must be booleans; misspelt options name the near miss', () => {
    expect(thrownSync(() => new TokenBudget({ maxTokens: 1_000, tokenizer: 'o200k' as never }))).toMatchObject({ code: 'config_invalid', field: 'tokenizer' });
    expect(thrownSync(() => new SlidingWindow({ maxMessages: 4, pinFirstUser: 'false' as never })).code).toBe('config_invalid');
    const typo = thrownSync(() => new TokenBudget({ maxTokens: 1_000, reserveOutputToken: 10 } as never));
    expect(typo.code).toBe('config_invalid');
    expect(typo.message).toContain('did you mean "reserveOutputTokens"?');
    expect(thrownSync(() => new TokenizerEstimator({ tokenMultiplier: 0 })).code).toBe('config_invalid');
    expect(thrownSync(() => new Summarize({ model: new ScriptedModel([]), triggerTokens: 1_000, keepLast: 2, instructions: '' })).code).toBe('config_invalid');
  });

  it('image estimates: 1000×1000 → 1 334, 4000×3000 → 1 534, by url 1 600, at least 85; a PDF 2 000 per page', () => {
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: pngImage(1_000, 1_000) })).toBe(1_334);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: pngImage(4_000, 3_000) })).toBe(1_534);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' })).toBe(1_600);
    expect(IMAGE_TOKENS_UNKNOWN).toBe(1_600);
    expect(estimateImageTokens({ type: 'image', mediaType: 'image/png', data: pngImage(1, 1) })).toBe(IMAGE_TOKENS_MIN);
    expect(IMAGE_TOKENS_MIN).toBe(85);
    expect(PDF_PAGE_TOKENS).toBe(2_000);
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', data: pdfDocument('hello') }, (t) => t.length)).toBe(2_000);
    expect(estimateFileTokens({ type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf' }, (t) => t.length)).toBe(2_000);
  });

  it('the README composition constructs and runs', async () => {
    const cheapModel = new ScriptedModel([ScriptedModel.answer('summary')], { whenExhausted: 'repeat_last', model: 'cheap' });
    const context = composeStrategies(
      new TruncateToolResults({ maxTokens: 500 }),
      new Summarize({ model: cheapModel, triggerTokens: 60_000, keepLast: 6 }),
      new TokenBudget({ maxTokens: 128_000, reserveOutputTokens: 4_000 }),
    );
    const model = new ScriptedModel([ScriptedModel.call('fetch_page', { page: 1 }), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [fetchPage], context }).run('go');
    expect(result.stopReason).toBe('final_answer');
  });
});
