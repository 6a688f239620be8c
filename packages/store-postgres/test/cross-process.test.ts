import { PostgresStore } from '@agentrt/store-postgres';
import { describeCrossProcess } from '@agentrt/testing';
import { afterAll } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

const schema = freshSchema();
afterAll(() => dropSchema(schema));
describeCrossProcess({
  name: 'PostgresStore',
  storeModule: new URL('./__fixtures__/crash-store.mjs', import.meta.url).href,
  storeOptions: { url: DATABASE_URL, schema },
  createStore: () => new PostgresStore({ url: DATABASE_URL, schema }),
});
