import { describe, expect, it } from 'vitest';
import { approvals } from '../src/approvals.js';
import { audit } from '../src/audit.js';
import { budgets } from '../src/budgets.js';
import { finalize } from '../src/finalize.js';
import { toolCallCounts } from '../src/tool-call-counts.js';
import { idempotency } from '../src/idempotency.js';
import { killSwitch } from '../src/kill-switch.js';
import { loopDetection } from '../src/loop-detection.js';
import { toolPolicy } from '../src/tool-policy.js';

describe('docs/governance.md snippets', () => {
  it('budgets', async () => {
    const { result, caps } = await budgets();
    expect(result.stopReason).toBe('cost_budget');
    expect(result.usage.costUsd).toBeLessThanOrEqual(0.01);
    expect(caps).toEqual([470, 127]);
    expect(caps.at(-1)).toBeLessThan(300);
  });
  it('finalize', async () => {
    const { result, modelCalls } = await finalize();
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'max_steps', steps: 3, finalized: true });
    expect(result.output).toMatch(/^Found 3 of 5 prices/);
    expect(modelCalls).toBe(4);
  });
  it('tool-call counts', async () => {
    const { result, ran } = await toolCallCounts();
    expect(result).toMatchObject({ stopReason: 'max_tool_calls', toolCalls: 3, toolCallsRefused: 1 });
    expect(ran).toEqual([1, 2, 3]);
  });
  it('tool policy', async () => {
    const { result, advertised, denials } = await toolPolicy();
    expect(advertised).toEqual(['read_docs']);
    expect(denials).toHaveLength(1);
    expect(result.stopReason).toBe('final_answer');
  });
  it('approvals', async () => {
    const { paused, pending, done, sent } = await approvals();
    expect(paused.stopReason).toBe('awaiting_approval');
    expect(pending).toEqual(['transfer({"cents":50000})']);
    expect(done.stopReason).toBe('final_answer');
    expect(sent).toEqual([50_000]);
  });
  it('kill switch', async () => {
    const { killed, refused } = await killSwitch();
    expect(killed).toMatchObject({ stopReason: 'killed', stopDetail: 'runaway crawl' });
    expect(refused).toMatchObject({ stopReason: 'killed', steps: 0 });
  });
  it('idempotency', async () => {
    const { first, again, conflict, modelCalls } = await idempotency();
    expect(again).toEqual(first);
    expect(conflict).toBe('idempotency_conflict');
    expect(modelCalls).toBe(1);
  });
  it('loop detection', async () => {
    expect((await loopDetection()).stopReason).toBe('loop_detected');
  });
  it('audit', async () => {
    const { jsonl, verified } = await audit();
    expect(verified).toMatchObject({ ok: true, hashChained: true });
    expect(jsonl).not.toContain('hunter2-but-long');
    expect(jsonl).not.toContain('tok_live_0123456789abcdef');
  });
});
