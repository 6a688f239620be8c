// RELIABILITY.md 5.2 B-01…B-06: bad tool-call arguments and names, as a real provider sends them —
// through the official `openai` SDK (OpenAIModel) against the strict loopback server, which also
// validates tool pairing on every request. Each row: the typed code and reason the model sees, the
// tool never executed, the audit event, and invariants I1–I8 (checkRunInvariants).
import { createRuntime, defineTool, MemoryStore, type StoredRunEvent, type ToolMessage } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { checkRunInvariants, startOpenAIServer, type LoopbackServer, type ScriptedReply } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const adapter = (server: LoopbackServer) => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, retry: { baseDelayMs: 1, maxDelayMs: 5 } });

interface Outcome { result: ToolMessage; executed: number; events: StoredRunEvent[]; server: LoopbackServer; advertised: string[] }

/** One run: the provider asks for `name(args)` once (args raw text or an object), then answers. */
async function badCall(args: unknown, options: { name?: string; finishReason?: ScriptedReply['finishReason']; allow?: string[] } = {}): Promise<Outcome> {
  let executed = 0;
  const tools = [
    defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { executed++; return a + b; } }),
    defineTool({ name: 'other', description: 'another registered tool', input: z.object({}), execute: () => { executed++; return 'ran'; } }),
  ];
  const server = await startOpenAIServer([
    { reply: { toolCalls: [{ id: 'call_bad', name: options.name ?? 'add', args }], finishReason: options.finishReason ?? 'tool_calls' } },
    { reply: { text: 'done' } },
  ]);
  try {
    const store = new MemoryStore();
    const result = await createRuntime({ model: adapter(server), tools, store, ...(options.allow ? { toolPolicy: { allow: options.allow } } : {}) }).run('go');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'done' });
    // result.toolCalls counts admitted calls, answered ones included (docs/governance.md "Tool-call counts"); execution is counted by the tool itself.
    expect(result.toolCalls).toBe(1);
    const report = await checkRunInvariants({ store, runId: result.runId, result });
    expect(report.violations).toEqual([]);
    const events = await store.listEvents(result.runId);
    const steps = await store.loadSteps(result.runId);
    const message = steps[0]!.messages.find((m) => m.role === 'tool') as ToolMessage;
    // What the provider received in the second request: the same error result, paired with its call.
    const sent = JSON.stringify(server.requests[1]!.body);
    expect(sent).toContain('call_bad');
    const advertised = ((server.requests[0]!.body as { tools?: { function: { name: string } }[] }).tools ?? []).map((t) => t.function.name);
    return { result: message, executed, events, server, advertised };
  } finally {
    await server.close();
  }
}

const rejected = (events: StoredRunEvent[]) => events.filter((e) => e.type === 'tool_rejected' || e.type === 'tool_denied') as (StoredRunEvent & { code: string; reason: string; toolCallId: string })[];
const text = (message: ToolMessage) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content));

describe('B-01 schema violation: tool_args_invalid (schema), ≤ 10 issue paths, preview ≤ 1 KB, not executed, audited', () => {
  const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  const wide = (keys: number) => JSON.stringify(Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])));
  const many = JSON.stringify({ a: 'x', b: 'y', ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}`, 'z'.repeat(200)])) });
  it.each([
    ['wrong types', '{"a":"one","b":true}'],
    ['missing required', '{"a":1}'],
    ['10 000 nested keys (10 000 levels deep)', deep(10_000)],
    ['10 000 keys in one object, wrong types too', wide(10_000)],
    ['dozens of problems with long values', many],
  ])('%s', async (_label, args) => {
    const { result, executed, events } = await badCall(args);
    expect(executed).toBe(0);
    expect(result).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    const content = text(result);
    expect(content).toContain('schema');
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(1024 + 64);
    const paths = content.match(/(?:^|; |: )([A-Za-z0-9_.]+|\(root\)): /g) ?? [];
    expect(paths.length).toBeLessThanOrEqual(11);
    const audit = rejected(events);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ code: 'tool_args_invalid', toolCallId: 'call_bad' });
    expect(Buffer.byteLength(JSON.stringify(audit[0]))).toBeLessThanOrEqual(1024 + 512);
  });

  it('extra props against a strict schema are refused (schema) and the tool is not run', async () => {
    let executed = 0;
    const strict = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }).strict(), execute: () => { executed++; return 0; } });
    await using server = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_x', name: 'add', args: '{"a":1,"b":2,"isAdmin":true}' }], finishReason: 'tool_calls' } }, { reply: { text: 'ok' } }]);
    const store = new MemoryStore();
    const run = await createRuntime({ model: adapter(server), tools: [strict], store }).run('go');
    expect(executed).toBe(0);
    const message = (await store.loadSteps(run.runId))[0]!.messages.find((m) => m.role === 'tool') as ToolMessage;
    expect(message).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(text(message)).toContain('schema');
    expect(text(message)).toContain('isAdmin');
    expect(rejected(await store.listEvents(run.runId))).toHaveLength(1);
    expect((await checkRunInvariants({ store, runId: run.runId, result: run })).violations).toEqual([]);
  });
});

describe('B-02 non-JSON args: tool_args_invalid (json_parse), never dispatched with {}, no silent repair', () => {
  it.each([
    ['fenced ```json', '```json\n{"a":1,"b":2}\n```'],
    ['trailing comma', '{"a":1,"b":2,}'],
    ['single quotes', "{'a':1,'b':2}"],
    ['unquoted keys', '{a:1,b:2}'],
    ['NaN', '{"a":NaN,"b":1}'],
    ['empty string', ''],
  ])('%s', async (_label, args) => {
    const { result, executed, events } = await badCall(args);
    expect(executed).toBe(0);
    expect(result).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(text(result)).toContain('json_parse');
    expect(rejected(events)).toHaveLength(1);
  });
});

