import { defineModelProvider, type ModelProvider } from '@agentrt/core';
import { AnthropicModel, type AnthropicModelOptions } from './anthropic-model.js';

/** Resolves `anthropic:<model>` strings when listed in `plugins`. */
export function anthropicProvider(defaults: Omit<AnthropicModelOptions, 'model'> = {}): ModelProvider {
  return defineModelProvider({ provider: 'anthropic', create: (model, options) => new AnthropicModel({ ...defaults, ...(options as Omit<AnthropicModelOptions, 'model'>), model }) });
}
