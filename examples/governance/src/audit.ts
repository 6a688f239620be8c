import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

export async function audit() {
  const login = defineTool({ name: 'login', description: 'Logs in', input: z.object({ user: z.string(), password: z.string() }), execute: () => 'token=tok_live_0123456789abcdef' });
  const model = new ScriptedModel([ScriptedModel.call('login', { user: 'ada', password: 'hunter2-but-long' }), ScriptedModel.answer('Logged in.')]);
  const runtime = createRuntime({
    model, tools: [login],
    audit: { hashChain: true },
    redact: { secrets: ['tok_live_0123456789abcdef'] }, // also: *password*, *token*, sk-…, AKIA…, Bearer …
  });
  const result = await runtime.run('log in as ada');
  const jsonl = await runtime.exportAudit(result.runId); // one redacted event per line
  const verified = await runtime.verifyAudit(result.runId); // { ok: true, hashChained: true }
  return { result, jsonl, verified };
}
