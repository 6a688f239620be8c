import {
  checkSupported, ConfigError, limitResponseBytes, ModelError, modelAttempt, resolveCapabilities, resolveMaxResponseBytes, resolveRetryPolicy, streamWithRetry, withModelRetry,
  type FinishReason, type ModelAdapter, type ModelCapabilities, type ModelRequest, type ModelResponse, type ModelStreamEvent, type ReasoningPart, type RetryPolicy, type ToolCall,
} from '@agentrt/core';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicCapabilities, toOutputConfig } from './capabilities.js';
import { continuesWithoutThinking, fromThinkingBlock, placeholderTools, toAnthropicMessages, toAnthropicTools } from './convert-messages.js';

/**
 * Extended thinking: `{ budgetTokens }` (manual, `thinking.type: 'enabled'`; ≥ 1024 and below
 * `maxTokens`) or `{ adaptive: true }` (`thinking.type: 'adaptive'`, for models that only take that).
 */
export type AnthropicThinking = { readonly budgetTokens: number } | { readonly adaptive: true };

/** Options of `AnthropicModel`. */
export interface AnthropicModelOptions {
  /** Model id, e.g. `claude-sonnet-4-6`. */
  readonly model: string;
  /** Default: `ANTHROPIC_API_KEY`. */
  readonly apiKey?: string;
  /** Default: `ANTHROPIC_BASE_URL`, else the Anthropic API (no `/v1`). */
  readonly baseURL?: string;
  /** Always sent (the API requires it). Default 4 096. A request's `maxOutputTokens` can only lower it. */
  readonly maxTokens?: number;
  /** Not allowed with `thinking` (the API rejects it). */
  readonly temperature?: number;
  /**
   * Turns extended thinking on. The answer's `thinking` / `redacted_thinking` blocks come back as
   * `message.reasoning` (signature or data under `providerData.anthropic`) and are sent back
   * unchanged before the turn's tool calls, as the API requires when a tool-use turn continues.
   */
  readonly thinking?: AnthropicThinking;
  /** Overrides what the adapter declares (see `anthropicCapabilities`). */
  readonly capabilities?: Partial<ModelCapabilities>;
  /** Per-call timeout; for streams, the longest silence between events. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** The single retry layer (the SDK's own retries are off). */
  readonly retry?: RetryPolicy;
  /**
   * Bound of one response body in bytes (decoded; an endless or huge answer, a stream that never
   * ends, a stream line without an end). Past it the call fails with `model_unavailable`
   * (`details.maxResponseBytes`), never retried once a stream produced output. An integer ≥ 1 024;
   * default `DEFAULT_MAX_RESPONSE_BYTES` (64 MiB). Output-token limits do not bound this: a hostile
   * server ignores them.
   */
  readonly maxResponseBytes?: number;
}

const STOP: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length', refusal: 'content_filter' };
/** The server's stop reason, mapped by own entries only (`constructor` from a server is `other`, not a function). */
/** The provider's own model and message ids, when it sent them (for traces: `gen_ai.response.model`/`id`). */
const responseMeta = (model: unknown, id: unknown): { model?: string; id?: string } => ({
  ...(typeof model === 'string' && model ? { model } : {}),
  ...(typeof id === 'string' && id ? { id } : {}),
});
const stopOf = (reason: unknown): FinishReason => (typeof reason === 'string' && Object.hasOwn(STOP, reason) ? STOP[reason]! : 'other');
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A non-streamed Messages answer → a `ModelResponse`, read defensively: a body without a
 * `content` list is `unreadable` (retried); blocks that are not objects are skipped, text that
 * is not a string is empty, a `tool_use` block without id or name keeps empty ones (the runtime
 * assigns an id; the loop answers an empty name with `tool_not_found`), a missing `usage` counts 0.
 */
function fromAnthropicMessage(message: unknown): ModelResponse {
  if (!isObject(message) || !Array.isArray(message.content)) {
    throw new ModelError('model_unavailable', 'anthropic sent a response that could not be read: it has no content list', { retryable: true });
  }
  const blocks = message.content.filter(isObject);
  const content = blocks.filter((block) => block.type === 'text').map((block) => text(block.text)).join('');
  const toolCalls: ToolCall[] = blocks.filter((block) => block.type === 'tool_use').map((block) => ({ id: text(block.id), name: text(block.name), args: block.input }));
  const reasoning = blocks.filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking').map((block) => fromThinkingBlock(block as { type: string }));
  const usage = isObject(message.usage) ? message.usage : {};
  return {
    message: { role: 'assistant', content, ...(toolCalls.length ? { toolCalls } : {}), ...(reasoning.length ? { reasoning } : {}) },
    usage: { inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens) },
    finishReason: stopOf(message.stop_reason),
    ...responseMeta(message.model, message.id),
  };
}

const parseInput = (text: string): unknown => {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text; // cut off (max_tokens) or malformed: the loop reports tool_args_invalid
  }
};

/** The smaller of the configured and the requested output-token limits (ignoring absent or non-positive ones). */
const outputLimit = (...limits: (number | undefined)[]) => {
  const valid = limits.filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 1).map(Math.floor);
  return valid.length ? Math.min(...valid) : undefined;
};

