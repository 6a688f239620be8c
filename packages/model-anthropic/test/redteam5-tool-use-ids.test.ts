// Red team 5: tool call ids the Messages API refuses in the history (`^[a-zA-Z0-9_-]+$`, else a
// 400 for the whole request). Ids come from the model's provider: a run that began on another
// provider (Kimi's `functions.lookup:0`, through an OpenAI-compatible adapter) and resumes on
// Anthropic, or an Anthropic-compatible server that mints its own. Sent verbatim, every request
// of the run failed (model_bad_request), on every resume. The loopback checks ids as the API does.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { ScriptedModel, startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
interface Block { type: string; id?: string; tool_use_id?: string }
const blocks = (server: LoopbackServer, i: number) => (server.requests[i]!.body as { messages: { content: Block[] | string }[] }).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));

describe('AnthropicModel sends tool_use ids the API accepts (red team 5)', () => {
  it('a run that began on another provider with ids like "functions.lookup:0" resumes on Anthropic and completes', async () => {
    const store = new MemoryStore();
    const executed: string[] = [];
    const lookup = defineTool({
      name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), requiresApproval: ({ q }) => q === 'b',
      execute: ({ q }) => { executed.push(q); return `found ${q}`; },
    });
    // Kimi-style ids, unique only per response; the second one waits for approval.
    const first = new ScriptedModel([{ toolCalls: [{ id: 'functions.lookup:0', name: 'lookup', args: { q: 'a' } }, { id: 'functions.lookup:1', name: 'lookup', args: { q: 'b' } }] }]);
    const paused = await createRuntime({ model: first, tools: [lookup], store }).run('hi');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });

    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const resumed = await createRuntime({ model: model(server), tools: [lookup], store }).resume(paused.runId, { approvals: { 'functions.lookup:1': { decision: 'approve' } } });
    expect(resumed).toMatchObject({ status: 'completed', output: 'done' });
    expect(executed).toEqual(['a', 'b']);
    const sent = blocks(server, 0);
    const uses = sent.filter((b) => b.type === 'tool_use').map((b) => b.id!);
    expect(uses).toHaveLength(2);
    expect(uses.every((id) => /^[a-zA-Z0-9_-]+$/.test(id))).toBe(true);
    expect(new Set(uses).size).toBe(2);
    expect(sent.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id)).toEqual(uses);
  });

  it('ids a compatible server mints with "." "/" ":" and spaces are mapped alike in every request; distinct ids stay distinct', async () => {
    // Two ids that clean to the same text.
    const ids = ['call.1/a b', 'call:1/a.b'];
    await using server = await startAnthropicServer([
      { reply: { toolCalls: ids.map((id, i) => ({ id, name: 'lookup', args: { q: String(i) } })) } },
      { reply: { toolCalls: [{ id: 'toolu_plain', name: 'lookup', args: { q: '2' } }] } },
      { reply: { text: 'done' } },
    ]);
    const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.string() }), execute: ({ q }) => `found ${q}` });
    const store = new MemoryStore();
    const result = await createRuntime({ model: model(server), tools: [lookup], store }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    const second = blocks(server, 1).filter((b) => b.type === 'tool_use').map((b) => b.id);
    expect(new Set(second).size).toBe(2);
    expect(blocks(server, 2).filter((b) => b.type === 'tool_use').map((b) => b.id)).toEqual([...second, 'toolu_plain']);
    // The run's own records keep the ids the provider gave.
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages[0]).toMatchObject({ toolCalls: ids.map((id) => ({ id })) });
  });
});
