/**
 * The assistant message of a step is copied once, as a JSON round trip gives it, and deep-frozen:
 * its `model_response` event and the committed step keep that one copy (a redaction that changes
 * nothing in it returns it as it is). What users see must not change: the event is redacted, the
 * step keeps the model's words for a resume, reads hand out copies of their own, and what an
 * adapter does to its message after answering reaches neither.
 */
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type ModelResponse, type RunEvent } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const echo = defineTool({ name: 'echo', description: 'echoes', input: z.object({}).passthrough(), execute: (args) => args });

/** Answers with `messages[i]` for call i, then a final answer. */
function modelOf(messages: ModelResponse['message'][]): ModelAdapter {
  let n = 0;
  return {
    provider: 'test',
    model: 'shared',
    borrowsMessages: true,
    async generate() {
      const message = messages[n++] ?? { role: 'assistant', content: 'done' };
      return { message, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: message.toolCalls ? 'tool_calls' : 'stop' };
    },
  };
}

async function runWith(messages: ModelResponse['message'][]) {
  const store = new MemoryStore();
  const events: RunEvent[] = [];
  const result = await createRuntime({ model: modelOf(messages), tools: [echo], store, hooks: [{ onEvent: (event) => void events.push(event) }] }).run('go');
  const responses = events.filter((e): e is Extract<RunEvent, { type: 'model_response' }> => e.type === 'model_response');
  return { store, result, responses, steps: await store.loadSteps(result.runId) };
}

describe('the step message its audit event shares', () => {
  it('is recorded as a JSON round trip gives it, alike in the event and the stored step', async () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    const args = { n: Number.NaN, gone: undefined, when, neg: -0, list: [1, undefined, 3] };
    const { responses, steps, result } = await runWith([{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'echo', args }] }]);
    expect(result.status).toBe('completed');
    const expected = JSON.parse(JSON.stringify(args));
    expect(steps[0]!.messages[0]).toEqual({ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'echo', args: expected }] });
    expect(responses[0]!.message.toolCalls![0]!.args).toEqual(expected);
    expect(Object.isFrozen(responses[0]!.message.toolCalls![0]!.args)).toBe(true);
  });

  it('is redacted in the event, kept whole in the step (a resume needs the model\'s words)', async () => {
    const secret = 'sk-abcdefghijklmnop1234';
    const { responses, steps } = await runWith([{ role: 'assistant', content: `key ${secret}`, toolCalls: [{ id: 'c1', name: 'echo', args: { password: 'hunter22', note: 'plain' } }, { id: 'c2', name: 'echo', args: { list: ['a', { token: { inner: 'abc', n: 5 } }] } }] }]);
    const event = responses[0]!.message;
    expect(event.content).not.toContain(secret);
    expect(event.toolCalls![0]!.args).toEqual({ password: '[REDACTED]', note: 'plain' });
    // Redacted deep inside an array: the copy starts at the first change, the rest kept.
    expect(event.toolCalls![1]!.args).toEqual({ list: ['a', { token: { inner: '[REDACTED]', n: '[REDACTED]' } }] });
    expect(Object.isFrozen(event.toolCalls![1]!.args)).toBe(true);
    expect(Object.isFrozen((event.toolCalls![1]!.args as { list: unknown[] }).list)).toBe(true);
    expect(steps[0]!.messages[0]).toMatchObject({ content: `key ${secret}`, toolCalls: [{ args: { password: 'hunter22', note: 'plain' } }, { args: { list: ['a', { token: { inner: 'abc', n: 5 } }] } }] });
  });

  it('drops an own __proto__ key from the event only, as every event copy does', async () => {
    const args = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const { responses, steps } = await runWith([{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'echo', args }] }]);
    const event = responses[0]!.message.toolCalls![0]!.args as Record<string, unknown>;
    expect(Object.keys(event)).toEqual(['a']);
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    const stored = (steps[0]!.messages[0] as unknown as { toolCalls: { args: Record<string, unknown> }[] }).toolCalls[0]!.args;
    expect(Object.keys(stored)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not follow what the adapter does to its message after answering', async () => {
    const message = { role: 'assistant' as const, content: 'first', toolCalls: [{ id: 'c1', name: 'echo', args: { v: 1 } }] };
    const store = new MemoryStore();
    const events: RunEvent[] = [];
    let n = 0;
    const model: ModelAdapter = {
      provider: 'test',
      model: 'mutating',
      async generate() {
        n++;
        if (n === 2) {
          // The adapter reuses and rewrites its first answer's objects.
          message.content = 'rewritten';
          message.toolCalls[0]!.args.v = 99;
          return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
        }
        return { message, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
      },
    };
    const result = await createRuntime({ model, tools: [echo], store, hooks: [{ onEvent: (event) => void events.push(event) }] }).run('go');
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages[0]).toMatchObject({ content: 'first', toolCalls: [{ args: { v: 1 } }] });
    const first = events.find((e) => e.type === 'model_response') as Extract<RunEvent, { type: 'model_response' }>;
    expect(first.message).toMatchObject({ content: 'first', toolCalls: [{ args: { v: 1 } }] });
  });

  it('is handed out by reads as copies callers may change', async () => {
    const { store, result } = await runWith([{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'echo', args: { v: 1 } }] }]);
    const read = await store.loadSteps(result.runId);
    const call = (read[0]!.messages[0] as unknown as { toolCalls: { args: { v: number } }[] }).toolCalls[0]!;
    expect(Object.isFrozen(call.args)).toBe(false);
    call.args.v = 2;
    const again = await store.loadSteps(result.runId);
    expect((again[0]!.messages[0] as unknown as { toolCalls: { args: { v: number } }[] }).toolCalls[0]!.args.v).toBe(1);
  });

  it('a message JSON cannot hold still fails the step as before (the store names the field)', async () => {
    const { result } = await runWith([{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'echo', args: { big: 10n } as unknown as Record<string, unknown> }] }]);
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/bigint|BigInt/);
  });
});
