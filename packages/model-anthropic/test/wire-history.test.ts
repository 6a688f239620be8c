// What a legitimate run's history can hold that the Messages API refuses, and how the adapter
// sends it. The loopback checks these rules strictly (packages/testing anthropic-wire):
// - `tool_use.name` in the history: `^[a-zA-Z0-9_-]{1,64}$` (the API spec's pattern; later spec
//   versions 1–200 characters) — a model may invent any name (`functions.lookup`, empty);
// - text that is empty or only whitespace, nested in a `tool_result` too ("text content blocks
//   must contain non-whitespace text"); an error result without content ("content cannot be
//   empty if `is_error` is true") — tools may return nothing, or only a newline;
// - `tool_use` ids unique in the request ("`tool_use` ids must be unique") — a hostile model may
//   copy the mapped form of an earlier id (the runtime sees a new id; only the wire forms collide).
import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
interface Block { type: string; id?: string; name?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }
const sentBlocks = (body: unknown) => (body as { messages: { content: Block[] | string }[] }).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
const blocks = (server: LoopbackServer, i: number) => sentBlocks(server.requests[i]!.body);
/** The loopback's refusals (none expected), in request order. */
const refusals = (server: LoopbackServer) => server.requests.map((r) => r.rejected?.message).filter(Boolean);
const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });

describe('AnthropicModel sends a history the API accepts', () => {
  it('maps tool names a model invented (answered tool_not_found) in every later request; the run keeps them', async () => {
    const invented = ['functions.lookup', '', 'x'.repeat(100), 'look up'];
    await using server = await startAnthropicServer([
      { reply: { toolCalls: invented.map((name, i) => ({ id: `toolu_${i}`, name, args: { q: 'a' } })) } },
      { reply: { toolCalls: [{ id: 'toolu_ok', name: 'lookup', args: { q: 'b' } }] } },
      { reply: { text: 'done' } },
    ]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    expect(refusals(server)).toEqual([]);
    const names = blocks(server, 2).filter((b) => b.type === 'tool_use').map((b) => b.name!);
    expect(names).toHaveLength(5);
    expect(names.every((name) => /^[a-zA-Z0-9_-]{1,64}$/.test(name))).toBe(true);
    expect(new Set(names).size).toBe(5);
    expect(names[4]).toBe('lookup'); // a defined tool's name is never touched
    // The same mapping in every request (a prompt cache over the history still matches).
    expect(blocks(server, 1).filter((b) => b.type === 'tool_use').map((b) => b.name)).toEqual(names.slice(0, 4));
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages[0]).toMatchObject({ toolCalls: invented.map((name) => ({ name })) });
  });

  it('sends tool outputs that are empty or only whitespace without refused text blocks, and keeps them in the run', async () => {
    const outputs: Record<string, unknown> = { empty: '', newline: ' \n', parts: [{ type: 'text', text: '  ' }], mixed: [{ type: 'text', text: '\t' }, { type: 'text', text: 'kept' }] };
    const tools = Object.entries(outputs).map(([name, output]) => defineTool({ name, description: name, input: z.object({}), execute: () => output as string }));
    await using server = await startAnthropicServer([
      { reply: { toolCalls: Object.keys(outputs).map((name, i) => ({ id: `toolu_${i}`, name, args: {} })) } },
      { reply: { text: 'done' } },
    ]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools, store }).run('hi');
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    expect(refusals(server)).toEqual([]);
    const results = blocks(server, 1).filter((b) => b.type === 'tool_result');
    expect(results.map((b) => b.content)).toEqual([undefined, undefined, undefined, [{ type: 'text', text: 'kept' }]]);
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages.slice(1).map((m) => (m as { content: unknown }).content)).toEqual(['', ' \n', [{ type: 'text', text: '  ' }], [{ type: 'text', text: '\t' }, { type: 'text', text: 'kept' }]]);
  });

  it.each(['', ' '])('gives an error result with output %j the content the API requires', async (output) => {
    // A history carried over from another provider: a failed call whose error output was empty.
    const input: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', args: { q: 'a' } }] },
      { role: 'tool', toolCallId: 'call_1', name: 'lookup', content: output, isError: true },
    ];
    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const result = await createRuntime({ model: model(server), tools: [lookup], store: new MemoryStore() }).run({ input });
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    const [sent] = blocks(server, 0).filter((b) => b.type === 'tool_result');
    expect(sent).toMatchObject({ tool_use_id: 'call_1', is_error: true, content: expect.stringMatching(/\S/) });
  });

  it('keeps tool_use ids unique when a hostile model copies the mapped form of an earlier id, twice', async () => {
    let copied = '';
    await using server = await startAnthropicServer([
      // An id the API refuses: sent mapped (call_1_<hash>).
      { reply: { toolCalls: [{ id: 'call.1', name: 'lookup', args: { q: 'a' } }] } },
      // The model copies that mapped form from its history as the id of a new call.
      {
        reply: (body) => {
          copied = sentBlocks(body).find((b) => b.type === 'tool_use')!.id!;
          return { toolCalls: [{ id: copied, name: 'lookup', args: { q: 'b' } }] };
        },
      },
      // And copies the form its second call was sent with (re-mapped, since it collided) for a third.
      { reply: (body) => ({ toolCalls: [{ id: sentBlocks(body).filter((b) => b.type === 'tool_use')[1]!.id!, name: 'lookup', args: { q: 'c' } }] }) },
      { reply: { text: 'done' } },
    ]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    expect(refusals(server)).toEqual([]);
    expect(copied).toMatch(/^call_1_[0-9a-f]{8}$/);
    const last = blocks(server, 3);
    const uses = last.filter((b) => b.type === 'tool_use').map((b) => b.id!);
    expect(uses).toHaveLength(3);
    expect(new Set(uses).size).toBe(3);
    // Each result follows its own call, and earlier turns keep their ids as the history grows.
    expect(last.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id)).toEqual(uses);
    expect(blocks(server, 2).filter((b) => b.type === 'tool_use').map((b) => b.id)).toEqual(uses.slice(0, 2));
    expect(uses[0]).toBe(copied);
    // The run's records keep the ids the model gave.
    const steps = await store.loadSteps(result.runId);
    expect(steps.slice(0, 3).map((s) => (s.messages[0] as unknown as { toolCalls: { id: string }[] }).toolCalls[0]!.id)).toEqual(['call.1', copied, expect.any(String)]);
  });
});
