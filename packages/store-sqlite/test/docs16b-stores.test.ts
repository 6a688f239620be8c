// docs16b: docs/stores.md and the store READMEs' snippets and option tables, through the public
// package names, on real SQLite files.
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentrtError, createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore, sqliteStorePlugin } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'docs16b-stores-')), 'runs.db');

function thrownSync(fn: () => unknown): AgentrtError & { field?: string } {
  try {
    fn();
  } catch (error) {
    expect(AgentrtError.isInstance(error)).toBe(true);
    return error as AgentrtError & { field?: string };
  }
  throw new Error('expected a throw');
}

describe('packages/store-sqlite/README.md', () => {
  it('the example: run with a run id, then resume it (with waitForLeaseMs) from another runtime on the same file', async () => {
    const path = dbPath();
    const gated = defineTool({ name: 'ship', description: 'Ships', input: z.object({}), requiresApproval: true, execute: () => 'shipped' });
    const tools = [gated];
    const first = createRuntime({ model: new ScriptedModel([ScriptedModel.call('ship', {}, { id: 's1' })]), tools, store: new SqliteStore({ path }) });
    const result = await first.run({ input: 'go', runId: 'job-42' });
    expect(result.status).toBe('paused');
    const model = new ScriptedModel([ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools, store: new SqliteStore({ path }) });
    const resumed = await runtime.resume('job-42', { waitForLeaseMs: 35_000, approvals: { s1: { decision: 'approve' } } });
    expect(resumed).toMatchObject({ runId: 'job-42', stopReason: 'final_answer', output: 'done' });
    await first.close();
    await runtime.close();
  });

  it('options: path required; synchronous and busyTimeoutMs checked; a misspelt option names the near miss', () => {
    expect(thrownSync(() => new SqliteStore({} as never)).code).toBe('config_invalid');
    expect(thrownSync(() => new SqliteStore({ path: dbPath(), synchronous: 'maybe' as never }))).toMatchObject({ code: 'config_invalid', field: 'synchronous' });
    const typo = thrownSync(() => new SqliteStore({ path: dbPath(), busyTimeoutMS: 10 } as never));
    expect(typo.code).toBe('config_invalid');
    expect(typo.message).toContain('did you mean "busyTimeoutMs"?');
  });

  it('sqliteStorePlugin registers it; integrityCheck runs PRAGMA integrity_check; :memory: works', async () => {
    const path = dbPath();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), plugins: [sqliteStorePlugin({ path })] });
    const result = await runtime.run('go');
    await runtime.close();
    const store = new SqliteStore({ path });
    expect((await store.getRun(result.runId))?.status).toBe('completed');
    expect(await store.integrityCheck()).toEqual(expect.anything());
    await store.close();
    const mem = new SqliteStore({ path: ':memory:' });
    const r2 = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store: mem }).run('go');
    expect(r2.stopReason).toBe('final_answer');
    await mem.close();
  });
});
