import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { ConfigError } from './errors/config-error.js';
import { parseOptions } from './limits.js';

/**
 * A unit of extension: registers tools, hooks, stop policies, a store, a model provider or a
 * context strategy into the runtime's container. Plugins register only inside `register`;
 * there is no global container.
 */
export interface Plugin<O = unknown> {
  readonly name: string;
  readonly version?: string;
  /** Zod schema of the plugin's options; validated before `register` runs (a bad option names the field). */
  readonly options?: z.ZodType<O>;
  register(container: DependencyContainer, options: O): void | Promise<void>;
}

const PLUGIN_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const PLUGIN_MARK = Symbol.for('agentrt.plugin');

/**
 * Declares a plugin: validates its shape (npm-style name, `register` function, optional zod
 * `options` schema). The returned plugin validates its options whenever it is registered.
 *
 * @example
 * ```ts
 * export default definePlugin({
 *   name: '@acme/agentrt-tools',
 *   version: '1.0.0',
 *   options: z.object({ apiUrl: z.string().url() }),
 *   register(container, { apiUrl }) {
 *     container.register(TOKENS.Tool, { useValue: makeLookup(apiUrl) });
 *   },
 * });
 * ```
 */
export function definePlugin<O = undefined>(plugin: Plugin<O>): Plugin<O> {
  if (typeof plugin !== 'object' || plugin === null) throw new ConfigError('plugin', 'expected a plugin object');
  if (typeof plugin.name !== 'string' || !PLUGIN_NAME.test(plugin.name)) {
    throw new ConfigError('name', `plugin name ${JSON.stringify(plugin.name)} must be a valid npm package-style name`);
  }
  if (typeof plugin.register !== 'function') throw new ConfigError('register', `plugin "${plugin.name}" needs a register(container, options) function`);
  if (plugin.version !== undefined && (typeof plugin.version !== 'string' || !/^\d+\.\d+\.\d+([-+].*)?$/.test(plugin.version))) {
    throw new ConfigError('version', `plugin "${plugin.name}": version must be semver (x.y.z)`);
  }
  if (plugin.options !== undefined && !(plugin.options instanceof z.ZodType)) throw new ConfigError('options', `plugin "${plugin.name}": options must be a zod schema`);
  const schema = plugin.options;
  const defined: Plugin<O> = {
    ...plugin,
    register(container: DependencyContainer, options: O) {
      const parsed = schema ? parseOptions(schema, options, `plugins.${plugin.name}`) : options;
      return plugin.register(container, parsed as O);
    },
  };
  Object.defineProperty(defined, PLUGIN_MARK, { value: true });
  return Object.freeze(defined);
}

/** True for objects shaped like a plugin. */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && typeof (value as Plugin).name === 'string' && typeof (value as Plugin).register === 'function';
}
