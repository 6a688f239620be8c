import 'reflect-metadata';
import { AgentrtError } from '@agentrt/core';
import { createAgent } from './agent.js';

// node dist/main.js [model], e.g. openai:gpt-4o-mini (OPENAI_API_KEY), anthropic:claude-sonnet-4-6
// (ANTHROPIC_API_KEY), ollama:llama3.1 (a local Ollama at OLLAMA_HOST), ai-sdk:openai/gpt-4o-mini.
const model = process.argv[2] ?? process.env.AGENTRT_MODEL ?? 'openai:gpt-4o-mini';
try {
  const result = await createAgent(model).run('Should I take an umbrella in Lisbon today?');
  console.log(`${model}: ${result.stopReason} — ${result.output ?? result.error?.message ?? ''}`);
} catch (error) {
  // A missing key or an unknown model string is a configuration error: say which, without a stack.
  if (!AgentrtError.isInstance(error)) throw error;
  console.error(`${model}: ${error.code} — ${error.message}`);
  console.error('This example calls a real provider: pass a model string (openai:…, anthropic:…, ollama:…, ai-sdk:…) and set its credentials.');
  process.exitCode = 2;
}
