import { isAbsolute, resolve } from 'node:path';
import { AgentrtError, ConfigError, importPlugin, isPlugin, nearestName, type Plugin, type PluginEntry } from '@agentrt/core';

/** The zod surface read here (a plugin's `options` schema; the CLI imports no zod of its own). */
interface SchemaLike {
  readonly shape?: Record<string, SchemaLike>;
  meta?(): Record<string, unknown> | undefined;
  unwrap?(): SchemaLike;
  safeParse?(value: unknown): { success: boolean; error?: { issues: { code: string; path: PropertyKey[]; keys?: string[] }[] } };
}

/**
 * Whether an option schema is declared a path: `z.string().meta({ format: 'path' })` (through
 * `.optional()`, `.default()`, `.nullable()`).
 */
function isPathOption(schema: SchemaLike | undefined): boolean {
  for (let current = schema, depth = 0; current && depth < 8; depth++) {
    if (typeof current.meta === 'function' && current.meta()?.format === 'path') return true;
    current = typeof current.unwrap === 'function' ? current.unwrap() : undefined;
  }
  return false;
}

/**
 * The config's plugin entries, ready for `createRuntimeAsync`, with the config file's rules
 * applied to each — rules a plugin cannot apply itself, since it does not know it was configured
 * from a file:
 *
 * - a top-level option the plugin declares as a path (`.meta({ format: 'path' })`), given as a
 *   relative string, is resolved against `base` (the config file's folder) — like `store.path`
 *   and the plugin module specifiers — never against the working directory;
 * - an option key the plugin's schema does not accept is `config_invalid` naming
 *   `plugins.<plugin>.<key>`, with the near miss;
 * - a `ConfigError` the plugin's `register` throws for one of its fields (`root`) is reported as
 *   `plugins.<plugin>.<field>`.
 *
 * Specifiers are imported here (from `moduleBase`, default `base`, as core would), so the
 * plugin's schema can be read.
 */
export async function preparePluginEntries(entries: readonly PluginEntry[], { base, moduleBase = base }: { base: string; moduleBase?: string }): Promise<PluginEntry[]> {
  const prepared: PluginEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    knownEntryFields(entry, index);
    let plugin: Plugin<unknown>;
    let options: unknown;
    let namespace: string | undefined;
    if (typeof entry === 'string') plugin = await importPlugin(entry, moduleBase);
    else if (isPlugin(entry)) plugin = entry;
    else if (typeof entry === 'object' && entry !== null && 'module' in entry && typeof entry.module === 'string') {
      plugin = await importPlugin(entry.module, moduleBase);
      ({ options, namespace } = entry);
    } else if (typeof entry === 'object' && entry !== null && 'plugin' in entry && isPlugin(entry.plugin)) {
      ({ plugin, options, namespace } = entry);
    } else {
      prepared.push(entry); // core names what is wrong with it
      continue;
    }
    const schema = plugin.options as SchemaLike | undefined;
    options = resolvePathOptions(schema, options, base);
    refuseUnknownKeys(plugin.name, schema, options);
    prepared.push({ plugin: namingFields(plugin), ...(options !== undefined ? { options } : {}), ...(namespace !== undefined ? { namespace } : {}) });
  }
  return prepared;
}

/**
 * A `{ module | plugin, options?, namespace? }` entry with another field is `config_invalid` naming
 * `plugins.<index>.<field>`: a misspelt `options` would otherwise quietly run the plugin on its
 * defaults (and a misspelt `namespace` without one), as a misspelt top-level field would.
 */
function knownEntryFields(entry: PluginEntry, index: number): void {
  if (typeof entry !== 'object' || entry === null || isPlugin(entry)) return;
  const known = [...('module' in entry ? ['module'] : 'plugin' in entry ? ['plugin'] : ['module', 'plugin']), 'options', 'namespace'];
  for (const key of Object.keys(entry)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    throw new ConfigError(`plugins.${index}.${key}`, `unknown field of a plugin entry${near ? ` (did you mean "${near}"?)` : ''}; the fields are ${known.join(', ')} (docs/cli.md#config)`);
  }
}

function resolvePathOptions(schema: SchemaLike | undefined, options: unknown, base: string): unknown {
  const shape = schema?.shape;
  if (!shape || typeof options !== 'object' || options === null || Array.isArray(options)) return options;
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(shape)) {
    const value = (options as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value === '' || isAbsolute(value) || !isPathOption(field)) continue;
    copy ??= { ...(options as Record<string, unknown>) };
    copy[key] = resolve(base, value);
  }
  return copy ?? options;
}

function refuseUnknownKeys(name: string, schema: SchemaLike | undefined, options: unknown): void {
  if (!schema?.shape || typeof schema.safeParse !== 'function') return;
  let issues: { code: string; path: PropertyKey[]; keys?: string[] }[];
  try {
    issues = schema.safeParse(options).error?.issues ?? [];
  } catch {
    return; // core's own validation reports an option that cannot be read
  }
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys' && issue.path.length === 0 && issue.keys?.length);
  if (!unknown) return;
  const key = unknown.keys![0]!;
  const known = Object.keys(schema.shape);
  const near = nearestName(key, known);
  throw new ConfigError(`plugins.${name}.${key}`, `unknown option${near ? ` (did you mean "${near}"?)` : ''}; the options of ${name} are ${known.join(', ')}`);
}

/** The plugin, its `register` reporting a `ConfigError` on its own field (`root`) as `plugins.<name>.<field>`. */
function namingFields(plugin: Plugin<unknown>): Plugin<unknown> {
  return Object.create(plugin, {
    register: {
      enumerable: true,
      value: async (container: Parameters<Plugin<unknown>['register']>[0], options: unknown) => {
        try {
          return await plugin.register(container, options);
        } catch (error) {
          const field = AgentrtError.isInstance(error) && error.code === 'config_invalid' ? (error as ConfigError).field : undefined;
          if (typeof field !== 'string' || field.startsWith('plugins.')) throw error;
          const message = (error as Error).message.replace(`Invalid option "${field}": `, '');
          throw new ConfigError(`plugins.${plugin.name}.${field}`, message, { cause: error });
        }
      },
    },
  }) as Plugin<unknown>;
}