describe('B-03 non-object JSON: tool_args_invalid (not_object)', () => {
  it.each([
    ['null', 'null'], ['[]', '[]'], ['"str"', '"str"'], ['42', '42'], ['true', 'true'],
    // A double-encoded object is a JSON string: decoding it twice would be a silent repair (B-02).
    ['a JSON string holding an object (double-encoded)', JSON.stringify(JSON.stringify({ a: 1, b: 2 }))],
  ])('%s', async (_label, args) => {
    const { result, executed, events } = await badCall(args);
    expect(executed).toBe(0);
    expect(result).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(text(result)).toContain('not_object');
    expect(rejected(events)).toHaveLength(1);
  });
});

describe('B-04 truncated args: finish_reason=length mid-JSON', () => {
  it('is tool_args_invalid (truncated) with a hint to send shorter arguments; the tool does not run', async () => {
    const { result, executed, events } = await badCall('{"a": 1, "b"', { finishReason: 'length' });
    expect(executed).toBe(0);
    expect(result).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(text(result)).toContain('truncated');
    expect(text(result)).toMatch(/shorter/);
    expect(rejected(events)).toHaveLength(1);
  });
});

describe('B-05 prototype pollution through arguments', () => {
  it.each([
    ['__proto__', '{"__proto__":{"isAdmin":true},"a":1,"b":2}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"isAdmin":true}},"a":1,"b":2}'],
  ])('%s is stripped; Object.prototype unchanged after the run', async (_label, args) => {
    const seen: unknown[] = [];
    const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ a: z.number(), b: z.number() }).passthrough(), execute: (value) => { seen.push(value); return 'ok'; } });
    await using server = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_p', name: 'echo', args }], finishReason: 'tool_calls' } }, { reply: { text: 'ok' } }]);
    const store = new MemoryStore();
    const run = await createRuntime({ model: adapter(server), tools: [echo], store }).run('go');
    expect(run.stopReason).toBe('final_answer');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
    expect(Object.keys(seen[0] as object).sort()).toEqual(['a', 'b']);
    expect((await checkRunInvariants({ store, runId: run.runId, result: run })).violations).toEqual([]);
  });
});

describe('B-06 unknown tool names: exact match only', () => {
  it.each([['nonexistent', 'nope'], ['case variant', 'ADD'], ['trailing space', 'add '], ['Unicode homoglyph (Cyrillic а)', '\u0430dd']])('%s ⇒ tool_not_found', async (_label, name) => {
    const { result, executed, events } = await badCall('{"a":1,"b":2}', { name });
    expect(executed).toBe(0);
    expect(result).toMatchObject({ isError: true, code: 'tool_not_found' });
    expect(rejected(events)).toHaveLength(1);
  });

  it('a registered tool not allowed in this run ⇒ tool_denied (and it was not advertised)', async () => {
    const { result, executed, events, advertised } = await badCall('{}', { name: 'other', allow: ['add'] });
    expect(executed).toBe(0);
    expect(advertised).toEqual(['add']);
    expect(result).toMatchObject({ isError: true, code: 'tool_denied' });
    expect(events.filter((e) => e.type === 'tool_denied')).toHaveLength(1);
  });
});
