import { defineModelProvider, type ModelProvider } from '@agentrt/core';
import { OllamaModel, type OllamaModelOptions } from './ollama-model.js';

/** Resolves `ollama:<model>` strings when listed in `plugins`. */
export function ollamaProvider(defaults: Omit<OllamaModelOptions, 'model'> = {}): ModelProvider {
  return defineModelProvider({ provider: 'ollama', create: (model, options) => new OllamaModel({ ...defaults, ...(options as Omit<OllamaModelOptions, 'model'>), model }) });
}
