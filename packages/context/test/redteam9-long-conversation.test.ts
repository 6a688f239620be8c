import { createRuntime, defineTool, findPairingViolations, MemoryStore, type ContextStrategy, type Message, type ModelAdapter, type ModelRequest } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const SYSTEM = 'You are the system prompt. Never drop me.';
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Large results full of emoji, so every cut lands among surrogate pairs. */
const big = defineTool({ name: 'big', description: 'returns a big text', input: z.object({ i: z.number(), j: z.number() }), execute: ({ i, j }) => `${'😀'.repeat(3_000)}result ${i}.${j}${'é🎉'.repeat(2_000)}` });
const summarizer = (): ModelAdapter => ({ provider: 'scripted', model: 'summarizer', generate: async () => ({ message: { role: 'assistant', content: 'the summary 🎉' }, usage: { inputTokens: 5, outputTokens: 5 }, finishReason: 'stop' }) });

const strategies: Record<string, () => ContextStrategy> = {
  'SlidingWindow(maxMessages)': () => new SlidingWindow({ maxMessages: 9 }),
  'SlidingWindow(maxTurns)': () => new SlidingWindow({ maxTurns: 3 }),
  TokenBudget: () => new TokenBudget({ maxTokens: 30_000 }),
  TruncateToolResults: () => new TruncateToolResults({ maxChars: 500 }),
  Summarize: () => new Summarize({ model: summarizer(), triggerTokens: 4_000, keepLast: 2 }),
  'Truncate + Summarize + TokenBudget': () => composeStrategies(new TruncateToolResults({ maxChars: 500 }), new Summarize({ model: summarizer(), triggerTokens: 4_000, keepLast: 2 }), new TokenBudget({ maxTokens: 8_000 })),
  'SlidingWindow + Summarize': () => composeStrategies(new SlidingWindow({ maxMessages: 9 }), new Summarize({ model: summarizer(), triggerTokens: 2_000, keepLast: 2 })),
};

describe('a long conversation keeps its system prompt, task and tool pairing through every strategy', () => {
  for (const [name, make] of Object.entries(strategies)) {
    it(name, async () => {
      const store = new MemoryStore();
      const model = new ScriptedModel([(request: ModelRequest, i: number) => (i % 5 === 4 ? ScriptedModel.call('big', { i, j: 0 }) : ScriptedModel.parallel([{ name: 'big', args: { i, j: 0 } }, { name: 'big', args: { i, j: 1 } }]))], { whenExhausted: 'cycle' });
      const input: Message[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'the task' }];
      const result = await createRuntime({ model, store, tools: [big], context: make(), limits: { maxSteps: 30, maxToolCalls: 1_000, maxTokens: 100_000_000 } }).run({ input });
      expect(result.stopReason).toBe('max_steps');
      for (const request of model.requests) {
        expect(request.messages[0]).toEqual({ role: 'system', content: SYSTEM });
        expect(request.messages.some((m) => m.role === 'user' && m.content === 'the task')).toBe(true);
        expect(findPairingViolations(request.messages)).toEqual([]);
        expect(request.messages.some((m) => typeof m.content === 'string' && LONE.test(m.content))).toBe(false);
      }
      const repaired = (await store.listEvents(result.runId)).filter((e) => e.type === 'model_request' && ((e as { repairedPairs?: number }).repairedPairs ?? 0) > 0);
      expect(repaired).toEqual([]);
      await assertRunInvariants({ store, runId: result.runId, result });
    }, 60_000);
  }
});
