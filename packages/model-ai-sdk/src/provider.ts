import { checkKnownOptions, ConfigError, defineModelProvider, type ModelProvider } from '@agentrt/core';
import { AI_SDK_OPTION_NAMES, AiSdkModel, type AiSdkLanguageModel, type AiSdkModelOptions } from './ai-sdk-model.js';

/**
 * One AI SDK provider under `aiSdkProvider`: a provider instance (anything with
 * `languageModel(modelId)`, e.g. `createAnthropic({ … })`) or a function from a model id to a
 * language model (e.g. `openai.chat`, for OpenAI Chat Completions rather than the Responses API
 * `openai.languageModel` picks).
 */
export type AiSdkProviderEntry = { languageModel(modelId: string): AiSdkLanguageModel } | ((modelId: string) => AiSdkLanguageModel);

/** Options of `aiSdkProvider`. */
export interface AiSdkProviderOptions {
  /** The model-string prefix. Default `ai-sdk` (`'ai-sdk:openai/gpt-4o-mini'`); any `^[a-z][a-z0-9-]*$`. */
  readonly prefix?: string;
  /** The AI SDK providers by the name used in model strings (`openai` in `ai-sdk:openai/gpt-4o-mini`). */
  readonly providers: Readonly<Record<string, AiSdkProviderEntry>>;
  /** Adapter options for every model it creates; `createRuntime({ modelOptions })` overrides them. */
  readonly defaults?: Omit<AiSdkModelOptions, 'model'>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A provider plugin resolving `<prefix>:<provider>/<model>` strings through AI SDK providers:
 * with `aiSdkProvider({ providers: { openai: openai.chat, anthropic } })` in `plugins`,
 * `model: 'ai-sdk:openai/gpt-4o-mini'` becomes an `AiSdkModel` over `openai.chat('gpt-4o-mini')`.
 * The model id is everything after the first `/` (it may contain more). An unknown provider name
 * or a string without `/` is `config_invalid` on `model`, naming it and the configured ones.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({
 *   model: 'ai-sdk:anthropic/claude-sonnet-4-6',
 *   plugins: [aiSdkProvider({ providers: { openai: createOpenAI().chat, anthropic: createAnthropic() } })],
 * });
 * ```
 */
export function aiSdkProvider(options: AiSdkProviderOptions): ModelProvider {
  if (typeof options !== 'object' || options === null) throw new ConfigError('providers', 'aiSdkProvider needs { providers: { name: provider } }');
  checkKnownOptions(options, ['prefix', 'providers', 'defaults'], 'aiSdkProvider');
  const prefix = options.prefix ?? 'ai-sdk';
  const providers = options.providers as unknown;
  if (typeof providers !== 'object' || providers === null || Array.isArray(providers) || Object.keys(providers).length === 0) {
    throw new ConfigError('providers', 'expected at least one AI SDK provider, e.g. { openai: createOpenAI().chat }');
  }
  const entries = new Map<string, AiSdkProviderEntry>();
  for (const [name, entry] of Object.entries(providers as Record<string, unknown>)) {
    if (!NAME.test(name)) throw new ConfigError(`providers.${name}`, `a provider name must match ${NAME.source} (no "/", which separates it from the model id)`);
    const usable = typeof entry === 'function' || (typeof entry === 'object' && entry !== null && typeof (entry as { languageModel?: unknown }).languageModel === 'function');
    if (!usable) throw new ConfigError(`providers.${name}`, 'expected an AI SDK provider (with languageModel(modelId)) or a function modelId => language model');
    entries.set(name, entry as AiSdkProviderEntry);
  }
  if (options.defaults !== undefined && (typeof options.defaults !== 'object' || options.defaults === null || Array.isArray(options.defaults))) throw new ConfigError('defaults', 'expected an object of AiSdkModel options');
  checkKnownOptions(options.defaults, AI_SDK_OPTION_NAMES.filter((name) => name !== 'model'), 'aiSdkProvider defaults');
  const known = [...entries.keys()].join(', ');
  return defineModelProvider({
    provider: prefix,
    create(model, modelOptions) {
      const slash = model.indexOf('/');
      if (slash <= 0 || slash === model.length - 1) throw new ConfigError('model', `expected "${prefix}:<provider>/<model>" (configured providers: ${known}), got ${JSON.stringify(`${prefix}:${model}`)}`);
      const name = model.slice(0, slash);
      const modelId = model.slice(slash + 1);
      const entry = entries.get(name);
      if (!entry) throw new ConfigError('model', `no AI SDK provider "${name}" is configured in aiSdkProvider (configured: ${known})`);
      let languageModel: AiSdkLanguageModel;
      try {
        languageModel = typeof (entry as { languageModel?: unknown }).languageModel === 'function'
          ? (entry as { languageModel(modelId: string): AiSdkLanguageModel }).languageModel(modelId)
          : (entry as (modelId: string) => AiSdkLanguageModel)(modelId);
      } catch (error) {
        throw new ConfigError('model', `the AI SDK provider "${name}" has no model ${JSON.stringify(modelId)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const overrides = typeof modelOptions === 'object' && modelOptions !== null ? (modelOptions as Omit<AiSdkModelOptions, 'model'>) : {};
      return new AiSdkModel({ ...options.defaults, ...overrides, model: languageModel });
    },
  });
}
