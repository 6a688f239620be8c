// Red team 13b: SqliteStore reported its own bad options as `store_unavailable` — the retryable
// code of a store that could not be reached ("restore the store, then resume") — and ignored
// unknown ones. A missing path, a bad `synchronous` or `busyTimeoutMs`, or a misspelt option is
// `config_invalid` naming it, as PostgresStore's are.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describe, expect, it } from 'vitest';

const path = () => join(mkdtempSync(join(tmpdir(), 'agentrt-rt13b-')), 'runs.db');

describe('SqliteStore options (red team 13b)', () => {
  it.each([
    [undefined, 'path'],
    [{}, 'path'],
    [{ path: '' }, 'path'],
    [{ path: 42 }, 'path'],
    [{ path: 'P', synchronous: 'maybe' }, 'synchronous'],
    [{ path: 'P', busyTimeoutMs: -1 }, 'busyTimeoutMs'],
    [{ path: 'P', busyTimeoutMs: 'soon' }, 'busyTimeoutMs'],
    [{ path: 'P', synchronus: 'normal' }, 'synchronus'],
  ])('%j is config_invalid naming %s', (options, field) => {
    const given = options && 'path' in options && options.path === 'P' ? { ...options, path: path() } : options;
    expect(() => new SqliteStore(given as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field }));
  });

  it('valid options still open the store', async () => {
    const store = new SqliteStore({ path: path(), synchronous: 'normal', busyTimeoutMs: 1_000 });
    expect(await store.getRun('nope')).toBeUndefined();
    await store.close();
  });
});
