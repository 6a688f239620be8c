import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { BUCKETS, createOtelHooks } from '@agentrt/otel';
import { ScriptedModel } from '@agentrt/testing';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { points, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ key: z.string() }), execute: ({ key }) => key });
const guarded = defineTool({ name: 'guarded', description: 'Needs approval', input: z.object({}), requiresApproval: true, execute: () => 'ran' });
const pricing = { 'scripted:scripted-1': { inputPerMillionUsd: 1_000, outputPerMillionUsd: 2_000 } };
const histogram = (value: unknown) => value as Histogram;

describe('metrics', () => {
  it('records token usage, operation durations, stop reasons and cost per the conventions', async () => {
    const t = telemetry();
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'lookup', args: { key: 'a' } }, { name: 'lookup', args: { key: 'b' } }], { usage: { inputTokens: 100, outputTokens: 20 } }),
      ScriptedModel.answer('done', { inputTokens: 150, outputTokens: 7 }),
    ]);
    const runtime = createRuntime({ model, tools: [lookup], pricing, store: new MemoryStore(), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider, agentName: 'support' })] });
    const result = await runtime.run('go');
    const metrics = await t.metrics();
    const descriptor = (name: string) => metrics.find((metric) => metric.descriptor.name === name)!.descriptor;

    const tokens = points(metrics, 'gen_ai.client.token.usage');
    expect(descriptor('gen_ai.client.token.usage').unit).toBe('{token}');
    const base = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'scripted', 'gen_ai.request.model': 'scripted-1' };
    const input = tokens.find((point) => point.attributes['gen_ai.token.type'] === 'input')!;
    const output = tokens.find((point) => point.attributes['gen_ai.token.type'] === 'output')!;
    expect(input.attributes).toEqual({ ...base, 'gen_ai.token.type': 'input' });
    expect(histogram(input.value)).toMatchObject({ count: 2, sum: 250, min: 100, max: 150 });
    expect(histogram(output.value)).toMatchObject({ count: 2, sum: 27 });
    expect(histogram(input.value).buckets.boundaries).toEqual([...BUCKETS.tokens]);

    const durations = points(metrics, 'gen_ai.client.operation.duration');
    expect(descriptor('gen_ai.client.operation.duration').unit).toBe('s');
    expect(durations.map((point) => point.attributes)).toEqual([base]);
    expect(histogram(durations[0]!.value).count).toBe(2);
    expect(histogram(durations[0]!.value).buckets.boundaries).toEqual([...BUCKETS.operationSeconds]);
    expect(histogram(durations[0]!.value).max).toBeLessThan(5);

    const agent = points(metrics, 'gen_ai.invoke_agent.duration');
    expect(agent.map((point) => point.attributes)).toEqual([{ 'gen_ai.request.model': 'scripted-1', 'gen_ai.agent.name': 'support' }]);
    expect(histogram(agent[0]!.value).buckets.boundaries).toEqual([...BUCKETS.agentSeconds]);

    const tools = points(metrics, 'gen_ai.execute_tool.duration');
    expect(tools.map((point) => point.attributes)).toEqual([{ 'gen_ai.tool.name': 'lookup', 'gen_ai.tool.type': 'function', 'gen_ai.agent.name': 'support' }]);
    expect(histogram(tools[0]!.value).count).toBe(2);

    expect(points(metrics, 'agentrt.run.stops').map((point) => [point.attributes, point.value])).toEqual([
      [{ 'agentrt.stop_reason': 'final_answer', 'agentrt.run.status': 'completed', 'gen_ai.agent.name': 'support' }, 1],
    ]);
    const cost = points(metrics, 'agentrt.usage.cost');
    expect(cost.map((point) => point.attributes)).toEqual([{ 'gen_ai.provider.name': 'scripted', 'gen_ai.request.model': 'scripted-1', 'gen_ai.agent.name': 'support' }]);
    expect(cost[0]!.value as number).toBeCloseTo(result.usage.costUsd, 12);
    expect(result.usage.costUsd).toBeGreaterThan(0);
    await t.shutdown();
  });

  it('counts pauses and kills of paused runs, which end without a drive', async () => {
    const t = telemetry();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('guarded', {})]), tools: [guarded], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider })] });
    const paused = await runtime.run('go');
    await runtime.kill(paused.runId, 'not today');
    const stops = points(await t.metrics(), 'agentrt.run.stops').map((point) => [point.attributes['agentrt.stop_reason'], point.attributes['agentrt.run.status'], point.value]);
    expect(stops).toEqual([['awaiting_approval', 'paused', 1], ['killed', 'stopped', 1]]);
    await t.shutdown();
  });

  it('records nothing when metrics are off', async () => {
    const t = telemetry();
    await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('hi')]), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, meterProvider: t.meterProvider, metrics: false })] }).run('go');
    expect(await t.metrics()).toEqual([]);
    expect(t.spans()).toHaveLength(2);
    await t.shutdown();
  });
});
