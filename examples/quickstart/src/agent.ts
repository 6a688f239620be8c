import { fileURLToPath } from 'node:url';
import { createRuntime, MemoryStore, type AgentRuntime, type ModelAdapter, type RunEvent, type RunResult } from '@agentrt/core';
import { createSearchDocs } from './search-docs.js';
import { createScriptedResearcher } from './scripted-researcher.js';

/** The seed task. */
export const TASK = 'Find current API rate limit requirements and summarize briefly';
export const SYSTEM = 'You are a research assistant. Use search_docs to find facts in the documentation, then answer briefly with sources.';
export const DOCS_DIR = fileURLToPath(new URL('../docs/', import.meta.url));

/** Builds the demo runtime: one tool, an in-memory store, tight limits. */
export function createQuickstartRuntime(model: ModelAdapter = createScriptedResearcher()): AgentRuntime {
  return createRuntime({
    model,
    tools: [createSearchDocs(DOCS_DIR)],
    store: new MemoryStore(),
    limits: { maxSteps: 6, maxToolCalls: 10, timeoutMs: 60_000, maxTokens: 50_000 },
  });
}

/** Runs the task and hands every event to `onEvent`; resolves with the result. */
export async function runQuickstart(runtime: AgentRuntime, onEvent: (event: RunEvent) => void = () => undefined): Promise<RunResult> {
  let result: RunResult | undefined;
  for await (const event of runtime.stream({ input: TASK, system: SYSTEM })) {
    onEvent(event);
    if (event.type === 'run_finished' || event.type === 'run_paused') result = event.result;
  }
  if (!result) throw new Error('the run ended without a result');
  return result;
}
