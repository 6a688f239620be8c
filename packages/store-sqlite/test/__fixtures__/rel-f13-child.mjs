// A child for rel-F13-F14.test.ts (RELIABILITY F-13): a tool that ignores abort. Step 0: `late`
// times out at 50 ms and settles at 250 ms anyway (its late result must be discarded and audited).
// Step 1: `stuck` busy-awaits and never settles; the run's wall timeout must still fire. Then the
// runtime and the store close and the process must exit by itself (no process.exit here).
import 'reflect-metadata';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const store = new SqliteStore({ path: cfg.path });
const late = defineTool({
  name: 'late', description: 'settles after its timeout', input: z.object({}), timeoutMs: 50,
  execute: () => new Promise((resolve) => setTimeout(() => resolve('LATE ANSWER'), 250)),
});
// Busy-awaits without a handle of its own: polls on microtasks/immediates until `released`, never looking at its signal.
let polls = 0;
const stuck = defineTool({
  name: 'stuck', description: 'never settles', input: z.object({}), timeoutMs: 60_000,
  execute: () => new Promise(() => {
    const poll = () => { polls++; if (polls < 200) setImmediate(poll); };
    poll();
  }),
});
const model = {
  provider: 'scripted', model: 'f13',
  async generate(request) {
    const step = request.messages.filter((message) => message.role === 'assistant').length;
    // Wait past `late`'s settle so its late result arrives while the run is still going.
    if (step === 1) await new Promise((resolve) => setTimeout(resolve, 400));
    const call = step === 0 ? { id: 'l1', name: 'late', args: {} } : { id: 's1', name: 'stuck', args: {} };
    return { message: { role: 'assistant', content: '', toolCalls: [call] }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'tool_calls' };
  },
};
const runtime = createRuntime({ model, tools: [late, stuck], store, limits: { timeoutMs: 1_000 } });
const started = performance.now();
const result = await runtime.run({ input: 'go', runId: cfg.runId });
const elapsedMs = performance.now() - started;
await runtime.close();
await store.close();
process.on('exit', (code) => process.stderr.write(`EXIT ${code}\n`));
process.stdout.write(`${JSON.stringify({ result, elapsedMs })}\n`);
