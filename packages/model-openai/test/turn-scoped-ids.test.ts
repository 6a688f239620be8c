// Kimi K2/K3 (served by vLLM, SGLang or Fireworks) return tool call ids unique only within one
// response — `name:index`, the index restarting every response — so a run that calls the same tool
// twice sees the same id again with other arguments.
import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { assertRunInvariants, startOpenAIServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

function listing() {
  const keys: string[] = [];
  const listDir = defineTool({
    name: 'list_dir', description: 'lists a directory', input: z.object({ path: z.string() }), sideEffects: 'idempotent',
    execute: async ({ path }, ctx) => {
      keys.push(ctx.idempotencyKey);
      return `entries of ${path}`;
    },
  });
  return { listDir, keys };
}

const kimiTurns = [
  { reply: { toolCalls: [{ id: 'list_dir:0', name: 'list_dir', args: { path: '.' } }], finishReason: 'tool_calls' as const } },
  { reply: { toolCalls: [{ id: 'list_dir:0', name: 'list_dir', args: { path: '/' } }, { id: 'list_dir:1', name: 'list_dir', args: { path: '/tmp' } }], finishReason: 'tool_calls' as const } },
  { reply: { toolCalls: [{ id: 'list_dir:0', name: 'list_dir', args: { path: '/etc' } }, { id: 'list_dir:0_1', name: 'list_dir', args: { path: '/var' } }], finishReason: 'tool_calls' as const } },
  { reply: { text: 'done' } },
];

describe('OpenAIModel with a provider whose tool call ids are unique only per response (Kimi K2/K3)', () => {
  it('with capabilities.reusesToolCallIds, every call gets a run-unique id: each runs with its own idempotency key, the strict server accepts every transcript', async () => {
    await using server = await startOpenAIServer(kimiTurns);
    const { listDir, keys } = listing();
    const store = new MemoryStore();
    const model = new OpenAIModel({ model: 'kimi-k3', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, capabilities: { reusesToolCallIds: true } });
    const result = await createRuntime({ model, tools: [listDir], store }).run({ input: 'list things', runId: 'kimi' });
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'done', toolCalls: 5 });
    expect(server.requests.filter((r) => r.rejected)).toEqual([]);
    expect(keys).toEqual(['kimi:list_dir:0', 'kimi:list_dir:0_1', 'kimi:list_dir:1', 'kimi:list_dir:0_2', 'kimi:list_dir:0_1_2']);
    const results = (await store.loadSteps('kimi')).flatMap((step) => step.messages.filter((m): m is ToolMessage => m.role === 'tool'));
    expect(results.map((m) => [m.toolCallId, m.content])).toEqual([
      ['list_dir:0', 'entries of .'],
      ['list_dir:0_1', 'entries of /'],
      ['list_dir:1', 'entries of /tmp'],
      ['list_dir:0_2', 'entries of /etc'],
      ['list_dir:0_1_2', 'entries of /var'],
    ]);
    // The provider's own ids stay in the audit log's model responses.
    const responses = (await store.listEvents('kimi')).filter((e) => e.type === 'model_response');
    expect(responses.map((e) => (e.type === 'model_response' ? e.message.toolCalls?.map((c) => c.id) : undefined))).toEqual([
      ['list_dir:0'], ['list_dir:0', 'list_dir:1'], ['list_dir:0', 'list_dir:0_1'], undefined,
    ]);
    await assertRunInvariants({ store, runId: 'kimi', result });
  });

  it('without it, the reused id is model_output_invalid naming the option; nothing of that step runs', async () => {
    await using server = await startOpenAIServer(kimiTurns);
    const { listDir, keys } = listing();
    const store = new MemoryStore();
    const model = new OpenAIModel({ model: 'kimi-k3', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` });
    const result = await createRuntime({ model, tools: [listDir], store }).run('list things');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_output_invalid' } });
    expect(result.error?.message).toContain('reusesToolCallIds');
    expect(keys).toHaveLength(1);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('an id repeated within one response stays model_output_invalid even with the option', async () => {
    await using server = await startOpenAIServer([
      { reply: { toolCalls: [{ id: 'list_dir:0', name: 'list_dir', args: { path: '.' } }, { id: 'list_dir:0', name: 'list_dir', args: { path: '/' } }], finishReason: 'tool_calls' } },
    ]);
    const { listDir, keys } = listing();
    const model = new OpenAIModel({ model: 'kimi-k3', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, capabilities: { reusesToolCallIds: true } });
    const result = await createRuntime({ model, tools: [listDir] }).run('go');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'model_output_invalid' } });
    expect(keys).toEqual([]);
  });

  it('refuses a non-boolean reusesToolCallIds at construction, naming the field', () => {
    expect(() => new OpenAIModel({ model: 'kimi-k3', apiKey: 'k', capabilities: { reusesToolCallIds: 'yes' as never } })).toThrow(/capabilities\.reusesToolCallIds/);
  });
});
