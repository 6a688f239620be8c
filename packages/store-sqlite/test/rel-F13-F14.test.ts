// RELIABILITY.md 5.1 F-13 (a tool that ignores abort) in a child process on a real SQLite file,
// for the clause the in-process tests cannot show: the process exits cleanly at shutdown. And
// F-14 (a side-effecting tool whose external effect happens after its timeout).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, type RunResult, type ToolMessage } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const CHILD = new URL('./__fixtures__/rel-f13-child.mjs', import.meta.url).pathname;
const freshPath = () => join(mkdtempSync(join(tmpdir(), 'agentrt-rel-f13-')), 'runs.db');
const opened: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
const open = (path: string) => {
  const store = new SqliteStore({ path });
  opened.push(store);
  return store;
};
const toolMessages = async (store: SqliteStore, runId: string) => (await store.loadSteps(runId)).flatMap((step) => step.messages.filter((m): m is ToolMessage => m.role === 'tool'));

describe('F-13 tool hangs, ignores abort', () => {
  it('tool_timeout anyway; the late settle is discarded (late_result_discarded), never committed; the wall timeout fires; the process exits by itself, code 0', async () => {
    const path = freshPath();
    const runId = 'rel-f13';
    const proc = spawn(process.execPath, [CHILD, JSON.stringify({ path, runId })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.once('exit', (code, signal) => resolve([code, signal])));
    // Printed once the run ended and the runtime closed; then the process must leave on its own, promptly.
    await waitFor(() => stdout.includes('\n'), { message: 'the child printed its result', timeoutMs: 20_000 });
    const printedAt = performance.now();
    const [code, signal] = await exited;
    expect([code, signal]).toEqual([0, null]);
    expect(performance.now() - printedAt).toBeLessThan(3_000);
    expect(stderr).toBe('EXIT 0\n');

    const { result, elapsedMs } = JSON.parse(stdout.trim()) as { result: RunResult<unknown>; elapsedMs: number };
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout' });
    expect(elapsedMs).toBeGreaterThanOrEqual(990);
    expect(elapsedMs).toBeLessThan(3_000);
    const store = open(path);
    expect((await toolMessages(store, runId)).map((m) => [m.toolCallId, m.code])).toEqual([['l1', 'tool_timeout'], ['s1', expect.stringMatching(/^tool_(timeout|cancelled)$/)]]);
    expect(JSON.stringify(await store.loadSteps(runId))).not.toContain('LATE ANSWER');
    const events = await store.listEvents(runId);
    expect(JSON.stringify(events)).not.toContain('LATE ANSWER');
    expect(events.filter((e) => e.type === 'late_result_discarded')).toMatchObject([{ toolCallId: 'l1' }]);
    expect((await checkRunInvariants({ store, runId, result })).violations).toEqual([]);
  }, 30_000);
});

describe('F-14 side-effecting tool times out', () => {
  it('the external effect lands after the timeout: the ledger marks the call outcome unknown, it is never retried (not even on resume), the model sees tool_outcome_unknown', async () => {
    const store = open(freshPath());
    let attempts = 0;
    let effects = 0;
    const send = defineTool({
      name: 'send_email', description: 'sends', input: z.object({ to: z.string() }), sideEffects: 'non-idempotent', timeoutMs: 50,
      // Ignores its signal: the mail goes out at 150 ms, after the call timed out.
      execute: () => { attempts++; return new Promise((resolve) => setTimeout(() => { effects++; resolve('sent'); }, 150)); },
    });
    const model = new ScriptedModel([ScriptedModel.call('send_email', { to: 'a@example.com' }, { id: 'm1' }), { text: 'not sure it was sent', delayMs: 250 }]);
    const runtime = createRuntime({ model, tools: [send], store });
    const result = await runtime.run('mail a');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', toolCalls: 1 });
    await waitFor(() => effects === 1, { message: 'the late effect happened' });
    expect(attempts).toBe(1);
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'm1', isError: true, code: 'tool_outcome_unknown' });
    expect(await store.getToolLedger(result.runId)).toMatchObject([{ toolCallId: 'm1', result: { code: 'tool_outcome_unknown' } }]);
    expect(JSON.stringify(await store.loadSteps(result.runId))).not.toContain('"sent"');
    // A resume of the finished run retries nothing.
    await runtime.resume(result.runId);
    expect(attempts).toBe(1);
    expect((await checkRunInvariants({ store, runId: result.runId, result, tools: [send] })).violations).toEqual([]);
  });
});
