import {
  checkKnownOptions, checkSupported, ConfigError, nearestName, limitResponseBytes, ModelError, modelAttempt, resolveCapabilities, resolveMaxResponseBytes, resolveRetryPolicy, streamWithRetry, withModelRetry,
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

/** The option names of `AnthropicModel`: any other key is refused (a misspelt `maxToken` would quietly keep the 4 096 default). */
export const ANTHROPIC_OPTION_NAMES: readonly (keyof AnthropicModelOptions)[] = [
  'model', 'apiKey', 'baseURL', 'maxTokens', 'temperature', 'thinking', 'capabilities', 'timeoutMs', 'retry', 'maxResponseBytes',
];
/** The keys of `thinking`: a misspelt one (`{ budgetTokens: 2048, adaptiv: true }`) is refused, not ignored. */
const THINKING_KEYS: readonly string[] = ['budgetTokens', 'adaptive'];

// `model_context_window_exceeded`: the answer was cut where the context window ended, like `max_tokens`.
const STOP: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length', model_context_window_exceeded: 'length', refusal: 'content_filter' };
/** The server's stop reason, mapped by own entries only (`constructor` from a server is `other`, not a function). */
/** The provider's own model and message ids, when it sent them (for traces: `gen_ai.response.model`/`id`). */
const responseMeta = (model: unknown, id: unknown): { model?: string; id?: string } => ({
  ...(typeof model === 'string' && model ? { model } : {}),
  ...(typeof id === 'string' && id ? { id } : {}),
});
const stopOf = (reason: unknown): FinishReason => (typeof reason === 'string' && Object.hasOwn(STOP, reason) ? STOP[reason]! : 'other');
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A token count as a sane integer: not a number, negative, NaN or infinite is 0; fractions are cut; at most `Number.MAX_SAFE_INTEGER`. */
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER) : 0);
/** The usage fields that make up the input: `input_tokens` excludes what was written to or read from the prompt cache. */
const INPUT_FIELDS = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;
/** All input tokens of a usage object (uncached + cache writes + cache reads), as `prompt_tokens` counts them on OpenAI. */
const inputTokens = (usage: Record<string, unknown>): number => Math.min(INPUT_FIELDS.reduce((sum, field) => sum + count(usage[field]), 0), Number.MAX_SAFE_INTEGER);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A non-streamed Messages answer → a `ModelResponse`, read defensively: a body without a
 * `content` list is `unreadable` (retried); blocks that are not objects are skipped, text that
 * is not a string is empty, a `tool_use` block without id or name keeps empty ones (the runtime
 * assigns an id; the loop answers an empty name with `tool_not_found`), a missing `usage` counts 0.
 */
function fromAnthropicMessage(message: unknown): ModelResponse {
  if (!isObject(message) || !Array.isArray(message.content)) {
    // A proxy that answers 200 with the API's error body: its message says what went wrong.
    const error = isObject(message) && isObject(message.error) ? text(message.error.message) : '';
    const why = error ? `it is an error: ${Array.from(error).slice(0, 1_000).join('')}` : 'it has no content list';
    throw new ModelError('model_unavailable', `anthropic sent a response that could not be read: ${why}`, { retryable: true });
  }
  const blocks = message.content.filter(isObject);
  const content = blocks.filter((block) => block.type === 'text').map((block) => text(block.text)).join('');
  const toolCalls: ToolCall[] = blocks.filter((block) => block.type === 'tool_use').map((block) => ({ id: text(block.id), name: text(block.name), args: block.input }));
  const reasoning = blocks.filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking').map((block) => fromThinkingBlock(block as { type: string }));
  const usage = isObject(message.usage) ? message.usage : {};
  return {
    message: { role: 'assistant', content, ...(toolCalls.length ? { toolCalls } : {}), ...(reasoning.length ? { reasoning } : {}) },
    usage: { inputTokens: inputTokens(usage), outputTokens: count(usage.output_tokens) },
    finishReason: stopOf(message.stop_reason),
    ...responseMeta(message.model, message.id),
  };
}

/** HTTP statuses of the API's error types (its errors reference), for an `error` event inside a 200 stream. */
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400, authentication_error: 401, permission_error: 403, not_found_error: 404,
  request_too_large: 413, rate_limit_error: 429, api_error: 500, timeout_error: 504, overloaded_error: 529,
};

/**
 * An `error` event in a stream (the SDK throws an `APIError` without a status for it) gets the
 * status of its type, so it is classified like the same error before the stream (`overloaded_error`
 * → 529 retried before output, `rate_limit_error` → `model_rate_limited`); an unknown type is a 500.
 */
function streamError(error: unknown): unknown {
  if (!(error instanceof Anthropic.APIError) || error.status !== undefined) return error;
  const type = typeof error.type === 'string' ? error.type : '';
  const status = Object.hasOwn(ERROR_STATUS, type) ? ERROR_STATUS[type]! : 500;
  const message = typeof error.apiMessage === 'string' && error.apiMessage ? error.apiMessage : error.message;
  return Object.assign(new Error(`stream error${type ? ` (${type.slice(0, 100)})` : ''}: ${Array.from(message).slice(0, 1_000).join('')}`, { cause: error }), { status });
}

