/**
 * Mutants 17e (otel): cases the package's tests did not have, each written to fail a realistic
 * fault (see docs/testing.md, "Mutants 17e"): a span left open on a path no test took, a bound
 * not held, a value a user or provider controls reaching an attribute unredacted.
 */
import { createRuntime, defineTool } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { ScriptedModel } from '@agentrt/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

describe('otel mutants 17e', () => {
  it('an execute_tool span ends, marked ERROR, when a hook inside it throws (the tool never answers)', async () => {
    const t = telemetry();
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const model = new ScriptedModel([ScriptedModel.call('echo', { text: 'hi' }), ScriptedModel.answer('done')]);
    const failing = { wrapToolCall: () => Promise.reject(new Error('policy engine down')) };
    const result = await createRuntime({ model, tools: [echo], limits: { maxSteps: 20 }, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false }), failing] }).run('go');
    expect(result.status).toBe('failed');
    const [tool] = named(t.spans(), 'execute_tool echo');
    expect(tool, 'the execute_tool span was exported (ended)').toBeDefined();
    expect(tool!.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool!.attributes['error.type']).toBeDefined();
    await t.shutdown();
  });

  it('a transcript cut without its first message counts every message left out in its marker', async () => {
    const t = telemetry();
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ n: z.number() }), execute: ({ n }) => `echo ${n}` });
    const model = new ScriptedModel([...Array.from({ length: 12 }, (_, n) => ScriptedModel.call('echo', { n })), ScriptedModel.answer('done')]);
    // The system prompt takes more than half the bound: it cannot stay, so the marker stands for it too.
    const runtime = createRuntime({ model, tools: [echo], limits: { maxSteps: 20 }, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true, maxContentTotalChars: 1_024 })] });
    expect((await runtime.run({ system: 'S'.repeat(700), input: 'go' })).status).toBe('completed');
    const chats = named(t.spans(), 'chat scripted-1');
    const last = JSON.parse(chats.at(-1)!.attributes['gen_ai.input.messages'] as string) as { role: string; parts: { type: string; omitted_messages?: number; content?: string }[] }[];
    const markers = last.filter((message) => message.parts[0]?.type === 'agentrt.truncated');
    expect(markers).toHaveLength(1);
    const [, , total] = /\[(\d+) of (\d+) messages left out/.exec(markers[0]!.parts[0]!.content!)!;
    expect(Number(total)).toBe(2 + 2 * 12); // system, user, then a call and its result per step
    expect(last[0]!.parts[0]!.type).toBe('agentrt.truncated'); // the system prompt did not fit in half the bound
    expect(markers[0]!.parts[0]!.omitted_messages! + (last.length - 1)).toBe(Number(total));
    await t.shutdown();
  });

  it('a captured value whose JSON text grows when escaped (quotes) still stays within maxContentTotalChars', async () => {
    const t = telemetry();
    const quotes = defineTool({ name: 'quotes', description: 'quotes', input: z.object({}), execute: () => '"'.repeat(5_000) });
    const model = new ScriptedModel([ScriptedModel.call('quotes', {}), ScriptedModel.answer('done')]);
    await createRuntime({ model, tools: [quotes], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true, maxContentTotalChars: 1_024 })] }).run('go');
    const [tool] = named(t.spans(), 'execute_tool quotes');
    const captured = tool!.attributes['gen_ai.tool.call.result'] as string;
    expect(captured.length).toBeLessThanOrEqual(1_024);
    expect(JSON.parse(captured)).toMatchObject({ 'agentrt.truncated': { max_total_chars: 1_024 }, preview: expect.stringMatching(/^"\\"/) });
    await t.shutdown();
  });
});
