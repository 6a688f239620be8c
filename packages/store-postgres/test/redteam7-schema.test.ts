import { PostgresStore } from '@agentrt/store-postgres';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL } from './pg-helpers.js';

describe('PostgresStore schema option', () => {
  // information_schema is PostgreSQL's other system schema (beside pg_*): a store given it created
  // its seven agentrt_* tables inside the SQL-standard catalog views.
  it('refuses the system schema information_schema (any case) as it refuses pg_*, at construction', () => {
    for (const schema of ['information_schema', 'INFORMATION_SCHEMA', 'Information_Schema', 'pg_catalog']) {
      let code: string | undefined;
      let field: string | undefined;
      try {
        new PostgresStore({ url: DATABASE_URL, schema });
      } catch (error) {
        ({ code, field } = error as { code?: string; field?: string });
      }
      expect({ schema, code, field }).toEqual({ schema, code: 'config_invalid', field: 'schema' });
    }
  });

  it('still accepts ordinary schema names that merely contain those words', async () => {
    for (const schema of ['information_schema_x', 'my_information_schema', 'apg_x']) {
      const store = new PostgresStore({ url: DATABASE_URL, schema });
      await store.close();
    }
  });
});
