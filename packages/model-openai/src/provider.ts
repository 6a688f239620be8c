import { defineModelProvider, type ModelProvider } from '@agentrt/core';
import { OpenAIModel, type OpenAIModelOptions } from './openai-model.js';

/** Resolves `openai:<model>` strings (registered by `createRuntime({ model: 'openai:gpt-4o-mini', plugins: [openaiProvider()] })`). */
export function openaiProvider(defaults: Omit<OpenAIModelOptions, 'model'> = {}): ModelProvider {
  return defineModelProvider({ provider: 'openai', create: (model, options) => new OpenAIModel({ ...defaults, ...(options as Omit<OpenAIModelOptions, 'model'>), model }) });
}
