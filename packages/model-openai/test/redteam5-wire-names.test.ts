// Red team 5: tool call ids and names that the real Chat Completions API refuses in the history.
// A model that invents a tool name (`functions.lookup`, as OpenAI models do; empty) is answered
// with tool_not_found and the run is meant to go on; an OpenAI-compatible server whose ids are
// longer than 40 characters (vLLM: `chatcmpl-tool-<32 hex>`) is meant to work. Sent back verbatim,
// both made the API answer every later request of the run with a 400 (model_bad_request), on
// resume too. The loopback server checks the history as the API does.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer) => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
interface SentMessage { role: string; content: string | null; tool_call_id?: string; tool_calls?: { id: string; function: { name: string } }[] }
const sent = (server: LoopbackServer, i: number) => (server.requests[i]!.body as { messages: SentMessage[] }).messages;

describe('OpenAIModel sends a history the API accepts (red team 5)', () => {
  it.each([
    ['a dotted name the model invented', 'functions.lookup'],
    ['an empty name', ''],
    ['a name with a space and a slash', 'look up/now'],
    ['a name of 65 characters', 'x'.repeat(65)],
  ])('%s: answered with tool_not_found, and the run goes on', async (_what, name) => {
    await using server = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_1', name, args: {} }] } }, { reply: { text: 'done' } }]);
    const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({}), execute: () => 'found' });
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    expect(server.requests).toHaveLength(2);
    const history = sent(server, 1);
    const call = history.find((m) => m.role === 'assistant')!.tool_calls![0]!;
    expect(call.function.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(history.find((m) => m.role === 'tool')).toMatchObject({ tool_call_id: 'call_1', content: expect.stringContaining('tool_not_found') });
    // The run keeps what the model said.
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages[0]).toMatchObject({ toolCalls: [{ id: 'call_1', name }] });
  });

  it('ids longer than 40 characters (vLLM) are sent shortened, paired with their results, alike in every request, distinct', async () => {
    const idA = `chatcmpl-tool-${'a'.repeat(32)}`;
    const idB = `chatcmpl-tool-${'a'.repeat(31)}b`;
    await using server = await startOpenAIServer([
      { reply: { toolCalls: [{ id: idA, name: 'lookup', args: { q: 1 } }, { id: idB, name: 'lookup', args: { q: 2 } }] } },
      { reply: { toolCalls: [{ id: 'call_short', name: 'lookup', args: { q: 3 } }] } },
      { reply: { text: 'done' } },
    ]);
    const seen: number[] = [];
    const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.number() }), execute: ({ q }) => { seen.push(q); return `found ${q}`; } });
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    expect(seen.sort()).toEqual([1, 2, 3]);
    const second = sent(server, 1);
    const ids = second.find((m) => m.role === 'assistant')!.tool_calls!.map((c) => c.id);
    expect(ids.every((id) => id.length <= 40)).toBe(true);
    expect(new Set(ids).size).toBe(2);
    expect(second.filter((m) => m.role === 'tool').map((m) => m.tool_call_id).sort()).toEqual([...ids].sort());
    // The third request sends the first turn exactly as the second did.
    expect(sent(server, 2).slice(0, second.length)).toEqual(second);
    expect(sent(server, 2).find((m) => m.tool_call_id === 'call_short')).toBeDefined();
    // The runtime keeps the provider's ids (its records, idempotency keys).
    const steps = await store.loadSteps(result.runId);
    expect(steps.flatMap((step) => step.messages.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : []))).sort()).toEqual(['call_short', idA, idB].sort());
  });
});
