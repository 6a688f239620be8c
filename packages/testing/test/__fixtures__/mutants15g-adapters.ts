/**
 * Mutants 15g: model adapters with one fault each, for `describeModelAdapter`. Each is
 * `OpenAIModel` (single attempts) behind a layer a third-party author would write themselves —
 * the retry loop (core's `withModelRetry` / `streamWithRetry`), error mapping, response and
 * stream-event mapping — with one realistic mistake in that layer. `correct` has none.
 */
import {
  ModelError, resolveRetryPolicy, streamWithRetry, withModelRetry,
  type Message, type ModelAdapter, type ModelCapabilities, type ModelRequest, type ModelResponse, type ModelStreamEvent, type RetryPolicy,
} from '@agentrt/core';
import { OpenAIModel } from '../../../model-openai/src/index.js';
import type { AdapterSuiteCreateOptions } from '../../src/conformance/model-adapter.js';
import type { LoopbackServer } from '../../src/loopback/loopback-server.js';

/** The credential every mutant sends (the suite must never see it in an error). */
export const MUTANT_API_KEY = 'sk-mutant15g-Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0';

interface Faults {
  /** Changes the request the caller passed before the call. */
  request?(request: ModelRequest): ModelRequest;
  /** Maps the typed error of one attempt (what the author's own error mapping gets wrong). */
  error?(error: ModelError): unknown;
  /** Maps the final response (generate and stream). */
  response?(response: ModelResponse, streamed: boolean): ModelResponse;
  /** Maps each streamed delta (to none, one or more). */
  events?(event: ModelStreamEvent): ModelStreamEvent[];
  /** Changes the options the adapter is built with. */
  options?(options: AdapterSuiteCreateOptions): AdapterSuiteCreateOptions;
  /** A hand-written retry loop for streams that retries whatever failed, output or not. */
  naiveStreamRetry?: boolean;
  /** Remembers answers by request (a cache keyed by the transcript). */
  cache?: boolean;
  /** Drops the last text delta of a stream (an off-by-one in the author's flush). */
  dropLastTextDelta?: boolean;
  /** Buffers the streamed text and emits it as one delta at the end. */
  bufferText?: boolean;
  /** Answers a 5xx with an empty final answer. */
  swallow5xx?: boolean;
}

class MutantModel implements ModelAdapter {
  readonly provider = 'openai';
  readonly model = 'gpt-4o-mini';
  readonly capabilities: ModelCapabilities;
  private readonly inner: OpenAIModel;
  private readonly policy: Required<RetryPolicy>;
  private readonly cache = new Map<string, ModelResponse>();

  constructor(server: LoopbackServer, options: AdapterSuiteCreateOptions, private readonly faults: Faults) {
    const { reasoning: _reasoning, retry, ...rest } = faults.options ? faults.options(options) : options;
    this.inner = new OpenAIModel({ model: this.model, apiKey: MUTANT_API_KEY, baseURL: `${server.url}/v1`, ...rest, retry: { ...retry, maxAttempts: 1 } });
    this.capabilities = this.inner.capabilities;
    this.policy = resolveRetryPolicy(retry);
  }

  private mapError(error: unknown): unknown {
    return this.faults.error && ModelError.isInstance(error) ? this.faults.error(error as ModelError) : error;
  }

