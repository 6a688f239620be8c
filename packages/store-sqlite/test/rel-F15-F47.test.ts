// RELIABILITY.md 5.1 F-15 (parallel tools, one fails, crash at CP5, resume) and F-47 (50 concurrent
// run({ idempotencyKey }) across 4 processes) on one real SQLite file, with I1–I8 afterwards.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRuntime, type RunResult, type ToolMessage } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { tempStores } from './temp-stores.js';

const CHILD = new URL('./__fixtures__/rel-f15-f47-child.mjs', import.meta.url).pathname;
const { fresh, open } = tempStores('agentrt-rel-f15-');

function child(config: Record<string, unknown>): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string }> {
  const process_ = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => process_.once('close', (code, signal) => resolve({ signal, code, stdout, stderr })));
}
const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

describe('F-15 parallel tools, one fails', () => {
  it('#1 and #3 keep their results beside #2\'s tool_failed; after a SIGKILL at CP5 the resume re-runs no call that completed', async () => {
    const dbPath = fresh();
    const effectsPath = join(dirname(dbPath), 'effects.log');
    const runId = 'rel-f15';
    const crashed = await child({ mode: 'f15-start', dbPath, effectsPath, runId });
    expect(crashed.signal).toBe('SIGKILL');
    // All three calls ran once (the second threw); the step was not committed.
    expect(lines(effectsPath).filter((l) => l !== 'model').sort()).toEqual(['p1', 'p2', 'p3']);
    const store = open(dbPath);
    expect(await store.loadSteps(runId)).toEqual([]);

    const resumed = await child({ mode: 'f15-resume', dbPath, effectsPath, runId });
    expect(resumed.stderr).toBe('');
    const result = JSON.parse(resumed.stdout.trim()) as RunResult<unknown>;
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'done', steps: 2, toolCalls: 3 });
    // Nothing that completed ran again: each call executed once in total.
    expect(lines(effectsPath).filter((l) => l !== 'model').sort()).toEqual(['p1', 'p2', 'p3']);
    const [step] = await store.loadSteps(runId);
    const tools = step!.messages.filter((m): m is ToolMessage => m.role === 'tool');
    expect(tools.map((m) => [m.toolCallId, m.content, m.isError === true])).toEqual([
      ['p1', 'first 1', false],
      ['p2', expect.stringContaining('second broke on 2'), true],
      ['p3', 'third 3', false],
    ]);
    expect(tools[1]).toMatchObject({ code: 'tool_failed' });
    const report = await checkRunInvariants({ store, runId, result, tools: [{ name: 'first', sideEffects: 'idempotent' }, { name: 'second', sideEffects: 'none' }, { name: 'third', sideEffects: 'non-idempotent' }] });
    expect(report.violations).toEqual([]);
  }, 30_000);
});

describe('F-47 duplicate run submission', () => {
  it('50 concurrent run({ idempotencyKey }) across 4 processes: exactly 1 run, every caller gets its runId and result; a different input is idempotency_conflict', async () => {
    const dbPath = fresh();
    const dir = dirname(dbPath);
    const effectsPath = join(dir, 'effects.log');
    const startPath = join(dir, 'start');
    const key = 'order-47';
    // Create the schema before the children race to open the file.
    open(dbPath);
    const children = [13, 13, 12, 12].map((concurrency) => child({ mode: 'f47', dbPath, effectsPath, startPath, key, concurrency }));
    // A barrier: the children fire together once every one of them has opened the file and built its runtime.
    await waitFor(() => readdirSync(dir).filter((name) => name.startsWith('start.ready-')).length === 4, { message: 'all four children are ready', timeoutMs: 30_000 });
    writeFileSync(startPath, 'go');
    const outcomes = await Promise.all(children);
    const results = outcomes.flatMap((o) => {
      expect(o.stderr).toBe('');
      return JSON.parse(o.stdout.trim()) as { runId?: string; status?: string; output?: string; error?: string }[];
    });
    expect(results).toHaveLength(50);
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    for (const r of results) expect(r).toMatchObject({ status: 'completed', output: 'the one answer' });
    expect(lines(effectsPath).filter((l) => l.startsWith('model '))).toHaveLength(1);

    const store = open(dbPath);
    const runs = await store.listRuns();
    expect(runs).toHaveLength(1);
    const runtime = createRuntime({ model: new ScriptedModel([]), store });
    await expect(runtime.run({ input: 'another input', idempotencyKey: key })).rejects.toMatchObject({ code: 'idempotency_conflict' });
    const same = await runtime.run({ input: 'same input', idempotencyKey: key });
    expect(same).toMatchObject({ runId: results[0]!.runId, status: 'completed', output: 'the one answer' });
    expect((await checkRunInvariants({ store, runId: same.runId, result: same })).violations).toEqual([]);
  }, 60_000);
});