/**
 * The Messages API through the official `@anthropic-ai/sdk`: system prompt top-level,
 * `tool_use`/`tool_result` blocks, `max_tokens` always set. Retries are agentrt's (the SDK's
 * are off), with its own per-call timeout.
 *
 * Images and documents go out as `image` / `document` blocks, in user turns and inside tool
 * results; content the `capabilities` exclude fails with `unsupported_content` before any
 * request. With `thinking`, reasoning arrives as `message.reasoning` (and `reasoning_delta`
 * events) and goes back exactly as the API requires. `request.output` becomes
 * `output_config.format`; `max_tokens` is the smaller of `maxTokens` and
 * `request.maxOutputTokens` (a thinking budget that no longer fits shrinks to `max_tokens - 1`,
 * and below 1 024 thinking is off for that call).
 *
 * @example
 * ```ts
 * const model = new AnthropicModel({ model: 'claude-sonnet-4-6' }); // ANTHROPIC_API_KEY from the environment
 * ```
 */
export class AnthropicModel implements ModelAdapter {
  readonly provider = 'anthropic';
  readonly model: string;
  /** What this model accepts beyond text, and whether reasoning is on (overridable with the `capabilities` option). */
  readonly capabilities: ModelCapabilities;
  /** The request's messages are converted to the provider's format during the call and not kept: the runtime lends its transcript (no per-step copy). */
  readonly borrowsMessages = true;
  private readonly client: Anthropic;
  private readonly options: AnthropicModelOptions;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryPolicy>;

