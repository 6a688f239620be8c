import { createRequire } from 'node:module';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '../errors/config-error.js';
import { nearestName } from '../util/check-known-options.js';
import { isPlugin, type Plugin } from '../plugin.js';
import { TOKENS } from '../tokens.js';
import type { Tool } from '../tool.js';

/** A plugin given by module specifier, with its options and an optional tool-name namespace. */
export interface PluginSpec {
  /** `'@agentrt/tools-math'`, `'./my-plugin.js'`, an absolute path, or a package name; its default export is a `Plugin`. */
  readonly module: string;
  readonly options?: unknown;
  /**
   * Prefix for the plugin's tool names: `fs` turns `read_file` into `fs__read_file`. Tool-policy
   * patterns match both names, so `deny: ['write_file']` still denies `fs__write_file`.
   */
  readonly namespace?: string;
}

/** What `plugins` accepts: a plugin object, a specifier, or a spec. */
export type PluginEntry = Plugin<unknown> | string | PluginSpec | { readonly plugin: Plugin<unknown>; readonly options?: unknown; readonly namespace?: string };

/** Which plugin registered which tool, for clear duplicate errors. */
export const toolSources = new WeakMap<Tool, string>();

/**
 * Every tool registration `createRuntime` made into a runtime's container, in order, with where it
 * came from (`options.tools`, `plugin "<name>"`). Kept per registration, not per tool object: one
 * tool object registered twice (by two plugins, or by `options.tools` and a plugin) is named by
 * both of its sources, where `toolSources` can hold only the last.
 */
const registrations = new WeakMap<DependencyContainer, { readonly tool: Tool; readonly source: string }[]>();

/** Records that `source` registered `tool` in `container` (see `checkToolNames`). */
export function recordToolRegistration(container: DependencyContainer, tool: Tool, source: string): void {
  let list = registrations.get(container);
  if (!list) registrations.set(container, (list = []));
  list.push({ tool, source });
}

/** Two registrations under one tool name are `config_invalid`, naming both sources. */
export function checkToolNames(container: DependencyContainer): void {
  const seen = new Map<string, string>();
  for (const { tool, source } of registrations.get(container) ?? []) {
    const name = typeof tool === 'object' && tool !== null ? (tool as Partial<Tool>).name : undefined;
    if (typeof name !== 'string') continue; // not a tool: the runtime reports it as such
    const first = seen.get(name);
    if (first !== undefined) throw new ConfigError('tools', `two tools are named "${name}" (from ${first} and ${source}); tool names must be unique — give one plugin a namespace`);
    seen.set(name, source);
  }
}

/** The name a plugin gave a tool before its namespace renamed it (policy patterns match both). */
const originalNames = new WeakMap<Tool, string>();

/** The tool's name before a plugin namespace renamed it, or `undefined` when it was not renamed. */
export function originalToolName(tool: Tool): string | undefined {
  return originalNames.get(tool);
}

const NAMESPACE = /^[A-Za-z0-9_-]{1,24}$/;

/**
 * Imports a plugin module. Relative paths resolve against `base` (default: the working
 * directory); package names resolve from `base`'s node_modules, like the user's own imports.
 */
export async function importPlugin(specifier: string, base = process.cwd()): Promise<Plugin<unknown>> {
  let url: string;
  if (specifier.startsWith('.') || isAbsolute(specifier)) url = pathToFileURL(resolvePath(base, specifier)).href;
  else {
    try {
      url = pathToFileURL(createRequire(join(base, 'noop.js')).resolve(specifier)).href;
    } catch (error) {
      throw new ConfigError('plugins', `cannot resolve plugin module "${specifier}" from ${base}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError('plugins', `plugin module "${specifier}" failed to load: ${(error as Error).message}`, { cause: error });
  }
  const plugin = module.default ?? module.plugin;
  if (!isPlugin(plugin)) throw new ConfigError('plugins', `plugin module "${specifier}" has no default export that is a Plugin ({ name, register })`);
  return plugin;
}

/** Normalizes an entry to a plugin (importing specifiers) plus options and namespace. */
export async function loadPluginEntry(entry: PluginEntry, base?: string): Promise<{ plugin: Plugin<unknown>; options?: unknown; namespace?: string }> {
  if (typeof entry === 'string') return { plugin: await importPlugin(entry, base) };
  if (isPlugin(entry)) return { plugin: entry };
  if (typeof entry === 'object' && entry !== null && 'module' in entry && typeof entry.module === 'string') {
    return { plugin: await importPlugin(entry.module, base), ...(entry.options !== undefined ? { options: entry.options } : {}), ...(entry.namespace ? { namespace: entry.namespace } : {}) };
  }
  if (typeof entry === 'object' && entry !== null && 'plugin' in entry && isPlugin(entry.plugin)) {
    return { plugin: entry.plugin, ...(entry.options !== undefined ? { options: entry.options } : {}), ...(entry.namespace ? { namespace: entry.namespace } : {}) };
  }
  throw new ConfigError('plugins', 'expected a Plugin, a module specifier, or { module, options?, namespace? }');
}

/**
 * A `{ module | plugin, options?, namespace? }` entry with another field (`option`, `namespce`) is
 * `config_invalid` naming `plugins.<index>.<field>` and the near miss: the plugin would otherwise
 * run on its default options, or outside its namespace, and nothing would say so.
 */
export function checkPluginEntryFields(entry: object, index: number): void {
  const known = ['module' in entry ? 'module' : 'plugin', 'options', 'namespace'];
  for (const key of Object.keys(entry)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    throw new ConfigError(`plugins.${index}.${key}`, `unknown field of a plugin entry${near ? ` (did you mean "${near}"?)` : ''} (known: ${known.join(', ')})`);
  }
}

/**
 * The container a plugin registers into: tool registrations are recorded (for duplicate
 * errors naming both plugins) and renamed under the namespace, everything else passes through.
 */
export function pluginContainer(container: DependencyContainer, pluginName: string, namespace: string | undefined): DependencyContainer {
  if (namespace !== undefined && !NAMESPACE.test(namespace)) throw new ConfigError(`plugins.${pluginName}.namespace`, `must match ${NAMESPACE.source}`);
  return new Proxy(container, {
    get(target, property, receiver) {
      if (property === 'register') {
        return (token: unknown, provider: { useValue?: unknown }, ...rest: unknown[]) => {
          if (token === TOKENS.Tool && provider && typeof provider === 'object' && 'useValue' in provider) {
            let tool = provider.useValue as Tool;
            if (namespace) tool = renameTool(tool, `${namespace}__${tool.name}`);
            toolSources.set(tool, pluginName);
            recordToolRegistration(target, tool, `plugin "${pluginName}"`);
            return (target.register as (...args: unknown[]) => unknown)(token, { useValue: tool }, ...rest);
          }
          return (target.register as (...args: unknown[]) => unknown)(token, provider, ...rest);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function renameTool(tool: Tool, name: string): Tool {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ConfigError('namespace', `namespaced tool name "${name}" is not a valid tool name`);
  const renamed = Object.freeze({ ...tool, name, spec: Object.freeze({ ...tool.spec, name }) });
  originalNames.set(renamed, originalNames.get(tool) ?? tool.name);
  return renamed;
}
