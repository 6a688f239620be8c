import {
  checkKnownOptions, checkSupported, ConfigError, modelAttempt, resolveCapabilities, resolveMaxResponseBytes, resolveRetryPolicy, responseTooLarge, streamWithRetry, withModelRetry,
  type ModelAdapter, type ModelCapabilities, type ModelRequest, type ModelResponse, type ModelStreamEvent, type RetryPolicy,
} from '@agentrt/core';
import type { LanguageModelV3CallOptions, LanguageModelV3Prompt } from '@ai-sdk/provider';
import { toAiSdkPrompt, toAiSdkTools } from './convert-prompt.js';
import { fromGenerateResult, StreamAssembler } from './convert-response.js';
import { fromAiSdkError } from './errors.js';
import { anthropicThinking, isStrictSchema, profileFor, type ProviderProfile, type ToolResultMedia } from './profiles.js';

/**
 * An AI SDK language model as the `@ai-sdk/provider` specification defines it:
 * `LanguageModelV3` (AI SDK 6: `@ai-sdk/openai`, `@ai-sdk/anthropic`, … 3.x) or `LanguageModelV2`
 * (AI SDK 5: the 2.x provider packages). Typed structurally, so any copy of `@ai-sdk/provider`
 * satisfies it; what the model returns is read defensively.
 */
export interface AiSdkLanguageModel {
  readonly specificationVersion: 'v3' | 'v2';
  /** The provider id, e.g. `openai.chat`, `anthropic.messages`. */
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: never): PromiseLike<unknown>;
  doStream(options: never): PromiseLike<unknown>;
}

/** Sampling settings passed to every call unchanged (the spec's call options of the same names). */
export interface AiSdkCallSettings {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  readonly seed?: number;
  readonly stopSequences?: readonly string[];
}

/** A warning the provider package reported for a call (an unsupported setting, a dropped part, …), as the spec defines it. */
export type AiSdkWarning = Readonly<Record<string, unknown>>;

/** Options of `AiSdkModel`. */
export interface AiSdkModelOptions {
  /** The AI SDK language model, e.g. `openai.chat('gpt-4o-mini')` or `anthropic('claude-sonnet-4-6')`. */
  readonly model: AiSdkLanguageModel;
  /**
   * The adapter's `provider` id (pricing lookups, events). Default: the family of the model's
   * provider id (`openai.chat` → `openai`), so `DEFAULT_PRICING` applies.
   */
  readonly provider?: string;
  /** Per-call timeout; for streams, the longest silence between parts. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** The single retry layer (the provider packages do not retry; the AI SDK's retries live in `ai`, which is not used). */
  readonly retry?: RetryPolicy;
  /** Upper bound on output tokens (`maxOutputTokens`); a request's `maxOutputTokens` can only lower it. */
  readonly maxOutputTokens?: number;
  /**
   * Bound of one answer in bytes: the UTF-8 size of the text, reasoning and tool input a stream
   * delivers (or a `doGenerate` result holds). Past it the call fails with `model_unavailable`
   * (`details.maxResponseBytes`), never retried once a stream produced output. An integer ≥ 1 024;
   * default `DEFAULT_MAX_RESPONSE_BYTES` (64 MiB). The provider package reads the HTTP body itself:
   * to bound the wire too (a huge JSON body, a stream line without an end), give the package
   * `fetch: aiSdkFetch({ maxResponseBytes })` (which also ends OpenAI-style streams at `data: [DONE]`).
   */
  readonly maxResponseBytes?: number;
  readonly settings?: AiSdkCallSettings;
  /**
   * The spec's `providerOptions`, sent with every call, e.g.
   * `{ anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } }` or `{ openai: { parallelToolCalls: false } }`.
   */
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Extra HTTP headers for every call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Overrides what the adapter declares for this model (see `profileFor`; unknown providers are text only). */
  readonly capabilities?: Partial<ModelCapabilities>;
  /** How media a tool returned is sent: inside the tool result, or in a user message after it. Default per provider (see `profileFor`). */
  readonly toolResultMedia?: ToolResultMedia;
  /** Receives the provider package's warnings of each call (unsupported settings, dropped parts). */
  readonly onWarnings?: (warnings: readonly AiSdkWarning[]) => void;
}

