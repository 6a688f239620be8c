import { AiSdkModel, aiSdkFetch } from '@agentrt/model-ai-sdk';
import { type ModelAdapterSuiteOptions, startAnthropicServer, startOpenAIServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAI as createOpenAIV2 } from '@ai-sdk/openai-v2';
import { createAnthropic as createAnthropicV2 } from '@ai-sdk/anthropic-v2';

/** The provider package's `fetch` with the adapter's bound on the wire (and OpenAI streams ended at `[DONE]`), as docs/models.md advises. */
const bounded = (options: { maxResponseBytes?: number }, provider: string) => ({ fetch: aiSdkFetch({ ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}), provider }) });

/** `@ai-sdk/openai` Chat Completions (`.chat()`: the loopback server speaks Chat Completions; the provider's default is the Responses API). */
export const openaiSuite: ModelAdapterSuiteOptions = {
  name: 'AiSdkModel over @ai-sdk/openai (chat)',
  start: (steps) => startOpenAIServer(steps),
  // Chat Completions has no reasoning to turn on: `reasoning` is ignored.
  create: (server, { reasoning: _reasoning, ...options }) =>
    new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, ...bounded(options, 'openai') }).chat('gpt-4o-mini'), ...options }),
  malformedArgs: 'generate',
  rejectsOrphans: true,
};

/** `@ai-sdk/anthropic` (Messages API); `reasoning` turns extended thinking on through `providerOptions`. */
export const anthropicSuite: ModelAdapterSuiteOptions = {
  name: 'AiSdkModel over @ai-sdk/anthropic',
  start: (steps) => startAnthropicServer(steps),
  create: (server, { reasoning, ...options }) => new AiSdkModel({
    model: createAnthropic({ apiKey: 'sk-ant-test-loopback', baseURL: `${server.url}/v1`, ...bounded(options, 'anthropic') })('claude-sonnet-4-5'),
    ...(reasoning ? { providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } } } : {}),
    ...options,
  }),
  malformedArgs: 'stream',
  rejectsOrphans: true,
};

/** The same over AI SDK 5's `@ai-sdk/openai` 2.x (specification v2). */
export const openaiV2Suite: ModelAdapterSuiteOptions = {
  ...openaiSuite,
  name: 'AiSdkModel over @ai-sdk/openai 2.x (chat, spec v2)',
  create: (server, { reasoning: _reasoning, ...options }) =>
    new AiSdkModel({ model: createOpenAIV2({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, ...bounded(options, 'openai') }).chat('gpt-4o-mini'), ...options }),
};

/** The same over AI SDK 5's `@ai-sdk/anthropic` 2.x (specification v2). */
export const anthropicV2Suite: ModelAdapterSuiteOptions = {
  ...anthropicSuite,
  name: 'AiSdkModel over @ai-sdk/anthropic 2.x (spec v2)',
  create: (server, { reasoning, ...options }) => new AiSdkModel({
    model: createAnthropicV2({ apiKey: 'sk-ant-test-loopback', baseURL: `${server.url}/v1`, ...bounded(options, 'anthropic') })('claude-sonnet-4-5'),
    ...(reasoning ? { providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } } } : {}),
    ...options,
  }),
};
