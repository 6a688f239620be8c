import { PostgresStore } from '@agentrt/store-postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema } from './pg-helpers.js';

// `url` (or DATABASE_URL) is checked at construction: another scheme (which pg read as a host and
// failed on at first use, as the retryable store_unavailable) or a URL that does not parse is
// config_invalid naming `url`, never echoing the value; the forms pg takes as meant still connect.

const schemas: string[] = [];
const savedEnv = process.env.DATABASE_URL;
afterEach(async () => {
  if (savedEnv === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedEnv;
  for (const schema of schemas.splice(0)) await dropSchema(schema);
});

const postgresql = DATABASE_URL.replace(/^postgres:/, 'postgresql:');

describe('PostgresStore url', () => {
  it.each([
    ['postgres://', DATABASE_URL.replace(/^postgresql:/, 'postgres:')],
    ['postgresql://', postgresql],
  ])('takes %s and connects', async (_name, url) => {
    const schema = freshSchema();
    schemas.push(schema);
    const store = new PostgresStore({ url, schema });
    try {
      expect(await store.getRun('nope')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it.each([
    ['another scheme', 'http://x', /postgres:\/\/ or postgresql:\/\/ connection string, got a http:\/\/ one/],
    ['a redis URL with a password', 'redis://:hunter2@127.0.0.1:6379', /got a redis:\/\/ one/],
    ['a URL that does not parse', 'postgres://agent:hunter2@[bad/db', /is not a valid postgres:\/\/ connection string/],
    ['NUL', 'postgres://127.0.0.1\0/db', /NUL/],
  ])('refuses %s at construction as config_invalid naming url, without echoing it', (_name, url, message) => {
    let error: unknown;
    try {
      new PostgresStore({ url });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'config_invalid', field: 'url', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('checks DATABASE_URL the same way, saying where the value came from', () => {
    process.env.DATABASE_URL = 'mysql://root:hunter2@127.0.0.1/db';
    let error: unknown;
    try {
      new PostgresStore({});
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'config_invalid', field: 'url', message: expect.stringContaining('from DATABASE_URL') });
    expect((error as Error).message).not.toContain('hunter2');
  });
});
