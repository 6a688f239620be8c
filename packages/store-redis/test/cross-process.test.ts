import { RedisStore } from '@agentrt/store-redis';
import { describeCrossProcess } from '@agentrt/testing';
import { afterAll } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
afterAll(() => dropPrefix(keyPrefix));
describeCrossProcess({
  name: 'RedisStore',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { url: REDIS_URL, keyPrefix },
  createStore: () => new RedisStore({ url: REDIS_URL, keyPrefix }),
});

// The same guarantees with the opt-in kill read in the write's round trip.
describeCrossProcess({
  name: 'RedisStore (killFlagMaxAgeMs: 20)',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { url: REDIS_URL, keyPrefix, killFlagMaxAgeMs: 20 },
  createStore: () => new RedisStore({ url: REDIS_URL, keyPrefix, killFlagMaxAgeMs: 20 }),
});
