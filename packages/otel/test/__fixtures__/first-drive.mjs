// First drive of a run in its own process (built code): pauses for approval and prints the
// span context of its invoke_agent span, which a resume in another process must link to.
// Usage: node first-drive.mjs <sqlite path> <run id>
import { createRuntime, defineTool } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';

const [path, runId] = process.argv.slice(2);
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tools = [
  defineTool({ name: 'lookup', description: 'Reads a balance', input: z.object({ account: z.string() }), execute: ({ account }) => ({ account, balance: 100 }) }),
  defineTool({ name: 'transfer', description: 'Moves money', input: z.object({ amount: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: ({ amount }) => `moved ${amount}` }),
];
const runtime = createRuntime({
  model: new ScriptedModel([ScriptedModel.call('transfer', { amount: 10 }, { id: 'c_t1' })]),
  store: new SqliteStore({ path }),
  tools,
  hooks: [createOtelHooks({ tracerProvider, metrics: false })],
});
const result = await runtime.run({ input: 'move 10', runId });
await runtime.close();
const agent = exporter.getFinishedSpans().find((span) => span.name === 'invoke_agent');
console.log(JSON.stringify({ stopReason: result.stopReason, traceId: agent.spanContext().traceId, spanId: agent.spanContext().spanId }));
