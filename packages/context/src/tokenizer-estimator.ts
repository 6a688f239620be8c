import { ConfigError, REQUEST_OVERHEAD_TOKENS, type EstimatedRequest, type TokenEstimator } from '@agentrt/core';
import { knownOptions } from './units.js';
import { CachedTokenCounter, checkedTokenizer, type Tokenizer } from './token-counter.js';

/** Options of `TokenizerEstimator`. */
export interface TokenizerEstimatorOptions {
  /** Counts a text's tokens. Default `o200kTokenizer` (OpenAI's gpt-4o family, via gpt-tokenizer). */
  readonly tokenizer?: Tokenizer;
  /**
   * Multiplies every count, to leave headroom for a provider whose tokenizer counts more (Anthropic
   * and Llama tokenizers typically count 5–20 % more than o200k on English text). Default 1; 1–4.
   */
  readonly tokenMultiplier?: number;
}

/**
 * A `TokenEstimator` for budgets (`createRuntime({ tokenEstimator })`) that counts with a real
 * tokenizer: messages as `TokenBudget` counts them (per-message framing, tool calls, reasoning,
 * images and files by the documented estimates), tool specs and the output schema by their JSON.
 * Counts are cached per message object, so a growing history costs only its new messages; the
 * runtime asks only when a budget is near its limit.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({ model, tokenEstimator: new TokenizerEstimator(), limits: { maxTokens: 50_000 } });
 * ```
 */
export class TokenizerEstimator implements TokenEstimator {
  private readonly counter: CachedTokenCounter;
  private readonly tokenize: Tokenizer;
  private readonly multiplier: number;
  private readonly outputs = new WeakMap<object, number>();

  constructor(options: TokenizerEstimatorOptions = {}) {
    knownOptions(options, ['tokenizer', 'tokenMultiplier']);
    const multiplier = options.tokenMultiplier ?? 1;
    if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1 || multiplier > 4) {
      throw new ConfigError('tokenMultiplier', 'must be a number from 1 to 4');
    }
    this.tokenize = checkedTokenizer(options.tokenizer);
    this.multiplier = multiplier;
    this.counter = new CachedTokenCounter(this.tokenize, multiplier);
  }

  estimate(request: EstimatedRequest): number {
    let tokens = REQUEST_OVERHEAD_TOKENS + this.counter.range(request.messages, 0, request.messages.length) + this.counter.tools(request.tools);
    if (request.output) {
      let size = this.outputs.get(request.output);
      if (size === undefined) this.outputs.set(request.output, (size = Math.ceil(this.tokenize(JSON.stringify(request.output.schema)) * this.multiplier)));
      tokens += size;
    }
    return tokens;
  }
}
