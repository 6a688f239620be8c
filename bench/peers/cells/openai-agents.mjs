// OpenAI Agents JS: an Agent with a custom scripted Model (no network), tracing disabled,
// maxTurns steps + 1. It keeps no durable per-step state, so it has no durable column.
import { Agent, run, setTracingDisabled, tool, Usage } from '@openai/agents';
import { z } from 'zod';
import { add, decide, DESCRIPTION, expectDone, USAGE } from './script.mjs';

setTracingDisabled(true);

const addTool = tool({ name: 'add', description: DESCRIPTION, parameters: z.object({ a: z.number(), b: z.number() }), execute: add });

const usageInput = { requests: 1, inputTokens: USAGE.inputTokens, outputTokens: USAGE.outputTokens, totalTokens: USAGE.inputTokens + USAGE.outputTokens };

function lastToolResult(input) {
  if (typeof input === 'string') return undefined;
  const last = input.at(-1);
  if (last?.type !== 'function_call_result') return undefined;
  const output = last.output;
  return typeof output === 'string' ? output : output?.text;
}

class ScriptedModel {
  constructor(steps) { this.steps = steps; }
  async getResponse(request) {
    const decision = decide(lastToolResult(request.input), this.steps);
    if (decision.text !== undefined) {
      return { usage: new Usage(usageInput), output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: decision.text }] }] };
    }
    const { id, name, args } = decision.call;
    return { usage: new Usage(usageInput), output: [{ type: 'function_call', callId: id, name, arguments: JSON.stringify(args), status: 'completed' }] };
  }
  // eslint-disable-next-line require-yield
  async *getStreamedResponse() { throw new Error('scripted model: streaming is not used by this benchmark'); }
}

export const name = 'openai-agents';

export function setup(steps) {
  const agent = new Agent({ name: 'bench', instructions: 'Add numbers.', model: new ScriptedModel(steps), tools: [addTool] });
  return async () => {
    const result = await run(agent, 'go', { maxTurns: steps + 1 });
    expectDone(result.finalOutput, steps, name);
  };
}
