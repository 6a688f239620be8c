import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, createRuntimeAsync, type AgentRuntime, type CreateRuntimeOptions, type StateStore } from '@agentrt/core';
import { anthropicProvider } from '@agentrt/model-anthropic';
import { ollamaProvider } from '@agentrt/model-ollama';
import { openaiProvider } from '@agentrt/model-openai';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';

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

/** Finds the config: `--config`, else `agentrt.config.{mjs,js,json}` in the working directory. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) {
    const path = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError('config', `config file ${explicit} does not exist`);
    return path;
  }
  for (const name of CANDIDATES) if (existsSync(resolve(cwd, name))) return resolve(cwd, name);
  throw new ConfigError('config', `no ${CANDIDATES.join(' / ')} in ${cwd}; pass --config <file>`);
}

/** Loads a config file (JSON, or an ES module whose default export is the config). */
export async function loadConfig(path: string): Promise<CliConfig> {
  if (path.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as CliConfig;
    } catch (error) {
      throw new ConfigError('config', `${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  const config = typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
  if (typeof config !== 'object' || config === null) throw new ConfigError('config', `${path} must export a config object (default export)`);
  return config as CliConfig;
}

function openStore(spec: CliConfig['store'], base: string): StateStore {
  if (spec && typeof (spec as StateStore).commitStep === 'function') return spec as StateStore;
  const kind = (spec as StoreSpec | undefined) ?? { type: 'sqlite' };
  switch (kind.type) {
    case 'sqlite': {
      const path = resolve(base, kind.path ?? DEFAULT_STORE_PATH);
      mkdirSync(dirname(path), { recursive: true });
      return new SqliteStore({ path });
    }
    case 'redis':
      return new RedisStore({ ...(kind.url ? { url: kind.url } : {}), ...(kind.keyPrefix ? { keyPrefix: kind.keyPrefix } : {}) });
    case 'postgres':
      for (const field of ['url', 'schema'] as const) {
        if (kind[field] !== undefined && typeof kind[field] !== 'string') throw new ConfigError(`store.${field}`, 'expected a string');
      }
      return new PostgresStore({ ...(kind.url ? { url: kind.url } : {}), ...(kind.schema ? { schema: kind.schema } : {}) });
    case 'memory':
      throw new ConfigError('store.type', 'a memory store keeps nothing between commands; use sqlite, postgres or redis with the CLI');
    default:
      throw new ConfigError('store.type', `unknown store type ${JSON.stringify((kind as { type?: unknown }).type)}; use "sqlite", "postgres" or "redis"`);
  }
}

/** Builds the runtime a config describes; providers for `openai:`, `anthropic:` and `ollama:` model strings are registered. */
export async function runtimeFromConfig(path: string): Promise<AgentRuntime> {
  const config = await loadConfig(path);
  const base = dirname(path);
  const { store, plugins, ...rest } = config;
  return createRuntimeAsync({
    ...rest,
    store: openStore(store, base),
    plugins: [openaiProvider(), anthropicProvider(), ollamaProvider(), ...(plugins ?? [])],
    pluginBase: config.pluginBase ?? base,
  });
}
