import {
  checkKnownOptions, checkSupported, ConfigError, limitResponse, nearestName, ModelError, modelAttempt, resolveCapabilities, resolveMaxResponseBytes, resolveRetryPolicy, streamWithRetry, withModelRetry,
  type AssistantMessage, type FinishReason, type ModelAdapter, type ModelCapabilities, type ModelRequest, type ModelResponse, type ModelStreamEvent, type RetryPolicy, type ToolCall,
} from '@agentrt/core';
import { Ollama } from 'ollama';
import { ollamaCapabilities } from './capabilities.js';
import { toOllamaMessages, toOllamaTools } from './convert-messages.js';
import { keepObjectLines } from './object-lines.js';

/** Options of `OllamaModel`. */
export interface OllamaModelOptions {
  /** Model name, e.g. `llama3.1`. */
  readonly model: string;
  /** Default: `OLLAMA_HOST`, else `http://127.0.0.1:11434`. */
  readonly host?: string;
  /** Per-call timeout; for streams, the longest silence between chunks. Default 120 000 ms (local models load slowly). */
  readonly timeoutMs?: number;
  /** The single retry layer. */
  readonly retry?: RetryPolicy;
  /**
   * Bound of one response body in bytes (decoded; an endless or huge answer, a stream that never
   * ends, a stream line without an end). Past it the call fails with `model_unavailable`
   * (`details.maxResponseBytes`), never retried once a stream produced output. An integer ≥ 1 024;
   * default `DEFAULT_MAX_RESPONSE_BYTES` (64 MiB). Output-token limits do not bound this: a hostile
   * server ignores them.
   */
  readonly maxResponseBytes?: number;
  /**
   * Passed as `options` (e.g. `{ temperature: 0, num_ctx: 8192 }`), unchanged. Keys are Ollama's
   * documented option names (`OLLAMA_MODEL_OPTION_NAMES`); any other key is a `ConfigError` naming
   * `modelOptions.<key>` (Ollama itself ignores an unknown option, so a typo such as `temprature`
   * would quietly keep the model's default). A request's `maxOutputTokens` can only lower `num_predict`.
   */
  readonly modelOptions?: Readonly<Record<string, unknown>>;
  /** Passed as `keep_alive`. */
  readonly keepAlive?: string | number;
  /**
   * Passed as `think` (thinking models: qwen3, deepseek-r1, gpt-oss…): `true`, or a level
   * `'low' | 'medium' | 'high'`. The model's `thinking` comes back as `message.reasoning`
   * (and `reasoning_delta` events) and is sent back as the assistant message's `thinking`.
   */
  readonly think?: boolean | 'low' | 'medium' | 'high';
  /** Overrides what the adapter declares for this model (see `ollamaCapabilities`), e.g. `{ imageTypes: ['image/png'] }`. */
  readonly capabilities?: Partial<ModelCapabilities>;
}

/** The option names of `OllamaModel`: any other key is refused (a misspelt `keepalive` would quietly keep Ollama's default). */
export const OLLAMA_OPTION_NAMES: readonly (keyof OllamaModelOptions)[] = [
  'model', 'host', 'timeoutMs', 'retry', 'maxResponseBytes', 'modelOptions', 'keepAlive', 'think', 'capabilities',
];

/**
 * The option names Ollama documents for a request's `options` (docs/api.md, "Generate request
 * (With options)", and the Modelfile parameters), including the ones older servers still read
 * (`num_gqa`, `rope_frequency_base`, `rope_frequency_scale`). `modelOptions` takes these only.
 */
export const OLLAMA_MODEL_OPTION_NAMES: readonly string[] = Object.freeze([
  'num_keep', 'seed', 'num_predict', 'top_k', 'top_p', 'min_p', 'tfs_z', 'typical_p', 'repeat_last_n', 'temperature', 'repeat_penalty',
  'presence_penalty', 'frequency_penalty', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'penalize_newline', 'stop', 'numa', 'num_ctx',
  'num_batch', 'num_gpu', 'main_gpu', 'low_vram', 'f16_kv', 'vocab_only', 'use_mmap', 'use_mlock', 'num_thread',
  'num_gqa', 'rope_frequency_base', 'rope_frequency_scale',
]);

