// rt18d red team: store spec values in a config file that were taken quietly. An empty string
// (`"keyPrefix": ""`, `"url": ""` — say, an unset variable written into the file) read as "not
// given", so the runs went under the default prefix, URL or schema; a path holding NUL opened the
// file named by its part before the NUL. Each must be config_invalid naming the field.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeFromConfig } from '../src/config.js';

describe('rt18d: store spec values', () => {
  it.each([
    [{ type: 'redis', keyPrefix: '' }, 'store.keyPrefix'],
    [{ type: 'redis', url: '' }, 'store.url'],
    [{ type: 'postgres', url: '' }, 'store.url'],
    [{ type: 'postgres', schema: '' }, 'store.schema'],
    [{ type: 'sqlite', path: '' }, 'store.path'],
    [{ type: 'sqlite', path: 'runs\u0000other.db' }, 'store.path'],
  ])('%j is config_invalid naming %s, before any store is opened', async (store, field) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt18d-cfg-'));
    const path = join(dir, 'agentrt.config.json');
    writeFileSync(path, JSON.stringify({ model: 'agentrt:demo', store }));
    await expect(runtimeFromConfig(path)).rejects.toMatchObject({ code: 'config_invalid', field });
    expect(readdirSync(dir)).toEqual(['agentrt.config.json']);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });
});
