import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describeConcurrentRuns } from '@agentrt/testing';

const dir = mkdtempSync(join(tmpdir(), 'agentrt-sqlite-l01-'));
let n = 0;
describeConcurrentRuns({ name: 'SqliteStore', create: () => new SqliteStore({ path: join(dir, `l01-${++n}.db`) }) });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
