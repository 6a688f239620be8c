export { AnthropicModel } from './anthropic-model.js';
export type { AnthropicModelOptions } from './anthropic-model.js';
export { toAnthropicMessages, toAnthropicTools } from './convert-messages.js';
export { anthropicProvider } from './provider.js';
