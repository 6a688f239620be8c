import { CachedTokenCounter, composeStrategies, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

/** A long research run whose history outgrows any context window. */
export async function longRun() {
  const fetchPage = defineTool({
    name: 'fetch_page', description: 'Fetches a page', input: z.object({ page: z.number() }),
    execute: ({ page }) => `Page ${page}: ${Array.from({ length: 400 }, (_, i) => `token${(page * 31 + i) % 997}`).join(' ')}`,
  });
  let page = 0;
  const model = new ScriptedModel([() => ScriptedModel.call('fetch_page', { page: ++page })], { whenExhausted: 'cycle' });
  const summarizer = new ScriptedModel([ScriptedModel.answer('Pages read so far: key facts …')], { whenExhausted: 'cycle', model: 'summarizer' });

  const context = composeStrategies(
    new TruncateToolResults({ maxTokens: 500 }),                        // big pages: head + tail in the request only
    new Summarize({ model: summarizer, triggerTokens: 6_000, keepLast: 4 }), // old turns → one running summary
    new TokenBudget({ maxTokens: 8_000, reserveOutputTokens: 1_000 }),     // hard fit; context_overflow if impossible
  );
  const runtime = createRuntime({ model, tools: [fetchPage], context, limits: { maxSteps: 40, maxToolCalls: 40 } });
  const result = await runtime.run({ input: 'Read every page and report', system: 'You are a researcher.' });
  const counter = new CachedTokenCounter();
  const largestTokens = Math.max(...model.requests.map((request) => counter.range(request.messages, 0, request.messages.length)));
  const history = (await runtime.messages(result.runId)).length;
  return { result, largestTokens, history, summaries: summarizer.calls };
}