  constructor(options: AnthropicModelOptions) {
    if (typeof options?.model !== 'string' || options.model === '') throw new ConfigError('model', 'AnthropicModel needs a model id, e.g. "claude-sonnet-4-6"');
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey) throw new ConfigError('apiKey', 'set ANTHROPIC_API_KEY or pass apiKey');
    const maxTokens = options.maxTokens ?? 4_096;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new ConfigError('maxTokens', 'must be a positive integer');
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
    const thinking = options.thinking as unknown;
    if (thinking !== undefined) {
      if (typeof thinking !== 'object' || thinking === null || Array.isArray(thinking)) throw new ConfigError('thinking', 'expected { budgetTokens: number } or { adaptive: true }');
      const { budgetTokens, adaptive } = thinking as { budgetTokens?: unknown; adaptive?: unknown };
      if (adaptive !== undefined) {
        if (adaptive !== true || budgetTokens !== undefined) throw new ConfigError('thinking.adaptive', 'expected { adaptive: true } without budgetTokens');
      } else if (typeof budgetTokens !== 'number' || !Number.isInteger(budgetTokens) || budgetTokens < 1024) {
        throw new ConfigError('thinking.budgetTokens', 'must be an integer of at least 1024 (the API minimum)');
      } else if (budgetTokens >= maxTokens) {
        throw new ConfigError('thinking.budgetTokens', `must be below maxTokens (${maxTokens}): thinking counts toward max_tokens`);
      }
      if (options.temperature !== undefined) throw new ConfigError('temperature', 'extended thinking does not allow temperature; remove it or turn thinking off');
    }
    this.model = options.model;
    this.capabilities = resolveCapabilities(anthropicCapabilities(options.model, { reasoning: thinking !== undefined }), options.capabilities);
    this.options = { ...options, maxTokens };
    this.timeoutMs = timeoutMs;
    this.retry = resolveRetryPolicy(options.retry);
    const maxBytes = resolveMaxResponseBytes(options.maxResponseBytes);
    const baseURL = options.baseURL ?? process.env.ANTHROPIC_BASE_URL;
    this.client = new Anthropic({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      // Every response body bounded (the SDK reads bodies whole, and keeps an unfinished SSE line).
      fetch: limitResponseBytes((resource, init) => fetch(resource, init), { maxBytes, provider: 'anthropic' }),
      maxRetries: 0,
      timeout: timeoutMs + 1_000,
    });
  }

  /** The `thinking` config for one call, fitted to its `max_tokens` and transcript. */
  private thinkingFor(maxTokens: number, messages: ReturnType<typeof toAnthropicMessages>['messages']): unknown {
    const thinking = this.options.thinking;
    if (!thinking) return undefined;
    // A tool-use continuation without the turn's thinking (another provider's turn, an unsigned
    // block) would be a 400 with thinking on: the API's own advice is to turn it off.
    if (continuesWithoutThinking(messages)) return undefined;
    if ('adaptive' in thinking) return { type: 'adaptive' };
    const budget = Math.min(thinking.budgetTokens, maxTokens - 1);
    return budget >= 1024 ? { type: 'enabled', budget_tokens: budget } : undefined;
  }

  private body(request: ModelRequest) {
    const { system, messages } = toAnthropicMessages(request.messages);
    const maxTokens = outputLimit(this.options.maxTokens, request.maxOutputTokens)!;
    const thinking = this.thinkingFor(maxTokens, messages);
    const outputConfig = request.output && this.capabilities.structuredOutput ? toOutputConfig(request.output) : undefined;
    return {
      model: this.model,
      max_tokens: maxTokens,
      messages,
      ...(system ? { system } : {}),
      // Without tools, tool traffic in the history still needs definitions (placeholders the model cannot call).
      ...(request.tools.length ? { tools: toAnthropicTools(request.tools) } : placeholderTools(messages)),
      ...(thinking ? { thinking } : {}),
      ...(outputConfig ? { output_config: outputConfig } : {}),
      ...(this.options.temperature !== undefined && !thinking ? { temperature: this.options.temperature } : {}),
    };
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    const unsupported = checkSupported(request.messages, this);
    if (unsupported) throw unsupported;
    const body = this.body(request);
    return withModelRetry({
      policy: this.retry,
      signal: request.signal,
      deadline: request.deadline,
      onRetry: request.onRetry,
      call: () => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'anthropic', run: async ({ signal }) => {
        const message: unknown = await this.client.messages.create({ ...body, stream: false } as never, { signal, maxRetries: 0 });
        return fromAnthropicMessage(message);
      } }),
    });
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const unsupported = checkSupported(request.messages, this);
    if (unsupported) throw unsupported;
    const body = this.body(request);
    yield* streamWithRetry({
      policy: this.retry,
      signal: request.signal,
      deadline: request.deadline,
      provider: 'anthropic',
      onRetry: request.onRetry,
      open: (_attempt, emit) => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'anthropic', run: async ({ signal, touch }) => {
        const events = (await this.client.messages.create({ ...body, stream: true } as never, { signal, maxRetries: 0 })) as unknown as AsyncIterable<Record<string, any>>;
        let content = '';
        let stop: string | undefined;
        let stopped = false;
        const usage = { inputTokens: 0, outputTokens: 0 };
        let meta: ReturnType<typeof responseMeta> = {};
        const blocks = new Map<number, { id: string; name: string; json: string }>();
        const thoughts = new Map<number, { type: string; thinking: string; signature?: string; data?: string }>();
        for await (const event of events) {
          touch();
          switch (event.type) {
            case 'message_start':
              meta = responseMeta(event.message?.model, event.message?.id);
              usage.inputTokens = count(event.message?.usage?.input_tokens);
              usage.outputTokens = count(event.message?.usage?.output_tokens);
              break;
            case 'content_block_start':
              if (event.content_block?.type === 'thinking') {
                thoughts.set(event.index, { type: 'thinking', thinking: '', ...(event.content_block.signature ? { signature: event.content_block.signature } : {}) });
              } else if (event.content_block?.type === 'redacted_thinking') {
                thoughts.set(event.index, { type: 'redacted_thinking', thinking: '', data: event.content_block.data });
              } else if (event.content_block?.type === 'tool_use') {
                const block = { id: text(event.content_block.id), name: text(event.content_block.name), json: '' };
                blocks.set(event.index, block);
                emit({ type: 'tool_call_delta', index: typeof event.index === 'number' ? event.index : blocks.size - 1, id: block.id, name: block.name });
              }
              break;
            case 'content_block_delta':
              if (event.delta?.type === 'text_delta') {
                const piece = text(event.delta.text);
                content += piece;
                if (piece) emit({ type: 'text_delta', text: piece });
              } else if (event.delta?.type === 'thinking_delta') {
                const thought = thoughts.get(event.index);
                const piece = text(event.delta.thinking);
                if (thought) thought.thinking += piece;
                if (piece) emit({ type: 'reasoning_delta', text: piece });
              } else if (event.delta?.type === 'signature_delta') {
                const thought = thoughts.get(event.index);
                if (thought) thought.signature = event.delta.signature;
              } else if (event.delta?.type === 'input_json_delta') {
                const block = blocks.get(event.index);
                const piece = text(event.delta.partial_json);
                if (block) block.json += piece;
                if (piece) emit({ type: 'tool_call_delta', index: typeof event.index === 'number' ? event.index : 0, argsDelta: piece });
              }
              break;
            case 'message_delta':
              if (typeof event.delta?.stop_reason === 'string') stop = event.delta.stop_reason;
              if (typeof event.usage?.output_tokens === 'number') usage.outputTokens = count(event.usage.output_tokens);
              break;
            case 'message_stop':
              stopped = true;
              break;
            case 'error':
              throw Object.assign(new Error(event.error?.message ?? 'stream error'), { status: event.error?.type === 'overloaded_error' ? 529 : 500 });
          }
        }
        if (!stopped) throw new Error('the stream ended without message_stop');
        const toolCalls: ToolCall[] = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => ({ id: block.id, name: block.name, args: parseInput(block.json) }));
        const reasoning: ReasoningPart[] = [...thoughts.entries()].sort(([a], [b]) => a - b).map(([, block]) => fromThinkingBlock(block));
        return {
          message: { role: 'assistant', content, ...(toolCalls.length ? { toolCalls } : {}), ...(reasoning.length ? { reasoning } : {}) },
          usage,
          finishReason: stopOf(stop),
          ...meta,
        };
      } }),
    });
  }
}
