import { checkKnownOptions, defineModelProvider, type ModelProvider } from '@agentrt/core';
import { OPENAI_OPTION_NAMES, OpenAIModel, type OpenAIModelOptions } from './openai-model.js';

/**
 * Resolves `openai:<model>` strings (registered by `createRuntime({ model: 'openai:gpt-4o-mini', plugins: [openaiProvider()] })`).
 * `defaults` are `OpenAIModel` options without `model`: an unknown (misspelt) key is `config_invalid`
 * here; values are checked when a model is created.
 */
export function openaiProvider(defaults: Omit<OpenAIModelOptions, 'model'> = {}): ModelProvider {
  checkKnownOptions(defaults, OPENAI_OPTION_NAMES.filter((name) => name !== 'model'), 'openaiProvider');
  return defineModelProvider({ provider: 'openai', create: (model, options) => new OpenAIModel({ ...defaults, ...(options as Omit<OpenAIModelOptions, 'model'>), model }) });
}
