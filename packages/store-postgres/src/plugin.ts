import { definePlugin, TOKENS, type Plugin } from '@agentrt/core';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

/** A plugin that registers a `PostgresStore` as the runtime's `StateStore`. */
export function postgresStorePlugin(options: PostgresStoreOptions = {}): Plugin {
  return definePlugin({
    name: '@agentrt/store-postgres',
    register(container) {
      container.register(TOKENS.StateStore, { useValue: new PostgresStore(options) });
    },
  });
}
