import { createRuntime, defineTool, type AgentRuntime, type RunResult } from '@agentrt/core';
import { otelPlugin } from '@agentrt/otel';
import { ScriptedModel } from '@agentrt/testing';
import { trace } from '@opentelemetry/api';
import { z } from 'zod';

const ORDERS: Record<string, { status: string; totalEur: number }> = {
  'A-1001': { status: 'shipped', totalEur: 42.5 },
  'A-1002': { status: 'processing', totalEur: 12 },
};

/** A tool whose own code creates a span: it appears under the tool's `execute_tool` span. */
export const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Looks an order up by id',
  input: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => {
    return trace.getTracer('orders-db').startActiveSpan('orders.get', async (span) => {
      span.setAttribute('db.system.name', 'in-memory');
      try {
        const order = ORDERS[orderId];
        if (!order) throw new Error(`no order ${orderId}`);
        return { orderId, ...order };
      } finally {
        span.end();
      }
    });
  },
});

export const convert = defineTool({
  name: 'convert_currency',
  description: 'Converts euros to US dollars',
  input: z.object({ eur: z.number() }),
  execute: ({ eur }) => ({ usd: Math.round(eur * 108) / 100 }),
});

/** A deterministic model so the example runs offline; swap in any adapter (e.g. `new OpenAIModel(...)`). */
export function scriptedSupportModel(): ScriptedModel {
  return new ScriptedModel([
    ScriptedModel.parallel([{ name: 'lookup_order', args: { orderId: 'A-1001' } }, { name: 'lookup_order', args: { orderId: 'A-1002' } }], { usage: { inputTokens: 420, outputTokens: 38 } }),
    ScriptedModel.call('convert_currency', { eur: 54.5 }, { usage: { inputTokens: 610, outputTokens: 21 } }),
    ScriptedModel.answer('A-1001 has shipped and A-1002 is being processed; together they cost $58.86.', { inputTokens: 700, outputTokens: 30 }),
  ], { model: 'support-demo-1' });
}

/** The support agent with the OpenTelemetry plugin (global providers). */
export function createSupportRuntime(model = scriptedSupportModel()): AgentRuntime {
  return createRuntime({
    model,
    tools: [lookupOrder, convert],
    limits: { maxSteps: 6 },
    pricing: { 'scripted:support-demo-1': { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 } },
    plugins: [otelPlugin({ agentName: 'support' })],
  });
}

/** Runs one support question. */
export function askSupport(runtime: AgentRuntime): Promise<RunResult> {
  return runtime.run('What is the status of orders A-1001 and A-1002, and their total in dollars?');
}
