import type { Message, MessageContent, ToolSpec } from '@agentrt/core';
import { countTokens } from 'gpt-tokenizer';
import { estimateFileTokens, estimateImageTokens } from './media-tokens.js';

/** Counts tokens of a text. */
export type Tokenizer = (text: string) => number;

/**
 * The default tokenizer: OpenAI's `o200k_base` (gpt-4o family) via gpt-tokenizer, offline.
 * For other providers it is an approximation (Anthropic and Llama tokenizers typically count
 * 5–20 % more on English text); use `tokenMultiplier` to leave headroom. Text that cannot be
 * encoded falls back to characters / 4.
 */
export const o200kTokenizer: Tokenizer = (text) => {
  try {
    return countTokens(text);
  } catch {
    return Math.ceil(text.length / 4);
  }
};

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

  constructor(private readonly tokenize: Tokenizer = o200kTokenizer, private readonly multiplier = 1, private readonly useCache = true) {}

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