const SETTINGS = ['temperature', 'topP', 'topK', 'presencePenalty', 'frequencyPenalty', 'seed'] as const;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The smaller of the configured and the requested output-token limits (ignoring absent or non-positive ones). */
const outputLimit = (...limits: (number | undefined)[]) => {
  const valid = limits.filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 1).map(Math.floor);
  return valid.length ? Math.min(...valid) : undefined;
};

/** The option names of `AiSdkModel`: any other key is refused (a misspelt `maxTokens` for `maxOutputTokens` would quietly mean no output cap). */
export const AI_SDK_OPTION_NAMES: readonly (keyof AiSdkModelOptions)[] = [
  'model', 'provider', 'timeoutMs', 'retry', 'maxOutputTokens', 'maxResponseBytes', 'settings', 'providerOptions', 'headers', 'capabilities', 'toolResultMedia', 'onWarnings',
];

function validate(options: AiSdkModelOptions): void {
  if (!isObject(options)) throw new ConfigError('model', 'AiSdkModel needs options, e.g. { model: openai.chat("gpt-4o-mini") }');
  checkKnownOptions(options, AI_SDK_OPTION_NAMES, 'AiSdkModel');
  const model = options.model as unknown;
  if (!isObject(model) && typeof model !== 'function') throw new ConfigError('model', 'expected an AI SDK language model object, e.g. openai.chat("gpt-4o-mini") (model id strings need aiSdkProvider())');
  const m = model as Record<string, unknown>;
  if (m.specificationVersion !== 'v3' && m.specificationVersion !== 'v2') {
    throw new ConfigError('model', `the model implements specification ${JSON.stringify(m.specificationVersion)}; supported are v3 (AI SDK 6, @ai-sdk/* 3.x) and v2 (AI SDK 5, @ai-sdk/* 2.x)`);
  }
  if (typeof m.doGenerate !== 'function' || typeof m.doStream !== 'function') throw new ConfigError('model', 'the model lacks doGenerate/doStream');
  if (typeof m.provider !== 'string' || typeof m.modelId !== 'string') throw new ConfigError('model', 'the model lacks a provider or modelId string');
  if (options.provider !== undefined && (typeof options.provider !== 'string' || options.provider === '')) throw new ConfigError('provider', 'expected a non-empty string');
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigError('timeoutMs', 'must be a finite positive number of milliseconds');
  if (options.maxOutputTokens !== undefined && (!Number.isInteger(options.maxOutputTokens) || options.maxOutputTokens < 1)) throw new ConfigError('maxOutputTokens', 'must be a positive integer');
  resolveMaxResponseBytes(options.maxResponseBytes);
  if (options.toolResultMedia !== undefined && options.toolResultMedia !== 'native' && options.toolResultMedia !== 'user-message') throw new ConfigError('toolResultMedia', 'must be "native" or "user-message"');
  if (options.onWarnings !== undefined && typeof options.onWarnings !== 'function') throw new ConfigError('onWarnings', 'expected a function');
  if (options.settings !== undefined) {
    if (!isObject(options.settings)) throw new ConfigError('settings', 'expected an object such as { temperature: 0 }');
    for (const key of Object.keys(options.settings)) {
      if (key === 'stopSequences') {
        const stops = options.settings.stopSequences as unknown;
        if (!Array.isArray(stops) || !stops.every((stop) => typeof stop === 'string')) throw new ConfigError('settings.stopSequences', 'expected an array of strings');
      } else if (!(SETTINGS as readonly string[]).includes(key)) {
        throw new ConfigError(`settings.${key}`, `unknown setting; expected one of ${[...SETTINGS, 'stopSequences'].join(', ')} (provider-specific ones go in providerOptions)`);
      } else if (typeof options.settings[key as (typeof SETTINGS)[number]] !== 'number' || !Number.isFinite(options.settings[key as (typeof SETTINGS)[number]])) {
        throw new ConfigError(`settings.${key}`, 'expected a finite number');
      }
    }
  }
  if (options.providerOptions !== undefined) {
    if (!isObject(options.providerOptions)) throw new ConfigError('providerOptions', 'expected an object keyed by provider, e.g. { openai: { user: "u1" } }');
    for (const [key, value] of Object.entries(options.providerOptions)) if (!isObject(value)) throw new ConfigError(`providerOptions.${key}`, 'expected an object');
  }
  if (options.headers !== undefined) {
    if (!isObject(options.headers) || !Object.values(options.headers).every((value) => typeof value === 'string')) throw new ConfigError('headers', 'expected an object of string header values');
  }
}

