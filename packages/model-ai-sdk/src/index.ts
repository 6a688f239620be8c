export { AiSdkModel } from './ai-sdk-model.js';
export type { AiSdkModelOptions, AiSdkLanguageModel, AiSdkCallSettings, AiSdkWarning } from './ai-sdk-model.js';
export { aiSdkProvider } from './provider.js';
export type { AiSdkProviderOptions, AiSdkProviderEntry } from './provider.js';
export { profileFor } from './profiles.js';
export type { ProviderProfile, ToolResultMedia } from './profiles.js';
export { aiSdkFetch } from './provider-fetch.js';
export type { AiSdkFetchOptions } from './provider-fetch.js';
