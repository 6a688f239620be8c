import { checkKnownOptions, defineModelProvider, type ModelProvider } from '@agentrt/core';
import { OLLAMA_OPTION_NAMES, OllamaModel, type OllamaModelOptions } from './ollama-model.js';

/**
 * Resolves `ollama:<model>` strings when listed in `plugins`. `defaults` are `OllamaModel`
 * options without `model`: an unknown (misspelt) key is `config_invalid` here; values are checked
 * when a model is created.
 */
export function ollamaProvider(defaults: Omit<OllamaModelOptions, 'model'> = {}): ModelProvider {
  checkKnownOptions(defaults, OLLAMA_OPTION_NAMES.filter((name) => name !== 'model'), 'ollamaProvider');
  return defineModelProvider({ provider: 'ollama', create: (model, options) => new OllamaModel({ ...defaults, ...(options as Omit<OllamaModelOptions, 'model'>), model }) });
}
