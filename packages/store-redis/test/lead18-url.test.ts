import { RedisStore } from '@agentrt/store-redis';
import { afterEach, describe, expect, it } from 'vitest';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis-helpers.js';

// `url` (or REDIS_URL) is checked at construction: a string ioredis would misread (another scheme's
// name taken as the host, a URL that does not parse, a database that is not a number) is
// config_invalid naming `url`, never echoing the value (it may hold a password); every form ioredis
// takes as meant still connects.

const { hostname, port } = new URL(REDIS_URL);
const host = hostname || '127.0.0.1';
const tcpPort = port || '6379';
const prefixes: string[] = [];
const savedEnv = process.env.REDIS_URL;
afterEach(async () => {
  if (savedEnv === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = savedEnv;
  for (const prefix of prefixes.splice(0)) await dropPrefix(prefix);
});

describe('RedisStore url', () => {
  it.each([
    ['redis://', `redis://${host}:${tcpPort}`],
    ['redis:// with a database', `redis://${host}:${tcpPort}/3`],
    ['REDIS:// in capitals', `REDIS://${host}:${tcpPort}`],
    ['no scheme', `${host}:${tcpPort}`],
    ['protocol-relative', `//${host}:${tcpPort}`],
  ])('takes %s and connects', async (_name, url) => {
    const keyPrefix = freshPrefix();
    prefixes.push(keyPrefix);
    const store = new RedisStore({ url, keyPrefix });
    try {
      await store.createRun({ runId: 'r1', input: [{ role: 'user', content: 'hi' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
      expect((await store.getRun('r1'))?.runId).toBe('r1');
    } finally {
      await store.close();
    }
  });

  it.each([
    ['another scheme', 'http://x', /redis:\/\/ or rediss:\/\/ URL, got a http:\/\/ one/],
    ['a postgres URL with a password', 'postgres://agent:hunter2@db.internal/runs', /got a postgres:\/\/ one/],
    ['a URL that does not parse', 'redis://:hunter2@[bad', /is not a valid redis:\/\/ URL/],
    ['a database that is not a number', 'redis://:hunter2@127.0.0.1:6379/agents', /database path that is not a number/],
    ['NUL', 'redis://127.0.0.1\0:6379', /NUL/],
  ])('refuses %s at construction as config_invalid naming url, without echoing it', (_name, url, message) => {
    let error: unknown;
    try {
      new RedisStore({ url });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'config_invalid', field: 'url', message: expect.stringMatching(message) });
    expect(JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details, cause: String((error as Error).cause) })).not.toContain('hunter2');
  });

  it('checks REDIS_URL the same way, saying where the value came from', () => {
    process.env.REDIS_URL = 'mysql://root:hunter2@127.0.0.1/db';
    expect(() => new RedisStore({})).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'url', message: expect.stringMatching(/from REDIS_URL.*mysql|mysql.*from REDIS_URL|REDIS_URL/) }));
    expect(() => new RedisStore({})).toThrow(expect.not.stringContaining('hunter2'));
  });
});
