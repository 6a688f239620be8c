import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '../errors/config-error.js';
import type { ModelAdapter } from '../model.js';
import type { Plugin } from '../plugin.js';
import { resolveAll, TOKENS } from '../tokens.js';

/**
 * Creates adapters for one provider from a model id. A provider is also a plugin: listing it
 * in `plugins` registers it under `TOKENS.ModelProvider`, so `model: 'openai:gpt-4o-mini'` works.
 */
export interface ModelProvider extends Plugin<unknown> {
  /** The prefix of model strings it serves, e.g. `openai`. */
  readonly provider: string;
  create(model: string, options?: unknown): ModelAdapter;
}

const PROVIDER = /^[a-z][a-z0-9-]*$/;

/** Declares a model provider (and the plugin that registers it). */
export function defineModelProvider(input: { provider: string; create(model: string, options?: unknown): ModelAdapter }): ModelProvider {
  if (typeof input?.provider !== 'string' || !PROVIDER.test(input.provider)) throw new ConfigError('provider', `provider id ${JSON.stringify(input?.provider)} must match ${PROVIDER.source}`);
  if (typeof input.create !== 'function') throw new ConfigError('create', 'a model provider needs create(model, options)');
  const provider: ModelProvider = Object.freeze({
    name: `agentrt-provider-${input.provider}`,
    provider: input.provider,
    create: input.create,
    register(container: DependencyContainer) {
      container.register(TOKENS.ModelProvider, { useValue: provider });
    },
  });
  return provider;
}

/**
 * Resolves a model string `provider:model` (e.g. `anthropic:claude-sonnet-4-6`) through the
 * registered providers. An unknown provider or a malformed string is a `ConfigError` on `model`.
 */
export function resolveModelString(spec: string, providers: readonly ModelProvider[], options?: unknown): ModelAdapter {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new ConfigError('model', `expected "provider:model" (e.g. "openai:gpt-4o-mini"), got ${JSON.stringify(spec)}`);
  const name = spec.slice(0, colon);
  const provider = providers.find((candidate) => candidate.provider === name);
  if (!provider) {
    const known = providers.map((candidate) => candidate.provider).join(', ') || 'none';
    throw new ConfigError('model', `no model provider "${name}" is registered (registered: ${known}); add its plugin, e.g. ${name}Provider() from @agentrt/model-${name}`);
  }
  return provider.create(spec.slice(colon + 1), options);
}

/** Resolves every provider registered in a container. */
export const registeredProviders = (container: DependencyContainer): ModelProvider[] => resolveAll(container, TOKENS.ModelProvider);
