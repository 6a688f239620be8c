import { createRuntime, defineTool, type AgentRuntime, type ModelAdapter, type StateStore } from '@agentrt/core';
import { z } from 'zod';

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Looks up an order by id',
  input: z.object({ orderId: z.string() }),
  sideEffects: 'none',
  execute: ({ orderId }) => ({ orderId, status: 'shipped', carrier: 'DHL' }),
});

/** A deterministic stand-in for a real model (no API key needed): one lookup, then an answer. */
const model: ModelAdapter = {
  provider: 'example',
  model: 'order-bot',
  async generate(request) {
    const result = request.messages.find((message) => message.role === 'tool');
    if (!result) {
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'lookup-1', name: 'lookup_order', args: { orderId: 'A-1001' } }] }, usage: { inputTokens: 20, outputTokens: 8 }, finishReason: 'tool_calls' };
    }
    return { message: { role: 'assistant', content: `Order A-1001: ${typeof result.content === 'string' ? result.content : ''}` }, usage: { inputTokens: 40, outputTokens: 12 }, finishReason: 'stop' };
  },
};

/** The same agent on whatever store it is given. */
export function createAgent(store: StateStore): AgentRuntime {
  return createRuntime({ model, tools: [lookupOrder], store, limits: { maxSteps: 4, timeoutMs: 30_000 } });
}
