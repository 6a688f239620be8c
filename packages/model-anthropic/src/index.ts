export { AnthropicModel } from './anthropic-model.js';
export type { AnthropicModelOptions, AnthropicThinking } from './anthropic-model.js';
export { toAnthropicMessages, toAnthropicTools, toAnthropicBlock, toThinkingBlocks, fromThinkingBlock, continuesWithoutThinking, checkImageLimits, ANTHROPIC_MAX_IMAGE_BASE64, ANTHROPIC_IMAGE_LIMITS } from './convert-messages.js';
export { anthropicCapabilities, toOutputConfig } from './capabilities.js';
export { anthropicProvider } from './provider.js';
