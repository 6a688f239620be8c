import 'reflect-metadata';
import { describeThrown } from '../loop/tool-output.js';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { ContextStrategy } from '../context-strategy.js';
import { ConfigError } from '../errors/config-error.js';
import type { RuntimeHooks } from '../hooks.js';
import type { ModelAdapter } from '../model.js';
import type { Plugin } from '../plugin.js';
import type { StateStore } from '../store/state-store.js';
import type { StopPolicy } from '../stop/stop-policy.js';
import { TOKENS, type Disposable } from '../tokens.js';
import type { Tool } from '../tool.js';
import { AgentRuntime } from './agent-runtime.js';
import { checkPluginEntryFields, checkToolNames, loadPluginEntry, pluginContainer, recordToolRegistration, type PluginEntry } from './plugin-loader.js';
import { registeredProviders, resolveModelString } from '../model/model-provider.js';
import { resolveRuntimeConfig, type RuntimeConfig } from './runtime-config.js';

/** Options of `createRuntime`: the parts, the plugins and the behaviour config. */
export interface CreateRuntimeOptions<TOut = string> extends RuntimeConfig<TOut> {
  /**
   * The model: an adapter, or a `provider:model` string resolved through registered model
   * providers (e.g. `'openai:gpt-4o-mini'` with `plugins: [openaiProvider()]`). Required unless
   * a plugin registers `TOKENS.ModelAdapter`.
   */
  readonly model?: ModelAdapter | string;
  /** Options passed to the provider when `model` is a string. */
  readonly modelOptions?: unknown;
  readonly tools?: readonly Tool[];
  /** Default: an in-memory store (nothing survives the process). */
  readonly store?: StateStore;
  /** Default: the full history on every request. */
  readonly context?: ContextStrategy;
  readonly hooks?: readonly RuntimeHooks[];
  /** Custom policies, checked after the built-in ones. */
  readonly stopPolicies?: readonly StopPolicy[];
  /**
   * Registered in order after the parts above, so a plugin may add tools, hooks, policies, or
   * provide the model/store. Entries may be plugin objects, module specifiers
   * (`'@agentrt/tools-math'`, `'./my-plugin.js'`) or `{ module, options, namespace }` —
   * specifiers need `createRuntimeAsync`.
   */
  readonly plugins?: readonly PluginEntry[];
  /** Directory that relative plugin specifiers and package names resolve from. Default: the working directory. */
  readonly pluginBase?: string;
  /** Parent container; the runtime always works in its own child container. */
  readonly container?: DependencyContainer;
}

const PART_KEYS = new Set(['model', 'modelOptions', 'tools', 'store', 'context', 'hooks', 'stopPolicies', 'plugins', 'pluginBase', 'container']);

/**
 * Builds an `AgentRuntime` in a fresh child container: registers the parts under `TOKENS`,
 * runs each plugin's `register`, then resolves the runtime. Invalid options throw
 * `ConfigError` naming the field — the runtime's own options (limits, policy, pricing, …) are
 * validated before any plugin runs. Every limit has a finite default. When construction fails
 * after a plugin registered a `TOKENS.Disposable`, it is closed (in the background here; awaited
 * by `createRuntimeAsync`).
 *
 * Plugins' `register` must be synchronous here; use `createRuntimeAsync` for async plugins.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({
 *   model: new ScriptedModel([...]),
 *   tools: [add],
 *   limits: { maxSteps: 4 },
 * });
 * ```
 */
export function createRuntime<TOut = string>(given: CreateRuntimeOptions<TOut>): AgentRuntime<TOut> {
  const options = readOptions(given);
  const container = prepare(options);
  try {
    for (const entry of options.plugins ?? []) {
      if (typeof entry === 'string' || (typeof entry === 'object' && entry !== null && 'module' in entry)) {
        throw new ConfigError('plugins', `plugin ${JSON.stringify(typeof entry === 'string' ? entry : entry.module)} is given by module specifier; use createRuntimeAsync()`);
      }
      const { plugin, options: pluginOptions, namespace } = 'plugin' in entry && !('register' in entry) ? entry : { plugin: entry as Plugin<unknown> };
      const pending = plugin.register(pluginContainer(container, plugin.name, namespace), pluginOptions);
      if (pending && typeof (pending as Promise<void>).then === 'function') {
        // Whatever the pending registration opens later cannot be tracked; let it settle quietly.
        (pending as Promise<void>).catch(() => undefined);
        throw new ConfigError('plugins', `plugin "${plugin.name}" registers asynchronously; use createRuntimeAsync()`);
      }
    }
    return finish(container, options);
  } catch (error) {
    // Synchronous construction cannot wait for the resources to close; they close in the background.
    void closeRegistered(container);
    throw error;
  }
}

/**
 * Like `createRuntime`, importing plugins given by module specifier and awaiting each `register`.
 * When construction fails (a plugin throws, or the assembled runtime is invalid), every
 * `TOKENS.Disposable` registered so far is closed before the error is rethrown, so a plugin's
 * server processes or connections never outlive a runtime that was never returned.
 */
export async function createRuntimeAsync<TOut = string>(given: CreateRuntimeOptions<TOut>): Promise<AgentRuntime<TOut>> {
  const options = readOptions(given);
  const container = prepare(options);
  try {
    for (const entry of options.plugins ?? []) {
      const { plugin, options: pluginOptions, namespace } = await loadPluginEntry(entry, options.pluginBase);
      await plugin.register(pluginContainer(container, plugin.name, namespace), pluginOptions);
    }
    return finish(container, options);
  } catch (error) {
    await closeRegistered(container);
    throw error;
  }
}

