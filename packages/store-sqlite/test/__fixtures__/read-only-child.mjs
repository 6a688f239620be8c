// A child for read-only.test.ts (run as an unprivileged user when the tests run as root, so file
// modes apply). Prints one JSON line: the run's result, or the error it threw, plus integrity_check.
import 'reflect-metadata';
import { chmodSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';

const { mode, path, runId } = JSON.parse(process.argv[2]);
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const send = defineTool({ name: 'send', description: 'sends', input: z.object({}), sideEffects: 'idempotent', requiresApproval: mode !== 'chmod-open', execute: async () => 'sent' });
const lock = defineTool({ name: 'lock', description: 'chmod 444 on the open db', input: z.object({}), sideEffects: 'none', execute: async () => { chmodSync(path, 0o444); return 'locked'; } });
// Deterministic: the decision depends only on how many steps the request already holds.
const model = {
  provider: 'scripted', model: 'read-only',
  generate: async (request) => {
    const step = request.messages.filter((message) => message.role === 'assistant').length;
    if (step === 0) return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c0', name: mode === 'chmod-open' ? 'lock' : 'send', args: {} }] }, usage: { inputTokens: 5, outputTokens: 5 }, finishReason: 'tool_calls' };
    if (step === 1 && mode === 'chmod-open') return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'send', args: {} }] }, usage: { inputTokens: 5, outputTokens: 5 }, finishReason: 'tool_calls' };
    return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'stop' };
  },
};
let store;
try {
  store = new SqliteStore({ path });
  const runtime = createRuntime({ model, tools: [send, lock], store });
  const result = mode === 'resume' ? await runtime.resume(runId, { approvals: { c0: 'approve' } }) : await runtime.run({ input: 'go', runId });
  out({ result: { status: result.status, stopReason: result.stopReason, error: result.error }, integrity: store.integrityCheck() });
} catch (error) {
  out({ error: { code: error.code, causeCode: error.cause?.code, message: error.message }, integrity: store ? store.integrityCheck() : undefined });
} finally {
  await store?.close().catch(() => undefined);
}
