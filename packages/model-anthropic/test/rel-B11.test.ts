// RELIABILITY.md B-11: a stop (timeout, kill) while calls are pending leaves a valid history —
// synthetic results for the pending calls are persisted — and that history, continued on another
// provider's adapter (the official Anthropic SDK against the strict loopback server, which refuses
// an unanswered tool_use or an orphaned tool_result with the API's 400), is accepted.
import { createRuntime, defineTool, MemoryStore, type Message } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { checkRunInvariants, ScriptedModel, startAnthropicServer, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('B-11: a stopped run\'s history continues on another provider adapter', () => {
  it.each(['timeout', 'killed'] as const)('stopped by %s with calls pending: paired history, accepted by the Anthropic API shape', async (how) => {
    const started: string[] = [];
    const hang = defineTool({ name: 'hang', description: 'waits until aborted', input: z.object({ i: z.number() }), execute: (_a, ctx) => { started.push(ctx.toolCallId); return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))); } });
    const quick = defineTool({ name: 'quick', description: 'answers at once', input: z.object({ i: z.number() }), execute: ({ i }) => `q${i}` });
    const store = new MemoryStore();
    const first = new ScriptedModel([ScriptedModel.parallel([{ id: 'h1', name: 'hang', args: { i: 1 } }, { id: 'q1', name: 'quick', args: { i: 2 } }, { id: 'h2', name: 'hang', args: { i: 3 } }])]);
    const runtime = createRuntime({ model: first, tools: [hang, quick], store, limits: how === 'timeout' ? { timeoutMs: 300 } : {} });
    const running = runtime.run({ input: 'start', runId: `b11-${how}` });
    if (how === 'killed') {
      await waitFor(() => started.length === 2, { message: 'both hanging calls started' });
      await runtime.kill(`b11-${how}`, 'operator');
    }
    const stopped = await running;
    expect(stopped).toMatchObject({ status: 'stopped', stopReason: how });
    expect((await checkRunInvariants({ store, runId: stopped.runId, result: stopped })).violations).toEqual([]);

    const history: Message[] = [{ role: 'user', content: 'start' }, ...(await store.loadSteps(stopped.runId)).flatMap((s) => s.messages)];
    const results = history.filter((m) => m.role === 'tool');
    expect(results.map((m) => m.role === 'tool' && m.toolCallId).sort()).toEqual(['h1', 'h2', 'q1']);

    await using server = await startAnthropicServer([{ reply: { text: 'continued' } }]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const store2 = new MemoryStore();
    const continued = await createRuntime({ model, tools: [hang, quick], store: store2 }).run({ input: [...history, { role: 'user', content: 'go on' }] });
    expect(continued).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'continued' });
    expect(server.requests).toHaveLength(1);
    const sent = (server.requests[0]!.body as { messages: { content: { type: string; id?: string; tool_use_id?: string }[] | string }[] }).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
    expect(sent.filter((b) => b.type === 'tool_use').map((b) => b.id).sort()).toEqual(['h1', 'h2', 'q1']);
    expect(sent.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id).sort()).toEqual(['h1', 'h2', 'q1']);
    expect((await checkRunInvariants({ store: store2, runId: continued.runId, result: continued })).violations).toEqual([]);
  });
});
