import {
  checkKnownOptions, checkSupported, ConfigError, endStreamAtDone, limitResponseBytes, modelAttempt, resolveCapabilities, resolveMaxResponseBytes, resolveRetryPolicy, streamWithRetry, withModelRetry,
  type ModelAdapter, type ModelCapabilities, type ModelRequest, type ModelResponse, type ModelStreamEvent, type RetryPolicy,
} from '@agentrt/core';
import OpenAI from 'openai';
import { openAICapabilities, toResponseFormat } from './capabilities.js';
import { toOpenAIMessages, toOpenAITools } from './convert-messages.js';
import { fromOpenAICompletion, OpenAIChunkAssembler } from './convert-response.js';

/** Options of `OpenAIModel`. */
export interface OpenAIModelOptions {
  /** Model id, e.g. `gpt-4o-mini`. */
  readonly model: string;
  /** Default: `OPENAI_API_KEY`. OpenAI-compatible local servers accept any non-empty value. */
  readonly apiKey?: string;
  /** Default: `OPENAI_BASE_URL`, else the OpenAI API. Any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, Ollama's `/v1`). */
  readonly baseURL?: string;
  readonly organization?: string;
  /** Per-call timeout; for streams, the longest silence between chunks. Default 60 000 ms. */
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
  /** Upper bound on output tokens (`max_completion_tokens`); a request's `maxOutputTokens` can only lower it. */
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** `image_url.detail` for every image: `auto` (the API's default), `low` or `high`. */
  readonly imageDetail?: 'auto' | 'low' | 'high';
  /**
   * Overrides what the adapter declares for this model (see `openAICapabilities`), e.g.
   * `{ imageTypes: ['image/png'], partsInToolResults: true }` for a vision model on an
   * OpenAI-compatible server, or `{ imageTypes: [], fileTypes: [] }` for text only.
   */
  readonly capabilities?: Partial<ModelCapabilities>;
  /** Extra body fields passed through unchanged (e.g. `{ seed: 1 }`). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
}

/** The option names of `OpenAIModel`: any other key is refused (a misspelt `maxToken` would quietly mean no output cap). */
export const OPENAI_OPTION_NAMES: readonly (keyof OpenAIModelOptions)[] = [
  'model', 'apiKey', 'baseURL', 'organization', 'timeoutMs', 'retry', 'maxResponseBytes', 'maxTokens', 'temperature', 'imageDetail', 'capabilities', 'extraBody',
];

/** `config_invalid` naming `field` unless its value is absent or a non-empty string. */
const checkString = (value: unknown, field: string) => {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(field, `expected a non-empty string, got ${value === '' ? 'an empty string' : typeof value}`);
};

/** The smaller of the configured and the requested output-token limits (ignoring absent or non-positive ones). */
const outputLimit = (...limits: (number | undefined)[]) => {
  const valid = limits.filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 1).map(Math.floor);
  return valid.length ? Math.min(...valid) : undefined;
};

/**
 * Chat Completions through the official `openai` SDK. Retries are agentrt's (the SDK's are
 * switched off), with its own per-call timeout; malformed tool-call arguments reach the
 * loop as raw text (a typed tool error the model sees), never a crash.
 *
 * Images and PDFs go out as `image_url` / `file` parts; media a tool returned travels in a user
 * message after that turn's tool messages (tool messages take text only). Content the model's
 * `capabilities` exclude fails with `unsupported_content` before any request. `request.output`
 * becomes `response_format: json_schema`; `max_completion_tokens` is the smaller of `maxTokens`
 * and `request.maxOutputTokens`. Chat Completions returns no reasoning.
 *
 * @example
 * ```ts
 * const model = new OpenAIModel({ model: 'gpt-4o-mini' }); // OPENAI_API_KEY from the environment
 * ```
 */
export class OpenAIModel implements ModelAdapter {
  readonly provider = 'openai';
  readonly model: string;
  /** What this model accepts beyond text (by model family, overridable with the `capabilities` option). */
  readonly capabilities: ModelCapabilities;
  /** The request's messages are converted to the provider's format during the call and not kept: the runtime lends its transcript (no per-step copy). */
  readonly borrowsMessages = true;
  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryPolicy>;
  private readonly options: OpenAIModelOptions;

