// rt18d red team: a path holding NUL was cut short by the driver — `runs\0a.db` and `runs\0b.db`
// both opened the file `runs` (two apps sharing one store without knowing). It is config_invalid.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { expect, it } from 'vitest';

it('a path holding NUL is config_invalid naming path; no file is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt18d-nul-'));
  for (const path of [join(dir, 'runs\u0000a.db'), join(dir, 'runs\u0000b.db'), `${join(dir, 'x')}\u0000`]) {
    expect(() => new SqliteStore({ path })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'path' }));
  }
  expect(readdirSync(dir)).toEqual([]);
  expect(existsSync(join(dir, 'runs'))).toBe(false);
});
