// RELIABILITY.md B-03 (and B-02's "no silent repair") on the Anthropic adapter's streaming path: a
// tool_use whose streamed input_json_delta text is a JSON string — `"str"`, or an object encoded
// twice — is tool_args_invalid (not_object); it is never decoded twice into an object the tool runs on.
import { createRuntime, defineTool, MemoryStore, type RunEvent, type ToolMessage } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { checkRunInvariants, startAnthropicServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('B-03 through AnthropicModel.stream: JSON-string input is not_object, never decoded twice', () => {
  it.each([['"str"', '"str"'], ['double-encoded object', JSON.stringify(JSON.stringify({ a: 1, b: 2 }))]])('%s', async (_label, args) => {
    let executed = 0;
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { executed++; return a + b; } });
    await using server = await startAnthropicServer([{ reply: { toolCalls: [{ id: 'toolu_s', name: 'add', args }] } }, { reply: { text: 'done' } }]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const store = new MemoryStore();
    let last: RunEvent | undefined;
    for await (const event of createRuntime({ model, tools: [add], store }).stream('go')) last = event;
    const result = (last as { result?: Parameters<typeof checkRunInvariants>[0]['result'] }).result!;
    expect(server.requests.every((request) => (request.body as { stream?: boolean }).stream === true)).toBe(true);
    expect(result.stopReason).toBe('final_answer');
    expect(executed).toBe(0);
    const message = (await store.loadSteps(result.runId))[0]!.messages.find((m) => m.role === 'tool') as ToolMessage;
    expect(message).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(message.content).toContain('not_object');
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  });
});
