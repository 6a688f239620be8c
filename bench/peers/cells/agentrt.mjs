// agentrt through its public exports only: createRuntime + defineTool + MemoryStore (default
// governance and audit on), and SqliteStore for the durable column.
import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { join } from 'node:path';
import { z } from 'zod';
import { add, decide, DESCRIPTION, expectDone, USAGE } from './script.mjs';

const addTool = defineTool({ name: 'add', description: DESCRIPTION, input: z.object({ a: z.number(), b: z.number() }), execute: add });

/**
 * The scripted model as an agentrt ModelAdapter. Like the built-in provider adapters (which convert
 * the messages to their wire format during the call), it only reads `request.messages` while it
 * runs, and says so (`borrowsMessages`): the runtime then lends it the transcript instead of copying it.
 */
function scriptedModel(steps) {
  return {
    provider: 'scripted',
    model: 'scripted-1',
    borrowsMessages: true,
    async generate(request) {
      const last = request.messages.at(-1);
      const decision = decide(last?.role === 'tool' ? last.content : undefined, steps);
      if (decision.text !== undefined) return { message: { role: 'assistant', content: decision.text }, usage: USAGE, finishReason: 'stop' };
      return { message: { role: 'assistant', content: '', toolCalls: [decision.call] }, usage: USAGE, finishReason: 'tool_calls' };
    },
  };
}

const runtimeFor = (steps, store) => createRuntime({
  model: scriptedModel(steps),
  tools: [addTool],
  store,
  limits: { maxSteps: steps + 1, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 },
});

async function runOne(runtime, steps, input) {
  const result = await runtime.run(input);
  if (result.stopReason !== 'final_answer') throw new Error(`agentrt: stopped with ${result.stopReason}: ${result.stopDetail ?? ''}`);
  expectDone(result.output, steps, 'agentrt');
}

export const name = 'agentrt';

export function setup(steps) {
  const runtime = runtimeFor(steps, new MemoryStore());
  return () => runOne(runtime, steps, 'go');
}

export async function setupDurable({ steps, dir, synchronous }) {
  const { SqliteStore } = await import('@agentrt/store-sqlite');
  const path = join(dir, 'agentrt.db');
  const store = new SqliteStore({ path, synchronous });
  const runtime = runtimeFor(steps, store);
  let runs = 0;
  return {
    files: [path, `${path}-wal`],
    run: () => runOne(runtime, steps, { input: 'go', runId: `run-${++runs}` }),
    close: () => store.close(),
  };
}