/** Anthropic with thinking on: a tool-use continuation whose assistant turn carries no signed thinking would be a 400. */
/**
 * Placeholder tools for an Anthropic request that offers no tools but carries tool calls or
 * results in its prompt: the API refuses tool blocks in a request that defines no tools. One
 * per tool name in the prompt, with tool choice `none` where the provider package sends it
 * (spec v3; the v2 package drops the tools for `none`, so there the choice stays `auto` and a
 * call the model still makes is answered `tool_not_found` like any unknown name).
 */
function placeholderTools(prompt: LanguageModelV3Prompt, version: 'v3' | 'v2'): Pick<LanguageModelV3CallOptions, 'tools' | 'toolChoice'> {
  const names = new Set<string>();
  let traffic = false;
  for (const message of prompt) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') names.add(part.toolName);
      if (part.type === 'tool-call' || part.type === 'tool-result') traffic = true;
    }
  }
  if (!traffic) return {};
  if (names.size === 0) names.add('unavailable_tool');
  const tools = [...names].map((name) => ({ type: 'function' as const, name, description: 'Not available in this request.', inputSchema: { type: 'object' as const, properties: {} } }));
  return version === 'v3' ? { tools, toolChoice: { type: 'none' } } : { tools };
}

function continuesWithoutThinking(prompt: LanguageModelV3Prompt): boolean {
  const last = prompt.at(-1);
  if (last?.role !== 'tool') return false;
  const assistant = prompt.at(-2);
  if (assistant?.role !== 'assistant') return false;
  const first = assistant.content[0];
  const anthropic = first?.type === 'reasoning' && isObject(first.providerOptions) ? first.providerOptions.anthropic : undefined;
  return !(isObject(anthropic) && (typeof anthropic.signature === 'string' || typeof anthropic.redactedData === 'string'));
}

/** UTF-8 bytes of what a stream part or a `doGenerate` content part delivers (`delta`, `text`, `input` strings). */
function payloadBytes(part: unknown): number {
  if (!isObject(part)) return 0;
  let bytes = 0;
  for (const key of ['delta', 'text', 'input']) {
    const value = part[key];
    if (typeof value === 'string') bytes += Buffer.byteLength(value, 'utf8');
  }
  return bytes;
}

const clone = (options: AiSdkModelOptions['providerOptions']): Record<string, Record<string, unknown>> =>
  Object.fromEntries(Object.entries(options ?? {}).map(([key, value]) => [key, { ...value }]));

/**
 * Any AI SDK language model (`@ai-sdk/provider` specification v3 or v2) as an agentrt
 * `ModelAdapter`. Calls the model's `doGenerate` / `doStream` directly: the AI SDK's retries
 * (in `ai`'s `generateText`) are never involved and the provider packages do not retry, so
 * agentrt's policy is the one retry layer — `Retry-After` honoured, the adapter's own per-call
 * timeout, the caller's signal passed as `abortSignal`.
 *
 * Maps messages with content parts (images and files as `file` parts, tool media natively or by
 * the user-message workaround), reasoning in both directions (provider metadata such as
 * Anthropic's signature kept in `providerData`), structured output (`request.output` →
 * `responseFormat: { type: 'json', schema, name }`), `maxOutputTokens`, tool calls, usage and
 * finish reasons; provider errors become typed `ModelError`s. What a model accepts is declared
 * per known provider (`openai.*`, `anthropic.*`; text only otherwise) and overridable.
 *
 * @example
 * ```ts
 * import { createOpenAI } from '@ai-sdk/openai';
 * const openai = createOpenAI(); // OPENAI_API_KEY
 * const runtime = createRuntime({ model: new AiSdkModel({ model: openai.chat('gpt-4o-mini') }), tools });
 * ```
 */
