// RELIABILITY.md B-03 (and B-02's "no silent repair") through an AI SDK provider package against the
// strict OpenAI loopback server: arguments that are a JSON string — `"str"`, or an object encoded
// twice — are tool_args_invalid (not_object); the tool never runs.
import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { checkRunInvariants, startOpenAIServer } from '@agentrt/testing';
import { createOpenAI } from '@ai-sdk/openai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('B-03 through AiSdkModel: JSON-string arguments are not_object, never decoded twice', () => {
  it.each([['"str"', '"str"'], ['double-encoded object', JSON.stringify(JSON.stringify({ a: 1, b: 2 }))]])('%s', async (_label, args) => {
    let executed = 0;
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { executed++; return a + b; } });
    await using server = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_s', name: 'add', args }], finishReason: 'tool_calls' } }, { reply: { text: 'done' } }]);
    const model = new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini'), retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(executed).toBe(0);
    const message = (await store.loadSteps(result.runId))[0]!.messages.find((m) => m.role === 'tool') as ToolMessage;
    expect(message).toMatchObject({ isError: true, code: 'tool_args_invalid' });
    expect(message.content).toContain('not_object');
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  });
});
