// A child for rel-F17-ask.test.ts (RELIABILITY F-17 with onUnknownOutcome: 'ask'): mode 'start'
// runs a non-idempotent `charge` and SIGKILLs itself right after its external effect, before the
// completion is recorded (CP4). mode 'resume' resumes with onUnknownOutcome: 'ask' and cfg.approvals.
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const store = new SqliteStore({ path: cfg.path });
const charge = defineTool({
  name: 'charge', description: 'charges a card', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
  execute: async ({ cents }, ctx) => {
    appendFileSync(cfg.effectsPath, `${ctx.toolCallId}\n`);
    if (cfg.mode === 'start') process.kill(process.pid, 'SIGKILL'); // CP4: effect done, completion not recorded
    return `charged ${cents}`;
  },
});
const model = {
  provider: 'scripted', model: 'f17',
  async generate(request) {
    const step = request.messages.filter((message) => message.role === 'assistant').length;
    if (step > 0) return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'stop' };
    return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'charge', args: { cents: 500 } }] }, usage: { inputTokens: 5, outputTokens: 3 }, finishReason: 'tool_calls' };
  },
};
const runtime = createRuntime({ model, tools: [charge], store, leaseTtlMs: 300, onUnknownOutcome: 'ask' });
const result = cfg.mode === 'start'
  ? await runtime.run({ input: 'charge 5', runId: cfg.runId })
  : await runtime.resume(cfg.runId, { waitForLeaseMs: 5_000, ...(cfg.approvals ? { approvals: cfg.approvals } : {}) });
await runtime.close();
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