const parseInput = (text: string): unknown => {
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    // A JSON string (`"str"`, an object encoded twice) goes on as the text it came as: the loop
    // decodes arguments once and reports not_object, never decoding it again into an object (B-03).
    return typeof value === 'string' ? text : value;
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
    if (Array.isArray(options)) throw new ConfigError('model', 'AnthropicModel takes an options object, e.g. { model: "claude-sonnet-4-6" }');
    checkKnownOptions(options, ANTHROPIC_OPTION_NAMES, 'AnthropicModel');
    if (typeof options?.model !== 'string' || options.model === '') throw new ConfigError('model', 'AnthropicModel needs a model id, e.g. "claude-sonnet-4-6"');
    for (const field of ['apiKey', 'baseURL'] as const) {
      const value = options[field] as unknown;
      if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(field, `expected a non-empty string, got ${value === '' ? 'an empty string' : typeof value}`);
    }
    // The Messages API's range.
    if (options.temperature !== undefined && (typeof options.temperature !== 'number' || !Number.isFinite(options.temperature) || options.temperature < 0 || options.temperature > 1)) {
      throw new ConfigError('temperature', `must be a number from 0 to 1, got ${typeof options.temperature === 'number' ? String(options.temperature) : typeof options.temperature}`);
    }
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey) throw new ConfigError('apiKey', 'set ANTHROPIC_API_KEY or pass apiKey');
    const maxTokens = options.maxTokens ?? 4_096;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new ConfigError('maxTokens', 'must be a positive integer');
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
    const thinking = options.thinking as unknown;
    if (thinking !== undefined) {
      if (typeof thinking !== 'object' || thinking === null || Array.isArray(thinking)) throw new ConfigError('thinking', 'expected { budgetTokens: number } or { adaptive: true }');
      for (const key of Object.keys(thinking)) {
        if (key === 'budgetTokens' || key === 'adaptive') continue;
        const near = nearestName(key, THINKING_KEYS);
        throw new ConfigError(`thinking.${key}`, `unknown option of thinking${near ? ` (did you mean "${near}"?)` : ''} (known: ${THINKING_KEYS.join(', ')})`);
      }
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
      // The SDK's logger writes a stream line it cannot parse — server text of any size, terminal
      // escapes included — to the console. A library does not print what a server sends: off,
      // unless the user asks for the SDK's logs with ANTHROPIC_LOG.
      ...(process.env.ANTHROPIC_LOG ? {} : { logLevel: 'off' as const }),
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
        // Input counts by field: message_start has them, message_delta may repeat them (cumulative).
        const input: Record<string, unknown> = {};
        let meta: ReturnType<typeof responseMeta> = {};
        // Keyed by the server's index (a Map: no key writes through a prototype); `at` is the index the call's deltas carry.
        const blocks = new Map<number, { id: string; name: string; json: string; at: number }>();
        const thoughts = new Map<number, { type: string; thinking: string; signature?: string; data?: string }>();
        try {
          for await (const event of events) {
            touch();
            if (typeof event !== 'object' || event === null) continue; // `data: null` / a number: nothing to read
            if (event.type === 'message_stop') {
              // The last event: the answer is complete. Leaving the loop makes the SDK abort the
              // request, so a server or proxy that keeps the connection open (keep-alive comments,
              // pings, more events) neither holds the answer until the idle timeout nor pushes it
              // past maxResponseBytes, nor keeps the socket.
              stopped = true;
              break;
            }
            switch (event.type) {
              case 'message_start':
                meta = responseMeta(event.message?.model, event.message?.id);
                if (isObject(event.message?.usage)) for (const field of INPUT_FIELDS) input[field] = event.message.usage[field];
                usage.inputTokens = inputTokens(input);
                usage.outputTokens = count(event.message?.usage?.output_tokens);
                break;
              case 'content_block_start':
                if (event.content_block?.type === 'thinking') {
                  thoughts.set(event.index, { type: 'thinking', thinking: '', ...(event.content_block.signature ? { signature: event.content_block.signature } : {}) });
                } else if (event.content_block?.type === 'redacted_thinking') {
                  thoughts.set(event.index, { type: 'redacted_thinking', thinking: '', data: event.content_block.data });
                } else if (event.content_block?.type === 'tool_use') {
                  const block = { id: text(event.content_block.id), name: text(event.content_block.name), json: '', at: typeof event.index === 'number' ? event.index : blocks.size };
                  blocks.set(event.index, block);
                  emit({ type: 'tool_call_delta', index: block.at, id: block.id, name: block.name });
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
                  // Input for a block never started belongs to no call: dropped, not shown as a phantom call.
                  const block = blocks.get(event.index);
                  const piece = text(event.delta.partial_json);
                  if (block && piece) {
                    block.json += piece;
                    emit({ type: 'tool_call_delta', index: block.at, argsDelta: piece });
                  }
                }
                break;
              case 'message_delta':
                if (typeof event.delta?.stop_reason === 'string') stop = event.delta.stop_reason;
                if (typeof event.usage?.output_tokens === 'number') usage.outputTokens = count(event.usage.output_tokens);
                if (isObject(event.usage)) {
                  for (const field of INPUT_FIELDS) if (typeof event.usage[field] === 'number') input[field] = event.usage[field];
                  usage.inputTokens = inputTokens(input);
                }
                break;
            }
          }
        } catch (error) {
          throw streamError(error);
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
