import { describe, expect, it } from 'vitest';
import { approvals } from '../src/approvals.js';
import { audit } from '../src/audit.js';
import { budgets } from '../src/budgets.js';
import { idempotency } from '../src/idempotency.js';
import { killSwitch } from '../src/kill-switch.js';
import { loopDetection } from '../src/loop-detection.js';
import { toolPolicy } from '../src/tool-policy.js';

describe('docs/governance.md snippets', () => {
  it('budgets', async () => {
    const result = await budgets();
    expect(result).toMatchObject({ stopReason: 'cost_budget', steps: 3 });
    expect(result.usage.costUsd).toBeCloseTo(0.012, 9);
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
