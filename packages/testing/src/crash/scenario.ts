import { defineTool, type ContentPart, type Message, type ModelAdapter, type ModelRequest, type ModelResponse, type Tool } from '@agentrt/core';
import { z } from 'zod';

/** The crash scenario's plan: the tool calls of each step; the step after the last answers. */
export const CRASH_PLAN: readonly (readonly { name: 'charge' | 'put' | 'lookup'; args: Record<string, unknown> }[])[] = [
  [{ name: 'charge', args: { cents: 100 } }, { name: 'put', args: { key: 'a', value: 1 } }, { name: 'lookup', args: { q: 'x' } }],
  [{ name: 'put', args: { key: 'b', value: 2 } }],
  [{ name: 'charge', args: { cents: 200 } }, { name: 'lookup', args: { q: 'y' } }],
];

/**
 * A deterministic model: the decision depends only on how many steps the request already
 * holds, so a model re-asked after a crash decides the same thing (same call ids).
 */
export function crashScenarioModel(): ModelAdapter {
  return {
    provider: 'scripted',
    model: 'crash-scenario',
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const step = request.messages.filter((message) => message.role === 'assistant').length;
      const plan = CRASH_PLAN[step];
      if (!plan) return { message: { role: 'assistant', content: 'all done' }, usage: { inputTokens: 10, outputTokens: 3 }, finishReason: 'stop' };
      return {
        message: { role: 'assistant', content: '', toolCalls: plan.map((call, i) => ({ id: `s${step}-${i}-${call.name}`, name: call.name, args: call.args })) },
        usage: { inputTokens: 10, outputTokens: 5 },
        finishReason: 'tool_calls',
      };
    },
  };
}

const mediaBytes = (size: number, seed: number) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed + 1) % 256;
  return bytes.toString('base64');
};
/** The image in the media scenario's input (large enough for stores to keep it as a blob). */
export const MEDIA_INPUT_IMAGE = mediaBytes(6_000, 7);
/** The image the media scenario's `lookup` returns. */
export const MEDIA_TOOL_IMAGE = mediaBytes(4_000, 13);
/** The media scenario's input: text plus an image. */
export const MEDIA_INPUT: readonly Message[] = [{ role: 'user', content: [{ type: 'text', text: 'run the crash scenario' }, { type: 'image', mediaType: 'image/png', data: MEDIA_INPUT_IMAGE }] }];
const mediaResult = (q: string): ContentPart[] => [{ type: 'text', text: `found ${q}` }, { type: 'image', mediaType: 'image/png', data: MEDIA_TOOL_IMAGE }];
const mediaReasoning = (step: number) => [{ text: `plan for step ${step}`, providerData: { scenario: { signature: `sig-${step}` } } }];

/**
 * The crash scenario's model holding content parts: it checks that every request carries the
 * input image, each `lookup` result's image and each earlier turn's signed reasoning byte for
 * byte (and fails the call otherwise), then decides like `crashScenarioModel`, with reasoning.
 */
export function mediaScenarioModel(): ModelAdapter {
  const inner = crashScenarioModel();
  return {
    provider: 'scripted',
    model: 'media-scenario',
    capabilities: { imageTypes: ['image/png'], fileTypes: [], partsInToolResults: true, imageUrls: false, fileUrls: false, structuredOutput: false, reasoning: true },
    async generate(request: ModelRequest): Promise<ModelResponse> {
      if (JSON.stringify(request.messages[0]) !== JSON.stringify(MEDIA_INPUT[0])) throw new Error('the input image did not come back intact');
      let assistants = 0;
      for (const message of request.messages) {
        if (message.role === 'assistant' && JSON.stringify(message.reasoning) !== JSON.stringify(mediaReasoning(assistants++))) throw new Error('reasoning did not come back intact');
        if (message.role === 'tool' && message.name === 'lookup' && !message.isError && JSON.stringify(message.content).indexOf(MEDIA_TOOL_IMAGE) < 0) throw new Error('a tool image did not come back intact');
      }
      const response = await inner.generate(request);
      return { ...response, message: { ...response.message, reasoning: mediaReasoning(assistants) } };
    },
  };
}

/**
 * Tools that report to the effect counter; `onEffect` runs after the external effect happened
 * (crash point CP4). With `media`, `lookup` returns text plus an image.
 */
export function crashScenarioTools(counterUrl: string, onEffect: (tool: string, stepIndex: number) => void, options: { media?: boolean } = {}): Tool[] {
  const effect = async (kind: string, key: string, dedupe: boolean) => {
    const response = await fetch(`${counterUrl}/effect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, key, dedupe }) });
    if (!response.ok) throw new Error(`counter answered ${response.status}`);
  };
  return [
    defineTool({
      name: 'charge', description: 'Charges a card (not idempotent)', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent',
      execute: async (_args, ctx) => {
        await effect('charge', ctx.idempotencyKey, false);
        onEffect('charge', ctx.stepIndex);
        return 'charged';
      },
    }),
    defineTool({
      name: 'put', description: 'Stores a value (idempotent by key)', input: z.object({ key: z.string(), value: z.number() }), sideEffects: 'idempotent',
      execute: async (_args, ctx) => {
        await effect('put', ctx.idempotencyKey, true);
        onEffect('put', ctx.stepIndex);
        return 'stored';
      },
    }),
    defineTool({
      name: 'lookup', description: 'Reads something (pure)', input: z.object({ q: z.string() }),
      execute: async ({ q }, ctx) => {
        onEffect('lookup', ctx.stepIndex);
        return options.media ? mediaResult(q) : `found ${q}`;
      },
    }),
  ];
}

/** A model that keeps calling `wait` forever (for kill tests). */
export function slowScenarioModel(): ModelAdapter {
  return {
    provider: 'scripted',
    model: 'slow-scenario',
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const step = request.messages.filter((message) => message.role === 'assistant').length;
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `w${step}`, name: 'wait', args: { ms: 150 } }] }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'tool_calls' };
    },
  };
}

/** `wait` sleeps, honouring its abort signal; `transfer` needs approval. Shared by child and parent so tool sets match. */
export function slowScenarioTools(counterUrl: string): Tool[] {
  return [
    defineTool({
      name: 'wait', description: 'Waits', input: z.object({ ms: z.number() }),
      execute: ({ ms }, ctx) => new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve('waited'), ms);
        ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
      }),
    }),
    defineTool({
      name: 'transfer', description: 'Moves money', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true,
      execute: async (_args, ctx) => {
        const response = await fetch(`${counterUrl}/effect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'transfer', key: ctx.idempotencyKey }) });
        return response.ok ? 'sent' : 'failed';
      },
    }),
  ];
}

/** Calls `transfer` once (which pauses for approval), then answers. */
export function approvalScenarioModel(): ModelAdapter {
  return {
    provider: 'scripted',
    model: 'approval-scenario',
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const done = request.messages.some((message) => message.role === 'tool');
      return done
        ? { message: { role: 'assistant', content: 'transfer handled' }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'stop' }
        : { message: { role: 'assistant', content: '', toolCalls: [{ id: 'tx-1', name: 'transfer', args: { cents: 5000 } }] }, usage: { inputTokens: 5, outputTokens: 2 }, finishReason: 'tool_calls' };
    },
  };
}
