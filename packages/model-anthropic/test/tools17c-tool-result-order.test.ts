// tools17c: in the user turn after a `tool_use` turn, `tool_result` blocks must come first (the
// tool use docs: "tool_result blocks must come FIRST in the content array… any text must come
// AFTER all tool results", else 400). The loopback refuses the other order as the API does; the
// adapter never sends it — a tool result next to a user note or image, a steering message added
// by a hook, a resume after approval — proved through the official @anthropic-ai/sdk.
import Anthropic from '@anthropic-ai/sdk';
import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { buildPng, startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = buildPng({ width: 8, height: 8 }).toString('base64');
const model = (server: LoopbackServer) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { maxAttempts: 1 } });
const refusals = (server: LoopbackServer) => server.requests.map((r) => r.rejected?.message).filter(Boolean);
interface Block { type: string; tool_use_id?: string }
/** The block types of every user turn that follows a tool_use turn, per request. */
const userTurnsAfterToolUse = (server: LoopbackServer) => server.requests.map((request) => {
  const messages = (request.body as { messages: { role: string; content: Block[] | string }[] }).messages;
  return messages.flatMap((message, i) => (i > 0 && message.role === 'user' && Array.isArray(messages[i - 1]!.content) && (messages[i - 1]!.content as Block[]).some((b) => b.type === 'tool_use') && Array.isArray(message.content) ? [message.content.map((b) => b.type)] : []));
});
const resultsFirst = (types: string[]) => types.findIndex((t) => t !== 'tool_result') === -1 || types.slice(types.findIndex((t) => t !== 'tool_result')).every((t) => t !== 'tool_result');
const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
const snapshot = defineTool({ name: 'snapshot', description: 'a picture', input: z.object({}), execute: () => [{ type: 'text' as const, text: 'the chart' }, { type: 'image' as const, mediaType: 'image/png', data: PNG }] });

describe('the loopback refuses text before tool_result, as the Messages API does', () => {
  it('400 invalid_request_error through the SDK for [text, tool_result]; [tool_result, text] is accepted', async () => {
    await using server = await startAnthropicServer([{ reply: { text: 'ok' } }]);
    const client = new Anthropic({ apiKey: 'sk-ant-test-loopback', baseURL: server.url, maxRetries: 0 });
    const history = (content: Anthropic.ContentBlockParam[]): Anthropic.MessageCreateParamsNonStreaming => ({
      model: 'claude-sonnet-4-5', max_tokens: 100, tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] }, { role: 'user', content }],
    });
    const note = { type: 'text' as const, text: 'also: be brief' };
    const result = { type: 'tool_result' as const, tool_use_id: 'toolu_1', content: 'found' };
    const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: PNG } };
    for (const content of [[note, result], [image, result]]) {
      const error = await client.messages.create(history(content)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1') } });
    }
    await expect(client.messages.create(history([result, note, image]))).resolves.toMatchObject({ content: [{ type: 'text', text: 'ok' }] });
  });
});

