export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { SCHEMA_VERSION } from './schema.js';
export { postgresStorePlugin } from './plugin.js';
