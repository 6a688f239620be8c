// RELIABILITY.md 5.1 F-16 (crash at CP1–CP3), F-17 (crash at CP4, the ambiguous window) and F-18
// (crash at CP5–CP8): the crash harness SIGKILLs a child process at the named point, a fresh
// process resumes the run, on one real SQLite file. The clauses the conformance suite
// (describeCrashRecovery) leaves implicit are asserted here: the usage under-count bound, the
// exact number of raw attempts per side effect, the model-visible tool_outcome_unknown, and no
// extra model call at CP8.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult, ToolMessage } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkCrashRecovery, type CrashSpec, type EffectCounter, runCrashChild, runCrashScenario, startEffectCounter } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rel-f16-')), 'runs.db');
const storeModule = new URL('./__fixtures__/crash-store.mjs', import.meta.url).href;
// One model call of the crash scenario reports at most this much usage.
const ONE_CALL = { inputTokens: 10, outputTokens: 5 };

let counter: EffectCounter;
let store: SqliteStore;
let reference: RunResult<unknown>;
beforeAll(async () => {
  counter = await startEffectCounter();
  store = new SqliteStore({ path });
  const uncrashed = await runCrashChild({ mode: 'start', runId: 'rel-f16-reference', storeModule, storeOptions: { path }, counterUrl: counter.url, leaseTtlMs: 300 });
  expect(uncrashed.stderr).toBe('');
  reference = uncrashed.result!;
  expect(reference).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 4 });
}, 30_000);
afterAll(async () => {
  expect(store.integrityCheck()).toBe('ok');
  await store.close();
  await counter.close();
});

/** Raw attempts of each side effect of the run, by call id (`s<step>-<i>-<tool>`). */
const attemptsOf = (runId: string) => Object.fromEntries([...counter.attempts].filter(([key]) => key.startsWith(`${runId}:`)).map(([key, n]) => [key.slice(runId.length + 1), n]));
const appliedOf = (runId: string) => Object.fromEntries([...counter.applied].filter(([key]) => key.startsWith(`${runId}:`)).map(([key, n]) => [key.slice(runId.length + 1), n]));
const ONCE = { 's0-0-charge': 1, 's0-1-put': 1, 's1-0-put': 1, 's2-0-charge': 1 };

async function crashAndResume(runId: string, crash: CrashSpec) {
  const { crashed, resumed } = await runCrashScenario({ runId, storeModule, storeOptions: { path }, counterUrl: counter.url, leaseTtlMs: 300, crash });
  expect(crashed.signal).toBe('SIGKILL');
  expect(resumed.result, resumed.stderr).toBeDefined();
  const result = resumed.result!;
  expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 4 });
  // I1–I8, no duplicate effect, every planned effect happened.
  expect(await checkCrashRecovery({ store, runId, result, counter })).toEqual([]);
  // Usage under-count ≤ one model call per crash.
  expect(reference.usage.inputTokens - result.usage.inputTokens).toBeLessThanOrEqual(ONE_CALL.inputTokens);
  expect(reference.usage.outputTokens - result.usage.outputTokens).toBeLessThanOrEqual(ONE_CALL.outputTokens);
  return result;
}

describe('F-16 crash at CP1–CP3', () => {
  it.each([['CP1', 0], ['CP2', 0], ['CP3', 2]] as const)('%s at step %i: the run completes; no side effect ran twice; usage under-count ≤ 1 model call', async (point, step) => {
    const runId = `rel-f16-${point}-${step}`;
    await crashAndResume(runId, { point, step });
    // No side effect had happened at these points: each ran exactly once in all.
    expect(attemptsOf(runId)).toEqual(ONCE);
  }, 30_000);
});

describe('F-17 crash at CP4 (effect done, completion not recorded)', () => {
  it('an idempotent tool is re-executed with the same idempotencyKey: the service dedupes (0 duplicate effects, 2 raw attempts)', async () => {
    const runId = 'rel-f17-put';
    await crashAndResume(runId, { point: 'CP4', step: 0, tool: 'put' });
    expect(attemptsOf(runId)).toEqual({ ...ONCE, 's0-1-put': 2 });
    expect(appliedOf(runId)['s0-1-put']).toBe(1);
  }, 30_000);

  it('a non-idempotent tool is not re-executed: the model sees tool_outcome_unknown', async () => {
    const runId = 'rel-f17-charge';
    await crashAndResume(runId, { point: 'CP4', step: 0, tool: 'charge' });
    // charge attempted once in all; put, of the same step and unfinished at the crash, may re-run under its key.
    expect(attemptsOf(runId)).toMatchObject({ 's0-0-charge': 1, 's1-0-put': 1, 's2-0-charge': 1 });
    expect(attemptsOf(runId)['s0-1-put']).toBeLessThanOrEqual(2);
    expect(appliedOf(runId)['s0-1-put']).toBe(1);
    const [first] = await store.loadSteps(runId);
    const charge = first!.messages.find((m): m is ToolMessage => m.role === 'tool' && m.toolCallId === 's0-0-charge');
    expect(charge).toMatchObject({ isError: true, code: 'tool_outcome_unknown' });
  }, 30_000);
});

describe('F-18 crash at CP5–CP8', () => {
  it.each([['CP5', 0], ['CP6', 0], ['CP7', 2]] as const)('%s at step %i: recorded results are replayed, no tool re-runs; the step is whole or absent', async (point, step) => {
    const runId = `rel-f18-${point}-${step}`;
    await crashAndResume(runId, { point, step });
    expect(attemptsOf(runId)).toEqual(ONCE);
    // Results replayed: the same content as the uncrashed run, step by step (whole steps, I2).
    const steps = await store.loadSteps(runId);
    const expected = await store.loadSteps('rel-f16-reference');
    expect(steps.map((s) => s.messages.filter((m) => m.role === 'tool').map((m) => [(m as ToolMessage).toolCallId, (m as ToolMessage).content])))
      .toEqual(expected.map((s) => s.messages.filter((m) => m.role === 'tool').map((m) => [(m as ToolMessage).toolCallId, (m as ToolMessage).content])));
  }, 30_000);

  it('CP8: final_answer recorded once, no extra model call (usage equals the uncrashed run\'s)', async () => {
    const runId = 'rel-f18-CP8';
    const result = await crashAndResume(runId, { point: 'CP8' });
    expect(result.output).toBe(reference.output);
    expect(result.usage).toEqual(reference.usage);
    expect(attemptsOf(runId)).toEqual(ONCE);
    const finals = (await store.loadSteps(runId)).filter((s) => s.messages.some((m) => m.role === 'assistant' && !m.toolCalls?.length));
    expect(finals).toHaveLength(1);
  }, 30_000);
});
