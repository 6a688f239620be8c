// Several processes opening one database at once (a CLI `kill` while a run starts, workers booting
// together): each migration step is decided under the write lock, so none is applied twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describe, expect, it } from 'vitest';

const fixture = new URL('./__fixtures__/crash-store.mjs', import.meta.url).href;

/** Starts `count` processes that each open `path` once the file `go` exists; resolves with what each printed. */
async function openTogether(path: string, count: number): Promise<string[]> {
  const go = `${path}.go`;
  const script = `
    import { existsSync } from 'node:fs';
    import { createStore } from ${JSON.stringify(fixture)};
    process.stdout.write('ready\\n');
    while (!existsSync(${JSON.stringify(go)})) {}
    try {
      const store = createStore({ path: ${JSON.stringify(path)}, busyTimeoutMs: 20000 });
      await store.close();
      process.stdout.write('opened\\n');
    } catch (error) {
      process.stdout.write('failed: ' + (error && error.message) + '\\n');
    }`;
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const ready = new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('ready')) resolve();
    }));
    const done = new Promise<string>((resolve) => child.on('close', () => resolve(out.replace('ready\n', '').trim())));
    return { ready, done };
  });
  await Promise.all(children.map((child) => child.ready));
  writeFileSync(go, '');
  return Promise.all(children.map((child) => child.done));
}

describe('SqliteStore opened by several processes at once', () => {
  it('every process gets a working store on a new database; the schema is migrated once', async () => {
    for (let round = 0; round < 3; round++) {
      const path = join(mkdtempSync(join(tmpdir(), 'agentrt-open-')), 'runs.db');
      const outcomes = await openTogether(path, 6);
      expect(outcomes).toEqual(Array.from({ length: 6 }, () => 'opened'));
      const store = new SqliteStore({ path });
      const { created } = await store.createRun({ runId: 'after', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
      expect(created).toBe(true);
      await store.close();
    }
  }, 120_000);
});
