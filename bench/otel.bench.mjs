// Per-step cost of the OpenTelemetry plugin: the same loop without the plugin, with the plugin
// on the API's no-op providers (nothing registered), and with a real SDK pipeline (in-memory span
// exporter behind a simple processor, a meter provider with a reader). Run on demand:
// `pnpm bench:otel`. Figures vary by machine; the differences are what matter.
import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';

const input = z.object({ a: z.number(), b: z.number() });
const add = defineTool({ name: 'add', description: 'Adds two numbers', input, execute: ({ a, b }) => a + b });

/** A model that always calls `add` with fresh args (as in loop.bench.mjs). */
function benchModel() {
  let n = 0;
  return {
    provider: 'bench',
    model: 'bench-1',
    async generate() {
      n++;
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' };
    },
  };
}

class Reader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

const exporter = new InMemorySpanExporter();
const sdk = () => ({
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  meterProvider: new MeterProvider({ readers: [new Reader()] }),
});

// Each variant runs in its own process: once any AsyncLocalStorage is used, Node 20 pays its
// promise-hook cost on every promise of the process, which would leak into the other variants.
const variants = {
  'no plugin': { hooks: () => [] },
  'no plugin, SDK context manager': { alsContext: true, hooks: () => [] },
  'plugin, nothing registered (no-op API)': { hooks: () => [createOtelHooks()] },
  'plugin + SDK, no context manager': { hooks: () => [createOtelHooks(sdk())] },
  'plugin + SDK + context manager': { alsContext: true, hooks: () => [createOtelHooks(sdk())] },
  'plugin + SDK + context manager + content': { alsContext: true, hooks: () => [createOtelHooks({ ...sdk(), captureContent: true })] },
};

async function perStep(hooks, steps) {
  const runtime = createRuntime({
    model: benchModel(),
    tools: [add],
    store: new MemoryStore(),
    hooks,
    limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 600_000 },
  });
  const started = process.hrtime.bigint();
  const result = await runtime.run('go');
  const micros = Number(process.hrtime.bigint() - started) / 1000 / steps;
  if (result.stopReason !== 'max_steps' || result.steps !== steps) throw new Error(`unexpected result ${result.stopReason} after ${result.steps}`);
  exporter.reset();
  return micros;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const STEPS = 200;
const only = process.argv[2];
if (only) {
  const variant = variants[only];
  if (variant.alsContext) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  for (let i = 0; i < 40; i++) await perStep(variant.hooks(), STEPS); // JIT warm-up
  const samples = [];
  for (let i = 0; i < 21; i++) samples.push(await perStep(variant.hooks(), STEPS));
  console.log(JSON.stringify(median(samples)));
} else {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const self = fileURLToPath(import.meta.url);
  const results = {};
  for (const name of Object.keys(variants)) results[name] = Number(execFileSync(process.execPath, [self, name], { encoding: 'utf8' }).trim().split('\n').at(-1));
  const base = results['no plugin'];
  console.log(`per-step time, ${STEPS}-step runs (one model call + one tool call per step), median of 21, one process per variant:`);
  for (const [name, value] of Object.entries(results)) {
    const extra = name === 'no plugin' ? '' : ` · ${value >= base ? '+' : ''}${(value - base).toFixed(1)} µs/step (${((value / base - 1) * 100).toFixed(0)} %)`;
    console.log(`  ${name.padEnd(42)} ${value.toFixed(1)} µs/step${extra}`);
  }
}
