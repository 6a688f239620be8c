import { RedisStore } from '@agentrt/store-redis';
import { describeCrashRecovery } from '@agentrt/testing';
import { afterAll, describe } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

const keyPrefix = freshPrefix();
// The suite's three cases (crash points, finalize, media) run side by side: each drives its own runs
// (own run ids) in child processes, and the effect counter and the store they share are keyed by run id.
describe.concurrent('RedisStore crash recovery, cases side by side', () => {
  describeCrashRecovery({
    name: 'RedisStore',
    runIdPrefix: 'redis',
    storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
    storeOptions: { url: REDIS_URL, keyPrefix },
    createStore: () => new RedisStore({ url: REDIS_URL, keyPrefix }),
  });
});
afterAll(() => dropPrefix(keyPrefix));
