import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from './errors/config-error.js';

/**
 * A unit of extension: registers tools, hooks, stop policies, a store, a model or a
 * context strategy into the runtime's container. Plugins register only inside `register`;
 * there is no global container.
 */
export interface Plugin {
  readonly name: string;
  readonly version?: string;
  register(container: DependencyContainer): void | Promise<void>;
}

const PLUGIN_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * Declares a plugin (validates its shape; the name follows npm package naming).
 *
 * @example
 * ```ts
 * export default definePlugin({
 *   name: 'my-tools',
 *   register(container) {
 *     container.register(TOKENS.Tool, { useValue: myTool });
 *   },
 * });
 * ```
 */
export function definePlugin(plugin: Plugin): Plugin {
  if (typeof plugin !== 'object' || plugin === null) throw new ConfigError('plugin', 'expected a plugin object');
  if (typeof plugin.name !== 'string' || !PLUGIN_NAME.test(plugin.name)) {
    throw new ConfigError('name', `plugin name ${JSON.stringify(plugin.name)} must be a valid npm package-style name`);
  }
  if (typeof plugin.register !== 'function') throw new ConfigError('register', `plugin "${plugin.name}" needs a register(container) function`);
  return Object.freeze({ ...plugin });
}