export class AiSdkModel implements ModelAdapter {
  readonly provider: string;
  readonly model: string;
  /** What this model accepts beyond text, and whether reasoning is on. */
  readonly capabilities: ModelCapabilities;
  /** The request's messages are converted to the provider's format during the call and not kept: the runtime lends its transcript (no per-step copy). */
  readonly borrowsMessages = true;
  /** The wrapped AI SDK model. */
  readonly languageModel: AiSdkLanguageModel;
  /** The specification version it implements. */
  readonly specificationVersion: 'v3' | 'v2';
  private readonly options: AiSdkModelOptions;
  private readonly profile: ProviderProfile;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryPolicy>;
  private readonly maxResponseBytes: number;
  private readonly label: string;

  constructor(options: AiSdkModelOptions) {
    validate(options);
    const model = options.model;
    this.languageModel = model;
    this.specificationVersion = model.specificationVersion;
    this.model = model.modelId;
    this.provider = options.provider ?? (model.provider.split('.')[0]!.toLowerCase() || 'ai-sdk');
    this.label = `${model.provider}:${model.modelId}`;
    this.profile = profileFor(model.provider, model.modelId, options.providerOptions);
    this.capabilities = resolveCapabilities(this.profile.capabilities, options.capabilities);
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retry = resolveRetryPolicy(options.retry);
    this.maxResponseBytes = resolveMaxResponseBytes(options.maxResponseBytes);
  }

  /** Fails the call once an answer delivered more than `maxResponseBytes`. */
  private checkSize(bytes: number): void {
    if (bytes > this.maxResponseBytes) throw responseTooLarge({ provider: this.label, maxBytes: this.maxResponseBytes });
  }

  /** The call options of one request (the attempt's signal is added per attempt). */
  private callOptions(request: ModelRequest): Omit<LanguageModelV3CallOptions, 'abortSignal'> {
    const prompt = toAiSdkPrompt(request.messages, {
      version: this.specificationVersion,
      toolResultMedia: this.options.toolResultMedia ?? this.profile.toolResultMedia,
      systemFirst: this.profile.systemFirst,
      replayReasoning: this.profile.replayReasoning,
      label: this.label,
      wireRules: this.profile.family,
    });
    let maxOutputTokens = outputLimit(this.options.maxOutputTokens, request.maxOutputTokens);
    const providerOptions = clone(this.options.providerOptions);
    const schema = request.output?.schema;
    // Native structured output where declared; the runtime validates the answer either way.
    const output = request.output && this.capabilities.structuredOutput && (this.profile.family === undefined || schema?.type === 'object') ? request.output : undefined;
    if (this.profile.family === 'openai' && output && providerOptions.openai?.strictJsonSchema === undefined) {
      // Strict mode rejects optional properties and open objects: fall back to best effort for those.
      (providerOptions.openai ??= {}).strictJsonSchema = isStrictSchema(output.schema);
    }
    if (this.profile.family === 'anthropic') {
      // Never the JSON-tool fallback: it forces a tool call and would hide the run's own tools.
      if (output && providerOptions.anthropic?.structuredOutputMode === undefined) (providerOptions.anthropic ??= {}).structuredOutputMode = 'outputFormat';
      const thinking = anthropicThinking(providerOptions);
      if (thinking && providerOptions.anthropic) {
        if (continuesWithoutThinking(prompt)) {
          delete providerOptions.anthropic.thinking; // the API's own advice: continue without thinking
        } else if (thinking.type === 'enabled' && thinking.budgetTokens !== undefined && maxOutputTokens !== undefined) {
          // The provider package adds the thinking budget on top of maxOutputTokens: keep the
          // total within the limit (a budget that no longer fits shrinks; below 1 024, no thinking).
          const budget = Math.min(thinking.budgetTokens, maxOutputTokens - 1);
          if (budget >= 1024) {
            providerOptions.anthropic.thinking = { ...(providerOptions.anthropic.thinking as object), budgetTokens: budget };
            maxOutputTokens -= budget;
          } else {
            delete providerOptions.anthropic.thinking;
          }
        }
      }
    }
    const settings = this.options.settings ?? {};
    return {
      prompt,
      ...(request.tools.length ? { tools: toAiSdkTools(request.tools) } : this.profile.family === 'anthropic' ? placeholderTools(prompt, this.specificationVersion) : {}),
      ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
      ...(output ? { responseFormat: { type: 'json', schema: output.schema as never, name: output.name, ...(output.description ? { description: output.description } : {}) } } : {}),
      ...Object.fromEntries(SETTINGS.filter((key) => settings[key] !== undefined).map((key) => [key, settings[key]])),
      ...(settings.stopSequences ? { stopSequences: [...settings.stopSequences] } : {}),
      ...(this.options.headers ? { headers: { ...this.options.headers } } : {}),
      ...(Object.keys(providerOptions).length ? { providerOptions: providerOptions as LanguageModelV3CallOptions['providerOptions'] } : {}),
    };
  }

