// Pins the shared copy of a step's assistant message (perf pass 18b: the copy now freezes each
// nested object as it builds it and measures its height in the same walk, instead of a second
// freezing walk): every level is frozen, `toJSON` results included; a copy that fits the stored
// depth only at the top level is still copied (and refused) by the store, never kept as it is.
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type ModelResponse, type RunEvent } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const echo = defineTool({ name: 'echo', description: 'echoes', input: z.object({}).passthrough(), execute: () => 'ok' });

function modelOf(message: ModelResponse['message']): ModelAdapter {
  let n = 0;
  return {
    provider: 'test', model: 'shared', borrowsMessages: true,
    async generate() {
      const answer = n++ === 0 ? message : { role: 'assistant' as const, content: 'done' };
      return { message: answer, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: answer.toolCalls ? 'tool_calls' : 'stop' };
    },
  };
}

async function runWith(message: ModelResponse['message']) {
  const store = new MemoryStore();
  const events: RunEvent[] = [];
  const result = await createRuntime({ model: modelOf(message), tools: [echo], store, hooks: [{ onEvent: (event) => void events.push(event) }] }).run('go');
  const response = events.find((e): e is Extract<RunEvent, { type: 'model_response' }> => e.type === 'model_response');
  return { store, result, response };
}

/** Paths of objects and arrays in `value` that are not frozen. */
function unfrozen(value: unknown, path = '$'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const own = Object.isFrozen(value) ? [] : [path];
  return own.concat(...Object.entries(value).map(([key, child]) => unfrozen(child, `${path}.${key}`)));
}

/** `n` objects nested one in another. */
const nested = (n: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < n; i++) value = { d: value };
  return value;
};

describe('the shared copy of a step message', () => {
  it('is frozen at every level: arrays in arrays, objects in arrays, toJSON results', async () => {
    const stamp = { toJSON: () => ({ at: [1, { two: [2] }] }) };
    const args = { list: [[1, [2, [3]]], { a: { b: { c: 'x' } } }], when: new Date(0), stamp };
    const { result, response } = await runWith({ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'echo', args }] });
    expect(result.status).toBe('completed');
    const message = response!.message;
    expect(unfrozen(message)).toEqual([]);
    expect(message.toolCalls![0]!.args).toEqual(JSON.parse(JSON.stringify(args)));
  });

  it('nested as deep as a step can keep it: stored whole', async () => {
    // Message (level 1) → extra (2) → … : 996 more objects; inside the step (message at level 3) the deepest is level 1,000.
    const message = { role: 'assistant' as const, content: 'x', extra: nested(997) } as ModelResponse['message'];
    const { store, result } = await runWith(message);
    expect(result.status).toBe('completed');
    const steps = await store.loadSteps(result.runId);
    expect(JSON.stringify(steps[0]!.messages[0])).toBe(JSON.stringify(message));
  });

  it('one level deeper than a step can keep: the store refuses it (the shared copy fits on its own, so its height must be exact)', async () => {
    const message = { role: 'assistant' as const, content: 'x', extra: nested(998) } as ModelResponse['message'];
    const { store, result } = await runWith(message);
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/^Invalid option "input\.step\.messages\[0\]\.extra(\.d)+": nests objects and arrays more than 1000 levels deep$/);
    expect(await store.loadSteps(result.runId)).toEqual([]);
  });
});
