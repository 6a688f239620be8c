import {
  ConfigError, modelAttempt, resolveRetryPolicy, streamWithRetry, withModelRetry,
  type FinishReason, type ModelAdapter, type ModelRequest, type ModelResponse, type ModelStreamEvent, type RetryPolicy, type ToolCall,
} from '@agentrt/core';
import Anthropic from '@anthropic-ai/sdk';
import { toAnthropicMessages, toAnthropicTools } from './convert-messages.js';

/** Options of `AnthropicModel`. */
export interface AnthropicModelOptions {
  /** Model id, e.g. `claude-sonnet-4-5`. */
  readonly model: string;
  /** Default: `ANTHROPIC_API_KEY`. */
  readonly apiKey?: string;
  /** Default: `ANTHROPIC_BASE_URL`, else the Anthropic API (no `/v1`). */
  readonly baseURL?: string;
  /** Always sent (the API requires it). Default 4 096. */
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Per-call timeout; for streams, the longest silence between events. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** The single retry layer (the SDK's own retries are off). */
  readonly retry?: RetryPolicy;
}

const STOP: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length', refusal: 'content_filter' };
/** The server's stop reason, mapped by own entries only (`constructor` from a server is `other`, not a function). */
const stopOf = (reason: string | null | undefined): FinishReason => (typeof reason === 'string' && Object.hasOwn(STOP, reason) ? STOP[reason]! : 'other');
const parseInput = (text: string): unknown => {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text; // cut off (max_tokens) or malformed: the loop reports tool_args_invalid
  }
};

/**
 * The Messages API through the official `@anthropic-ai/sdk`: system prompt top-level,
 * `tool_use`/`tool_result` blocks, `max_tokens` always set. Retries are agentrt's (the SDK's
 * are off), with its own per-call timeout.
 *
 * @example
 * ```ts
 * const model = new AnthropicModel({ model: 'claude-sonnet-4-5' }); // ANTHROPIC_API_KEY from the environment
 * ```
 */
export class AnthropicModel implements ModelAdapter {
  readonly provider = 'anthropic';
  readonly model: string;
  private readonly client: Anthropic;
  private readonly options: AnthropicModelOptions;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryPolicy>;

  constructor(options: AnthropicModelOptions) {
    if (typeof options?.model !== 'string' || options.model === '') throw new ConfigError('model', 'AnthropicModel needs a model id, e.g. "claude-sonnet-4-5"');
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey) throw new ConfigError('apiKey', 'set ANTHROPIC_API_KEY or pass apiKey');
    const maxTokens = options.maxTokens ?? 4_096;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new ConfigError('maxTokens', 'must be a positive integer');
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
    this.model = options.model;
    this.options = { ...options, maxTokens };
    this.timeoutMs = timeoutMs;
    this.retry = resolveRetryPolicy(options.retry);
    const baseURL = options.baseURL ?? process.env.ANTHROPIC_BASE_URL;
    this.client = new Anthropic({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: timeoutMs + 1_000 });
  }

  private body(request: ModelRequest) {
    const { system, messages } = toAnthropicMessages(request.messages);
    return {
      model: this.model,
      max_tokens: this.options.maxTokens!,
      messages,
      ...(system ? { system } : {}),
      ...(request.tools.length ? { tools: toAnthropicTools(request.tools) } : {}),
      ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
    };
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    return withModelRetry({
      policy: this.retry,
      signal: request.signal,
      onRetry: request.onRetry,
      call: () => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'anthropic', run: async ({ signal }) => {
        const message = (await this.client.messages.create({ ...this.body(request), stream: false } as never, { signal, maxRetries: 0 })) as unknown as {
          content: { type: string; text?: string; id?: string; name?: string; input?: unknown }[];
          stop_reason: string | null;
          usage: { input_tokens: number; output_tokens: number };
        };
        const text = message.content.filter((block) => block.type === 'text').map((block) => block.text ?? '').join('');
        const toolCalls: ToolCall[] = message.content.filter((block) => block.type === 'tool_use').map((block) => ({ id: block.id!, name: block.name!, args: block.input }));
        return {
          message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
          usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
          finishReason: stopOf(message.stop_reason),
        };
      } }),
    });
  }

  stream(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    return streamWithRetry({
      policy: this.retry,
      signal: request.signal,
      provider: 'anthropic',
      onRetry: request.onRetry,
      open: (_attempt, emit) => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: 'anthropic', run: async ({ signal, touch }) => {
        const events = (await this.client.messages.create({ ...this.body(request), stream: true } as never, { signal, maxRetries: 0 })) as unknown as AsyncIterable<Record<string, any>>;
        let text = '';
        let stop: string | undefined;
        let stopped = false;
        const usage = { inputTokens: 0, outputTokens: 0 };
        const blocks = new Map<number, { id: string; name: string; json: string }>();
        for await (const event of events) {
          touch();
          switch (event.type) {
            case 'message_start':
              usage.inputTokens = event.message?.usage?.input_tokens ?? 0;
              usage.outputTokens = event.message?.usage?.output_tokens ?? 0;
              break;
            case 'content_block_start':
              if (event.content_block?.type === 'tool_use') {
                blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
                emit({ type: 'tool_call_delta', index: event.index, id: event.content_block.id, name: event.content_block.name });
              }
              break;
            case 'content_block_delta':
              if (event.delta?.type === 'text_delta') {
                text += event.delta.text;
                emit({ type: 'text_delta', text: event.delta.text });
              } else if (event.delta?.type === 'input_json_delta') {
                const block = blocks.get(event.index);
                if (block) block.json += event.delta.partial_json;
                emit({ type: 'tool_call_delta', index: event.index, argsDelta: event.delta.partial_json });
              }
              break;
            case 'message_delta':
              stop = event.delta?.stop_reason ?? stop;
              if (typeof event.usage?.output_tokens === 'number') usage.outputTokens = event.usage.output_tokens;
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
        return { message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) }, usage, finishReason: stopOf(stop) };
      } }),
    });
  }
}
