import { PostgresStore } from '@agentrt/store-postgres';
import { describeCrashRecovery } from '@agentrt/testing';
import { afterAll } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

// CI runs every crash point at two steps; CRASH_ITERATIONS=200 adds 200 crashes at random points.
const schema = freshSchema();
describeCrashRecovery({
  name: 'PostgresStore',
  runIdPrefix: 'pg',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { url: DATABASE_URL, schema },
  createStore: () => new PostgresStore({ url: DATABASE_URL, schema }),
});
afterAll(() => dropSchema(schema));
