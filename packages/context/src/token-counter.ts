import { ConfigError, type Message, type MessageContent, type ToolSpec } from '@agentrt/core';
import { countTokens } from 'gpt-tokenizer';
import { estimateFileTokens, estimateImageTokens } from './media-tokens.js';

/** Counts tokens of a text. */
export type Tokenizer = (text: string) => number;

/**
 * Runs of one character class longer than this are counted in chunks: BPE merging is quadratic in
 * the length of one pre-tokenized piece, and a piece is a whole run of letters, of CJK characters,
 * of whitespace or of punctuation. Unchunked, 40 000 CJK characters took 13 s and 1 MB of `A`
 * (base64 of zeros) minutes of blocked event loop — no timeout or kill could fire meanwhile.
 */
const MAX_RUN = 500;

/**
 * The default tokenizer: OpenAI's `o200k_base` (gpt-4o family) via gpt-tokenizer, offline.
 * For other providers it is an approximation (Anthropic and Llama tokenizers typically count
 * 5–20 % more on English text); use `tokenMultiplier` to leave headroom. Text that cannot be
 * encoded falls back to characters / 4. Text with a run of one character class longer than 500
 * characters (a long word, base64, CJK without punctuation, a block of spaces) is counted in
 * chunks of at most 500 characters, cut before a space where one is near: linear time, a count
 * within about 1 % of the exact one.
 */
export const o200kTokenizer: Tokenizer = (text) => {
  try {
    if (text.length <= MAX_RUN || !hasLongRun(text)) return countTokens(text);
    let total = 0;
    for (let start = 0; start < text.length; ) {
      const end = chunkEnd(text, start);
      total += countTokens(text.slice(start, end));
      start = end;
    }
    return total;
  } catch {
    return Math.ceil(text.length / 4);
  }
};

/** A coarse character class: whitespace, digit (pieces of at most 3), other ASCII, ASCII letter or any non-ASCII (letters of every script). */
function charClass(code: number): number {
  if (code === 32 || (code >= 9 && code <= 13)) return 0;
  if (code >= 48 && code <= 57) return 1;
  if (code < 128 && !((code >= 65 && code <= 90) || (code >= 97 && code <= 122))) return 2;
  return 3;
}

/** Whether `text` has more than `MAX_RUN` consecutive characters of one class (digits excepted). One pass, no regex backtracking. */
function hasLongRun(text: string): boolean {
  let run = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const kind = charClass(text.charCodeAt(i));
    run = kind === previous && kind !== 1 ? run + 1 : 1;
    if (run > MAX_RUN) return true;
    previous = kind;
  }
  return false;
}

/** The end of the chunk from `start`: before a space that follows a non-space in the chunk's second half, else `MAX_RUN` characters on (never inside a surrogate pair). */
function chunkEnd(text: string, start: number): number {
  let end = start + MAX_RUN;
  if (end >= text.length) return text.length;
  for (let i = end; i > start + MAX_RUN / 2; i--) {
    if (text.charCodeAt(i) === 32 && charClass(text.charCodeAt(i - 1)) !== 0) return i;
  }
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return end;
}

/**
 * A user's tokenizer made safe to compare with: not a function is `config_invalid` (field
 * `tokenizer`); a count that is not a finite non-negative number (NaN, -1, a string), which would
 * make every budget comparison false, counts the text as characters / 4 instead.
 */
export function checkedTokenizer(tokenize: Tokenizer | undefined): Tokenizer {
  if (tokenize === undefined || tokenize === o200kTokenizer) return o200kTokenizer;
  if (typeof tokenize !== 'function') throw new ConfigError('tokenizer', 'must be a function (text) => number');
  return (text) => {
    const count = tokenize(text);
    return typeof count === 'number' && Number.isFinite(count) && count >= 0 ? count : Math.ceil(text.length / 4);
  };
}

/** Per-message framing overhead most chat formats add (role markers). */
export const MESSAGE_OVERHEAD = 4;

/**
 * Token counts cached per message object: history messages are the same objects from step
 * to step, so a step only tokenizes the messages that are new. Images and files count by a
 * documented estimate (`estimateImageTokens`, `estimateFileTokens`), reasoning by its text.
 */
export class CachedTokenCounter {
  private readonly cache = new WeakMap<object, number>();
  hits = 0;
  misses = 0;

  private readonly tokenize: Tokenizer;

  /** Throws `config_invalid` for a `tokenizer` that is not a function or a `multiplier` that is not a positive finite number. */
  constructor(tokenize: Tokenizer = o200kTokenizer, private readonly multiplier = 1, private readonly useCache = true) {
    if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier <= 0) throw new ConfigError('tokenMultiplier', 'must be a positive number');
    this.tokenize = checkedTokenizer(tokenize);
  }

  message(message: Message): number {
    const cached = this.useCache ? this.cache.get(message) : undefined;
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    this.misses++;
    let tokens = MESSAGE_OVERHEAD + this.content(message.content);
    if (message.role === 'assistant') {
      for (const call of message.toolCalls ?? []) tokens += this.tokenize(call.name) + this.tokenize(typeof call.args === 'string' ? call.args : JSON.stringify(call.args ?? {})) + 3;
      // Reasoning travels with its turn (and is sent back within a tool loop): its text counts.
      for (const part of message.reasoning ?? []) tokens += this.tokenize(part.text);
    }
    if (message.role === 'tool') tokens += this.tokenize(message.name);
    const total = Math.ceil(tokens * this.multiplier);
    if (this.useCache) this.cache.set(message, total);
    return total;
  }

  /** Tokens of message content: text tokenized, images and files by the estimates in docs/context.md. */
  private content(content: MessageContent): number {
    if (typeof content === 'string') return this.tokenize(content);
    let tokens = 0;
    for (const part of content) {
      if (part.type === 'text') tokens += this.tokenize(part.text);
      else if (part.type === 'image') tokens += estimateImageTokens(part);
      else tokens += estimateFileTokens(part, this.tokenize);
    }
    return tokens;
  }

  range(messages: readonly Message[], start: number, end: number): number {
    let sum = 0;
    for (let i = start; i < end; i++) sum += this.message(messages[i]!);
    return sum;
  }

  tools(tools: readonly ToolSpec[]): number {
    if (tools.length === 0) return 0;
    const cached = this.useCache ? this.cache.get(tools) : undefined;
    if (cached !== undefined) return cached;
    const total = Math.ceil(this.tokenize(JSON.stringify(tools)) * this.multiplier);
    if (this.useCache) this.cache.set(tools, total);
    return total;
  }
}
