// rt18f: a budget spent before a crash counts after the resume. A SIGKILL in the middle of a step's
// tool (its decision saved, the step not committed) must not hand the resumed drive the spent model
// call's tokens again: the crashed-and-resumed run makes the same model calls, runs the same
// (non-idempotent) tool calls and spends the same as the run that never crashed — for maxTokens and
// maxCostUsd, as already for maxSteps and maxToolCalls. Real SQLite file, child processes, I1–I8.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const CHILD = new URL('./__fixtures__/rt18f-child.mjs', import.meta.url).pathname;
const TOOLS = [{ name: 'charge', sideEffects: 'non-idempotent' as const }];

function child(config: Record<string, unknown>): Promise<{ signal: NodeJS.Signals | null; result?: RunResult<unknown>; stderr: string }> {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolve) => proc.once('close', (_code, signal) => resolve({ signal, stderr, ...(stdout.trim() ? { result: JSON.parse(stdout.trim()) as RunResult<unknown> } : {}) })));
}

function setup(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `agentrt-rt18f-${name}-`));
  const effectsPath = join(dir, 'effects.log');
  const modelPath = join(dir, 'model.log');
  const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
  return { config: { path: join(dir, 'runs.db'), effectsPath, modelPath, runId: `rt18f-${name}` }, effects: () => lines(effectsPath), modelCalls: () => lines(modelPath).length };
}

describe('rt18f: limits spent before a crash count after the resume', () => {
  it.each([
    ['maxSteps', { maxSteps: 5 }, 'max_steps'],
    ['maxToolCalls', { maxToolCalls: 4, maxSteps: 50 }, 'max_tool_calls'],
    ['maxTokens', { maxTokens: 2_000, maxSteps: 50 }, 'token_budget'],
    ['maxCostUsd', { maxCostUsd: 0.002, maxSteps: 50 }, 'cost_budget'],
  ] as const)('%s: a SIGKILL inside step 2\'s tool changes nothing the run spends or runs', async (name, limits, stopReason) => {
    // The provider bills 300 input tokens per call, more than the runtime estimates: each call
    // is capped near the limit and the last one that fits is made.
    const run = { steps: 100, tokensPerCall: 300, limits };
    const reference = setup(`ref-${name}`);
    const uncrashed = await child({ ...reference.config, ...run, mode: 'start' });
    expect(uncrashed.result, uncrashed.stderr).toMatchObject({ stopReason });

    const crashing = setup(`crash-${name}`);
    const crashed = await child({ ...crashing.config, ...run, mode: 'start', crashAfter: 2 });
    expect(crashed.signal).toBe('SIGKILL');
    const resumed = await child({ ...crashing.config, ...run, mode: 'resume' });
    expect(resumed.result, resumed.stderr).toMatchObject({ stopReason, steps: uncrashed.result!.steps, usage: uncrashed.result!.usage });
    // Step 2's decision was saved before the crash: not asked again. Its charge was cut (its outcome
    // is unknown, not re-run); every other call ran once, as in the run that never crashed.
    expect(crashing.modelCalls()).toBe(reference.modelCalls());
    expect(crashing.effects()).toEqual(reference.effects());
    const store = new SqliteStore({ path: crashing.config.path });
    try {
      expect((await checkRunInvariants({ store, runId: crashing.config.runId, result: resumed.result, tools: TOOLS })).violations).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it.each(['report', 'ask'] as const)('an approval a crash cut short is not used again by a resume that re-sends it (onUnknownOutcome %s)', async (onUnknownOutcome) => {
    const run = setup(`approval-${onUnknownOutcome}`);
    const base = { ...run.config, requiresApproval: true, onUnknownOutcome };
    expect((await child({ ...base, mode: 'start' })).result).toMatchObject({ status: 'paused', pendingApprovals: [{ toolCallId: 'c1' }] });
    const crashed = await child({ ...base, mode: 'resume', approvals: { c1: { decision: 'approve' } }, crashOnEffect: true });
    expect(crashed.signal).toBe('SIGKILL');
    expect(run.effects()).toEqual(['c1']);
    // A retried approve command sends the same approval again: the outcome of c1 is unknown, so it
    // is reported (or asked about anew), never run a second time on the old approval.
    const again = await child({ ...base, mode: 'resume', approvals: { c1: { decision: 'approve' } } });
    expect(again.result, again.stderr).toMatchObject(onUnknownOutcome === 'ask' ? { status: 'paused', stopReason: 'awaiting_approval' } : { status: 'completed', stopReason: 'final_answer' });
    expect(run.effects()).toEqual(['c1']);
  }, 60_000);
});
