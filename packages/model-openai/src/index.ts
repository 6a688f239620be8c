export { OpenAIModel } from './openai-model.js';
export type { OpenAIModelOptions } from './openai-model.js';
export { toOpenAIMessages, toOpenAITools, OPENAI_MAX_IMAGES } from './convert-messages.js';
export type { OpenAIMessageOptions } from './convert-messages.js';
export { openAICapabilities, isStrictSchema, toResponseFormat } from './capabilities.js';
export { openaiProvider } from './provider.js';
