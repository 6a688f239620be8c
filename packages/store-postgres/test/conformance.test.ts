import { PostgresStore } from '@agentrt/store-postgres';
import { describeStateStore } from '@agentrt/testing';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

// One fresh schema per test: tables, kill flags and the NOTIFY channel are all namespaced by it.
const schemas = new WeakMap<object, string>();
describeStateStore({
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
