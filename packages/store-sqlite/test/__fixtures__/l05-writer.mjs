// L-05 writer process: drives runs of `steps` tool steps each on a shared SqliteStore file, as
// fast as it can, and prints one JSON line per run with its outcome (built code, plain node).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';

// zod is core's dependency, not this package's: take core's copy.
const { z } = createRequire(import.meta.resolve('@agentrt/core'))('zod');

const cfg = JSON.parse(process.argv[2]);
const store = new SqliteStore({ path: cfg.path, ...(cfg.busyTimeoutMs ? { busyTimeoutMs: cfg.busyTimeoutMs } : {}) });
const note = defineTool({ name: 'note', description: 'n', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: ({ i }) => `noted ${i}` });
let n = 0;
const model = {
  provider: 'l05', model: 'writer',
  async generate(request) {
    const steps = request.messages.filter((m) => m.role === 'assistant').length;
    if (steps >= cfg.steps) return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
    return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${steps}-${++n}`, name: 'note', args: { i: steps } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
  },
};
const runtime = createRuntime({ model, tools: [note], store, owner: `w${cfg.index}`, limits: { maxSteps: cfg.steps + 1, maxToolCalls: cfg.steps, timeoutMs: 600_000 } });
process.stdout.write('ready\n');
while (!existsSync(cfg.go)) await new Promise((resolve) => setTimeout(resolve, 5));
const runs = [];
for (let r = 0; r < cfg.runs; r++) {
  const runId = `l05-${cfg.index}-${r}`;
  try {
    const result = await runtime.run({ input: 'go', runId });
    runs.push({ runId, status: result.status, stopReason: result.stopReason, steps: result.steps, error: result.error?.code, ...(result.error ? { message: result.error.message } : {}) });
  } catch (error) {
    runs.push({ runId, thrown: error?.code ?? String(error) });
  }
}
await runtime.close?.();
await store.close();
process.stdout.write(JSON.stringify(runs) + '\n');
