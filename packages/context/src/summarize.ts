import { AgentrtError, base64Bytes, ConfigError, ModelError, type ContextPrepareContext, type ContextStrategy, type Message, type MessageContent, type ModelAdapter, type ModelRequest, type ModelResponse } from '@agentrt/core';
import { headOf } from './text.js';
import { CachedTokenCounter, MESSAGE_OVERHEAD as MESSAGE_OVERHEAD_TOKENS, type Tokenizer } from './token-counter.js';
import { booleanOption, NewestUserIndex, pinnedPrefixEnd, unitsFromNewest, knownOptions } from './units.js';

/** Options of `Summarize`. */
export interface SummarizeOptions {
  /** The model that writes summaries (often a small, cheap one). */
  readonly model: ModelAdapter;
  /** Summarize once the history the model would see exceeds this many tokens. */
  readonly triggerTokens: number;
  /** Newest units kept verbatim (a tool call with its results is one unit). Default 6. */
  readonly keepLast?: number;
  /** System prompt of the summarizer: a non-empty string (else `config_invalid`). */
  readonly instructions?: string;
  readonly tokenizer?: Tokenizer;
  readonly tokenMultiplier?: number;
  /** Keep the first user message (the task) verbatim. Default true; not a boolean is `config_invalid`. */
  readonly pinFirstUser?: boolean;
}

interface SummaryState {
  readonly summary: string;
  /** History index up to which messages are replaced by the summary (a unit boundary). */
  readonly coveredUntil: number;
  /**
   * Key of the last message the summary covers (`anchorOf`). A strategy before this one in
   * `composeStrategies` (a window, a token budget) drops old messages, so an index alone goes
   * stale: the boundary is found again by this key. Absent in states saved by older versions.
   */
  readonly anchor?: string;
}

const STATE_KEY = 'agentrt.summarize';
const DEFAULT_INSTRUCTIONS =
  'You compress the history of an AI agent run. Keep every fact, number, decision, tool result and open question the agent needs to continue; drop chatter. Answer with the summary only.';

