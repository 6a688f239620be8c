import { describe, expect, it } from 'vitest';
import { longRun } from '../src/long-run.js';

describe('docs/context.md snippet', () => {
  it('keeps a 40-step run within the window', async () => {
    const { result, largestTokens, history, summaries } = await longRun();
    expect(result.stopReason).toBe('max_steps');
    expect(history).toBe(82); // the full history stays in the run's state
    expect(largestTokens).toBeLessThanOrEqual(7_000); // every request fits maxTokens − reserveOutputTokens
    expect(summaries).toBeGreaterThan(0);
  });
});
