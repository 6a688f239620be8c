import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { assertRunInvariants, startOpenAIServer } from '@agentrt/testing';
import { expect, it } from 'vitest';
import { z } from 'zod';

it('tool-call arguments nested 10 000 levels deep from the API become tool_args_invalid; the next request is valid (red team)', async () => {
  // The SDK hands the adapter JSON text; the adapter parses it into an object thousands of levels deep.
  const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
  await using server = await startOpenAIServer([
    { reply: { toolCalls: [{ id: 'call_deep', name: 'echo', args: deep }, { id: 'call_ok', name: 'echo', args: { fine: true } }] } },
    { reply: { text: 'done' } },
  ]);
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` });
  let ran = 0;
  const echo = defineTool({ name: 'echo', description: 'echoes its arguments', input: z.object({}).passthrough(), sideEffects: 'idempotent', execute: () => ++ran });
  const store = new MemoryStore();
  for (const stream of [false, true]) {
    if (stream) server.push({ reply: { toolCalls: [{ id: 'call_deep2', name: 'echo', args: deep }] } }, { reply: { text: 'done' } });
    const runtime = createRuntime({ model, store, tools: [echo] });
    let result;
    if (stream) for await (const event of runtime.stream('go')) { if (event.type === 'run_finished') result = event.result; }
    else result = await runtime.run('go');
    expect(result!.stopReason, JSON.stringify(result!.error)).toBe('final_answer');
    const second = server.requests.at(-1)!;
    expect(second.rejected, JSON.stringify(second.rejected)).toBeUndefined();
    const toolResults = (second.body as { messages: { role: string; tool_call_id?: string; content: string }[] }).messages.filter((m) => m.role === 'tool');
    expect(toolResults.find((m) => m.tool_call_id!.startsWith('call_deep'))!.content).toMatch(/^tool_args_invalid/);
    const steps = await store.loadSteps(result!.runId);
    expect((steps[0]!.messages.find((m) => m.role === 'tool' && (m as ToolMessage).toolCallId.startsWith('call_deep')) as ToolMessage).code).toBe('tool_args_invalid');
    await assertRunInvariants({ store, runId: result!.runId, result: result! });
  }
  expect(ran).toBe(1);
});
