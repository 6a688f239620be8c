import { createRuntime } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { startAnthropicServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createAnthropic as createAnthropicV2 } from '@ai-sdk/anthropic-v2';
import { expect, it } from 'vitest';

// The Anthropic API refuses `tool_use` / `tool_result` blocks in a request that defines no tools.
it.each([
  ['@ai-sdk/anthropic (v3)', (url: string) => createAnthropic({ apiKey: 'sk-ant-test-loopback', baseURL: `${url}/v1` })('claude-sonnet-4-5'), { type: 'none' }],
  ['@ai-sdk/anthropic 2.x (v2)', (url: string) => createAnthropicV2({ apiKey: 'sk-ant-test-loopback', baseURL: `${url}/v1` })('claude-sonnet-4-5'), undefined],
] as const)('%s: a run without tools whose model invents a call continues; the next request defines placeholder tools', async (_name, create, toolChoice) => {
  await using server = await startAnthropicServer([
    { reply: { toolCalls: [{ id: 'toolu_1', name: 'lookup', args: { q: 'x' } }] } },
    { reply: { text: 'no tools, so: 42' } },
  ]);
  const runtime = createRuntime({ model: new AiSdkModel({ model: create(server.url) }), tools: [] });
  const result = await runtime.run('what is it?');
  expect(server.requests.filter((request) => request.rejected).map((request) => request.rejected!.message)).toEqual([]);
  expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'no tools, so: 42' });
  const second = server.requests[1]!.body as { tools?: { name: string }[]; tool_choice?: unknown };
  expect(second.tools?.map((tool) => tool.name)).toEqual(['lookup']);
  expect(second.tool_choice).toEqual(toolChoice);
  expect(server.requests[0]!.body).not.toHaveProperty('tools');
});
