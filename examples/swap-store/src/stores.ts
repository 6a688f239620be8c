import { MemoryStore, type StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';

/** The store kinds this example can run on. */
export type StoreKind = 'memory' | 'sqlite' | 'redis' | 'postgres';

/**
 * The one line that changes when a team outgrows a file: every store implements the same
 * `StateStore` contract, so the agent, its tools and its runs do not change.
 */
export function openStore(kind: StoreKind, options: { sqlitePath?: string; redisUrl?: string; databaseUrl?: string; schema?: string } = {}): StateStore {
  switch (kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return new SqliteStore({ path: options.sqlitePath ?? './runs.db' });
    case 'redis':
      return new RedisStore({ url: options.redisUrl ?? process.env.REDIS_URL, keyPrefix: 'swap-store:' });
    case 'postgres':
      // Any PostgreSQL your team already runs; the tables live in their own schema.
      return new PostgresStore({ url: options.databaseUrl ?? process.env.DATABASE_URL, schema: options.schema ?? 'agentrt' });
  }
}
