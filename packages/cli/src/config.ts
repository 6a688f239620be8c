import { existsSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentrtError, ConfigError, createRuntimeAsync, nearestName, type AgentRuntime, type CreateRuntimeOptions, type ModelAdapter, type ModelProvider, type StateStore } from '@agentrt/core';
import { createDemoModel, DEMO_MODEL_ID } from './demo-model.js';
import { preparePluginEntries } from './plugin-entries.js';

/** Where runs are kept when the config names no store: a SQLite file beside the config. */
export const DEFAULT_STORE_PATH = '.agentrt/runs.db';

/** A store given by kind in a JSON config. `postgres` without `url` uses `DATABASE_URL`. */
export type StoreSpec =
  | { type: 'sqlite'; path?: string }
  | { type: 'redis'; url?: string; keyPrefix?: string }
  | { type: 'postgres'; url?: string; schema?: string }
  | { type: 'memory' };

/** The config file: runtime options, where `store` may also be a `StoreSpec` and `model` a `provider:model` string. */
export type CliConfig = Omit<CreateRuntimeOptions, 'store'> & { store?: StateStore | StoreSpec };

const CANDIDATES = ['agentrt.config.mjs', 'agentrt.config.js', 'agentrt.config.json'];

/** Finds the config: `--config`, else `agentrt.config.{mjs,js,json}` in the working directory; `undefined` when there is none (an explicit path that does not exist is `config_invalid`). */
export function locateConfig(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit) {
    const path = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError('config', `config file ${explicit} does not exist`);
    return aFile(path, explicit);
  }
  // A candidate that is there but is not a file — a FIFO (reading it would wait forever for a
  // writer), a directory, a symlink loop — is refused like a `--config` that is not a file.
  for (const name of CANDIDATES) if (lexists(resolve(cwd, name))) return aFile(resolve(cwd, name), name);
  return undefined;
}

const lexists = (path: string) => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

function aFile(path: string, shown: string): string {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new ConfigError('config', `config file ${shown} cannot be read: ${(error as NodeJS.ErrnoException).code ?? errorText(error)}`, { cause: error });
  }
  if (!stats.isFile()) throw new ConfigError('config', `config file ${shown} is not a file`);
  return path;
}

/** Like `locateConfig`, but a missing config is `config_invalid`. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string {
  const path = locateConfig(explicit, cwd);
  if (!path) throw new ConfigError('config', `no ${CANDIDATES.join(' / ')} in ${cwd}; run \`agentrt init\` or pass --config <file>`);
  return path;
}

/**
 * A JSON parse error without the text it quotes: V8 shows the first characters of the input
 * (`Unexpected token 's', "{"k": sk-agentrt"... is not valid JSON`), which in a config can be the
 * start of a key, too short for any redactor to recognise. Where it is, not what is there.
 */
function jsonErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
  if (position) return position[2] ? `syntax error at line ${position[2]}, column ${position[3]}` : `syntax error at character ${position[1]}`;
  if (/end of JSON input/i.test(message)) return 'the text ends before the JSON does';
  return 'syntax error (the text near it is not shown: it may hold a key)';
}

