// Red team 5: an assistant turn whose text is only whitespace. Models often send "\n\n" next to
// their tool calls (Qwen through Ollama, OpenAI-compatible servers; Claude too); the Messages API
// refuses a whitespace-only text block anywhere in the history ("messages: text content blocks
// must contain non-whitespace text"), so sent as it was, every later request of the run failed
// (model_bad_request), on every resume. The loopback checks text blocks as the API does.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { ScriptedModel, startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });

describe('AnthropicModel and whitespace-only assistant text (red team 5)', () => {
  it.each(['\n\n', ' ', '\t \r\n'])('a turn with text %j and a tool call: the run goes on, the text is not sent, the run keeps it', async (whitespace) => {
    await using server = await startAnthropicServer([{ reply: { text: whitespace, toolCalls: [{ name: 'lookup', args: { q: 'a' } }] } }, { reply: { text: 'done' } }]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    const sent = (server.requests[1]!.body as { messages: { role: string; content: { type: string; text?: string }[] }[] }).messages;
    expect(sent[1]).toMatchObject({ role: 'assistant', content: [{ type: 'tool_use' }] });
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages[0]).toMatchObject({ role: 'assistant', content: whitespace });
  });

  it('a run begun on another provider with a whitespace-only turn resumes on Anthropic and completes', async () => {
    const store = new MemoryStore();
    const approved = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), requiresApproval: true, execute: ({ q }) => `found ${q}` });
    const first = new ScriptedModel([{ text: '\n\n', toolCalls: [{ id: 'call_1', name: 'lookup', args: { q: 'a' } }] }]);
    const paused = await createRuntime({ model: first, tools: [approved], store }).run('hi');
    expect(paused.status).toBe('paused');
    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const resumed = await createRuntime({ model: model(server), tools: [approved], store }).resume(paused.runId, { approvals: { call_1: { decision: 'approve' } } });
    expect(resumed).toMatchObject({ status: 'completed', output: 'done' });
  });
});
