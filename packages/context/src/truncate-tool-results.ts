import { ConfigError, type ContextStrategy, type Message, type ToolMessage } from '@agentrt/core';
import { o200kTokenizer, type Tokenizer } from './token-counter.js';

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
 * per message, so a message keeps its identity (and its cached token count) across steps.
 */
export class TruncateToolResults implements ContextStrategy {
  readonly name = 'truncate_tool_results';
  private readonly cache = new WeakMap<Message, Message>();
  private readonly maxChars: number | undefined;
  private readonly maxTokens: number | undefined;
  private readonly tokenizer: Tokenizer;

  constructor(options: TruncateToolResultsOptions) {
    const { maxChars, maxTokens } = options ?? {};
    if ((maxChars === undefined) === (maxTokens === undefined)) throw new ConfigError('maxChars', 'give exactly one of maxChars or maxTokens');
    if (maxChars !== undefined && (!Number.isInteger(maxChars) || maxChars < 64)) throw new ConfigError('maxChars', 'must be an integer ≥ 64');
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 16)) throw new ConfigError('maxTokens', 'must be an integer ≥ 16');
    this.maxChars = maxChars;
    this.maxTokens = maxTokens;
    this.tokenizer = options.tokenizer ?? o200kTokenizer;
  }

  prepare(messages: readonly Message[]): readonly Message[] {
    let changed = false;
    const out = messages.map((message) => {
      if (message.role !== 'tool') return message;
      let short = this.cache.get(message);
      if (!short) {
        short = this.shorten(message);
        this.cache.set(message, short);
      }
      if (short !== message) changed = true;
      return short;
    });
    return changed ? out : messages;
  }

  private shorten(message: ToolMessage): Message {
    // Only text results are shortened here; multi-part results pass unchanged.
    if (typeof message.content !== 'string') return message;
    const text = message.content;
    // Characters per token is estimated from the text itself, then the cut is checked.
    const limit = this.maxChars ?? Math.floor(this.maxTokens! * Math.max(1, text.length / Math.max(1, this.tokenizer(text))));
    if (text.length <= limit) return message;
    const marker = `\n…[${MARKER}: ${text.length - limit} of ${text.length} characters omitted from this view; the full result is kept in the run's state]…\n`;
    const keep = Math.max(0, limit - marker.length);
    const head = Math.ceil(keep * 0.6);
    return { ...message, content: text.slice(0, head) + marker + text.slice(text.length - (keep - head)) };
  }
}