  constructor(options: OpenAIModelOptions) {
    if (Array.isArray(options)) throw new ConfigError('model', 'OpenAIModel takes an options object, e.g. { model: "gpt-4o-mini" }');
    checkKnownOptions(options, OPENAI_OPTION_NAMES, 'OpenAIModel');
    if (typeof options?.model !== 'string' || options.model === '') throw new ConfigError('model', 'OpenAIModel needs a model id, e.g. "gpt-4o-mini"');
    for (const field of ['apiKey', 'baseURL', 'organization'] as const) checkString(options[field], field);
    const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
    if (!apiKey) throw new ConfigError('apiKey', 'set OPENAI_API_KEY or pass apiKey (any non-empty value for local OpenAI-compatible servers)');
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
    if (options.maxTokens !== undefined && (!Number.isInteger(options.maxTokens) || options.maxTokens < 1)) throw new ConfigError('maxTokens', 'must be a positive integer');
    if (options.imageDetail !== undefined && !['auto', 'low', 'high'].includes(options.imageDetail)) throw new ConfigError('imageDetail', 'must be "auto", "low" or "high"');
    // The Chat Completions range; a compatible server with another range takes it through extraBody.
    if (options.temperature !== undefined && (typeof options.temperature !== 'number' || !Number.isFinite(options.temperature) || options.temperature < 0 || options.temperature > 2)) {
      throw new ConfigError('temperature', `must be a number from 0 to 2, got ${typeof options.temperature === 'number' ? String(options.temperature) : typeof options.temperature}`);
    }
    if (options.extraBody !== undefined && (typeof options.extraBody !== 'object' || options.extraBody === null || Array.isArray(options.extraBody))) throw new ConfigError('extraBody', 'expected an object such as { seed: 1 }');
    this.model = options.model;
    this.capabilities = resolveCapabilities(openAICapabilities(options.model), options.capabilities);
    this.options = options;
    this.timeoutMs = timeoutMs;
    this.retry = resolveRetryPolicy(options.retry);
    const maxBytes = resolveMaxResponseBytes(options.maxResponseBytes);
    const baseURL = options.baseURL ?? process.env.OPENAI_BASE_URL;
    this.client = new OpenAI({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      ...(options.organization ? { organization: options.organization } : {}),
      // Every response body bounded (the SDK reads bodies whole, and keeps an unfinished SSE line);
      // a stream ends at `[DONE]` (the SDK would read on until the server closes the connection).
      fetch: limitResponseBytes(async (resource, init) => endStreamAtDone(await fetch(resource, init)), { maxBytes, provider: 'openai' }),
      maxRetries: 0, // one retry layer: agentrt's
      // The SDK logs a stream line it cannot parse — server text, up to the body limit — through
      // its logger (`console` at level warn, or OPENAI_LOG's); the failure reaches the run as
      // `model_unavailable` instead, and nothing a server sends is printed.
      logLevel: 'off',
      timeout: timeoutMs + 1_000, // ours fires first; the SDK's is a backstop
    });
  }

  private body(request: ModelRequest) {
    const maxTokens = outputLimit(this.options.maxTokens, request.maxOutputTokens);
    const responseFormat = request.output && this.capabilities.structuredOutput ? toResponseFormat(request.output) : undefined;
    return {
      model: this.model,
      messages: toOpenAIMessages(request.messages, { ...(this.options.imageDetail ? { imageDetail: this.options.imageDetail } : {}) }),
      ...(request.tools.length ? { tools: toOpenAITools(request.tools) } : {}),
      ...(maxTokens !== undefined ? { max_completion_tokens: maxTokens } : {}),
      ...(responseFormat ? { response_format: responseFormat } : {}),
      ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
      ...this.options.extraBody,
    };
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    const unsupported = checkSupported(request.messages, this);
    if (unsupported) throw unsupported;
    // Built once for all attempts (as the other adapters do).
    const body = { ...this.body(request), stream: false };
    return withModelRetry({
      policy: this.retry,
      signal: request.signal,
      deadline: request.deadline,
      onRetry: request.onRetry,
      call: () => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'openai', run: async ({ signal }) => {
        const completion: unknown = await this.client.chat.completions.create(body as never, { signal, maxRetries: 0 });
        return fromOpenAICompletion(completion);
      } }),
    });
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const unsupported = checkSupported(request.messages, this);
    if (unsupported) throw unsupported;
    const body = { ...this.body(request), stream: true, stream_options: { include_usage: true } };
    yield* streamWithRetry({
      policy: this.retry,
      signal: request.signal,
      deadline: request.deadline,
      provider: 'openai',
      onRetry: request.onRetry,
      open: (_attempt, emit) => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'openai', run: async ({ signal, touch }) => {
        const stream = await this.client.chat.completions.create(body as never, { signal, maxRetries: 0 }) as unknown as AsyncIterable<unknown>;
        const assembler = new OpenAIChunkAssembler(emit);
        for await (const chunk of stream) {
          touch();
          assembler.add(chunk);
        }
        return assembler.response();
      } }),
    });
  }
}
