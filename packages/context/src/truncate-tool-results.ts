import { ConfigError, type ContentPart, type ContextPrepareContext, type ContextStrategy, type Message, type ToolMessage } from '@agentrt/core';
import { knownOptions } from './units.js';
import { headOf, tailOf } from './text.js';
import { checkedTokenizer, type Tokenizer } from './token-counter.js';

/** Options of `TruncateToolResults`: exactly one of `maxChars` or `maxTokens`. */
export interface TruncateToolResultsOptions {
  readonly maxChars?: number;
  readonly maxTokens?: number;
  readonly tokenizer?: Tokenizer;
}

const MARKER = 'tool_output_truncated';

/**
 * Shortens long tool results in the request only: the head and tail are kept with a clear
 * marker between them; the full result stays in the run's state. Truncated copies are cached
 * per message, so a message keeps its identity (and its cached token count) across steps. When
 * the provider refuses a request as too long (`context.overflow`), the step is prepared once more
 * with half the limit.
 */
export class TruncateToolResults implements ContextStrategy {
  readonly name = 'truncate_tool_results';
  /** Reads the history only while preparing, keeps no reference to it: the runtime hands it the run's own array (no copy per step). */
  readonly borrowsHistory = true;
  private readonly cache = new WeakMap<Message, Message>();
  private readonly maxChars: number | undefined;
  private readonly maxTokens: number | undefined;
  private readonly tokenizer: Tokenizer;

  constructor(options: TruncateToolResultsOptions) {
    knownOptions(options, ['maxChars', 'maxTokens', 'tokenizer']);
    const { maxChars, maxTokens } = options ?? {};
    if ((maxChars === undefined) === (maxTokens === undefined)) throw new ConfigError('maxChars', 'give exactly one of maxChars or maxTokens');
    if (maxChars !== undefined && (!Number.isInteger(maxChars) || maxChars < 64)) throw new ConfigError('maxChars', 'must be an integer ≥ 64');
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 16)) throw new ConfigError('maxTokens', 'must be an integer ≥ 16');
    this.maxChars = maxChars;
    this.maxTokens = maxTokens;
    this.tokenizer = checkedTokenizer(options.tokenizer);
  }

  prepare(messages: readonly Message[], context?: ContextPrepareContext): readonly Message[] {
    // The provider refused the request as too long: once more with half the limit (not cached).
    const scale = context?.overflow ? 0.5 : 1;
    let changed = false;
    const out = messages.map((message) => {
      if (message.role !== 'tool') return message;
      let short = scale === 1 ? this.cache.get(message) : undefined;
      if (!short) {
        short = this.shorten(message, scale);
        if (scale === 1) this.cache.set(message, short);
      }
      if (short !== message) changed = true;
      return short;
    });
    return changed ? out : messages;
  }

  private shorten(message: ToolMessage, scale: number): Message {
    if (typeof message.content === 'string') {
      const text = cut(message.content, Math.max(64, Math.floor(this.limitFor(message.content) * scale)));
      return text === message.content ? message : { ...message, content: text };
    }
    // Multi-part results: the text parts share the limit (short ones stay whole); images and files pass whole.
    const parts = message.content;
    const texts = parts.map((part) => (part.type === 'text' ? part.text : ''));
    const all = texts.join('');
    if (all.length === 0) return message;
    const allowed = shareBudget(texts.map((text) => text.length), Math.max(64, Math.floor(this.limitFor(all) * scale)));
    let changed = false;
    const content = parts.map((part, index): ContentPart => {
      if (part.type !== 'text') return part;
      const text = cut(part.text, allowed[index]!);
      if (text === part.text) return part;
      changed = true;
      return { type: 'text', text };
    });
    return changed ? { ...message, content } : message;
  }

  /** The limit in characters for this text (a token limit converts at the text's own characters per token). */
  private limitFor(text: string): number {
    return this.maxChars ?? Math.floor(this.maxTokens! * Math.max(1, text.length / Math.max(1, this.tokenizer(text))));
  }

}

/**
 * Head and tail of `text` within `limit` characters with a marker between them; unchanged when that
 * would not be shorter. Never cuts a surrogate pair in half (an emoji at the cut is left out whole).
 */
function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = `\n…[${MARKER}: ${text.length - limit} of ${text.length} characters omitted from this view; the full result is kept in the run's state]…\n`;
  const keep = Math.max(0, limit - marker.length);
  const head = Math.ceil(keep * 0.6);
  const out = headOf(text, head) + marker + tailOf(text, keep - head);
  return out.length < text.length ? out : text;
}

/** Splits a character budget: texts shorter than an even share stay whole, the others split what is left. */
function shareBudget(lengths: readonly number[], budget: number): number[] {
  const order = lengths.map((length, index) => ({ length, index })).filter((item) => item.length > 0).sort((a, b) => a.length - b.length);
  const out = lengths.map(() => 0);
  let left = budget;
  order.forEach((item, i) => {
    const share = Math.floor(left / (order.length - i));
    out[item.index] = Math.min(item.length, share);
    left -= out[item.index]!;
  });
  return out;
}
