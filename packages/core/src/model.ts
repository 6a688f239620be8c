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

/**
 * The shape the final answer must have (structured output). Adapters use the provider's native
 * mechanism where it exists (OpenAI `response_format: json_schema`, Anthropic structured
 * outputs, Ollama `format`); the runtime validates the answer either way.
 */
export interface OutputSpec {
  /** `^[A-Za-z0-9_-]{1,64}$`; providers that name the schema use it. */
  readonly name: string;
  /**
   * JSON Schema of the answer, derived from the run's zod schema (`io: 'output'`: every property
   * required, `additionalProperties: false`; a schema with transforms, which has no output form,
   * is described by its input form). Always an object schema; no `$schema` key.
   */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

/**
 * What an adapter accepts beyond text, declared up front so unsupported content fails before
 * the call (`unsupported_content`, naming the part and the model). An adapter that declares
 * nothing accepts text only.
 */
export interface ModelCapabilities {
  /** Image media types accepted in user messages (e.g. `image/png`; `image/*` matches any image, `*` anything); `[]` for none. */
  readonly imageTypes: readonly string[];
  /** File media types accepted in user messages (e.g. `application/pdf`; `text/*` matches any text type, `*` anything); `[]` for none. */
  readonly fileTypes: readonly string[];
  /** Whether image/file parts may appear in tool results (natively or by a documented workaround). */
  readonly partsInToolResults: boolean;
  /** Whether image parts may be given by `url` (else only inline `data`). */
  readonly imageUrls: boolean;
  /** Whether file parts may be given by `url` (else only inline `data`). */
  readonly fileUrls: boolean;
  /** Native structured output (the runtime validates the answer in every case). */
  readonly structuredOutput: boolean;
  /** The adapter returns reasoning and sends it back as the provider requires. */
  readonly reasoning: boolean;
  /**
   * The provider's tool call ids are unique only within one response: Kimi K2/K3 (through
   * vLLM, SGLang or Fireworks) emit `name:index`, the index restarting every response, so the
   * same id recurs later in a run with other arguments. With `true`, a call whose id an earlier
   * step (or the input history) already used gets a new id, `<id>_<stepIndex>` (plus `_<n>` if
   * that is taken too), used from then on in the transcript, the ledger and `ctx.idempotencyKey`;
   * the `model_response` audit event keeps the provider's own. Unset or `false` (every provider
   * whose ids are unique: OpenAI, Anthropic, …): such a reuse is `model_output_invalid`. An id
   * repeated within one response is `model_output_invalid` either way.
   */
  readonly reusesToolCallIds?: boolean;
}

/** One request to a model. */
export interface ModelRequest {
  readonly messages: readonly Message[];
  readonly tools: readonly ToolSpec[];
  /**
   * Upper bound on output tokens for this call (the runtime sets it from the remaining token or
   * cost budget). Adapters pass the smaller of this and their own configured maximum.
   */
  readonly maxOutputTokens?: number;
  /** Structured final answer requested for this call. */
  readonly output?: OutputSpec;
  /** Aborted on run timeout, kill, or caller cancellation; adapters must pass it to their transport. */
  readonly signal: AbortSignal;
  /**
   * When `signal` will abort for a deadline, in epoch milliseconds (`Date.now()`): the run's
   * `limits.timeoutMs`, or a finalize call's `graceMs`. Set by the runtime; absent when no
   * deadline is known (a caller's own signal may still abort earlier). Adapters pass it to
   * `withModelRetry` / `streamWithRetry`, which do not start a retry wait (a `Retry-After`, a
   * backoff) that would end after it: the call fails at once with the error that asked for the
   * wait, so the run ends with that cause (e.g. `model_rate_limited`) instead of `timeout`.
   * A hook's replacement request cannot change it.
   */
  readonly deadline?: number;
  /** Adapters report each retry here (the runtime writes a `model_retry` audit event). */
  readonly onRetry?: (info: ModelRetryInfo) => void;
}

/** One model answer. */
export interface ModelResponse {
  readonly message: AssistantMessage;
  readonly usage: TokenUsage;
  readonly finishReason: FinishReason;
  /** The model that produced the answer, as the provider reports it (e.g. `gpt-4o-mini-2024-07-18`), when it does. */
  readonly model?: string;
  /** The provider's id of this response (e.g. `chatcmpl-…`), when it gives one. */
  readonly id?: string;
}

/** An incremental piece of a streamed model answer. The last event is always `response`. */
export type ModelStreamEvent =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'reasoning_delta'; readonly text: string }
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
  /** What it accepts beyond text. Absent: text only. */
  readonly capabilities?: ModelCapabilities;
  /**
   * `true` when `generate` and `stream` only read `request.messages` while the call is in flight
   * (until the promise settles or the stream ends), never change the array, and keep no reference
   * to it afterwards, as an adapter does that converts the messages into its provider's wire
   * format (the built-in OpenAI, Anthropic, Ollama and AI SDK adapters declare it). The runtime
   * then hands the call the run's own transcript instead of a copy made for it, so a step does not
   * copy the whole history (at 1,000 steps that copy, and the garbage it makes, was most of a
   * step's cost). The runtime does not change the transcript while a call is in flight, except
   * after it has given up on the call (the run was killed or timed out; the signal is aborted
   * and the answer, if one still comes, is discarded), when a finalize step may follow. It still
   * copies when a `beforeModel` or `wrapModelCall` hook is registered (a hook may keep what it is
   * shown). Leave it unset for an adapter that records or caches requests; `ScriptedModel`
   * declares it and records its own copies.
   */
  readonly borrowsMessages?: boolean;
  /** Produces one complete answer. */
  generate(request: ModelRequest): Promise<ModelResponse>;
  /** Optional streaming variant; the final event carries the complete response. */
  stream?(request: ModelRequest): AsyncIterable<ModelStreamEvent>;
}
