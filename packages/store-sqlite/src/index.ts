export { SqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions, SqliteSynchronous } from './sqlite-store.js';
export { SCHEMA_VERSION } from './schema.js';
export { sqliteStorePlugin } from './plugin.js';
