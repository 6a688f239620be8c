import {
  AgentrtError, delay,
  type AssistantMessage, type FinishReason, type ModelAdapter, type ModelCapabilities, type ModelRequest, type ModelResponse, type ModelStreamEvent, type ReasoningPart, type TokenUsage,
} from '@agentrt/core';

/** One scripted tool call. `args` (alias `arguments` or `input`) may be an object, raw (possibly malformed) JSON text, or anything else. */
export interface ScriptedToolCall {
  readonly name: string;
  readonly args?: unknown;
  readonly arguments?: unknown;
  readonly input?: unknown;
  /** Default: `call_<n>` with a counter unique to the model instance. */
  readonly id?: string;
}

/** Reasoning of a scripted turn: one text, or reasoning parts (with `providerData` when a test needs it). */
export type ScriptedReasoning = string | readonly ReasoningPart[];

/** A scripted answer (text, optionally with tool calls and the reasoning before them). */
export interface AnswerStep { readonly text: string; readonly toolCalls?: readonly ScriptedToolCall[]; readonly reasoning?: ScriptedReasoning; readonly usage?: Partial<TokenUsage>; readonly finishReason?: FinishReason; readonly delayMs?: number }
/** A scripted turn that calls tools. */
export interface ToolCallStep { readonly toolCalls: readonly ScriptedToolCall[]; readonly text?: string; readonly reasoning?: ScriptedReasoning; readonly usage?: Partial<TokenUsage>; readonly finishReason?: FinishReason; readonly delayMs?: number }
/** A scripted failure: the model call throws `error`. */
export interface ErrorStep { readonly error: unknown; readonly delayMs?: number }
/** A step computed from the request (and the call's index). */
export type DynamicStep = (request: ModelRequest, callIndex: number) => AnswerStep | ToolCallStep | ErrorStep | ModelResponse | Promise<AnswerStep | ToolCallStep | ErrorStep | ModelResponse>;

/** One scripted model turn (a complete `ModelResponse` is accepted too). */
export type ScriptStep = AnswerStep | ToolCallStep | ErrorStep | DynamicStep | ModelResponse;

/** Options of `ScriptedModel`. */
export interface ScriptedModelOptions {
  readonly provider?: string;
  readonly model?: string;
  /** After the last step: `throw` (default), or `repeat_last` (a runaway model), or `cycle`. */
  readonly whenExhausted?: 'throw' | 'repeat_last' | 'cycle';
  /** Usage reported when a step gives none. Default `{ inputTokens: 10, outputTokens: 5 }`. */
  readonly defaultUsage?: TokenUsage;
  /**
   * What the model declares it accepts. Default `ScriptedModel.ALL_CONTENT` (every image and file
   * type, by data or url, in user and tool messages); pass `TEXT_ONLY` to test `unsupported_content`.
   */
  readonly capabilities?: ModelCapabilities;
}

/**
 * A deterministic model for tests and demos: answers from a script, no network. The output
 * tokens a scripted turn reports are capped at the request's `maxOutputTokens`, as a real model's
 * are (a complete `ModelResponse` given as a step is returned as it is).
 * Throws `AgentrtError('script_exhausted')` on a call past the end of the script
 * (unless told to repeat), and `assertDone()` fails when steps are left over.
 *
 * @example
 * ```ts
 * const model = new ScriptedModel([
 *   ScriptedModel.call('add', { a: 1, b: 2 }),
 *   ScriptedModel.answer('3'),
 * ]);
 * ```
 */
export class ScriptedModel implements ModelAdapter {
  /** Accepts every image and file type (by data or url, tool results included), structured output and reasoning. */
  static readonly ALL_CONTENT: ModelCapabilities = Object.freeze({
    imageTypes: ['*'], fileTypes: ['*'], partsInToolResults: true, imageUrls: true, fileUrls: true, structuredOutput: true, reasoning: true,
  });

  readonly provider: string;
  readonly model: string;
  readonly capabilities: ModelCapabilities;
  /** It keeps (and hands scripted functions) its own copy of each request's messages, so the runtime need not copy them for it. */
  readonly borrowsMessages = true;
  /** Every request received, in order. */
  readonly requests: ModelRequest[] = [];
  private nextId = 0;
  private readonly options: ScriptedModelOptions;

  private readonly script: readonly ScriptStep[];

  /** `new ScriptedModel(steps, options)` or `new ScriptedModel({ steps, ...options })`. */
  constructor(script: readonly ScriptStep[] | (ScriptedModelOptions & { steps: readonly ScriptStep[] }), options: ScriptedModelOptions = {}) {
    if (!Array.isArray(script)) {
      if (typeof script !== 'object' || script === null || !Array.isArray((script as { steps?: unknown }).steps)) throw new AgentrtError('config_invalid', 'ScriptedModel needs an array of steps');
      const { steps, ...rest } = script as ScriptedModelOptions & { steps: readonly ScriptStep[] };
      options = { ...rest, ...options };
      script = steps;
    }
    this.script = script as readonly ScriptStep[];
    this.provider = options.provider ?? 'scripted';
    this.model = options.model ?? 'scripted-1';
    this.capabilities = options.capabilities ?? ScriptedModel.ALL_CONTENT;
    this.options = options;
  }

