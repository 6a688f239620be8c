import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '@agentrt/store-postgres';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../dist/bin.js', import.meta.url).pathname;
const CONFIG = new URL('./__fixtures__/agentrt.postgres.config.mjs', import.meta.url).pathname;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `agentrt_cli_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

function agentrt(args: string[], config = CONFIG): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, '--config', config, ...args], { env: { ...process.env, DATABASE_URL, AGENTRT_TEST_PG_SCHEMA: schema }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? 1, out, err })));
}

afterAll(async () => {
  const store = new PostgresStore({ url: DATABASE_URL, schema });
  await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await store.close();
});

describe('agentrt CLI on PostgreSQL (store: { type: "postgres", url, schema })', () => {
  it('runs, lists, traces and approves runs kept in PostgreSQL, across invocations', async () => {
    const first = await agentrt(['run', 'add', 'two', 'numbers', '--run-id', 'pg-add']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('stop: final_answer · 2 steps · 1 tool calls');
    expect((await agentrt(['runs'])).out).toMatch(/pg-add\s+completed\s+final_answer\s+2/);
    expect((await agentrt(['trace', 'pg-add'])).out).toContain('sequence intact');
    const paused = await agentrt(['run', 'pay', 'the', 'invoice', '--run-id', 'pg-pay']);
    expect(paused.code).toBe(2);
    const approved = await agentrt(['approve', 'pg-pay', 'pay-0']);
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out).toContain('Done: paid 500.');
    // The runs are in PostgreSQL, under the configured schema.
    const store = new PostgresStore({ url: DATABASE_URL, schema });
    expect((await store.getRun('pg-add'))?.result?.stopReason).toBe('final_answer');
    expect((await store.getRun('pg-pay'))?.status).toBe('completed');
    await store.close();
  }, 60_000);

  it('rejects a bad postgres store spec naming the field', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'agentrt-cli-pg-')), 'agentrt.config.json');
    writeFileSync(config, JSON.stringify({ model: 'openai:gpt-4o-mini', store: { type: 'postgres', url: DATABASE_URL, schema: 'bad name; --' } }));
    const result = await agentrt(['runs'], config);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('schema');
  });
});