/** Closes the resources plugins registered in this runtime's own container (never its parent's), best effort. */
async function closeRegistered(container: DependencyContainer): Promise<void> {
  if (!container.isRegistered(TOKENS.Disposable, false)) return;
  let resources: Disposable[];
  try {
    resources = container.resolveAll<Disposable>(TOKENS.Disposable);
  } catch {
    return;
  }
  await Promise.all(resources.map(async (resource) => {
    try {
      await resource?.close?.();
    } catch {
      // one failing resource must not keep the others open, nor hide the construction error
    }
  }));
}

/**
 * The options as a plain object, each read once, so nothing later reads them again: a getter or a
 * proxy trap that throws is `config_invalid` naming the option, never a raw error from deep inside.
 * Own enumerable options are taken as a spread takes them; the parts are also read by name (an
 * options object may be a class instance with them on its prototype).
 */
function readOptions<T extends CreateRuntimeOptions<unknown>>(options: T): T {
  if (typeof options !== 'object' || options === null) return options;
  const unreadable = (field: string, error: unknown) => new ConfigError(field, `the option could not be read: ${describeThrown(error, 300)}`, { cause: error });
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (error) {
    throw unreadable('options', error);
  }
  const out: Record<string, unknown> = {};
  const take = (key: string): void => {
    let value: unknown;
    try {
      value = (options as Record<string, unknown>)[key];
    } catch (error) {
      throw unreadable(key, error);
    }
    // An own "__proto__" is data here (the unknown-option check names it), never a prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  };
  for (const key of keys) take(key);
  for (const key of PART_KEYS) if (!Object.prototype.hasOwnProperty.call(out, key) && key in options) take(key);
  return out as T;
}

function prepare(options: CreateRuntimeOptions<unknown>): DependencyContainer {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an options object');
  const parent = options.container ?? rootContainer;
  if (typeof parent !== 'object' || typeof (parent as Partial<DependencyContainer>).createChildContainer !== 'function') throw new ConfigError('container', 'expected a tsyringe DependencyContainer');
  // null is not "absent" for a part: say which part, before the container reports it its own way.
  if (options.model === null) throw new ConfigError('model', 'expected a ModelAdapter or a "provider:model" string, got null');
  if (options.store === null) throw new ConfigError('store', 'expected a StateStore, got null');
  if (options.context === null) throw new ConfigError('context', 'expected a ContextStrategy, got null');
  const container = parent.createChildContainer();
  if (options.model !== undefined && typeof options.model !== 'string') container.register(TOKENS.ModelAdapter, { useValue: options.model });
  if (options.store !== undefined) container.register(TOKENS.StateStore, { useValue: options.store });
  if (options.context !== undefined) container.register(TOKENS.ContextStrategy, { useValue: options.context });
  for (const [key, list] of [['tools', options.tools], ['hooks', options.hooks], ['stopPolicies', options.stopPolicies], ['plugins', options.plugins]] as const) {
    if (list !== undefined && !Array.isArray(list)) throw new ConfigError(key, 'expected an array');
  }
  for (const tool of options.tools ?? []) {
    container.register(TOKENS.Tool, { useValue: tool });
    recordToolRegistration(container, tool, 'options.tools');
  }
  for (const hook of options.hooks ?? []) container.register(TOKENS.Hook, { useValue: hook });
  for (const policy of options.stopPolicies ?? []) container.register(TOKENS.StopPolicy, { useValue: policy });
  for (const [i, entry] of (options.plugins ?? []).entries()) {
    const ok = typeof entry === 'string' || (typeof entry === 'object' && entry !== null && (typeof (entry as Plugin).register === 'function' || 'module' in entry || 'plugin' in entry));
    if (!ok) throw new ConfigError(`plugins.${i}`, 'expected a Plugin, a module specifier, or { module, options?, namespace? }');
    if (typeof entry === 'object' && typeof (entry as Plugin).register !== 'function') checkPluginEntryFields(entry, i);
  }
  // The runtime's own options are checked before any plugin runs (and opens resources); the
  // price of a model that only a plugin provides is checked once it is known.
  const model = typeof options.model === 'object' && options.model !== null && typeof options.model.provider === 'string' && typeof options.model.model === 'string' ? options.model : undefined;
  resolveRuntimeConfig(runtimeConfigOf(options), model);
  return container;
}

const runtimeConfigOf = (options: CreateRuntimeOptions<unknown>): RuntimeConfig<unknown> => Object.fromEntries(Object.entries(options).filter(([key]) => !PART_KEYS.has(key))) as RuntimeConfig<unknown>;

function finish<TOut>(container: DependencyContainer, options: CreateRuntimeOptions<TOut>): AgentRuntime<TOut> {
  if (typeof options.model === 'string') {
    // Providers come from plugins, so a model string is resolved once they have registered.
    container.register(TOKENS.ModelAdapter, { useValue: resolveModelString(options.model, registeredProviders(container), options.modelOptions) });
  }
  if (!container.isRegistered(TOKENS.ModelAdapter, true)) throw new ConfigError('model', 'a model adapter is required');
  checkToolNames(container);
  const config = runtimeConfigOf(options);
  if (!container.isRegistered(TOKENS.RuntimeConfig, false)) container.register(TOKENS.RuntimeConfig, { useValue: config });
  // The class is generic only in the type of `result.output`, which `options.output` decides.
  return container.resolve(AgentRuntime) as AgentRuntime<TOut>;
}
