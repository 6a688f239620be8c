import { definePlugin, TOKENS, type Plugin } from '@agentrt/core';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

/** A plugin that registers a `SqliteStore` as the runtime's `StateStore`. */
export function sqliteStorePlugin(options: SqliteStoreOptions): Plugin {
  return definePlugin({
    name: '@agentrt/store-sqlite',
    register(container) {
      container.register(TOKENS.StateStore, { useValue: new SqliteStore(options) });
    },
  });
}
