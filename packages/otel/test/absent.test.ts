import { ConfigError, createRuntime, createRuntimeAsync, defineTool, MemoryStore } from '@agentrt/core';
import otelDefault, { createOtelHooks, INSTRUMENTATION_NAME, otelPlugin } from '@agentrt/otel';
import { ScriptedModel } from '@agentrt/testing';
import { metrics, trace, type Meter, type MeterProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, telemetry, useContextManager } from './harness.js';

/** Global providers that count every use and forward to a real SDK pipeline. */
function countingGlobals() {
  const t = telemetry();
  const counts = { getTracer: 0, startSpan: 0, getMeter: 0, instruments: 0 };
  const tracerProvider: TracerProvider = {
    getTracer(name, version, options) {
      counts.getTracer++;
      const tracer = t.tracerProvider.getTracer(name, version, options);
      return {
        startSpan: (...args: Parameters<Tracer['startSpan']>) => (counts.startSpan++, tracer.startSpan(...args)),
        startActiveSpan: ((...args: unknown[]) => (counts.startSpan++, (tracer.startActiveSpan as (...a: unknown[]) => unknown)(...args))) as Tracer['startActiveSpan'],
      };
    },
  };
  const meterProvider: MeterProvider = {
    getMeter(name, version, options) {
      counts.getMeter++;
      const meter = t.meterProvider.getMeter(name, version, options);
      return new Proxy(meter, { get: (target, key) => (typeof key === 'string' && key.startsWith('create') && counts.instruments++, Reflect.get(target, key)) }) as Meter;
    },
  };
  return { t, counts, tracerProvider, meterProvider };
}

let disposeContext: () => void;
const globals = countingGlobals();
beforeAll(() => {
  disposeContext = useContextManager();
  trace.setGlobalTracerProvider(globals.tracerProvider);
  metrics.setGlobalMeterProvider(globals.meterProvider);
});
afterAll(async () => {
  trace.disable();
  metrics.disable();
  disposeContext();
  await globals.t.shutdown();
});

const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const script = () => new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.call('add', { a: 3, b: 4 }), ScriptedModel.answer('10')]);

describe('without the plugin', () => {
  it('touches no tracer or meter, emits zero spans and writes no annotations', async () => {
    const before = { ...globals.counts };
    const store = new MemoryStore();
    const runtime = createRuntime({ model: script(), tools: [add], store });
    const result = await runtime.run('add things');
    expect(result.stopReason).toBe('final_answer');
    expect(globals.counts).toEqual(before);
    expect(globals.t.spans()).toEqual([]);
    expect(await globals.t.metrics()).toEqual([]);
    expect((await runtime.events(result.runId)).some((event) => event.type === 'run_annotated')).toBe(false);
  });

  it('with the plugin on the global providers, the same run is traced (the counters do move)', async () => {
    const result = await createRuntime({ model: script(), tools: [add], plugins: [otelPlugin()] }).run('add things');
    expect(result.stopReason).toBe('final_answer');
    expect(globals.counts.startSpan).toBe(6);
    expect(globals.counts.getMeter).toBe(1);
    expect(named(globals.t.spans(), 'invoke_agent')).toHaveLength(1);
    expect(named(globals.t.spans(), 'execute_tool add')).toHaveLength(2);
    globals.t.reset();
  });

  it('loads by module specifier with JSON options, using the global providers', async () => {
    const runtime = await createRuntimeAsync({ model: new ScriptedModel([ScriptedModel.answer('hi')]), plugins: [{ plugin: otelDefault, options: { agentName: 'by-spec' } }] });
    await runtime.run('hi');
    expect(named(globals.t.spans(), 'invoke_agent by-spec')).toHaveLength(1);
    expect(otelDefault.name).toBe(INSTRUMENTATION_NAME);
    globals.t.reset();
  });
});

describe('options', () => {
  it('reject bad values at construction, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ captureContent: 'yes' }, 'otel.captureContent'],
      [{ agentName: '' }, 'otel.agentName'],
      [{ agentName: 'x'.repeat(300) }, 'otel.agentName'],
      [{ maxContentChars: 0 }, 'otel.maxContentChars'],
      [{ maxContentChars: 1.5 }, 'otel.maxContentChars'],
      [{ tracerProvider: {} }, 'otel.tracerProvider'],
      [{ meterProvider: 42 }, 'otel.meterProvider'],
      [{ conversationId: 'run' }, 'otel.conversationId'],
      [{ captureContnet: true }, 'otel.captureContnet'],
      ['verbose', 'otel'],
    ];
    for (const [options, field] of cases) {
      let thrown: unknown;
      try {
        createOtelHooks(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(ConfigError.isInstance(thrown), JSON.stringify(options)).toBe(true);
      expect(thrown).toMatchObject({ code: 'config_invalid' });
      expect((thrown as Error).message).toContain(field);
    }
    expect(() => otelPlugin({ metrics: 'no' as never })).toThrow(/plugins\.@agentrt\/otel\.metrics/);
  });

  it('take the conversation id from the run', async () => {
    const t = telemetry();
    await createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('hi')]),
      hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, conversationId: ({ metadata }) => (typeof metadata.thread === 'string' ? metadata.thread : undefined) })],
    }).run({ input: 'hi', metadata: { thread: 'thread-42' } });
    expect(named(t.spans(), 'invoke_agent')[0]!.attributes['gen_ai.conversation.id']).toBe('thread-42');
    expect(named(t.spans(), 'chat scripted-1')[0]!.attributes['gen_ai.conversation.id']).toBe('thread-42');
    await t.shutdown();
  });
});
