export { OllamaModel } from './ollama-model.js';
export type { OllamaModelOptions } from './ollama-model.js';
export { toOllamaMessages, toOllamaTools } from './convert-messages.js';
export { ollamaCapabilities } from './capabilities.js';
export { ollamaProvider } from './provider.js';
