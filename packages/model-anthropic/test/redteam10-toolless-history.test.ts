import { createRuntime, type RunResult } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { startAnthropicServer } from '@agentrt/testing';
import { expect, it } from 'vitest';

const create = (url: string, thinking: boolean) => new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test-loopback', baseURL: url, ...(thinking ? { thinking: { budgetTokens: 1024 } } : {}) });

async function drain(events: AsyncIterable<unknown>): Promise<RunResult> {
  let result: RunResult | undefined;
  for await (const event of events) if ((event as { type: string }).type === 'run_finished') result = (event as { result: RunResult }).result;
  return result!;
}

// The API refuses `tool_use` / `tool_result` blocks in a request that defines no tools.
it.each([
  ['generate', false], ['stream', false], ['generate', true], ['stream', true],
] as const)('a run without tools whose model invents a call continues (%s, thinking %s): the next request defines placeholder tools the model cannot call', async (mode, thinking) => {
  await using server = await startAnthropicServer([
    { reply: { toolCalls: [{ id: 'toolu_1', name: 'lookup', args: { q: 'x' } }], reasoning: [{ text: 'maybe a tool' }] } },
    { reply: { text: 'no tools, so: 42' } },
  ]);
  const runtime = createRuntime({ model: create(server.url, thinking), tools: [] });
  const result = mode === 'generate' ? await runtime.run('what is it?') : await drain(runtime.stream('what is it?'));
  expect(server.requests.filter((request) => request.rejected).map((request) => request.rejected!.message)).toEqual([]);
  expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'no tools, so: 42' });
  const second = server.requests[1]!.body as { tools?: { name: string }[]; tool_choice?: unknown };
  expect(second.tools?.map((tool) => tool.name)).toEqual(['lookup']);
  expect(second.tool_choice).toEqual({ type: 'none' });
  // The first request had no tool traffic: no tools, no tool_choice.
  expect(server.requests[0]!.body).not.toHaveProperty('tools');
  expect(server.requests[0]!.body).not.toHaveProperty('tool_choice');
});
