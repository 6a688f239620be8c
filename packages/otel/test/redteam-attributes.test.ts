import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { otelPlugin } from '@agentrt/otel';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

describe('span attributes from values a provider, a tool server or a user function controls', () => {
  it('cuts a huge response model, response id, finish reason and tool description; leaves out a conversation id that is not a string', async () => {
    const t = telemetry();
    const tool = defineTool({ name: 'lookup', description: 'D'.repeat(500_000), input: z.object({}), execute: () => 'ok' });
    const model = new ScriptedModel([
      ScriptedModel.call('lookup', {}),
      () => ({ message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'F'.repeat(1_000_000) as never, model: 'M'.repeat(5_000_000), id: 'I'.repeat(5_000_000) }),
    ]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [tool], store, plugins: [otelPlugin({ tracerProvider: t.tracerProvider, metrics: false, conversationId: () => ({ nested: { a: 1 } }) as never })] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const spans = t.spans();
    expect(spans.length).toBe(4);
    for (const span of spans) {
      for (const [key, value] of Object.entries(span.attributes)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        expect(text.length, `${span.name} ${key}`).toBeLessThanOrEqual(1_100);
      }
    }
    const [tool_] = named(spans, 'execute_tool lookup');
    expect(tool_!.attributes['gen_ai.tool.description']).toMatch(/^D{1024}…$/);
    const answered = spans.find((span) => span.attributes['agentrt.step.index'] === 1 && span.name.startsWith('chat'))!;
    expect(answered.attributes['gen_ai.response.model']).toMatch(/^M{256}…$/);
    expect(answered.attributes['gen_ai.response.id']).toMatch(/^I{256}…$/);
    expect(spans.every((span) => span.attributes['gen_ai.conversation.id'] === undefined)).toBe(true);
    await assertRunInvariants({ store, runId: result.runId, result });
    await t.shutdown();
  });

  it('a conversation id function returning a huge string is cut; an empty one is left out', async () => {
    for (const [given, expected] of [['C'.repeat(100_000), /^C{256}…$/], ['', undefined]] as const) {
      const t = telemetry();
      const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('hi')]), plugins: [otelPlugin({ tracerProvider: t.tracerProvider, metrics: false, conversationId: () => given })] }).run('go');
      expect(result.stopReason).toBe('final_answer');
      for (const span of t.spans()) {
        const value = span.attributes['gen_ai.conversation.id'];
        if (expected) expect(value).toMatch(expected);
        else expect(value).toBeUndefined();
      }
      await t.shutdown();
    }
  });
});
