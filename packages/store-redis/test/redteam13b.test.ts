// Red team 13b: RedisStore's options were not checked. `commandTimeoutMs: 0` (read as "no
// timeout") made every call fail with the retryable `store_unavailable`; an `evictionPolicy` that
// is neither 'refuse' nor 'warn', a negative `killFlagMaxAgeMs` and a misspelt `keyprefix` were
// accepted without a word (the last one quietly shares the default `agentrt:` prefix). Like
// PostgresStore's, they are `config_invalid` naming the option, before any connection.
import { RedisStore } from '@agentrt/store-redis';
import { describe, expect, it } from 'vitest';

describe('RedisStore options (red team 13b)', () => {
  it.each([
    [{ commandTimeoutMs: 0 }, 'commandTimeoutMs'],
    [{ commandTimeoutMs: 1.5 }, 'commandTimeoutMs'],
    [{ commandTimeoutMs: Infinity }, 'commandTimeoutMs'],
    [{ evictionPolicy: 'maybe' }, 'evictionPolicy'],
    [{ killFlagMaxAgeMs: -1 }, 'killFlagMaxAgeMs'],
    [{ killFlagMaxAgeMs: Number.NaN }, 'killFlagMaxAgeMs'],
    [{ keyPrefix: 42 }, 'keyPrefix'],
    [{ url: '' }, 'url'],
    [{ keyprefix: 'mine:' }, 'keyprefix'],
  ])('%j is config_invalid naming %s', (options, field) => {
    expect(() => new RedisStore(options as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field }));
  });

  it('a misspelt option names the one it was meant to be', () => {
    expect(() => new RedisStore({ keyprefix: 'mine:' } as never)).toThrow(/keyPrefix/);
  });

  it('valid options still construct a store', async () => {
    const store = new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: 'rt13b:', commandTimeoutMs: 2_000, evictionPolicy: 'warn', killFlagMaxAgeMs: 0 });
    await store.close();
  });
});
