import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgent } from '../src/agent.js';
import { openStore, type StoreKind } from '../src/stores.js';

describe('examples/swap-store: one agent, four stores', () => {
  const schema = `swap_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  for (const kind of ['memory', 'sqlite', 'redis', 'postgres'] as StoreKind[]) {
    it(`runs the same agent with the same result on ${kind}`, async () => {
      const store = openStore(kind, {
        sqlitePath: join(mkdtempSync(join(tmpdir(), 'swap-store-')), 'runs.db'),
        redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        schema,
      });
      const runtime = createAgent(store);
      const runId = `swap-${kind}-${randomUUID()}`;
      const result = await runtime.run({ input: 'Where is my order A-1001?', runId });
      expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 1 });
      expect(result.output).toContain('shipped');
      expect((await runtime.getRun(runId))?.status).toBe('completed');
      if (kind === 'postgres') await (store as import('@agentrt/store-postgres').PostgresStore).pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await runtime.close();
    });
  }
});
