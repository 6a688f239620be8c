import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

export async function approvals() {
  const sent: number[] = [];
  const transfer = defineTool({
    name: 'transfer', description: 'Sends money', input: z.object({ cents: z.number().int() }),
    sideEffects: 'non-idempotent',
    requiresApproval: ({ cents }) => cents > 10_000, // only large transfers need a human
    execute: ({ cents }) => { sent.push(cents); return 'sent'; },
  });
  const model = new ScriptedModel([ScriptedModel.call('transfer', { cents: 50_000 }, { id: 'tx-1' }), ScriptedModel.answer('Transfer done.')]);
  const runtime = createRuntime({ model, tools: [transfer] });

  const paused = await runtime.run('Pay the invoice');
  // paused.status === 'paused', paused.stopReason === 'awaiting_approval'; nothing was sent.
  const pending = paused.pendingApprovals!.map((p) => `${p.tool}(${JSON.stringify(p.args)})`);

  const done = await runtime.resume(paused.runId, { approvals: { 'tx-1': { decision: 'approve', reason: 'invoice 42' } } });
  return { paused, pending, done, sent };
}
