export { AnthropicModel } from './anthropic-model.js';
export type { AnthropicModelOptions, AnthropicThinking } from './anthropic-model.js';
export { toAnthropicMessages, toAnthropicTools, toAnthropicBlock, toThinkingBlocks, fromThinkingBlock, continuesWithoutThinking, ANTHROPIC_MAX_IMAGE_BASE64 } from './convert-messages.js';
export { anthropicCapabilities, toOutputConfig } from './capabilities.js';
export { anthropicProvider } from './provider.js';