  async generate(original: ModelRequest): Promise<ModelResponse> {
    const request = this.faults.request ? this.faults.request(original) : original;
    const key = JSON.stringify(request.messages);
    if (this.faults.cache && this.cache.has(key)) return this.cache.get(key)!;
    const response = await withModelRetry({
      policy: this.policy, signal: request.signal, deadline: request.deadline, onRetry: request.onRetry,
      call: async () => {
        try {
          return await this.inner.generate({ ...request, onRetry: undefined });
        } catch (error) {
          if (this.faults.swallow5xx && ModelError.isInstance(error) && ((error as ModelError).status ?? 0) >= 500) {
            return { message: { role: 'assistant', content: '' }, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' } satisfies ModelResponse;
          }
          throw this.mapError(error);
        }
      },
    });
    const mapped = this.faults.response ? this.faults.response(response, false) : response;
    if (this.faults.cache) this.cache.set(key, mapped);
    return mapped;
  }

  private async attempt(request: ModelRequest, emit: (event: ModelStreamEvent) => void): Promise<ModelResponse> {
    let response: ModelResponse | undefined;
    let held: ModelStreamEvent | undefined;
    let buffered = '';
    try {
      for await (const event of this.inner.stream!({ ...request, onRetry: undefined })) {
        if (event.type === 'response') response = event.response;
        else for (const mapped of this.faults.events ? this.faults.events(event) : [event]) {
          if (this.faults.bufferText && mapped.type === 'text_delta') buffered += mapped.text;
          else if (!this.faults.dropLastTextDelta) emit(mapped);
          else if (mapped.type === 'text_delta') {
            if (held) emit(held);
            held = mapped;
          } else emit(mapped);
        }
      }
    } catch (error) {
      throw this.mapError(error);
    }
    if (buffered) emit({ type: 'text_delta', text: buffered });
    if (!response) throw new ModelError('model_unavailable', 'the stream ended without a response', { retryable: true });
    return this.faults.response ? this.faults.response(response, true) : response;
  }

  async *stream(original: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const request = this.faults.request ? this.faults.request(original) : original;
    if (this.faults.naiveStreamRetry) {
      // "Retry on any retryable failure": the author's own loop, with no regard for output already sent.
      for (let attempt = 1; ; attempt++) {
        const events: ModelStreamEvent[] = [];
        try {
          const response = await this.attempt(request, (event) => events.push(event));
          yield* events;
          yield { type: 'response', response };
          return;
        } catch (error) {
          yield* events;
          if (!ModelError.isInstance(error) || !(error as ModelError).retryable || attempt >= this.policy.maxAttempts || request.signal.aborted) throw error;
          request.onRetry?.({ attempt, code: (error as ModelError).code, delayMs: 0 });
        }
      }
    }
    yield* streamWithRetry({
      policy: this.policy, signal: request.signal, deadline: request.deadline, provider: 'openai', onRetry: request.onRetry,
      open: (_attempt, emit) => this.attempt(request, emit),
    });
  }
}

const retyped = (error: ModelError, code: ModelError['code'], retryable: boolean, details = error.details) =>
  new ModelError(code, error.message, { ...(error.status !== undefined ? { status: error.status } : {}), retryable, cause: error.cause, details: details ?? {} });
const withoutIds = (response: ModelResponse, id: (index: number) => string): ModelResponse => response.message.toolCalls
  ? { ...response, message: { ...response.message, toolCalls: response.message.toolCalls.map((call, index) => ({ ...call, id: id(index) })) } }
  : response;

/** One fault each. */
export const MUTANTS: Record<string, Faults> = {
  'ignores the abort signal': { request: (r) => ({ ...r, signal: new AbortController().signal }) },
  // The author's stream() forgets to pass the signal on (generate() does): see createMutant.
  'ignores the abort signal when streaming': {},
  'maps 429 to a non-retryable model_unavailable': { error: (e) => (e.status === 429 ? retyped(e, 'model_unavailable', false) : e) },
  'maps 429 to model_bad_request': { error: (e) => (e.status === 429 ? retyped(e, 'model_bad_request', false) : e) },
  'ignores Retry-After': { error: (e) => { const { retryAfterMs: _gone, ...details } = e.details ?? {}; return retyped(e, e.code, e.retryable, details); } },
  'retries a 400': { error: (e) => (e.code === 'model_bad_request' ? retyped(e, e.code, true) : e) },
  'maps a timeout as non-retryable': { error: (e) => (e.code === 'model_timeout' ? retyped(e, e.code, false) : e) },
  'throws untyped errors': { error: (e) => new Error(e.message) },
  'maps context overflow to model_bad_request': { error: (e) => (e.code === 'context_overflow' ? retyped(e, 'model_bad_request', false) : e) },
  'swallows a 500 as an empty answer': { swallow5xx: true },
  'retries after visible streamed output': { naiveStreamRetry: true },
  'leaks the API key in an error message': {
    error: (e) => new ModelError(e.code, `${e.message} (POST /v1/chat/completions, key ${MUTANT_API_KEY})`, { ...(e.status !== undefined ? { status: e.status } : {}), retryable: e.retryable, details: e.details ?? {} }),
  },
  'prints the provider error text': { error: (e) => (console.warn(`[my-adapter] provider error: ${e.message}`), e) },
  'reports usage as 0': { response: (r) => ({ ...r, usage: { inputTokens: 0, outputTokens: 0 } }) },
  'reports usage as NaN': { response: (r) => ({ ...r, usage: { inputTokens: Number.NaN, outputTokens: Number.NaN } }) },
  'reports no usage when streaming': { response: (r, streamed) => (streamed ? { ...r, usage: { inputTokens: 0, outputTokens: 0 } } : r) },
  'drops the last streamed text delta': { dropLastTextDelta: true },
  'streams the whole text as one delta': { bufferText: true },
  'emits tool calls with empty ids': { response: (r) => withoutIds(r, () => '') },
  'emits tool calls with duplicate ids': { response: (r) => withoutIds(r, () => 'call_0') },
  'numbers tool call ids per response': { response: (r) => withoutIds(r, (i) => `call_${i}`) },
  'returns finishReason stop with tool calls when streaming': { response: (r, streamed) => (streamed ? { ...r, finishReason: 'stop' } : r) },
  'maps finishReason length to stop': { response: (r) => (r.finishReason === 'length' ? { ...r, finishReason: 'stop' } : r) },
  'drops the tools from the request': { request: (r) => ({ ...r, tools: [] }) },
  'mutates the request messages': {
    // Normalises the transcript in place: merges the system prompt into the first user message.
    request: (r) => {
      const messages = r.messages as Message[];
      const at = messages.findIndex((m) => m.role === 'system');
      if (at >= 0 && messages[at + 1]?.role === 'user' && typeof messages[at + 1]!.content === 'string') {
        (messages[at + 1] as { content: string }).content = `${String(messages[at]!.content)}\n\n${String(messages[at + 1]!.content)}`;
        messages.splice(at, 1);
      }
      return r;
    },
  },
  'returns the same response object for the same transcript': { cache: true },
  'ignores maxOutputTokens': { request: (r) => { const { maxOutputTokens: _gone, ...rest } = r; return rest; } },
  'ignores maxResponseBytes': { options: ({ maxResponseBytes: _gone, ...rest }) => rest },
  'ignores the capabilities option': { options: ({ capabilities: _gone, ...rest }) => rest },
};

export function createMutant(name: string, server: LoopbackServer, options: AdapterSuiteCreateOptions): ModelAdapter {
  if (name === 'correct') return new MutantModel(server, options, {});
  const faults = MUTANTS[name];
  if (!faults) throw new Error(`no mutant ${name}`);
  if (name === 'ignores the abort signal when streaming') {
    const model = new MutantModel(server, options, {});
    const stream = model.stream.bind(model);
    return Object.assign(model, { stream: (request: ModelRequest) => stream({ ...request, signal: new AbortController().signal }) });
  }
  return new MutantModel(server, options, faults);
}