/** Loads a config file (JSON, or an ES module whose default export is the config). */
export async function loadConfig(path: string): Promise<CliConfig> {
  let config: unknown;
  if (path.endsWith('.json')) {
    try {
      // `__proto__` keys are dropped: a JSON config is data and never reaches a prototype.
      config = JSON.parse(readFileSync(path, 'utf8'), (key, value: unknown) => (key === '__proto__' ? undefined : value));
    } catch (error) {
      throw new ConfigError('config', `${path} is not valid JSON: ${jsonErrorText(error)}`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ConfigError('config', `${path} must hold a JSON object, not ${describe(config)}`);
  } else {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      throw new ConfigError('config', `${path} cannot be loaded: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    if (typeof module.default === 'function') {
      try {
        config = await (module.default as () => unknown)();
      } catch (error) {
        throw new ConfigError('config', `the default export of ${path} threw: ${errorText(error)}`, { cause: error });
      }
    } else config = module.default;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ConfigError('config', `${path} must export a config object (default export), not ${describe(config)}`);
  }
  const plain = ownFields(config as object, path);
  const { plugins } = plain as { plugins?: unknown };
  if (plugins !== undefined && !Array.isArray(plugins)) throw new ConfigError('plugins', `expected an array of plugins or module specifiers, got ${describe(plugins)}`);
  return plain as CliConfig;
}

/**
 * Every top-level field a config may have: `createRuntime`'s options (the compiler keeps this list
 * equal to them) with `store` as a spec too. A config file is untyped, so a misspelt field
 * (`modle`, `limit`) would otherwise be ignored without a word — and a run would quietly use the
 * demo model or the default limits.
 */
const CONFIG_FIELDS: Readonly<Record<keyof CliConfig, true>> = {
  limits: true, toolPolicy: true, pricing: true, redact: true, loopDetection: true, audit: true, dedupeIdenticalCalls: true,
  onUnknownOutcome: true, leaseTtlMs: true, owner: true, killPollMs: true, output: true, maxOutputRepairs: true, tokenEstimator: true,
  model: true, modelOptions: true, tools: true, store: true, context: true, hooks: true, stopPolicies: true, plugins: true, pluginBase: true, container: true,
};

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The config's own fields as a plain object, each read once; an unknown field, or one whose getter throws, is `config_invalid` naming it. */
function ownFields(config: object, path: string): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(config);
  } catch (error) {
    throw new ConfigError('config', `the fields of ${path} cannot be listed: ${errorText(error)}`, { cause: error });
  }
  for (const key of keys) {
    if (!Object.hasOwn(CONFIG_FIELDS, key)) {
      const near = nearestName(key, Object.keys(CONFIG_FIELDS));
      throw new ConfigError(key, `unknown config field${near ? ` (did you mean "${near}"?)` : ''}; the fields are createRuntime's options (docs/cli.md#config)`);
    }
    try {
      plain[key] = (config as Record<string, unknown>)[key];
    } catch (error) {
      throw new ConfigError(key, `reading it threw: ${errorText(error)}`, { cause: error });
    }
  }
  return plain;
}

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/**
 * Throws `config_invalid` naming `store.<field>` unless each given field is a non-empty string
 * without NUL. An empty one (an unset variable written into the file) read as "not given": the runs
 * quietly went under the default prefix, URL or schema. A NUL cut a path short (`runs\0a.db` opened `runs`).
 */
function stringFields(spec: object, fields: readonly string[]): void {
  for (const field of fields) {
    const value = (spec as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new ConfigError(`store.${field}`, `expected a string, got ${describe(value)}`);
    if (value === '') throw new ConfigError(`store.${field}`, 'is empty; leave the field out for the default');
    if (value.includes('\u0000')) throw new ConfigError(`store.${field}`, 'holds a NUL character');
  }
}

/**
 * Throws `config_invalid` naming `store.<field>` for a field the spec's type does not take: a
 * misspelt `keyPrefix` would otherwise quietly put the runs under the default prefix.
 */
function knownFields(spec: object, type: string, fields: readonly string[]): void {
  const known = ['type', ...fields];
  for (const key of Object.keys(spec)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    throw new ConfigError(`store.${key}`, `unknown field of a ${type} store spec${near ? ` (did you mean "${near}"?)` : ''}; the fields are ${known.join(', ')} (docs/cli.md#config)`);
  }
}

/** A built-in store made from the spec: an option it refuses is named as the spec's field (`store.url`), as the spec checks name theirs. */
function inStoreSpec<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof ConfigError && !error.field.startsWith('store.')) {
      throw new ConfigError(`store.${error.field}`, error.message.replace(/^Invalid option "[^"]*": /, ''), { cause: error });
    }
    throw error;
  }
}

/**
 * The store a config names. Each store package (and its driver: better-sqlite3, ioredis, pg) is
 * imported only when the config uses it: loading all three cost every command ~0.4 s of CPU.
 */
async function openStore(spec: CliConfig['store'], base: string): Promise<StateStore> {
  if (spec && typeof (spec as StateStore).commitStep === 'function') return spec as StateStore;
  const kind = (spec as StoreSpec | undefined) ?? { type: 'sqlite' };
  if (typeof kind !== 'object' || Array.isArray(kind)) throw new ConfigError('store', `expected a store object or a { type, … } spec, got ${describe(kind)}`);
  switch (kind.type) {
    case 'sqlite': {
      knownFields(kind, 'sqlite', ['path']);
      stringFields(kind, ['path']);
      const path = resolve(base, kind.path ?? DEFAULT_STORE_PATH);
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (error) {
        throw new ConfigError('store.path', `cannot create the folder of ${path}: ${(error as NodeJS.ErrnoException).code ?? errorText(error)}`, { cause: error });
      }
      const { SqliteStore } = await import('@agentrt/store-sqlite');
      return new SqliteStore({ path });
    }
    case 'redis':
      knownFields(kind, 'redis', ['url', 'keyPrefix']);
      stringFields(kind, ['url', 'keyPrefix']);
      const { RedisStore } = await import('@agentrt/store-redis');
      return inStoreSpec(() => new RedisStore({ ...(kind.url ? { url: kind.url } : {}), ...(kind.keyPrefix ? { keyPrefix: kind.keyPrefix } : {}) }));
    case 'postgres':
      knownFields(kind, 'postgres', ['url', 'schema']);
      stringFields(kind, ['url', 'schema']);
      const { PostgresStore } = await import('@agentrt/store-postgres');
      return inStoreSpec(() => new PostgresStore({ ...(kind.url ? { url: kind.url } : {}), ...(kind.schema ? { schema: kind.schema } : {}) }));
    case 'memory':
      throw new ConfigError('store.type', 'a memory store keeps nothing between commands; use sqlite, postgres or redis with the CLI');
    default:
      throw new ConfigError('store.type', `unknown store type ${JSON.stringify((kind as { type?: unknown }).type)}; use "sqlite", "postgres" or "redis"`);
  }
}

/** Which model a config runs on, and why (shown to the user when it is not the configured one). */
export interface ModelChoice {
  readonly model: ModelAdapter | string;
  /** `configured`: the config's `model`; `environment`: picked from an API key or host; `embedded`: the offline demo model. */
  readonly source: 'configured' | 'environment' | 'embedded';
  /** One line for the user, e.g. `openai:gpt-4o-mini (OPENAI_API_KEY is set)`. */
  readonly label: string;
}

/**
 * The model for a config: its `model` when set; else `AGENTRT_MODEL`, or a provider whose key or
 * host is in the environment (`OPENAI_API_KEY` → `openai:gpt-4o-mini`, `ANTHROPIC_API_KEY` →
 * `anthropic:claude-sonnet-4-6`, `OLLAMA_HOST` → `ollama:llama3.1`); else the embedded demo model.
 */
export function chooseModel(configured: ModelAdapter | string | undefined, env: NodeJS.ProcessEnv = process.env): ModelChoice {
  if (configured !== undefined) return { model: demoByName(configured, 'model'), source: 'configured', label: typeof configured === 'string' ? configured : `${configured.provider}:${configured.model}` };
  const pick = env.AGENTRT_MODEL ? [env.AGENTRT_MODEL, 'AGENTRT_MODEL'] : env.OPENAI_API_KEY ? ['openai:gpt-4o-mini', 'OPENAI_API_KEY'] : env.ANTHROPIC_API_KEY ? ['anthropic:claude-sonnet-4-6', 'ANTHROPIC_API_KEY'] : env.OLLAMA_HOST ? ['ollama:llama3.1', 'OLLAMA_HOST'] : undefined;
  if (pick) {
    const model = demoByName(pick[0]!, pick[1]!);
    return { model, source: 'environment', label: `${pick[0]} (${pick[1]} is set${isDemo(model) ? ': the embedded demo model, offline, scripted answers' : ''})` };
  }
  return {
    model: createDemoModel(),
    source: 'embedded',
    label: 'embedded demo model (no model in the config and no OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST or AGENTRT_MODEL: offline, scripted answers)',
  };
}

const DEMO_NAME = `${DEMO_MODEL_ID.provider}:${DEMO_MODEL_ID.model}`;

/** `agentrt:demo` names the embedded demo model (no provider plugin serves the `agentrt:` prefix); any other `agentrt:` model is `config_invalid`. */
function demoByName(model: ModelAdapter | string, field: string): ModelAdapter | string {
  if (typeof model !== 'string' || !model.startsWith(`${DEMO_MODEL_ID.provider}:`)) return model;
  if (model !== DEMO_NAME) throw new ConfigError(field, `the only "${DEMO_MODEL_ID.provider}:" model is "${DEMO_NAME}" (the embedded demo model); got ${JSON.stringify(model)}`);
  return createDemoModel();
}

const isDemo = (model: ModelAdapter | string) => typeof model !== 'string' && model.provider === DEMO_MODEL_ID.provider && model.model === DEMO_MODEL_ID.model;

/**
 * The `openai`, `anthropic` and `ollama` providers, registered whenever something may use them: a
 * model string, or the config's own plugins (which may look providers up). A config whose model is
 * an adapter object and that has no plugins needs none, and skips loading the three SDKs (~0.5 s
 * of CPU on every command).
 */
async function builtInProviders(model: ModelAdapter | string, plugins: CliConfig['plugins']): Promise<ModelProvider[]> {
  if (typeof model !== 'string' && (plugins ?? []).length === 0) return [];
  const [{ openaiProvider }, { anthropicProvider }, { ollamaProvider }] = await Promise.all([import('@agentrt/model-openai'), import('@agentrt/model-anthropic'), import('@agentrt/model-ollama')]);
  return [openaiProvider(), anthropicProvider(), ollamaProvider()];
}

/** Options of `runtimeFromConfig`. */
export interface RuntimeFromConfigOptions {
  /** With no config file (`path` undefined): the folder the defaults are relative to. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Where model keys are looked up when the config names no model. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Told which model was chosen when the config names none (the CLI prints it). */
  readonly onModelChoice?: (choice: ModelChoice) => void;
}

/**
 * Builds the runtime a config describes; providers for `openai:`, `anthropic:` and `ollama:` model
 * strings are registered. A config without `model` runs on `chooseModel`'s pick. Without a config
 * file (`path` undefined) every default applies: runs are kept in `.agentrt/runs.db` under `cwd`.
 */
export async function runtimeFromConfig(path: string | undefined, options: RuntimeFromConfigOptions = {}): Promise<AgentRuntime> {
  const config: CliConfig = path ? await loadConfig(path) : {};
  const base = path ? dirname(path) : (options.cwd ?? process.cwd());
  const { store, plugins, model, ...rest } = config;
  const choice = chooseModel(model, options.env);
  if (choice.source !== 'configured') options.onModelChoice?.(choice);
  const demo = isDemo(choice.model) ? { pricing: { [DEMO_NAME]: { inputPerMillionUsd: 0, outputPerMillionUsd: 0 }, ...rest.pricing } } : {};
  try {
    const configured = await preparePluginEntries(plugins ?? [], { base, ...(config.pluginBase ? { moduleBase: config.pluginBase } : {}) });
    return await createRuntimeAsync({
      ...rest,
      ...demo,
      model: choice.model,
      store: await openStore(store, base),
      plugins: [...(await builtInProviders(choice.model, configured)), ...configured],
      pluginBase: config.pluginBase ?? base,
    });
  } catch (error) {
    if (AgentrtError.isInstance(error)) throw error;
    // A getter deep in the config, a plugin's register, a custom store's constructor…: still the config's doing.
    throw new ConfigError('config', `building the runtime${path ? ` from ${path}` : ''} failed: ${errorText(error)}`, { cause: error });
  }
}
