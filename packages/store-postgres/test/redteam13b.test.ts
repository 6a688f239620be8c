// Red team 13b: PostgresStore checked its options' values but ignored unknown ones: a misspelt
// `shema` quietly put the tables in `public`. An unknown option is `config_invalid` naming it,
// with the near miss, before any connection (as RedisStore's and SqliteStore's now are).
import { PostgresStore } from '@agentrt/store-postgres';
import { describe, expect, it } from 'vitest';

describe('PostgresStore options (red team 13b)', () => {
  it('an unknown option is config_invalid naming it, with the near miss', () => {
    expect(() => new PostgresStore({ url: 'postgres://127.0.0.1/x', shema: 'agents' } as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'shema', message: expect.stringContaining('did you mean "schema"') }));
    expect(() => new PostgresStore({ url: 'postgres://127.0.0.1/x', bogus: 1 } as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'bogus' }));
  });

  it('known options still construct a store', async () => {
    const store = new PostgresStore({ url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema: 'rt13b', max: 2, statementTimeoutMs: 5_000, connectionTimeoutMs: 5_000, applicationName: 'rt13b', killHeartbeatMs: 15_000 });
    await store.close();
  });
});
