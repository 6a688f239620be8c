import type { ModelRetryInfo } from './model/retry.js';
import type { AssistantMessage, Message, TokenUsage } from './messages.js';

/** What the model is told about one tool: name, description and a JSON schema of its input object. */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema (draft 2020-12 subset) of the arguments object, derived from the tool's zod schema. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** Why the model stopped producing output. `length` means the output was cut at the token limit. */
export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'error' | 'other';

/** One request to a model. */
export interface ModelRequest {
  readonly messages: readonly Message[];
  readonly tools: readonly ToolSpec[];
  /** Aborted on run timeout, kill, or caller cancellation; adapters must pass it to their transport. */
  readonly signal: AbortSignal;
  /** Adapters report each retry here (the runtime writes a `model_retry` audit event). */
  readonly onRetry?: (info: ModelRetryInfo) => void;
}

/** One model answer. */
export interface ModelResponse {
  readonly message: AssistantMessage;
  readonly usage: TokenUsage;
  readonly finishReason: FinishReason;
}

/** An incremental piece of a streamed model answer. The last event is always `response`. */
export type ModelStreamEvent =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'tool_call_delta'; readonly index: number; readonly id?: string; readonly name?: string; readonly argsDelta?: string }
  | { readonly type: 'response'; readonly response: ModelResponse };

/**
 * A model provider behind one interface. Swapping providers means swapping this object.
 *
 * Adapters own retries and per-call timeouts (one retry layer) and throw
 * `ModelError` with a typed code for provider failures.
 */
export interface ModelAdapter {
  /** Provider id, e.g. `openai`, `anthropic`, `ollama`, `scripted`. Used for pricing lookups. */
  readonly provider: string;
  /** Model id, e.g. `gpt-4o-mini`. */
  readonly model: string;
  /** Produces one complete answer. */
  generate(request: ModelRequest): Promise<ModelResponse>;
  /** Optional streaming variant; the final event carries the complete response. */
  stream?(request: ModelRequest): AsyncIterable<ModelStreamEvent>;
}