  /** Calls the model, turning AI SDK errors into typed ones (an abort passes through). */
  private async call<T>(signal: AbortSignal, run: () => PromiseLike<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (signal.aborted) throw error;
      throw fromAiSdkError(error, this.label);
    }
  }

  private warn(warnings: unknown): void {
    if (this.options.onWarnings && Array.isArray(warnings) && warnings.length) this.options.onWarnings(warnings.filter(isObject));
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    const unsupported = checkSupported(request.messages, this);
    if (unsupported) throw unsupported;
    const base = this.callOptions(request);
    const model = this.languageModel as unknown as { doGenerate(options: LanguageModelV3CallOptions): PromiseLike<unknown> };
    return withModelRetry({
      policy: this.retry,
      signal: request.signal,
      deadline: request.deadline,
      onRetry: request.onRetry,
      call: () => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: this.label, run: async ({ signal }) => {
        const result = await this.call(signal, () => model.doGenerate({ ...base, abortSignal: signal }));
        this.warn(isObject(result) ? result.warnings : undefined);
        const content = isObject(result) && Array.isArray(result.content) ? (result.content as unknown[]) : [];
        this.checkSize(content.reduce<number>((sum, part) => sum + payloadBytes(part), 0));
        return fromGenerateResult(result);
      } }),
    });
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const unsupported = checkSupported(request.messages, this);
    if (unsupported) throw unsupported;
    const base = this.callOptions(request);
    const model = this.languageModel as unknown as { doStream(options: LanguageModelV3CallOptions): PromiseLike<unknown> };
    yield* streamWithRetry({
      policy: this.retry,
      signal: request.signal,
      deadline: request.deadline,
      provider: this.label,
      onRetry: request.onRetry,
      open: (_attempt, emit) => modelAttempt({ signal: request.signal, timeoutMs: this.timeoutMs, provider: this.label, run: async ({ signal, touch }) => {
        // Aborted once the call is over: the provider package's HTTP request (and its socket) ends
        // with the call even when the server keeps the connection open after the last event.
        const done = new AbortController();
        const abortSignal = AbortSignal.any([signal, done.signal]);
        try {
          const result = await this.call(signal, () => model.doStream({ ...base, abortSignal }));
          const stream = isObject(result) ? result.stream : undefined;
          if (!(stream instanceof ReadableStream)) throw new Error('doStream returned no stream');
          const assembler = new StreamAssembler(emit, this.label);
          const reader = (stream as ReadableStream<unknown>).getReader();
          let delivered = 0;
          const aborted = new Promise<never>((_, reject) => {
            const fail = () => reject(signal.reason);
            if (signal.aborted) fail();
            else signal.addEventListener('abort', fail, { once: true });
          });
          aborted.catch(() => undefined);
          try {
            for (;;) {
              // Race the read with the signal: a provider stream that ignores the abort cannot hang the call.
              const next = await this.call(signal, () => Promise.race([reader.read(), aborted]));
              if (next.done) break;
              touch();
              delivered += payloadBytes(next.value);
              this.checkSize(delivered);
              if (isObject(next.value) && next.value.type === 'stream-start') this.warn(next.value.warnings);
              assembler.add(next.value);
              // `finish` is the last part: a provider package that emits it at the stream's last event
              // (`@ai-sdk/anthropic` at message_stop) has the answer complete, whatever the server
              // still sends or however long it keeps the connection open.
              if (isObject(next.value) && next.value.type === 'finish') break;
            }
            return assembler.finish();
          } finally {
            reader.cancel().catch(() => undefined);
          }
        } finally {
          done.abort();
        }
      } }),
    });
  }
}
