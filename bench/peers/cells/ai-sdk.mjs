// Vercel AI SDK: generateText with tools, a scripted LanguageModelV3 implemented directly
// (no provider package, no network), stopWhen stepCountIs(steps + 1): `steps` tool steps and
// the final text step. The SDK keeps no durable state, so it has no durable column.
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import { add, decide, DESCRIPTION, expectDone, USAGE } from './script.mjs';

const addTool = tool({ description: DESCRIPTION, inputSchema: z.object({ a: z.number(), b: z.number() }), execute: add });

const usage = {
  inputTokens: { total: USAGE.inputTokens, noCache: USAGE.inputTokens, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: USAGE.outputTokens, text: USAGE.outputTokens, reasoning: undefined },
};

/** Reads the last tool result of a V3 prompt ({ type: 'json', value } or { type: 'text', value }). */
function lastToolResult(prompt) {
  const last = prompt.at(-1);
  if (last?.role !== 'tool') return undefined;
  const part = last.content.findLast((p) => p.type === 'tool-result');
  return part?.output?.value;
}

function scriptedModel(steps) {
  return {
    specificationVersion: 'v3',
    provider: 'scripted',
    modelId: 'scripted-1',
    supportedUrls: {},
    async doGenerate(options) {
      const decision = decide(lastToolResult(options.prompt), steps);
      if (decision.text !== undefined) {
        return { content: [{ type: 'text', text: decision.text }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
      }
      const { id, name, args } = decision.call;
      return {
        content: [{ type: 'tool-call', toolCallId: id, toolName: name, input: JSON.stringify(args) }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      };
    },
    async doStream() { throw new Error('scripted model: streaming is not used by this benchmark'); },
  };
}

export const name = 'ai-sdk';

export function setup(steps) {
  const model = scriptedModel(steps);
  return async () => {
    const result = await generateText({ model, tools: { add: addTool }, prompt: 'go', stopWhen: stepCountIs(steps + 1) });
    expectDone(result.text, steps, name);
  };
}
