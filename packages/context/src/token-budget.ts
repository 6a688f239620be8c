import { ConfigError, ModelError, type ContextPrepareContext, type ContextStrategy, type Message } from '@agentrt/core';
import { CachedTokenCounter, type Tokenizer } from './token-counter.js';
import { booleanOption, NewestUserIndex, pinnedPrefixEnd, unitsFromNewest, knownOptions } from './units.js';

/** Options of `TokenBudget`. */
export interface TokenBudgetOptions {
  /** The model's context window in tokens. */
  readonly maxTokens: number;
  /** Tokens kept free for the answer. Default 0. */
  readonly reserveOutputTokens?: number;
  /** Default: o200k_base (gpt-4o family); an approximation for other providers. */
  readonly tokenizer?: Tokenizer;
  /** Multiplies every count, for headroom when the provider's tokenizer differs (e.g. 1.15 for Claude). Default 1. */
  readonly tokenMultiplier?: number;
  /** Keep the first user message (the task). Default true; not a boolean is `config_invalid`. */
  readonly pinFirstUser?: boolean;
  /** Cache per-message counts (default true; off only to measure what the cache saves). Not a boolean is `config_invalid`. */
  readonly cache?: boolean;
}

/**
 * Keeps as much of the newest history as fits a token budget: system prompts, the first user
 * message, the system messages right after it (a `Summarize` summary) and the newest user message pinned, the tool definitions counted, then the newest
 * units (a tool call with its results is one unit) until the budget is spent. Counts are
 * cached per message, and the walk stops at the budget, so a step costs O(new + kept
 * messages), not O(history). When even the pinned messages and the newest unit do not fit,
 * it throws `context_overflow` — the run ends with `error`, never a provider 400. When the
 * provider still refuses a request as too long (its tokenizer counts more), the step is
 * prepared once more in half the tokens this count gave the refused request.
 */
export class TokenBudget implements ContextStrategy {
  readonly name = 'token_budget';
  /** Reads the history only while preparing, keeps no reference to it: the runtime hands it the run's own array (no copy per step). */
  readonly borrowsHistory = true;
  readonly counter: CachedTokenCounter;
  private readonly newestUser = new NewestUserIndex();
  private readonly budget: number;
  private readonly pinFirstUser: boolean;

  constructor(options: TokenBudgetOptions) {
    knownOptions(options, ['maxTokens', 'reserveOutputTokens', 'tokenizer', 'tokenMultiplier', 'pinFirstUser', 'cache']);
    if (!Number.isInteger(options?.maxTokens) || options.maxTokens < 1) throw new ConfigError('maxTokens', 'must be a positive integer');
    const reserve = options.reserveOutputTokens ?? 0;
    if (!Number.isInteger(reserve) || reserve < 0 || reserve >= options.maxTokens) throw new ConfigError('reserveOutputTokens', 'must be a non-negative integer smaller than maxTokens');
    const multiplier = options.tokenMultiplier ?? 1;
    if (!Number.isFinite(multiplier) || multiplier <= 0) throw new ConfigError('tokenMultiplier', 'must be a positive number');
    this.budget = options.maxTokens - reserve;
    this.pinFirstUser = booleanOption(options.pinFirstUser, 'pinFirstUser', true);
    this.counter = new CachedTokenCounter(options.tokenizer, multiplier, booleanOption(options.cache, 'cache', true));
  }

  prepare(messages: readonly Message[], context: ContextPrepareContext): readonly Message[] {
    const prefix = pinnedPrefixEnd(messages, this.pinFirstUser);
    const newestUser = this.newestUser.find(context.runId, messages);
    const fitted = this.fit(messages, context, prefix, newestUser, this.budget, false);
    // The provider counted the request over its window although this count fit it: once more, in
    // half of what this count gave that request, so the retry is shorter whatever the error —
    // unless a strategy before this one (in composeStrategies) has already made it shorter.
    if (!context.overflow || fitted.messages.length < context.overflow.messages) return fitted.messages;
    return this.fit(messages, context, prefix, newestUser, Math.floor(fitted.tokens / 2), true).messages;
  }

  /** The newest units that fit `budget` tokens (with the pinned prefix and the newest user message), and their count. */
  private fit(messages: readonly Message[], context: ContextPrepareContext, prefix: number, newestUser: number, budget: number, halved: boolean): { messages: readonly Message[]; tokens: number } {
    const why = halved ? ', halved after the provider refused the request as too long' : '';
    let used = this.counter.tools(context.tools) + this.counter.range(messages, 0, prefix);
    if (used > budget) {
      throw new ModelError('context_overflow', `the system prompt, tool definitions and task need ${used} tokens but the budget is ${budget} (maxTokens minus reserveOutputTokens${why})`);
    }
    let windowStart = messages.length;
    let newestUserKept = newestUser < prefix;
    for (const unit of unitsFromNewest(messages, prefix)) {
      const cost = this.counter.range(messages, unit.start, unit.end);
      const userCost = !newestUserKept && newestUser < unit.start ? this.counter.message(messages[newestUser]!) : 0;
      const first = windowStart === messages.length;
      if (used + cost + userCost > budget) {
        if (first) {
          throw new ModelError('context_overflow', `the newest messages need ${used + cost + userCost} tokens but the budget is ${budget} (maxTokens minus reserveOutputTokens${why}); nothing smaller can be sent`);
        }
        break;
      }
      used += cost;
      windowStart = unit.start;
      if (unit.start <= newestUser) newestUserKept = true;
    }
    if (!newestUserKept && newestUser >= 0) {
      const cost = this.counter.message(messages[newestUser]!);
      if (used + cost > budget) throw new ModelError('context_overflow', `the newest user message does not fit the token budget of ${budget}${why}`);
      used += cost;
    }
    if (windowStart <= prefix) return { messages, tokens: used };
    const out = messages.slice(0, prefix);
    if (newestUser >= prefix && newestUser < windowStart) out.push(messages[newestUser]!);
    for (let i = windowStart; i < messages.length; i++) out.push(messages[i]!);
    return { messages: out, tokens: used };
  }
}
