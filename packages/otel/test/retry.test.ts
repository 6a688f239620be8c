import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { createOtelHooks } from '@agentrt/otel';
import { assertRunInvariants, startOpenAIServer } from '@agentrt/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, points, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

const echo = defineTool({ name: 'echo', description: 'Echoes', input: z.object({ text: z.string() }), execute: ({ text }) => text });

describe('model retries through a real adapter (OpenAI SDK against a loopback server)', () => {
  it('puts one chat span per model call with a retry event per 429, and counts one HTTP attempt per retry', async () => {
    await using server = await startOpenAIServer([
      { status: 429, headers: { 'retry-after-ms': '5' }, message: 'slow down' },
      { reply: { toolCalls: [{ id: 'call_1', name: 'echo', args: { text: 'hi' } }], usage: { inputTokens: 40, outputTokens: 9 } } },
      { status: 503, message: 'busy' },
      { status: 429, headers: { 'retry-after': '0' }, message: 'slow down again' },
      { reply: { text: 'said hi', usage: { inputTokens: 60, outputTokens: 3 } } },
    ]);
    const t = telemetry();
    const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test', baseURL: `${server.url}/v1`, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [echo], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider })] });
    const result = await runtime.run('say hi');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'said hi' });
    expect(server.requests).toHaveLength(5);

    const chats = named(t.spans(), 'chat gpt-4o-mini');
    expect(chats).toHaveLength(2);
    expect(chats[0]!.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini', 'gen_ai.response.id': 'chatcmpl-loopback', 'agentrt.model.retries': 1, 'gen_ai.usage.input_tokens': 40, 'gen_ai.response.finish_reasons': ['tool_call'] });
    expect(chats[0]!.events.map((event) => [event.name, event.attributes?.['error.type'], event.attributes?.['agentrt.retry.attempt']])).toEqual([['agentrt.model.retry', 'model_rate_limited', 1]]);
    // The Retry-After (5 ms) plus a jitter of up to half of it.
    expect(chats[0]!.events[0]!.attributes?.['agentrt.retry.delay_ms']).toBeGreaterThanOrEqual(5);
    expect(chats[0]!.events[0]!.attributes?.['agentrt.retry.delay_ms']).toBeLessThanOrEqual(8);
    expect(chats[1]!.attributes['agentrt.model.retries']).toBe(2);
    expect(chats[1]!.events.map((event) => event.attributes?.['error.type'])).toEqual(['model_unavailable', 'model_rate_limited']);
    for (const chat of chats) {
      expect(chat.status.code).toBe(SpanStatusCode.UNSET);
      expect(chat.attributes['error.type']).toBeUndefined();
    }
    // One duration point per model call (not per HTTP attempt), none with an error.
    const durations = points(await t.metrics(), 'gen_ai.client.operation.duration');
    expect(durations).toHaveLength(1);
    expect(durations[0]!.attributes).toEqual({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini' });
    expect((durations[0]!.value as { count: number }).count).toBe(2);
    await assertRunInvariants({ store, runId: result.runId, result });
    await t.shutdown();
  });

  it('sets error.type on the chat span, its duration point and the invoke_agent span when the call finally fails', async () => {
    await using server = await startOpenAIServer([
      { status: 429, headers: { 'retry-after-ms': '1' }, message: 'slow down' },
      { status: 429, headers: { 'retry-after-ms': '1' }, message: 'still slow' },
    ]);
    const t = telemetry();
    const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test', baseURL: `${server.url}/v1`, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const result = await createRuntime({ model, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider })] }).run('hi');
    expect(result).toMatchObject({ status: 'failed', error: { code: 'model_rate_limited' } });
    expect(server.requests).toHaveLength(2);
    const [chat] = named(t.spans(), 'chat gpt-4o-mini');
    expect(chat!.attributes).toMatchObject({ 'error.type': 'model_rate_limited', 'agentrt.model.retries': 1 });
    expect(chat!.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat!.events).toHaveLength(1);
    const [agent] = named(t.spans(), 'invoke_agent');
    expect(agent!.attributes).toMatchObject({ 'error.type': 'model_rate_limited', 'agentrt.stop_reason': 'error' });
    const metrics = await t.metrics();
    expect(points(metrics, 'gen_ai.client.operation.duration').map((point) => point.attributes['error.type'])).toEqual(['model_rate_limited']);
    // No tokens were reported, so none are recorded.
    expect(points(metrics, 'gen_ai.client.token.usage')).toEqual([]);
    expect(points(metrics, 'gen_ai.invoke_agent.duration').map((point) => point.attributes['error.type'])).toEqual(['model_rate_limited']);
    await t.shutdown();
  });
});
