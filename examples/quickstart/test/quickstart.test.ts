import { assertRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { createQuickstartRuntime, runQuickstart } from '../src/agent.js';
import { formatEvent } from '../src/trace.js';

describe('quickstart', () => {
  it('answers the seed task from the bundled docs and ends with final_answer', async () => {
    const runtime = createQuickstartRuntime();
    const lines: string[] = [];
    const result = await runQuickstart(runtime, (event) => lines.push(formatEvent(event)));
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: 3, toolCalls: 2 });
    expect(result.output).toContain('standard 600 RPM');
    expect(result.output).toContain('Retry-After');
    expect(result.output).toContain('rate-limits.md');
    const trace = lines.join('\n');
    for (const phase of ['context', 'decide', 'act', 'state', 'stop: final_answer']) expect(trace).toContain(phase);
    await assertRunInvariants({ store: runtime.store, runId: result.runId, result });
  });
});
