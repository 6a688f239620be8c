import { definePlugin, TOKENS, type Plugin } from '@agentrt/core';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';

/** A plugin that registers a `RedisStore` as the runtime's `StateStore`. */
export function redisStorePlugin(options: RedisStoreOptions = {}): Plugin {
  return definePlugin({
    name: '@agentrt/store-redis',
    register(container) {
      container.register(TOKENS.StateStore, { useValue: new RedisStore(options) });
    },
  });
}
