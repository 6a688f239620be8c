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
/** Tokens of history one summarizer request reads at least (a small trigger does not split the history into tiny parts). */
const MIN_PART_TOKENS = 4_000;
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
      const what = part.type === 'image' ? 'image' : part.type === 'file' ? `file${typeof part.filename === 'string' ? ` "${headOf(part.filename, 100)}"` : ''}` : headOf(String((part as { type: unknown }).type), 40);
      return `[${what} ${part.mediaType}${typeof part.data === 'string' ? `, ${size(base64Bytes(part.data))}` : part.url !== undefined ? ', by url' : ''}]`;
    })
    .join('\n');
}

/**
 * Content as the summarizer reads it: each text part clipped to its share of `max` characters,
 * each image and file described in a line that is never clipped away (a long text part before
 * them used to push the descriptions past the clip: the summarizer never learnt of the media).
 */
function describeClipped(content: MessageContent, max = 2_000): string {
  if (typeof content === 'string') return clip(content, max);
  const texts = content.filter((part) => part.type === 'text').length;
  const share = Math.max(200, Math.floor(max / Math.max(1, texts)));
  return content
    .map((part) => (part.type === 'text' ? clip(part.text, share) : describe([{ ...part, mediaType: headOf(String(part.mediaType), 100) }])))
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
          return `tool ${message.name}${message.isError ? ' (error)' : ''}: ${describeClipped(message.content)}`;
        default:
          return `${message.role}: ${describeClipped(message.content)}`;
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
  /**
   * Per run, the messages around the summary boundary as the last preparation saw them (held
   * weakly): the last covered message, the first kept one, and the newest. The saved `anchor` is a
   * hash of a message's text, and "ok" or "continue" repeat: after a window dropped old messages,
   * the anchor search found a newer identical message and took the turns between as summarized —
   * they left the request without ever reaching the summarizer. Within a process the same message
   * objects come back each step, so the boundary is found by identity first.
   */
  private readonly boundaries = new Map<string, { anchor: string; last: WeakRef<Message> | undefined; next: WeakRef<Message> | undefined; newest: WeakRef<Message> }>();
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
    if (state) state = this.relocated(state, messages, prefix, context.runId);
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
        // In parts the summarizer can read: a history of 100k tokens (a long conversation given as
        // the run's input) was one request of 100k tokens, past a small summarizer's window.
        for (let start = from; start < cut; ) {
          const end = this.partEnd(messages, start, cut, state?.summary);
          const summary = await this.summarize(state?.summary, messages.slice(start, end), context, rest);
          if (summary === undefined) break; // no budget left: what is summarized so far stays
          state = { summary, coveredUntil: end, anchor: anchorOf(messages[end - 1]!) };
          context.state.set(STATE_KEY, state);
          start = end;
        }
      }
    }
    if (!state) return messages;
    this.remember(context.runId, state, messages, prefix);
    return [...messages.slice(0, prefix), summaryMessage(state.summary), ...messages.slice(state.coveredUntil)];
  }

  /**
   * The state with `coveredUntil` pointing into this input. Its own history only grows, and the
   * anchor matches in place; when an earlier strategy dropped old messages, the anchor is
   * searched for below its old place, and when it is gone (dropped with everything older), no
   * message of this input is covered: the summary stays and every message after the prefix is kept.
   */
  private relocated(state: SummaryState, messages: readonly Message[], prefix: number, runId: string): SummaryState {
    const { anchor } = state;
    if (typeof anchor !== 'string') return state;
    const at = Math.min(state.coveredUntil, messages.length);
    const moved = (coveredUntil: number) => (coveredUntil === state.coveredUntil ? state : { ...state, coveredUntil });
    const known = this.boundaries.get(runId);
    if (known && known.anchor === anchor) {
      // Messages only move towards the start (older ones dropped before this strategy), never past their old place.
      const last = known.last?.deref();
      const next = known.next?.deref();
      for (let i = Math.min(at, messages.length - 1); i >= prefix; i--) {
        if (messages[i] === next) return moved(i);
        if (messages[i] === last) return moved(i + 1);
      }
      // Both gone, yet the input is made of the same objects (the previous newest is here): they
      // were dropped with everything older, so nothing of this input is covered.
      const newest = known.newest.deref();
      for (let i = messages.length - 1; i >= prefix; i--) if (messages[i] === newest) return moved(prefix);
    }
    for (let i = at - 1; i >= prefix; i--) {
      if (anchorOf(messages[i]!) === anchor) return i + 1 === state.coveredUntil ? state : { ...state, coveredUntil: i + 1 };
    }
    return { ...state, coveredUntil: prefix };
  }

  /**
   * The end of the next part to summarize from `start` (a unit boundary, at most `cut`): whole units,
   * as rendered for the summarizer, within `triggerTokens` minus the summary so far (at least
   * `MIN_PART_TOKENS`, and at least one unit), so one summarizer request stays about the trigger.
   */
  private partEnd(messages: readonly Message[], start: number, cut: number, previous: string | undefined): number {
    const budget = Math.max(MIN_PART_TOKENS, this.options.triggerTokens - (previous ? this.counter.message(summaryMessage(previous)) : 0));
    let end = start;
    let used = 0;
    while (end < cut) {
      let next = end + 1;
      const head = messages[end]!;
      if (head.role === 'assistant' && head.toolCalls?.length) while (next < cut && messages[next]!.role === 'tool') next++;
      const tokens = this.counter.message({ role: 'user', content: render(messages.slice(end, next)) });
      if (end > start && used + tokens > budget) break;
      used += tokens;
      end = next;
    }
    return end;
  }

  /** Notes the boundary of `state` in this input by identity, for the next preparation of the run (see `boundaries`). */
  private remember(runId: string, state: SummaryState, messages: readonly Message[], prefix: number): void {
    if (typeof state.anchor !== 'string' || messages.length === 0) return;
    const last = state.coveredUntil > prefix ? messages[state.coveredUntil - 1] : undefined;
    const next = messages[state.coveredUntil];
    this.boundaries.delete(runId);
    this.boundaries.set(runId, { anchor: state.anchor, last: last && new WeakRef(last), next: next && new WeakRef(next), newest: new WeakRef(messages[messages.length - 1]!) });
    if (this.boundaries.size > 1_000) this.boundaries.delete(this.boundaries.keys().next().value!);
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
    // An empty answer (or tool calls alone) is no summary: taking it would replace the covered
    // turns with nothing — every fact in them lost without a trace.
    if (content.trim() === '') throw new ModelError('model_output_invalid', `the summarizer model ${model.provider}/${model.model} returned an empty summary${Array.isArray((response as Partial<ModelResponse>).message?.toolCalls) && (response as ModelResponse).message.toolCalls!.length > 0 ? ' (tool calls only; it is given no tools)' : ''}`);
    return this.capped(content.trim()) || previous || '(nothing to summarize)';
  }

  /** Most tokens a summary keeps: half of `triggerTokens` (at least 16). */
  private get summaryCap(): number {
    return Math.max(16, Math.floor(this.options.triggerTokens / 2));
  }

  /**
   * The summary cut to `summaryCap` tokens when the summarizer wrote more than it was allowed (it
   * ignored `maxOutputTokens`). The cap is on the summary's own text: counted with the fixed
   * header of the summary message (18 tokens), a cap of 16 left no room and every summary of a
   * small trigger was replaced by "(nothing to summarize)".
   */
  private capped(summary: string): string {
    const cap = this.summaryCap;
    const count = (text: string) => this.counter.message({ role: 'system', content: text });
    const whole = count(summary);
    if (whole <= cap) return summary;
    // Cut to what a proportional share of the characters allows, shorter each round (terminates), then marked.
    let text = summary;
    let tokens = whole;
    while (tokens > cap && text.length > 0) {
      const next = Math.min(text.length - 1, Math.floor(((text.length * cap) / tokens) * 0.9));
      text = headOf(text, Math.max(0, next));
      tokens = count(`${text}…`);
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