  /** A step that calls one tool. */
  static call(name: string, args: unknown = {}, extra: { id?: string; text?: string; usage?: Partial<TokenUsage>; reasoning?: ScriptedReasoning } = {}): ToolCallStep {
    return {
      toolCalls: [{ name, args, ...(extra.id ? { id: extra.id } : {}) }],
      ...(extra.text ? { text: extra.text } : {}), ...(extra.usage ? { usage: extra.usage } : {}), ...(extra.reasoning !== undefined ? { reasoning: extra.reasoning } : {}),
    };
  }

  /** A step that calls several tools in parallel. */
  static parallel(calls: readonly ScriptedToolCall[], extra: { text?: string; usage?: Partial<TokenUsage>; reasoning?: ScriptedReasoning } = {}): ToolCallStep {
    return { toolCalls: calls, ...extra };
  }

  /** A final-answer step. */
  static answer(text: string, usage?: Partial<TokenUsage>, extra: { reasoning?: ScriptedReasoning } = {}): AnswerStep {
    return { text, ...(usage ? { usage } : {}), ...(extra.reasoning !== undefined ? { reasoning: extra.reasoning } : {}) };
  }

  /** A final answer that is `value` as JSON text (for runs with structured output). */
  static json(value: unknown, extra: { usage?: Partial<TokenUsage>; reasoning?: ScriptedReasoning } = {}): AnswerStep {
    return { text: JSON.stringify(value), ...extra };
  }

  /** Model calls made so far. */
  get calls(): number {
    return this.requests.length;
  }

  /** Steps not consumed yet. */
  get remaining(): number {
    return Math.max(0, this.script.length - this.requests.length);
  }

  /** Throws when scripted steps were left unused. */
  assertDone(): void {
    if (this.remaining > 0 && this.options.whenExhausted !== 'cycle') {
      throw new AgentrtError('script_leftover', `ScriptedModel: ${this.remaining} scripted step(s) were never used`);
    }
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    const index = this.requests.length;
    // The model borrows the runtime's transcript (`borrowsMessages`): what it keeps, and what a
    // scripted function is handed (it may keep it too), is its own copy.
    const recorded: ModelRequest = { ...request, messages: [...request.messages] };
    this.requests.push(recorded);
    request = recorded;
    const scripted = this.stepAt(index) as ScriptStep | ModelResponse;
    let step: AnswerStep | ToolCallStep | ErrorStep;
    if (typeof scripted === 'function') {
      const produced = await scripted(request, index);
      if ('message' in produced) return produced;
      step = produced;
    } else if ('message' in scripted) {
      // A complete response given as a step.
      const partial = scripted as Partial<ModelResponse> & Pick<ModelResponse, 'message'>;
      return {
        message: partial.message,
        usage: partial.usage ?? this.options.defaultUsage ?? { inputTokens: 10, outputTokens: 5 },
        finishReason: partial.finishReason ?? (partial.message.toolCalls?.length ? 'tool_calls' : 'stop'),
      };
    } else step = scripted;
    if (step.delayMs) await delay(step.delayMs, request.signal);
    if ('error' in step) throw step.error;
    const argsOf = (call: ScriptedToolCall & { arguments?: unknown; input?: unknown }) => ('args' in call ? call.args : 'arguments' in call ? call.arguments : 'input' in call ? call.input : {});
    const toolCalls = step.toolCalls?.map((call) => ({ id: call.id ?? `call_${++this.nextId}`, name: call.name, args: argsOf(call) }));
    const reasoning = typeof step.reasoning === 'string' ? [{ text: step.reasoning }] : step.reasoning;
    const message: AssistantMessage = { role: 'assistant', content: step.text ?? '', ...(toolCalls?.length ? { toolCalls } : {}), ...(reasoning?.length ? { reasoning } : {}) };
    const usage = { ...(this.options.defaultUsage ?? { inputTokens: 10, outputTokens: 5 }), ...step.usage };
    // Like a real model, it never reports more output than the request allowed.
    if (request.maxOutputTokens !== undefined && usage.outputTokens > request.maxOutputTokens) usage.outputTokens = Math.max(0, Math.floor(request.maxOutputTokens));
    return { message, usage, finishReason: step.finishReason ?? (toolCalls?.length ? 'tool_calls' : 'stop') };
  }

  /** Streams the scripted turn: reasoning deltas first, then text deltas (16 characters each), then the response. */
  async *stream(request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const response = await this.generate(request);
    for (const part of response.message.reasoning ?? []) {
      for (let i = 0; i < part.text.length; i += 16) yield { type: 'reasoning_delta', text: part.text.slice(i, i + 16) };
    }
    const text = response.message.content;
    for (let i = 0; i < text.length; i += 16) yield { type: 'text_delta', text: text.slice(i, i + 16) };
    yield { type: 'response', response };
  }

  private stepAt(index: number): ScriptStep {
    const script = this.script;
    if (index < script.length) return script[index]!;
    const mode = this.options.whenExhausted ?? 'throw';
    if (script.length > 0 && mode === 'repeat_last') return script[script.length - 1]!;
    if (script.length > 0 && mode === 'cycle') return script[index % script.length]!;
    throw new AgentrtError('script_exhausted', `ScriptedModel: unexpected model call #${index + 1}; the script has ${script.length} step(s)`);
  }
}

