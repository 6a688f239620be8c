import { PostgresStore } from '@agentrt/store-postgres';
import { describeCrashRecovery } from '@agentrt/testing';
import { afterAll, describe } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

// CI runs every crash point at two steps; CRASH_ITERATIONS=200 adds 200 crashes at random points.
const schema = freshSchema();
// The suite's three cases (crash points, finalize, media) run side by side: each drives its own runs
// (own run ids) in child processes, and the effect counter and the store they share are keyed by run id.
describe.concurrent('PostgresStore crash recovery, cases side by side', () => {
  describeCrashRecovery({
    name: 'PostgresStore',
    runIdPrefix: 'pg',
    storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
    storeOptions: { url: DATABASE_URL, schema },
    createStore: () => new PostgresStore({ url: DATABASE_URL, schema }),
  });
});
afterAll(() => dropSchema(schema));
