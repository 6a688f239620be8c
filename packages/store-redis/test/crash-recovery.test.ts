import { RedisStore } from '@agentrt/store-redis';
import { describeCrashRecovery } from '@agentrt/testing';
import { afterAll } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
describeCrashRecovery({
  name: 'RedisStore',
  runIdPrefix: 'redis',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { url: REDIS_URL, keyPrefix },
  createStore: () => new RedisStore({ url: REDIS_URL, keyPrefix }),
});
afterAll(() => dropPrefix(keyPrefix));
