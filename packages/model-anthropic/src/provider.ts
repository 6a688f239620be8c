import { checkKnownOptions, defineModelProvider, type ModelProvider } from '@agentrt/core';
import { ANTHROPIC_OPTION_NAMES, AnthropicModel, type AnthropicModelOptions } from './anthropic-model.js';

/**
 * Resolves `anthropic:<model>` strings when listed in `plugins`. `defaults` are `AnthropicModel`
 * options without `model`: an unknown (misspelt) key is `config_invalid` here; values are checked
 * when a model is created.
 */
export function anthropicProvider(defaults: Omit<AnthropicModelOptions, 'model'> = {}): ModelProvider {
  checkKnownOptions(defaults, ANTHROPIC_OPTION_NAMES.filter((name) => name !== 'model'), 'anthropicProvider');
  return defineModelProvider({ provider: 'anthropic', create: (model, options) => new AnthropicModel({ ...defaults, ...(options as Omit<AnthropicModelOptions, 'model'>), model }) });
}
