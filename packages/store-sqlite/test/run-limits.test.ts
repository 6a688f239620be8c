import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { describeRunLimits } from '@agentrt/testing';

const dir = mkdtempSync(join(tmpdir(), 'agentrt-sqlite-limits-'));
let n = 0;
describeRunLimits({ name: 'SqliteStore', create: () => new SqliteStore({ path: join(dir, `limits-${++n}.db`) }) });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
