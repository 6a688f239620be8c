export { OpenAIModel } from './openai-model.js';
export type { OpenAIModelOptions } from './openai-model.js';
export { toOpenAIMessages, toOpenAITools } from './convert-messages.js';
export { openaiProvider } from './provider.js';
