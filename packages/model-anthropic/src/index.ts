export { AnthropicModel } from './anthropic-model.js';
export type { AnthropicModelOptions, AnthropicThinking } from './anthropic-model.js';
export { toAnthropicMessages, toAnthropicTools, toAnthropicBlock, toThinkingBlocks, fromThinkingBlock, continuesWithoutThinking } from './convert-messages.js';
export { anthropicCapabilities, toOutputConfig } from './capabilities.js';
export { anthropicProvider } from './provider.js';
