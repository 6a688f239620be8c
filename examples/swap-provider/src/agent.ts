import { createRuntime, defineTool, type AgentRuntime } from '@agentrt/core';
import { aiSdkFetch, aiSdkProvider } from '@agentrt/model-ai-sdk';
import { anthropicProvider } from '@agentrt/model-anthropic';
import { ollamaProvider } from '@agentrt/model-ollama';
import { openaiProvider } from '@agentrt/model-openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';

const getWeather = defineTool({
  name: 'get_weather',
  description: 'Current weather for a city',
  input: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, tempC: 18, sky: 'light rain' }),
});

/**
 * The same agent on any provider: only the model string changes, e.g.
 * `openai:gpt-4o-mini`, `anthropic:claude-sonnet-4-6`, `ollama:llama3.1`, or any AI SDK
 * provider through `@agentrt/model-ai-sdk`: `ai-sdk:openai/gpt-4o-mini`, `ai-sdk:anthropic/claude-sonnet-4-6`.
 * Credentials and hosts come from OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY /
 * ANTHROPIC_BASE_URL, OLLAMA_HOST (the AI SDK's Anthropic provider wants its base URL with `/v1`).
 */
export function createAgent(model: string): AgentRuntime {
  return createRuntime({
    model,
    plugins: [
      openaiProvider(), anthropicProvider(), ollamaProvider(),
      // The AI SDK swap: one more plugin. aiSdkFetch() bounds each response and ends OpenAI streams at [DONE].
      aiSdkProvider({ providers: { openai: createOpenAI({ fetch: aiSdkFetch({ provider: 'openai' }) }).chat, anthropic: createAnthropic({ fetch: aiSdkFetch({ provider: 'anthropic' }) }) } }),
    ],
    tools: [getWeather],
    limits: { maxSteps: 4, timeoutMs: 60_000 },
  });
}
