import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ n: z.number() }), execute: ({ n }) => n });
const gated = defineTool({ name: 'gated', description: 'g', input: z.object({}), requiresApproval: true, execute: () => 'x' });

// Stored step rows that parse as JSON with a current format version but hold the wrong types (B-55).
const WRONG_TYPES: readonly [string, string][] = [
  ['messages is a string', '{"v":1,"runId":"p","stepIndex":0,"messages":"oops","usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1}'],
  ['no fields at all', '{"v":1}'],
  ['stepIndex is a string, __proto__ inside', '{"v":1,"stepIndex":"0","messages":[],"toolResults":{"__proto__":{"polluted":1}}}'],
  ['a message without a role', '{"v":1,"runId":"p","stepIndex":0,"messages":[{"content":"x"}],"usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1}'],
  ['tool calls that are not a list', '{"v":1,"runId":"p","stepIndex":0,"messages":[{"role":"assistant","content":"","toolCalls":{"id":"c"}}],"usage":{"inputTokens":1,"outputTokens":1,"costUsd":0},"toolCalls":1}'],
  ['usage with text numbers', '{"v":1,"runId":"p","stepIndex":0,"messages":[{"role":"assistant","content":"hi"}],"usage":{"inputTokens":"1"},"toolCalls":0}'],
  ['a negative format version', '{"v":-1,"runId":"p","stepIndex":0}'],
  ['a format version of zero', '{"v":0,"runId":"p","stepIndex":0}'],
];

describe('resuming from a corrupt SQLite store (B-55)', () => {
  it.each(WRONG_TYPES)('refuses a step row whose %s with state_corrupt, not a TypeError, and pollutes nothing', async (_label, data) => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentrt-corrupt-resume-')), 'runs.db');
    const store = new SqliteStore({ path });
    const tools = [echo, gated];
    const paused = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.call('gated', {})]), tools, store }).run({ input: 'go', runId: 'p' });
    expect(paused.status).toBe('paused');
    const db = new Database(path);
    const key = "(SELECT run_no FROM agentrt_runs WHERE run_id = 'p') * 4294967296 + 0";
    expect(db.prepare(`UPDATE agentrt_step_log SET data = ? WHERE key = ${key}`).run(data).changes).toBe(1);
    db.close();
    const model = new ScriptedModel([]);
    const approvals = { [paused.pendingApprovals![0]!.toolCallId]: { decision: 'approve' as const } };
    await expect(createRuntime({ model, tools, store }).resume('p', { approvals })).rejects.toMatchObject({ code: 'state_corrupt' });
    expect(model.requests).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Never a silent reset: the run is still there, still paused, for an operator to repair.
    expect((await store.getRun('p'))?.status).toBe('paused');
    await store.close();
  });

  it('still resumes an intact run', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentrt-corrupt-resume-')), 'runs.db');
    const store = new SqliteStore({ path });
    const tools = [echo, gated];
    const paused = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('echo', { n: 1 }), ScriptedModel.call('gated', {})]), tools, store }).run({ input: 'go', runId: 'p' });
    const approvals = { [paused.pendingApprovals![0]!.toolCallId]: { decision: 'approve' as const } };
    const done = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), tools, store }).resume('p', { approvals });
    expect(done.stopReason).toBe('final_answer');
    await store.close();
  });
});
