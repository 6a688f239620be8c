// A child for rt18f-*.test.ts: a non-idempotent `charge` that may need approval and may SIGKILL
// itself right after its external effect (CP4); a model that counts its calls in a file and spends
// cfg.tokensPerCall per call. Prints the result as one JSON line.
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const store = new SqliteStore({ path: cfg.path });
const charge = defineTool({
  name: 'charge', description: 'charges a card', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
  requiresApproval: cfg.requiresApproval ?? false,
  execute: async ({ cents }, ctx) => {
    appendFileSync(cfg.effectsPath, `${ctx.toolCallId}\n`);
    if (cfg.crashOnEffect || ctx.toolCallId === `c${cfg.crashAfter}`) process.kill(process.pid, 'SIGKILL');
    return `charged ${cents}`;
  },
});
const model = {
  provider: 'scripted', model: 'rt18f',
  async generate(request) {
    appendFileSync(cfg.modelPath, 'call\n');
    const step = request.messages.filter((message) => message.role === 'assistant').length;
    const usage = { inputTokens: cfg.tokensPerCall ?? 5, outputTokens: 1 };
    if (step >= (cfg.steps ?? 1)) return { message: { role: 'assistant', content: 'done' }, usage, finishReason: 'stop' };
    return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${step + 1}`, name: 'charge', args: { cents: 500 + step } }] }, usage, finishReason: 'tool_calls' };
  },
};
const runtime = createRuntime({ model, tools: [charge], store, leaseTtlMs: 300, pricing: { 'scripted:rt18f': { input: 1, output: 1 } }, onUnknownOutcome: cfg.onUnknownOutcome ?? 'report', limits: cfg.limits ?? {} });
const result = cfg.mode === 'start'
  ? await runtime.run({ input: 'charge', runId: cfg.runId })
  : await runtime.resume(cfg.runId, { waitForLeaseMs: 5_000, ...(cfg.approvals ? { approvals: cfg.approvals } : {}) });
await runtime.close();
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
