// A store spec's url that the store itself refuses at construction (another scheme, a URL that does
// not parse) is config_invalid naming the spec's field, `store.url`, like the spec's own checks; the
// value (it may hold a password) is not echoed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeFromConfig } from '../src/config.js';

describe('a store spec url the store refuses', () => {
  it.each([
    [{ type: 'redis', url: 'http://u:hunter2@cache.internal:6379' }, /redis:\/\/ or rediss:\/\//],
    [{ type: 'redis', url: 'redis://:hunter2@[bad' }, /not a valid redis:\/\/ URL/],
    [{ type: 'postgres', url: 'mysql://u:hunter2@db.internal/runs' }, /postgres:\/\/ or postgresql:\/\//],
    [{ type: 'postgres', url: 'postgres://u:hunter2@[bad/runs' }, /not a valid postgres:\/\//],
  ])('%j is config_invalid naming store.url', async (store, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-lead18-cfg-'));
    const path = join(dir, 'agentrt.config.json');
    writeFileSync(path, JSON.stringify({ model: 'agentrt:demo', store }));
    const error = await runtimeFromConfig(path).then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'config_invalid', field: 'store.url', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as Error).message).not.toMatch(/Invalid option "url"/);
  });
});