const clip = (text: string, max = 2_000) => (text.length > max ? `${headOf(text, max)}… (${text.length - max} more characters)` : text);

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`);

/** Content as text for the summarizer: images and files become short descriptions (never their data). */
function describe(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type === 'text') return part.text;
      const what = part.type === 'image' ? 'image' : `file${part.filename ? ` "${headOf(part.filename, 100)}"` : ''}`;
      return `[${what} ${part.mediaType}${part.data !== undefined ? `, ${size(base64Bytes(part.data))}` : ', by url'}]`;
    })
    .join('\n');
}

/** The history as text for the summarizer. Reasoning is left out: the summary keeps outcomes, not deliberation. */
function render(messages: readonly Message[]): string {
  return messages
    .map((message) => {
      switch (message.role) {
        case 'assistant': {
          const calls = (message.toolCalls ?? []).map((call) => `[called ${call.name} ${clip(typeof call.args === 'string' ? call.args : JSON.stringify(call.args), 500)}]`).join(' ');
          return `assistant: ${clip(message.content)} ${calls}`.trim();
        }
        case 'tool':
          return `tool ${message.name}${message.isError ? ' (error)' : ''}: ${clip(describe(message.content))}`;
        default:
          return `${message.role}: ${clip(describe(message.content))}`;
      }
    })
    .join('\n');
}

/**
 * Compresses older turns into one summary message with a model call, once the history
 * exceeds `triggerTokens`. Incremental: a new summary builds on the previous one and only
 * reads the messages since. The summary lives in the run's state (persisted with the step),
 * so it survives resume and is not recomputed each step; its token usage and cost count
 * toward the run's budgets, and near a budget's limit its output is capped to what is left (it
 * is skipped when less than 16 tokens would be). System prompts, the first and the newest user message and the
 * last `keepLast` units are never summarized; a tool call and its results stay together.
 */
export class Summarize implements ContextStrategy {
  readonly name = 'summarize';
  /** Reads the history only while preparing, keeps no reference to it: the runtime hands it the run's own array (no copy per step). */
  readonly borrowsHistory = true;
  private readonly counter: CachedTokenCounter;
  private readonly newestUser = new NewestUserIndex();
  private readonly keepLast: number;
  private readonly pinFirstUser: boolean;
  /** Summarizer calls made (all runs). */
  calls = 0;

  constructor(private readonly options: SummarizeOptions) {
    knownOptions(options, ['model', 'triggerTokens', 'keepLast', 'instructions', 'tokenizer', 'tokenMultiplier', 'pinFirstUser']);
    if (!options?.model || typeof options.model.generate !== 'function') throw new ConfigError('model', 'Summarize needs a ModelAdapter to write summaries');
    if (!Number.isInteger(options.triggerTokens) || options.triggerTokens < 1) throw new ConfigError('triggerTokens', 'must be a positive integer');
    this.keepLast = options.keepLast ?? 6;
    if (!Number.isInteger(this.keepLast) || this.keepLast < 1) throw new ConfigError('keepLast', 'must be a positive integer');
    this.pinFirstUser = booleanOption(options.pinFirstUser, 'pinFirstUser', true);
    if (options.instructions !== undefined && (typeof options.instructions !== 'string' || options.instructions.trim() === '')) throw new ConfigError('instructions', 'must be a non-empty string');
    this.counter = new CachedTokenCounter(options.tokenizer, options.tokenMultiplier ?? 1);
  }

  async prepare(messages: readonly Message[], context: ContextPrepareContext): Promise<readonly Message[]> {
    const prefix = pinnedPrefixEnd(messages, this.pinFirstUser);
    let state = context.state.get(STATE_KEY) as SummaryState | undefined;
    // A state that does not fit this history (hand-edited, or from a run with other pinning) is dropped: summarized again.
    if (state && (typeof state.summary !== 'string' || !Number.isInteger(state.coveredUntil) || state.coveredUntil < prefix || state.coveredUntil > messages.length)) state = undefined;
    if (state) state = this.relocated(state, messages, prefix);
    const from = state?.coveredUntil ?? prefix;
    const viewTokens = this.counter.range(messages, 0, prefix) + (state ? this.counter.message(summaryMessage(state.summary)) : 0) + this.counter.range(messages, from, messages.length);
    // Over the trigger, or the provider refused the last request as too long: summarize now.
    if (viewTokens > this.options.triggerTokens || context.overflow) {
      let cut = messages.length;
      let kept = 0;
      for (const unit of unitsFromNewest(messages, from)) {
        if (kept >= this.keepLast) break;
        cut = unit.start;
        kept++;
      }
      const newestUser = this.newestUser.find(context.runId, messages);
      if (newestUser >= from && newestUser < cut) cut = newestUser; // never summarize the newest request away
      if (cut > from) {
        // What the model will be sent besides the summary: the pinned prefix and the kept messages.
        const rest = this.counter.range(messages, 0, prefix) + this.counter.range(messages, cut, messages.length) + MESSAGE_OVERHEAD_TOKENS + 3;
        const summary = await this.summarize(state?.summary, messages.slice(from, cut), context, rest);
        if (summary !== undefined) {
          state = { summary, coveredUntil: cut, anchor: anchorOf(messages[cut - 1]!) };
          context.state.set(STATE_KEY, state);
        }
      }
    }
    if (!state) return messages;
    return [...messages.slice(0, prefix), summaryMessage(state.summary), ...messages.slice(state.coveredUntil)];
  }

  /**
   * The state with `coveredUntil` pointing into this input. Its own history only grows, and the
   * anchor matches in place; when an earlier strategy dropped old messages, the anchor is
   * searched for below its old place, and when it is gone (dropped with everything older), no
   * message of this input is covered: the summary stays and every message after the prefix is kept.
   */
  private relocated(state: SummaryState, messages: readonly Message[], prefix: number): SummaryState {
    const { anchor } = state;
    if (typeof anchor !== 'string') return state;
    const at = Math.min(state.coveredUntil, messages.length);
    for (let i = at - 1; i >= prefix; i--) {
      if (anchorOf(messages[i]!) === anchor) return i + 1 === state.coveredUntil ? state : { ...state, coveredUntil: i + 1 };
    }
    return { ...state, coveredUntil: prefix };
  }

  /** Writes the new summary; undefined when the run's budget has no room for the summarizer's call (the history is then sent as it is). */
  private async summarize(previous: string | undefined, part: readonly Message[], context: ContextPrepareContext, rest: number): Promise<string | undefined> {
    const messages: Message[] = [
      { role: 'system', content: this.options.instructions ?? DEFAULT_INSTRUCTIONS },
      { role: 'user', content: `${previous ? `Summary so far:\n${previous}\n\n` : ''}New part of the run:\n${render(part)}\n\nWrite the ${previous ? 'updated ' : ''}summary.` },
    ];
    // Near a token or cost budget, the summarizer's output is capped to what is left, and below 16 tokens it is not called at all.
    const model = { provider: this.options.model.provider, model: this.options.model.model };
    const allowance = context.outputAllowance?.(this.counter.range(messages, 0, messages.length) + 3, model, { inputTokens: rest });
    if (allowance !== undefined && allowance < 16) return undefined;
    // A summary is at most half the trigger: one as long as the trigger would put every later
    // step over it again, and the run would pay a summarizer call per step.
    const cap = this.summaryCap;
    this.calls++;
    const response = await this.call({ messages, tools: [], signal: context.signal, ...(context.deadline !== undefined ? { deadline: context.deadline } : {}), maxOutputTokens: allowance !== undefined ? Math.min(allowance, cap) : cap });
    const content = (response as Partial<ModelResponse> | null | undefined)?.message?.content;
    // Tokens a response reports were spent even when its text is unusable.
    const usage = (response as Partial<ModelResponse> | null | undefined)?.usage;
    if (usage && typeof usage === 'object') context.addUsage(usage, model);
    if (typeof content !== 'string') throw new ModelError('model_output_invalid', `the summarizer model ${model.provider}/${model.model} returned a response without an assistant message text`);
    return this.capped(content.trim()) || previous || '(nothing to summarize)';
  }

  /** Most tokens a summary keeps: half of `triggerTokens` (at least 16). */
  private get summaryCap(): number {
    return Math.max(16, Math.floor(this.options.triggerTokens / 2));
  }

  /** The summary cut to `summaryCap` tokens when the summarizer wrote more than it was allowed (it ignored `maxOutputTokens`). */
  private capped(summary: string): string {
    const cap = this.summaryCap;
    const whole = this.counter.message(summaryMessage(summary));
    if (whole <= cap) return summary;
    // Cut to what a proportional share of the characters allows, shorter each round (terminates), then marked.
    let text = summary;
    let tokens = whole;
    while (tokens > cap && text.length > 0) {
      const next = Math.min(text.length - 1, Math.floor(((text.length * cap) / tokens) * 0.9));
      text = headOf(text, Math.max(0, next));
      tokens = this.counter.message(summaryMessage(`${text}…`));
    }
    return text.length > 0 ? `${text}…` : '';
  }

  /**
   * The summarizer's call, raced against its signal (a model that ignores it cannot hold the run);
   * a failure that is not a typed error becomes `model_unavailable`, an abort stays the abort.
   */
  private async call(request: ModelRequest): Promise<ModelResponse> {
    const { signal } = request;
    const fail = (error: unknown): unknown => {
      if (signal.aborted) return signal.reason;
      if (AgentrtError.isInstance(error)) return error;
      return new ModelError('model_unavailable', `the summarizer model call failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    };
    if (signal.aborted) throw signal.reason;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([Promise.resolve().then(() => this.options.model.generate(request)), aborted]);
    } catch (error) {
      throw fail(error);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }
}

const anchors = new WeakMap<Message, string>();
/** A persistable key of a message: its tool call ids, or its role, length and a hash of its text. */
function anchorOf(message: Message): string {
  let key = anchors.get(message);
  if (key !== undefined) return key;
  if (message.role === 'tool') key = `tool:${message.toolCallId}`;
  else if (message.role === 'assistant' && message.toolCalls?.length) key = `calls:${message.toolCalls.map((call) => call.id).join(',')}`;
  else {
    const text = message.role === 'assistant' ? message.content : describe(message.content);
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    key = `${message.role}:${text.length}:${(hash >>> 0).toString(36)}`;
  }
  anchors.set(message, key);
  return key;
}

const summaryCache = new Map<string, Message>();
/** The summary as a system message; the same text gives the same object (stable token-count cache). */
function summaryMessage(summary: string): Message {
  let message = summaryCache.get(summary);
  if (!message) {
    message = { role: 'system', content: `Summary of the earlier part of this run (it replaces those messages):\n${summary}` };
    summaryCache.set(summary, message);
    if (summaryCache.size > 256) summaryCache.delete(summaryCache.keys().next().value!);
  }
  return message;
}
