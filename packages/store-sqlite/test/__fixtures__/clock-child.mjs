// A child for clock.test.ts: a run whose wall clock (`Date`) can jump mid-run (F-51), or that
// SIGKILLs itself mid-run to be resumed in another process under another TZ (F-52).
// Prints one JSON line with the result.
const cfg = JSON.parse(process.argv[2]);
const RealDate = Date;
// `offsetMs`: the whole process runs with its wall clock off by this much (F-50).
let shift = cfg.offsetMs ?? 0;
globalThis.Date = class extends RealDate {
  constructor(...args) { if (args.length === 0) super(RealDate.now() + shift); else super(...args); }
  static now() { return RealDate.now() + shift; }
};
await import('reflect-metadata');
const { createRuntime, defineTool } = await import('@agentrt/core');
const { SqliteStore } = await import('@agentrt/store-sqlite');
const { z } = await import('zod');

const store = new SqliteStore({ path: cfg.path });
const tick = defineTool({
  name: 'tick', description: 'one step of work', input: z.object({ n: z.number() }), sideEffects: 'none',
  execute: async ({ n }) => {
    if (n === cfg.jumpAtStep) shift += cfg.jumpMs; // the wall clock steps (NTP, VM resume, an operator)
    if (n === cfg.crashAtStep) process.kill(process.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, cfg.tickMs ?? 0));
    return `tick ${n}`;
  },
});
const model = {
  provider: 'scripted', model: 'clock',
  generate: async (request) => {
    const step = request.messages.filter((message) => message.role === 'assistant').length;
    if (step >= cfg.steps) return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'stop' };
    return { message: { role: 'assistant', content: '', toolCalls: [{ id: `t${step}`, name: 'tick', args: { n: step } }] }, usage: { inputTokens: 5, outputTokens: 5 }, finishReason: 'tool_calls' };
  },
};
const runtime = createRuntime({ model, tools: [tick], store, leaseTtlMs: 1_000, limits: { maxSteps: cfg.steps + 2, maxToolCalls: cfg.steps + 2, timeoutMs: cfg.timeoutMs ?? 300_000 } });
const result = cfg.resume ? await runtime.resume(cfg.runId, { waitForLeaseMs: 15_000 }) : await runtime.run({ input: 'go', runId: cfg.runId });
await runtime.close();
process.stdout.write(`${JSON.stringify({ status: result.status, stopReason: result.stopReason, steps: result.steps, startedAt: result.startedAt, endedAt: result.endedAt })}\n`);
