// rt18d red team: hostile run ids in the console's URL on every route — too long for any store
// (was 500 config_invalid), a lone surrogate, NUL, `%2F..`, `__proto__`/`constructor`, unicode.
// Each is a run that does not exist: 404 run_not_found, never a 500, never another run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, MAX_STORE_ID_LENGTH } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../src/index.js';

describe('rt18d console: hostile run ids', () => {
  const store = new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'agentrt-rt18d-ids-')), 'runs.db') });
  const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('hi')]), store });
  let server: ConsoleServer;
  beforeAll(async () => {
    await runtime.run({ runId: 'r1', input: 'x' });
    server = await startConsole({ runtime, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await runtime.close();
    await store.close();
  });

  const ids = ['a'.repeat(MAX_STORE_ID_LENGTH + 1), 'b'.repeat(10_000), '%ED%A0%80', '%00', '%2F..%2Fr1', '..%2Fr1', 'r1%00', '__proto__', 'constructor', '%F0%9F%98%80', '%E0%A4%A'];
  const sha = 'a'.repeat(64);

  it('GET run, events, stream and media of each: 404 run_not_found', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    for (const id of ids) {
      for (const path of [`/api/runs/${id}`, `/api/runs/${id}/events`, `/api/runs/${id}/stream`, `/api/runs/${id}/media/${sha}?step=0`]) {
        const response = await fetch(`${server.origin}${path}`, { headers: auth });
        const label = `${path.slice(0, 80)} (${path.length} chars)`;
        expect(response.status, label).toBe(404);
        expect(((await response.json()) as { error: { code: string } }).error.code, label).toBe('run_not_found');
      }
    }
  });

  it('POST kill and approve of each: 404 run_not_found, nothing recorded', async () => {
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    for (const id of ids) {
      const kill = await fetch(`${server.origin}/api/runs/${id}/kill`, { method: 'POST', headers, body: '{}' });
      expect(kill.status, `kill ${id.slice(0, 40)}`).toBe(404);
      const approve = await fetch(`${server.origin}/api/runs/${id}/approve`, { method: 'POST', headers, body: JSON.stringify({ toolCallId: 'c', decision: 'approve', argsFingerprint: 'f' }) });
      expect(approve.status, `approve ${id.slice(0, 40)}`).toBe(404);
    }
    // Past Node's header limit (16 KB) the request line itself is refused: 431, before any work.
    expect((await fetch(`${server.origin}/api/runs/${'c'.repeat(100_000)}/kill`, { method: 'POST', headers, body: '{}' })).status).toBe(431);
    expect((await store.listRuns()).map((run) => run.runId)).toEqual(['r1']);
    expect((await store.getRun('r1'))?.status).toBe('completed');
  });
});
