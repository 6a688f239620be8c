// A child for rel-F15-F47.test.ts (RELIABILITY F-15 and F-47), on one SQLite file.
// mode 'f15-start': one step with three parallel calls (#2 throws); SIGKILL at CP5 (the calls'
//   results are in the tool ledger, the step is not committed). mode 'f15-resume': resume it.
// mode 'f47': wait for the start file, then `concurrency` concurrent run({ idempotencyKey }) calls;
//   prints one JSON line with their results (or error codes).
import 'reflect-metadata';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const base = new SqliteStore({ path: cfg.dbPath });
const effect = (line) => appendFileSync(cfg.effectsPath, `${line}\n`);

if (cfg.mode === 'f47') {
  const model = {
    provider: 'scripted', model: 'f47',
    async generate() {
      effect(`model ${process.pid}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { message: { role: 'assistant', content: 'the one answer' }, usage: { inputTokens: 5, outputTokens: 3 }, finishReason: 'stop' };
    },
  };
  const runtime = createRuntime({ model, store: base, leaseTtlMs: 2_000 });
  writeFileSync(`${cfg.startPath}.ready-${process.pid}`, '');
  while (!existsSync(cfg.startPath)) await new Promise((resolve) => setTimeout(resolve, 2));
  const settled = await Promise.allSettled(Array.from({ length: cfg.concurrency }, () => runtime.run({ input: 'same input', idempotencyKey: cfg.key })));
  process.stdout.write(`${JSON.stringify(settled.map((s) => (s.status === 'fulfilled' ? { runId: s.value.runId, status: s.value.status, output: s.value.output } : { error: s.reason?.code ?? String(s.reason) })))}\n`);
  await runtime.close();
  await base.close();
} else {
  const crashing = cfg.mode === 'f15-start';
  const store = new Proxy(base, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'commitStep' && crashing) {
        return async (input) => {
          if (input.step.stepIndex === 0) process.kill(process.pid, 'SIGKILL'); // CP5
          return value.call(target, input);
        };
      }
      return value.bind(target);
    },
  });
  const tool = (name, sideEffects, fails) => defineTool({
    name, description: name, input: z.object({ n: z.number() }), sideEffects,
    execute: async ({ n }, ctx) => {
      effect(`${ctx.toolCallId}`);
      if (fails) throw new Error(`${name} broke on ${n}`);
      return `${name} ${n}`;
    },
  });
  const tools = [tool('first', 'idempotent', false), tool('second', 'none', true), tool('third', 'non-idempotent', false)];
  // Deterministic: decides from the number of assistant turns, so a re-asked model decides the same.
  const model = {
    provider: 'scripted', model: 'f15',
    async generate(request) {
      effect('model');
      const step = request.messages.filter((message) => message.role === 'assistant').length;
      if (step > 0) return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'stop' };
      return {
        message: { role: 'assistant', content: '', toolCalls: [{ id: 'p1', name: 'first', args: { n: 1 } }, { id: 'p2', name: 'second', args: { n: 2 } }, { id: 'p3', name: 'third', args: { n: 3 } }] },
        usage: { inputTokens: 5, outputTokens: 4 }, finishReason: 'tool_calls',
      };
    },
  };
  const runtime = createRuntime({ model, tools, store, leaseTtlMs: 300, owner: `f15-${process.pid}` });
  const result = crashing ? await runtime.run({ input: 'three at once', runId: cfg.runId }) : await runtime.resume(cfg.runId, { waitForLeaseMs: 5_000 });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await runtime.close();
  await base.close();
}
