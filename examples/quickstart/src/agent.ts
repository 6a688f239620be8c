import { fileURLToPath } from 'node:url';
import { createRuntime, MemoryStore, type AgentRuntime, type ModelAdapter, type RunEvent, type RunResult } from '@agentrt/core';
import { anthropicProvider } from '@agentrt/model-anthropic';
import { ollamaProvider } from '@agentrt/model-ollama';
import { openaiProvider } from '@agentrt/model-openai';
import { createSearchDocs } from './search-docs.js';
import { createScriptedResearcher } from './scripted-researcher.js';

/** The seed task. */
export const TASK = 'Find current API rate limit requirements and summarize briefly';
export const SYSTEM = 'You are a research assistant. Use search_docs to find facts in the documentation, then answer briefly with sources.';
export const DOCS_DIR = fileURLToPath(new URL('../docs/', import.meta.url));

/**
 * Picks the model: `AGENTRT_MODEL` (e.g. `anthropic:claude-sonnet-4-6`) if set; else a real
 * provider whose key or host is in the environment; else the embedded scripted model.
 */
export function chooseModel(env: NodeJS.ProcessEnv = process.env): { model: ModelAdapter | string; label: string } {
  const named = env.AGENTRT_MODEL ?? (env.OPENAI_API_KEY ? 'openai:gpt-4o-mini' : env.ANTHROPIC_API_KEY ? 'anthropic:claude-sonnet-4-6' : env.OLLAMA_HOST ? 'ollama:llama3.1' : undefined);
  if (named) return { model: named, label: `${named} (from the environment)` };
  return { model: createScriptedResearcher(), label: 'embedded ScriptedModel (no provider API key or host is set, so no network is used)' };
}

/** Builds the demo runtime: one tool, an in-memory store, tight limits. */
export function createQuickstartRuntime(model: ModelAdapter | string = createScriptedResearcher()): AgentRuntime {
  return createRuntime({
    model,
    plugins: [openaiProvider(), anthropicProvider(), ollamaProvider()],
    tools: [createSearchDocs(DOCS_DIR)],
    store: new MemoryStore(),
    limits: { maxSteps: 6, maxToolCalls: 10, timeoutMs: 60_000, maxTokens: 50_000 },
  });
}

/** Runs the task and hands every event to `onEvent`; resolves with the result. */
export async function runQuickstart(runtime: AgentRuntime, onEvent: (event: RunEvent) => void = () => undefined): Promise<RunResult<unknown>> {
  let result: RunResult<unknown> | undefined;
  for await (const event of runtime.stream({ input: TASK, system: SYSTEM })) {
    onEvent(event);
    if (event.type === 'run_finished' || event.type === 'run_paused') result = event.result;
  }
  if (!result) throw new Error('the run ended without a result');
  return result;
}
