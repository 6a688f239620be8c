import { PostgresStore } from '@agentrt/store-postgres';
import { describeConcurrentRuns } from '@agentrt/testing';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

const schemas = new WeakMap<object, string>();
describeConcurrentRuns({
  name: 'PostgresStore',
  create: () => {
    const schema = freshSchema();
    const store = new PostgresStore({ url: DATABASE_URL, schema });
    schemas.set(store, schema);
    return store;
  },
  destroy: async (store) => {
    await store.close?.();
    await dropSchema(schemas.get(store)!);
  },
});
