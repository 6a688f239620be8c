import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

async function firstToolResult(args: unknown, options: { name?: string; finishReason?: 'length' } = {}): Promise<{ result: ToolMessage; executed: number }> {
  let executed = 0;
  const spy = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { executed++; return a + b; } });
  const model = new ScriptedModel([
    { toolCalls: [{ name: options.name ?? 'add', args }], ...(options.finishReason ? { finishReason: options.finishReason } : {}) },
    ScriptedModel.answer('ok'),
  ]);
  const store = new MemoryStore();
  const run = await createRuntime({ model, tools: [spy], store }).run('go');
  expect(run.stopReason).toBe('final_answer');
  expect(run.toolCalls).toBe(1);
  await assertRunInvariants({ store, runId: run.runId, result: run });
  const result = model.requests[1]!.messages.at(-1) as ToolMessage;
  return { result, executed };
}

describe('bad model output never crashes the loop', () => {
  it.each([
    ['fenced JSON', '```json\n{"a":1,"b":2}\n```'],
    ['trailing comma', '{"a":1,"b":2,}'],
    ['single quotes', "{'a':1,'b':2}"],
    ['unquoted keys', '{a:1,b:2}'],
    ['NaN', '{"a":NaN,"b":1}'],
    ['empty string', ''],
  ])('rejects non-JSON args (%s) with tool_args_invalid json_parse and never dispatches', async (_label, args) => {
    const { result, executed } = await firstToolResult(args);
    expect(executed).toBe(0);
    expect(result).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(result.content).toContain('json_parse');
  });

  it.each([['null', 'null'], ['array', '[]'], ['string', '"str"'], ['number', '42'], ['boolean', 'true'], ['raw null', null], ['raw array', [1, 2]]])(
    'rejects non-object JSON (%s) with not_object',
    async (_label, args) => {
      const { result, executed } = await firstToolResult(args);
      expect(executed).toBe(0);
      expect(result.code).toBe('tool_args_invalid');
      expect(result.content).toContain('not_object');
    },
  );

  it('rejects schema-invalid args with bounded issues', async () => {
    const { result, executed } = await firstToolResult({ a: 'one' });
    expect(executed).toBe(0);
    expect(result.code).toBe('tool_args_invalid');
    expect(result.content).toContain('schema');
    expect(result.content).toContain('a:');
    expect(result.content.length).toBeLessThanOrEqual(1200);
  });

  it('reports arguments cut by the token limit as truncated', async () => {
    const { result } = await firstToolResult('{"a": 1, "b"', { finishReason: 'length' });
    expect(result.content).toContain('truncated');
  });

  it.each(['nope', 'ADD', 'add ', 'аdd'])('answers an unknown tool name %j with tool_not_found (exact match only)', async (name) => {
    const { result, executed } = await firstToolResult({ a: 1, b: 2 }, { name });
    expect(executed).toBe(0);
    expect(result.code).toBe('tool_not_found');
  });

  it('drops __proto__ keys so Object.prototype is never polluted', async () => {
    const seen: unknown[] = [];
    const echo = defineTool({ name: 'echo', description: 'e', input: z.object({}).passthrough(), execute: (args) => { seen.push(args); return 'ok'; } });
    const model = new ScriptedModel([ScriptedModel.call('echo', '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"ok":1}'), ScriptedModel.answer('done')]);
    await createRuntime({ model, tools: [echo] }).run('go');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(seen[0]).toEqual({ ok: 1 });
  });

  it('stops with model_output_invalid when one response reuses a tool call id', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel([{ id: 'dup', name: 'add', args: { a: 1, b: 1 } }, { id: 'dup', name: 'add', args: { a: 2, b: 2 } }])]);
    const result = await createRuntime({ model, tools: [add], store }).run('go');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_output_invalid' } });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a response whose fields throw when read is model_output_invalid (not internal_error), and the run stays sound', async () => {
    for (const field of ['usage', 'finishReason', 'message']) {
      const store = new MemoryStore();
      const response: Record<string, unknown> = { message: { role: 'assistant', content: 'hi' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      Object.defineProperty(response, field, { enumerable: true, get: () => { throw new Error(`${field} is not readable`); } });
      const model = { provider: 'test', model: 'throwing', generate: async () => response as never };
      const result = await createRuntime({ model, store }).run('go');
      expect(result, field).toMatchObject({ stopReason: 'error', error: { code: 'model_output_invalid' } });
      expect(result.error?.message).toContain(`${field} is not readable`);
      await assertRunInvariants({ store, runId: result.runId, result });
    }
  });

  it('a finish reason outside FinishReason is recorded as "other" (a model cannot write arbitrary text there)', async () => {
    const store = new MemoryStore();
    const model = { provider: 'test', model: 'odd', generate: async () => ({ message: { role: 'assistant' as const, content: 'hi' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'x'.repeat(10_000) as never }) };
    const result = await createRuntime({ model, store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const events = await store.listEvents(result.runId);
    expect(events.find((e) => e.type === 'model_response')).toMatchObject({ finishReason: 'other' });
    const [step] = await store.loadSteps(result.runId);
    expect(step!.finishReason).toBe('other');
  });

  it('assigns ids to tool calls that come without one', async () => {
    const model = new ScriptedModel([() => ({ message: { role: 'assistant', content: '', toolCalls: [{ id: '', name: 'add', args: { a: 1, b: 1 } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }), ScriptedModel.answer('2')]);
    const result = await createRuntime({ model, tools: [add] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const assistant = model.requests[1]!.messages.find((m) => m.role === 'assistant');
    expect(assistant?.role === 'assistant' && assistant.toolCalls?.[0]?.id).toBe('call_0_0');
  });

  it.each([
    ['throws an Error with a secret', () => { throw new Error('failed with key sk-agentrt-CANARY-0123456789abcdef'); }],
    ['throws null', () => { throw null; }],
    ['throws a string', () => { throw 'plain string'; }],
    ['throws a circular object', () => { const o: Record<string, unknown> = {}; o.self = o; throw o; }],
    ['rejects', () => Promise.reject(new Error('nope'))],
    ['returns a BigInt', () => 10n],
  ])('turns a tool that %s into tool_failed, redacted, without a stack', async (_label, execute) => {
    const bad = defineTool({ name: 'bad', description: 'b', input: z.object({}), execute });
    const model = new ScriptedModel([ScriptedModel.call('bad'), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [bad] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const message = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(message).toMatchObject({ isError: true, code: 'tool_failed' });
    expect(message.content).not.toContain('CANARY');
    expect(message.content).not.toMatch(/\n\s+at /);
  });

  it('caps huge tool output with a tool_output_truncated marker', async () => {
    const big = defineTool({ name: 'big', description: 'b', input: z.object({}), execute: () => 'x'.repeat(5_000_000) });
    const model = new ScriptedModel([ScriptedModel.call('big'), ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [big], limits: { maxToolOutputChars: 10_000 } }).run('go');
    const message = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(message.content.length).toBeLessThanOrEqual(10_000);
    expect(message.content).toContain('tool_output_truncated');
    expect(message.code).toBe('tool_output_truncated');
  });
});

describe('cuts of tool output never split a surrogate pair (a lone half is a 400 at providers)', () => {
  const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  it.each([
    ['short text over the cap', 'x' + '😀'.repeat(800)],
    ['text far over the cap (head and tail cut apart)', 'x' + '😀'.repeat(30_000)],
    ['an object whose string field is far over the cap', { note: 'x' + '🎉'.repeat(60_000) }],
  ])('%s', async (_label, output) => {
    for (const maxToolOutputChars of [1_001, 1_002, 1_003, 1_004]) {
      const emoji = defineTool({ name: 'emoji', description: 'emoji', input: z.object({}), execute: () => output });
      const model = new ScriptedModel([ScriptedModel.call('emoji', {}), ScriptedModel.answer('ok')]);
      const store = new MemoryStore();
      const result = await createRuntime({ model, tools: [emoji], store, limits: { maxToolOutputChars } }).run('go');
      expect(result.stopReason).toBe('final_answer');
      const sent = model.requests[1]!.messages.at(-1) as ToolMessage;
      expect(typeof sent.content === 'string' && sent.content.includes('tool_output_truncated')).toBe(true);
      expect(LONE.test(sent.content as string), `maxToolOutputChars ${maxToolOutputChars}`).toBe(false);
      const finished = (await store.listEvents(result.runId)).find((e) => e.type === 'tool_finished') as { content?: unknown } | undefined;
      expect(LONE.test(JSON.stringify(finished?.content ?? '').replace(/\\u[0-9a-f]{4}/g, (u) => String.fromCharCode(parseInt(u.slice(2), 16)))), 'tool_finished').toBe(false);
    }
  });
});
