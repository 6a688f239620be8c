import { RedisStore } from '@agentrt/store-redis';
import { describeConcurrentRuns } from '@agentrt/testing';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const prefixes = new WeakMap<object, string>();
describeConcurrentRuns({
  name: 'RedisStore',
  create: () => {
    const keyPrefix = freshPrefix();
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    prefixes.set(store, keyPrefix);
    return store;
  },
  destroy: async (store) => {
    await store.close?.();
    await dropPrefix(prefixes.get(store)!);
  },
});
