import { MemoryStore, createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Mutation-testing gaps (m16i): tool-call counting and refusal promises of docs/governance.md
// ("Tool-call counts") that no other test pinned.

const ran: string[] = [];
const note = defineTool({ name: 'note', description: 'Notes', input: z.object({ n: z.number() }), execute: ({ n }) => { ran.push(`note ${n}`); return `noted ${n}`; } });
const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ cents }) => { ran.push(`pay ${cents}`); return 'paid'; } });

describe('tool-call counts (m16i)', () => {
  it('a call refused over maxToolCalls, replayed when its step is acted on again after approval, stays max_tool_calls (not policy_violation)', async () => {
    ran.length = 0;
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'pay', args: { cents: 5 }, id: 'p1' }, { name: 'note', args: { n: 1 }, id: 'n1' }]),
      ScriptedModel.answer('never asked'),
    ]);
    const runtime = createRuntime({ model, store, tools: [note, pay], toolPolicy: { onViolation: 'stop' }, limits: { maxToolCalls: 1 } });
    const paused = await runtime.run('go');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    const done = await runtime.resume(paused.runId, { approvals: { p1: { decision: 'approve' } } });
    expect(done).toMatchObject({ status: 'stopped', stopReason: 'max_tool_calls', toolCalls: 1, toolCallsRefused: 1 });
    expect(ran).toEqual(['pay 5']);
  });
});