describe('AnthropicModel sends tool results first in their user turn', () => {
  it('a history whose tool results are followed by a user note with an image (run input) completes', async () => {
    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const input: Message[] = [
      { role: 'user', content: 'look up a and b' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_a', name: 'lookup', args: { q: 'a' } }, { id: 'toolu_b', name: 'lookup', args: { q: 'b' } }] },
      { role: 'tool', toolCallId: 'toolu_a', name: 'lookup', content: 'found a' },
      { role: 'tool', toolCallId: 'toolu_b', name: 'lookup', content: 'found b' },
      { role: 'user', content: [{ type: 'text', text: 'and look at this' }, { type: 'image', mediaType: 'image/png', data: PNG }] },
    ];
    const result = await createRuntime({ model: model(server), tools: [lookup] }).run(input);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    expect(refusals(server)).toEqual([]);
    expect(userTurnsAfterToolUse(server)).toEqual([[['tool_result', 'tool_result', 'text', 'image']]]);
  });

  it('called directly with a user note and image between a tool call and its results: one user turn, results first', async () => {
    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const messages: Message[] = [
      { role: 'user', content: 'look up a' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_a', name: 'lookup', args: { q: 'a' } }, { id: 'toolu_b', name: 'lookup', args: { q: 'b' } }] },
      { role: 'user', content: [{ type: 'text', text: 'note: hurry' }, { type: 'image', mediaType: 'image/png', data: PNG }] },
      { role: 'tool', toolCallId: 'toolu_a', name: 'lookup', content: 'found a' },
      { role: 'user', content: 'second note' },
      { role: 'tool', toolCallId: 'toolu_b', name: 'lookup', content: 'found b' },
    ];
    const response = await model(server).generate({ messages, tools: [{ name: 'lookup', description: 'look up', inputSchema: { type: 'object' } }], signal: new AbortController().signal });
    expect(response.message.content).toBe('done');
    expect(refusals(server)).toEqual([]);
    expect(userTurnsAfterToolUse(server)).toEqual([[['tool_result', 'tool_result', 'text', 'image', 'text']]]);
  });

  it('a steering note a beforeModel hook appends after tool results (image results too) completes; the model hears both', async () => {
    await using server = await startAnthropicServer([
      { reply: { toolCalls: [{ id: 'toolu_1', name: 'lookup', args: { q: 'x' } }, { id: 'toolu_2', name: 'snapshot', args: {} }] } },
      { reply: { text: 'done' } },
    ]);
    const steer = { beforeModel: (request: { messages: readonly Message[] }) => ({ ...request, messages: [...request.messages, { role: 'user' as const, content: [{ type: 'text' as const, text: 'Steer: answer in one line.' }] }] }) };
    const result = await createRuntime({ model: model(server), tools: [lookup, snapshot], hooks: [steer as never] }).run('go');
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'done' });
    expect(refusals(server)).toEqual([]);
    const turns = userTurnsAfterToolUse(server);
    expect(turns[1]).toEqual([['tool_result', 'tool_result', 'text']]);
    const last = (server.requests[1]!.body as { messages: { content: { type: string; text?: string; content?: unknown }[] }[] }).messages.at(-1)!.content;
    expect(last[2]).toEqual({ type: 'text', text: 'Steer: answer in one line.' });
    expect(last[1]!.content).toEqual([{ type: 'text', text: 'the chart' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }]);
  });

  it('resume after approval (one approved, one denied, one auto) with a steering note: results first, run completes', async () => {
    const pay = defineTool({ name: 'pay', description: 'pay', input: z.object({ cents: z.number() }), requiresApproval: true, execute: ({ cents }) => `paid ${cents}` });
    await using server = await startAnthropicServer([
      { reply: { toolCalls: [{ id: 'toolu_p1', name: 'pay', args: { cents: 1 } }, { id: 'toolu_l', name: 'lookup', args: { q: 'y' } }, { id: 'toolu_p2', name: 'pay', args: { cents: 2 } }] } },
      { reply: { text: 'paid once' } },
    ]);
    const steer = { beforeModel: (request: { messages: readonly Message[] }) => ({ ...request, messages: [...request.messages, { role: 'user' as const, content: 'Steer: confirm the amount.' }] }) };
    const runtime = createRuntime({ model: model(server), tools: [pay, lookup], store: new MemoryStore(), hooks: [steer as never] });
    const paused = await runtime.run('pay both');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    const done = await runtime.resume(paused.runId, { approvals: { toolu_p1: 'approve', toolu_p2: { decision: 'deny', reason: 'twice' } } });
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'completed', output: 'paid once' });
    expect(refusals(server)).toEqual([]);
    const turns = userTurnsAfterToolUse(server).flat();
    expect(turns.length).toBeGreaterThan(0);
    for (const types of turns) expect(resultsFirst(types), types.join(',')).toBe(true);
    expect(turns.at(-1)).toEqual(['tool_result', 'tool_result', 'tool_result', 'text']);
  });
});