/** The smaller of the configured and the requested output-token limits (ignoring absent or non-positive ones, such as `num_predict: -1`). */
const outputLimit = (...limits: unknown[]) => {
  const valid = limits.filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 1).map(Math.floor);
  return valid.length ? Math.min(...valid) : undefined;
};

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
const asText = (value: unknown): string => (typeof value === 'string' ? value : '');
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A chat answer or stream chunk as the wire may carry it (every field is checked before use). */
interface ChatChunk {
  message?: { content?: unknown; thinking?: unknown; tool_calls?: unknown };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  model?: unknown;
}

/**
 * Ollama's `/api/chat` through the official `ollama` client, with tools (arguments arrive as
 * objects; Ollama assigns no call ids, so the runtime does). Abort, timeout and `Retry-After`
 * go through a per-call `fetch`, since the client has no per-request signal.
 *
 * Images go out as `images` on user and tool messages (vision models; content the
 * `capabilities` exclude fails with `unsupported_content` before any request). With `think`,
 * the model's `thinking` comes back as `message.reasoning` and goes back as `thinking`.
 * `request.output` becomes `format` (the JSON schema); `options.num_predict` is the smaller of
 * `modelOptions.num_predict` and `request.maxOutputTokens`.
 *
 * @example
 * ```ts
 * const model = new OllamaModel({ model: 'llama3.1' }); // OLLAMA_HOST or http://127.0.0.1:11434
 * ```
 */
export class OllamaModel implements ModelAdapter {
  readonly provider = 'ollama';
  readonly model: string;
  /** What this model accepts beyond text, and whether reasoning is on (overridable with the `capabilities` option). */
  readonly capabilities: ModelCapabilities;
  /** The request's messages are converted to the provider's format during the call and not kept: the runtime lends its transcript (no per-step copy). */
  readonly borrowsMessages = true;
  private readonly host: string;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryPolicy>;
  private readonly maxResponseBytes: number;
  private readonly options: OllamaModelOptions;

