import {
  ConfigError, modelAttempt, resolveRetryPolicy, streamWithRetry, withModelRetry,
  type FinishReason, type ModelAdapter, type ModelRequest, type ModelResponse, type ModelStreamEvent, type RetryPolicy, type ToolCall,
} from '@agentrt/core';
import { Ollama } from 'ollama';
import { toOllamaMessages, toOllamaTools } from './convert-messages.js';

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
  /** Passed as `options` (e.g. `{ temperature: 0, num_ctx: 8192 }`). */
  readonly modelOptions?: Readonly<Record<string, unknown>>;
  /** Passed as `keep_alive`. */
  readonly keepAlive?: string | number;
}

interface ChatChunk {
  message?: { content?: string; tool_calls?: { function: { name: string; arguments: unknown } }[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

/**
 * Ollama's `/api/chat` through the official `ollama` client, with tools (arguments arrive as
 * objects; Ollama assigns no call ids, so the runtime does). Abort, timeout and `Retry-After`
 * go through a per-call `fetch`, since the client has no per-request signal.
 *
 * @example
 * ```ts
 * const model = new OllamaModel({ model: 'llama3.1' }); // OLLAMA_HOST or http://127.0.0.1:11434
 * ```
 */
export class OllamaModel implements ModelAdapter {
  readonly provider = 'ollama';
  readonly model: string;
  private readonly host: string;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryPolicy>;
  private readonly options: OllamaModelOptions;

  constructor(options: OllamaModelOptions) {
    if (typeof options?.model !== 'string' || options.model === '') throw new ConfigError('model', 'OllamaModel needs a model name, e.g. "llama3.1"');
    const timeoutMs = options.timeoutMs ?? 120_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
    this.model = options.model;
    this.options = options;
    this.host = options.host ?? process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434';
    this.timeoutMs = timeoutMs;
    this.retry = resolveRetryPolicy(options.retry);
  }

  /** A client whose every request carries this call's signal, remembering the last response headers. */
  private client(signal: AbortSignal) {
    const seen: { headers?: Headers } = {};
    const client = new Ollama({
      host: this.host,
      fetch: async (input, init) => {
        const response = await fetch(input, { ...init, signal });
        seen.headers = response.headers;
        return response;
      },
    });
    return { client, seen };
  }

  private body(request: ModelRequest) {
    return {
      model: this.model,
      messages: toOllamaMessages(request.messages),
      ...(request.tools.length ? { tools: toOllamaTools(request.tools) } : {}),
      ...(this.options.modelOptions ? { options: this.options.modelOptions } : {}),
      ...(this.options.keepAlive !== undefined ? { keep_alive: this.options.keepAlive } : {}),
    };
  }

  private finish(chunk: ChatChunk, hasCalls: boolean): FinishReason {
    if (hasCalls) return 'tool_calls';
    return chunk.done_reason === 'length' ? 'length' : chunk.done_reason === 'stop' ? 'stop' : 'other';
  }

  private calls(list: NonNullable<ChatChunk['message']>['tool_calls']): ToolCall[] {
    // Ollama sends no ids: leave them empty and the runtime assigns unique ones.
    return (list ?? []).map((call) => ({ id: '', name: call.function.name, args: call.function.arguments }));
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    return withModelRetry({
      policy: this.retry,
      signal: request.signal,
      onRetry: request.onRetry,
      call: () => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'ollama', run: async ({ signal }) => {
        const { client, seen } = this.client(signal);
        try {
          const response = (await client.chat({ ...this.body(request), stream: false } as never)) as unknown as ChatChunk;
          const toolCalls = this.calls(response.message?.tool_calls);
          return {
            message: { role: 'assistant', content: response.message?.content ?? '', ...(toolCalls.length ? { toolCalls } : {}) },
            usage: { inputTokens: response.prompt_eval_count ?? 0, outputTokens: response.eval_count ?? 0 },
            finishReason: this.finish(response, toolCalls.length > 0),
          };
        } catch (error) {
          throw withHeaders(error, seen.headers);
        }
      } }),
    });
  }

  stream(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    return streamWithRetry({
      policy: this.retry,
      signal: request.signal,
      provider: 'ollama',
      onRetry: request.onRetry,
      open: (_attempt, emit) => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'ollama', run: async ({ signal, touch }) => {
        const { client, seen } = this.client(signal);
        try {
          const chunks = (await client.chat({ ...this.body(request), stream: true } as never)) as unknown as AsyncIterable<ChatChunk>;
          let text = '';
          let last: ChatChunk | undefined;
          const toolCalls: ToolCall[] = [];
          for await (const chunk of chunks) {
            touch();
            const piece = chunk.message?.content ?? '';
            if (piece) {
              text += piece;
              emit({ type: 'text_delta', text: piece });
            }
            for (const call of this.calls(chunk.message?.tool_calls)) {
              emit({ type: 'tool_call_delta', index: toolCalls.length, name: call.name, argsDelta: JSON.stringify(call.args) });
              toolCalls.push(call);
            }
            if (chunk.done) last = chunk;
          }
          if (!last) throw new Error('the stream ended without a final chunk (done: true)');
          return {
            message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
            usage: { inputTokens: last.prompt_eval_count ?? 0, outputTokens: last.eval_count ?? 0 },
            finishReason: this.finish(last, toolCalls.length > 0),
          };
        } catch (error) {
          throw withHeaders(error, seen.headers);
        }
      } }),
    });
  }
}

/** Ollama's `ResponseError` has a status but no headers; attach the ones our fetch saw. */
function withHeaders(error: unknown, headers: Headers | undefined): unknown {
  if (headers && typeof error === 'object' && error !== null && (error as { status_code?: unknown }).status_code !== undefined) {
    return Object.assign(error, { headers });
  }
  return error;
}
