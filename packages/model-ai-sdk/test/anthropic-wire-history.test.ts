// The Anthropic rules for a history, through the AI SDK's Anthropic provider against the strict
// loopback (packages/testing anthropic-wire), as `@agentrt/model-anthropic` follows them
// (its wire-history.test.ts): `@ai-sdk/anthropic` sends a `tool-call` part's `toolName` as
// `tool_use.name` and a `text` / `error-text` output's value as `tool_result.content` verbatim,
// so the adapter must hand it a prompt the API accepts.
import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer) => new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-test-loopback', baseURL: `${server.url}/v1` })('claude-sonnet-4-5'), retry: { baseDelayMs: 1, maxDelayMs: 5 } });
interface Block { type: string; id?: string; name?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }
const sentBlocks = (body: unknown) => (body as { messages: { content: Block[] | string }[] }).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
const blocks = (server: LoopbackServer, i: number) => sentBlocks(server.requests[i]!.body);
const refusals = (server: LoopbackServer) => server.requests.map((r) => r.rejected?.message).filter(Boolean);
const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
const ID_46 = `chatcmpl-tool-${'a'.repeat(32)}`;

describe('AiSdkModel (Anthropic provider) sends a history the Messages API accepts', () => {
  it('a carried-over history: invented tool name "functions.lookup:0", a 46-character id, an empty error result and a whitespace-only result', async () => {
    const input: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'functions.lookup:0', name: 'functions.lookup:0', args: { q: 'a' } }, { id: ID_46, name: 'lookup', args: { q: 'b' } }] },
      { role: 'tool', toolCallId: 'functions.lookup:0', name: 'functions.lookup:0', content: '', isError: true },
      { role: 'tool', toolCallId: ID_46, name: 'lookup', content: ' \n' },
    ];
    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const result = await createRuntime({ model: model(server), tools: [lookup], store: new MemoryStore() }).run({ input });
    expect(refusals(server)).toEqual([]);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    const sent = blocks(server, 0);
    const uses = sent.filter((b) => b.type === 'tool_use');
    expect(uses.map((b) => b.name)).toEqual([expect.stringMatching(/^functions_lookup_0_[0-9a-f]{8}$/), 'lookup']);
    expect(uses[1]!.id).toBe(ID_46); // allowed as it is
    const results = sent.filter((b) => b.type === 'tool_result');
    expect(results.map((b) => b.tool_use_id)).toEqual(uses.map((b) => b.id));
    expect(results[0]).toMatchObject({ is_error: true, content: expect.stringMatching(/\S/) });
    expect(results[1]!.content ?? '').toBe('');
  });

  it('a model that invents tool names mid-run (answered tool_not_found) keeps the run going; the run keeps the names it gave', async () => {
    const invented = ['functions.lookup', 'x'.repeat(100), 'look up'];
    await using server = await startAnthropicServer([
      { reply: { toolCalls: invented.map((name, i) => ({ id: `toolu_${i}`, name, args: { q: 'a' } })) } },
      { reply: { toolCalls: [{ id: 'toolu_ok', name: 'lookup', args: { q: 'b' } }] } },
      { reply: { text: 'done' } },
    ]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(refusals(server)).toEqual([]);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    const names = blocks(server, 2).filter((b) => b.type === 'tool_use').map((b) => b.name!);
    expect(names).toHaveLength(4);
    expect(names.every((name) => /^[a-zA-Z0-9_-]{1,64}$/.test(name))).toBe(true);
    expect(new Set(names).size).toBe(4);
    expect(names[3]).toBe('lookup');
    expect(blocks(server, 1).filter((b) => b.type === 'tool_use').map((b) => b.name)).toEqual(names.slice(0, 3)); // the same mapping every request
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages[0]).toMatchObject({ toolCalls: invented.map((name) => ({ name })) });
  });

  it('tool outputs that are empty or only whitespace, as text or parts, are not sent as refused text', async () => {
    const outputs: Record<string, unknown> = { empty: '', newline: ' \n', parts: [{ type: 'text', text: '  ' }], mixed: [{ type: 'text', text: '\t' }, { type: 'text', text: 'kept' }] };
    const tools = Object.entries(outputs).map(([name, output]) => defineTool({ name, description: name, input: z.object({}), execute: () => output as string }));
    await using server = await startAnthropicServer([
      { reply: { toolCalls: Object.keys(outputs).map((name, i) => ({ id: `toolu_${i}`, name, args: {} })) } },
      { reply: { text: 'done' } },
    ]);
    const result = await createRuntime({ model: model(server), tools, store: new MemoryStore() }).run('hi');
    expect(refusals(server)).toEqual([]);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
  });

  it('keeps tool_use ids unique when a hostile model copies the mapped form of an earlier id', async () => {
    await using server = await startAnthropicServer([
      { reply: { toolCalls: [{ id: 'call.1', name: 'lookup', args: { q: 'a' } }] } },
      { reply: (body) => ({ toolCalls: [{ id: sentBlocks(body).find((b) => b.type === 'tool_use')!.id!, name: 'lookup', args: { q: 'b' } }] }) },
      { reply: { text: 'done' } },
    ]);
    const result = await createRuntime({ model: model(server), tools: [lookup], store: new MemoryStore() }).run('hi');
    expect(refusals(server)).toEqual([]);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    const last = blocks(server, 2);
    const uses = last.filter((b) => b.type === 'tool_use').map((b) => b.id!);
    expect(new Set(uses).size).toBe(2);
    expect(last.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id)).toEqual(uses);
  });
});