  constructor(options: OllamaModelOptions) {
    if (Array.isArray(options)) throw new ConfigError('model', 'OllamaModel takes an options object, e.g. { model: "llama3.1" }');
    checkKnownOptions(options, OLLAMA_OPTION_NAMES, 'OllamaModel');
    if (typeof options?.model !== 'string' || options.model === '') throw new ConfigError('model', 'OllamaModel needs a model name, e.g. "llama3.1"');
    if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) throw new ConfigError('host', `expected a non-empty string such as "http://127.0.0.1:11434", got ${options.host === '' ? 'an empty string' : typeof options.host}`);
    const keepAlive = options.keepAlive as unknown;
    if (keepAlive !== undefined && !(typeof keepAlive === 'string' && keepAlive !== '') && !(typeof keepAlive === 'number' && Number.isFinite(keepAlive))) {
      throw new ConfigError('keepAlive', `expected a duration string such as "5m" or a number of seconds, got ${typeof keepAlive === 'number' ? String(keepAlive) : keepAlive === '' ? 'an empty string' : typeof keepAlive}`);
    }
    const timeoutMs = options.timeoutMs ?? 120_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
    if (options.think !== undefined && typeof options.think !== 'boolean' && !['low', 'medium', 'high'].includes(options.think)) {
      throw new ConfigError('think', 'must be true, false, "low", "medium" or "high"');
    }
    // A plain object only: a Map (or another class's instance) serializes to `{}` or loses fields, so its options would be dropped without a word.
    if (options.modelOptions !== undefined && (typeof options.modelOptions !== 'object' || options.modelOptions === null || Array.isArray(options.modelOptions) || ![Object.prototype, null].includes(Object.getPrototypeOf(options.modelOptions) as object | null))) {
      throw new ConfigError('modelOptions', `expected a plain object such as { temperature: 0 }${options.modelOptions instanceof Map ? ', not a Map' : ''}`);
    }
    if (options.modelOptions !== undefined) {
      for (const key of Object.keys(options.modelOptions)) {
        if (OLLAMA_MODEL_OPTION_NAMES.includes(key)) continue;
        const near = nearestName(key, OLLAMA_MODEL_OPTION_NAMES);
        throw new ConfigError(`modelOptions.${key}`, `not an Ollama option${near ? ` (did you mean "${near}"?)` : ''} (known: ${OLLAMA_MODEL_OPTION_NAMES.join(', ')})`);
      }
    }
    this.model = options.model;
    this.capabilities = resolveCapabilities(ollamaCapabilities(options.model, { reasoning: options.think !== undefined && options.think !== false }), options.capabilities);
    this.options = options;
    this.host = options.host ?? process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434';
    this.timeoutMs = timeoutMs;
    this.retry = resolveRetryPolicy(options.retry);
    this.maxResponseBytes = resolveMaxResponseBytes(options.maxResponseBytes);
  }

  /**
   * A client whose every request carries this call's signal, remembering the last response
   * headers. `close()` ends the call's connection: the client stops reading a stream at its
   * `done` line without cancelling the body, so a server that kept it open (or kept sending)
   * would hold the socket.
   */
  private client(signal: AbortSignal) {
    const seen: { headers?: Headers } = {};
    const own = new AbortController();
    const linked = AbortSignal.any([signal, own.signal]);
    const client = new Ollama({
      host: this.host,
      fetch: async (input, init) => {
        const response = await fetch(input, { ...init, signal: linked });
        seen.headers = response.headers;
        // Bounded: the client reads answers whole and keeps an unfinished NDJSON line (re-split on every chunk).
        // The bound counts what the server sent; the client then sees only the lines that are JSON objects.
        return keepObjectLines(limitResponse(response, { maxBytes: this.maxResponseBytes, provider: 'ollama' }));
      },
    });
    return { client, seen, close: () => own.abort() };
  }

  private body(request: ModelRequest) {
    const numPredict = outputLimit(this.options.modelOptions?.num_predict, request.maxOutputTokens);
    const options = { ...this.options.modelOptions, ...(numPredict !== undefined ? { num_predict: numPredict } : {}) };
    const format = request.output && this.capabilities.structuredOutput ? request.output.schema : undefined;
    return {
      model: this.model,
      // Images go to the client as bytes: given a string, the Node client first checks whether
      // it names a local file and would send that file's contents instead.
      messages: toOllamaMessages(request.messages).map((message) => {
        const images = (message as { images?: string[] }).images;
        return images ? { ...(message as object), images: images.map((data) => Uint8Array.from(Buffer.from(data, 'base64'))) } : message;
      }),
      ...(request.tools.length ? { tools: toOllamaTools(request.tools) } : {}),
      ...(Object.keys(options).length ? { options } : {}),
      ...(format ? { format } : {}),
      ...(this.options.think !== undefined ? { think: this.options.think } : {}),
      ...(this.options.keepAlive !== undefined ? { keep_alive: this.options.keepAlive } : {}),
    };
  }

  private message(text: string, thinking: string, toolCalls: ToolCall[]): AssistantMessage {
    return { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}), ...(thinking ? { reasoning: [{ text: thinking }] } : {}) };
  }

  private finish(chunk: ChatChunk, hasCalls: boolean): FinishReason {
    if (hasCalls) return 'tool_calls';
    return chunk.done_reason === 'length' ? 'length' : chunk.done_reason === 'stop' ? 'stop' : 'other';
  }

  /**
   * The message's tool calls, read defensively: a list that is not one, or entries that are not
   * objects, give none; a call without a function name keeps an empty name (the loop answers it
   * with `tool_not_found`). Ollama sends no ids: they stay empty and the runtime assigns unique ones.
   */
  private calls(list: unknown): ToolCall[] {
    if (!Array.isArray(list)) return [];
    return list.flatMap((call: unknown) => {
      if (!isObject(call)) return [];
      const fn = isObject(call.function) ? call.function : {};
      return [{ id: '', name: asText(fn.name), args: fn.arguments }];
    });
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
      call: () => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'ollama', run: async ({ signal }) => {
        const { client, seen } = this.client(signal);
        try {
          const answer: unknown = await client.chat({ ...body, stream: false } as never);
          if (!isObject(answer)) throw unreadable('it is not an object');
          // A proxy or compatible server that answers 200 with Ollama's error body: not an empty answer.
          if (typeof answer.error === 'string') throw unreadable(`it is an error: ${Array.from(answer.error).slice(0, 1_000).join('')}`);
          if (!isObject(answer.message) && answer.done !== true) throw unreadable('it has neither a message nor done: true');
          const response = answer as ChatChunk;
          const toolCalls = this.calls(response.message?.tool_calls);
          return {
            message: this.message(asText(response.message?.content), asText(response.message?.thinking), toolCalls),
            usage: { inputTokens: count(response.prompt_eval_count), outputTokens: count(response.eval_count) },
            finishReason: this.finish(response, toolCalls.length > 0),
            ...(typeof response.model === 'string' && response.model ? { model: response.model } : {}),
          };
        } catch (error) {
          throw withHeaders(error, seen.headers);
        }
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
      provider: 'ollama',
      onRetry: request.onRetry,
      open: (_attempt, emit) => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'ollama', run: async ({ signal, touch }) => {
        const { client, seen, close } = this.client(signal);
        try {
          const chunks = (await client.chat({ ...body, stream: true } as never)) as unknown as AsyncIterable<ChatChunk>;
          let text = '';
          let thinking = '';
          let last: ChatChunk | undefined;
          const toolCalls: ToolCall[] = [];
          for await (const chunk of chunks) {
            touch();
            if (typeof chunk !== 'object' || chunk === null) continue;
            const thought = asText(chunk.message?.thinking);
            if (thought) {
              thinking += thought;
              emit({ type: 'reasoning_delta', text: thought });
            }
            const piece = asText(chunk.message?.content);
            if (piece) {
              text += piece;
              emit({ type: 'text_delta', text: piece });
            }
            for (const call of this.calls(chunk.message?.tool_calls)) {
              // Arguments text as it would be sent: an object as JSON, a string (some Ollama-compatible servers) as it is.
              const argsDelta = typeof call.args === 'string' ? call.args : JSON.stringify(call.args);
              emit({ type: 'tool_call_delta', index: toolCalls.length, name: call.name, ...(argsDelta ? { argsDelta } : {}) });
              toolCalls.push(call);
            }
            if (chunk.done) last = chunk;
          }
          if (!last) throw new Error('the stream ended without a final chunk (done: true)');
          return {
            message: this.message(text, thinking, toolCalls),
            usage: { inputTokens: count(last.prompt_eval_count), outputTokens: count(last.eval_count) },
            finishReason: this.finish(last, toolCalls.length > 0),
            ...(typeof last.model === 'string' && last.model ? { model: last.model } : {}),
          };
        } catch (error) {
          throw withHeaders(error, seen.headers);
        } finally {
          close();
        }
      } }),
    });
  }
}

/** A 200 whose body is not a chat answer (`{}`, an error body): retryable, like a failed connection. */
const unreadable = (why: string) => new ModelError('model_unavailable', `ollama sent a response that could not be read: ${why}`, { retryable: true });

/** Ollama's `ResponseError` has a status but no headers; attach the ones our fetch saw. */
function withHeaders(error: unknown, headers: Headers | undefined): unknown {
  if (headers && typeof error === 'object' && error !== null && (error as { status_code?: unknown }).status_code !== undefined) {
    return Object.assign(error, { headers });
  }
  return error;
}
