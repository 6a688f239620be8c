// RELIABILITY.md 5.1 F-17, the "ask" form: a non-idempotent call cut by a SIGKILL after its
// external effect (CP4) is not re-executed on resume; with onUnknownOutcome: 'ask' the run pauses
// (status paused, stopReason awaiting_approval). An approver's "approve" re-runs it once; "deny"
// gives the model tool_denied. Real SQLite file, child processes, I1–I8.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult, ToolMessage } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const CHILD = new URL('./__fixtures__/rel-f17-ask-child.mjs', import.meta.url).pathname;
const TOOLS = [{ name: 'charge', sideEffects: 'non-idempotent' as const }];

function child(config: Record<string, unknown>): Promise<{ signal: NodeJS.Signals | null; result?: RunResult<unknown>; stderr: string }> {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolve) => proc.once('close', (_code, signal) => resolve({ signal, stderr, ...(stdout.trim() ? { result: JSON.parse(stdout.trim()) as RunResult<unknown> } : {}) })));
}

describe('F-17 crash at CP4, non-idempotent, onUnknownOutcome: ask', () => {
  it.each(['approve', 'deny'] as const)('not re-executed; the run pauses awaiting_approval; %s decides', async (decision) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rel-f17-'));
    const path = join(dir, 'runs.db');
    const effectsPath = join(dir, 'effects.log');
    const effects = () => (existsSync(effectsPath) ? readFileSync(effectsPath, 'utf8').split('\n').filter(Boolean) : []);
    const runId = `rel-f17-ask-${decision}`;
    const crashed = await child({ mode: 'start', path, effectsPath, runId });
    expect(crashed.signal).toBe('SIGKILL');
    expect(effects()).toEqual(['c1']);

    const paused = await child({ mode: 'resume', path, effectsPath, runId });
    expect(paused.result, paused.stderr).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval', pendingApprovals: [{ toolCallId: 'c1', tool: 'charge', args: { cents: 500 } }] });
    expect(effects()).toEqual(['c1']);
    const store = new SqliteStore({ path });
    try {
      expect((await checkRunInvariants({ store, runId, result: paused.result, tools: TOOLS })).violations).toEqual([]);
      const done = await child({ mode: 'resume', path, effectsPath, runId, approvals: { c1: { decision } } });
      expect(done.result, done.stderr).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'done' });
      const [step] = await store.loadSteps(runId);
      const call = step!.messages.find((m): m is ToolMessage => m.role === 'tool' && m.toolCallId === 'c1');
      if (decision === 'approve') {
        // The approver chose to run it again: once more, exactly.
        expect(effects()).toEqual(['c1', 'c1']);
        expect(call).toMatchObject({ content: 'charged 500' });
      } else {
        expect(effects()).toEqual(['c1']);
        expect(call).toMatchObject({ isError: true, code: 'tool_denied' });
      }
      expect((await checkRunInvariants({ store, runId, result: done.result, tools: TOOLS })).violations).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);
});
