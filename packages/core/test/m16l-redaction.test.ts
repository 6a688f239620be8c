import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// docs/governance.md: "every secret you register (`redact: { secrets }`)" is removed before write — short ones too (m16l mutation testing).

describe('registered secrets', () => {
  it('removes a short registered secret (7 characters) from the audit log and the tool output the model sees', async () => {
    const pin = 'q7Zx2vM';
    const vault = defineTool({ name: 'vault', description: 'Reads the vault', input: z.object({}), execute: () => `the code is ${pin}, keep it safe` });
    const model = new ScriptedModel([ScriptedModel.call('vault', {}), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [vault], store, redact: { secrets: [pin] } });
    const result = await runtime.run({ input: 'open the vault', runId: 'm16l-redact' });
    expect(result.stopReason).toBe('final_answer');
    const audit = await runtime.exportAudit(result.runId);
    expect(audit).toContain('[REDACTED]');
    expect(audit).not.toContain(pin);
    const sent = model.requests[1]!.messages.find((message) => message.role === 'tool')!;
    expect(sent.content).toBe('the code is [REDACTED], keep it safe');
  });
});
