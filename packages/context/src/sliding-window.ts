import { ConfigError, type ContextPrepareContext, type ContextStrategy, type Message } from '@agentrt/core';
import { NewestUserIndex, pinnedPrefixEnd, unitsFromNewest } from './units.js';

/** Options of `SlidingWindow`: exactly one of `maxMessages` or `maxTurns`. */
export interface SlidingWindowOptions {
  /** Keep at most this many messages (pinned ones included, the newest unit always). */
  readonly maxMessages?: number;
  /** Keep at most this many turns, a turn being one unit: a message, or a tool-calling message with its results. */
  readonly maxTurns?: number;
  /** Keep the first user message (the task). Default true. System messages are always kept. */
  readonly pinFirstUser?: boolean;
}

/**
 * Keeps the newest part of the history: system prompts and the first user message pinned,
 * then as many of the newest units as fit, contiguous. A tool call and its results are one
 * unit. The newest unit and the newest user message are always kept.
 */
export class SlidingWindow implements ContextStrategy {
  readonly name = 'sliding_window';
  /** Reads the history only while preparing, keeps no reference to it: the runtime hands it the run's own array (no copy per step). */
  readonly borrowsHistory = true;
  private readonly newestUser = new NewestUserIndex();
  private readonly options: Required<Pick<SlidingWindowOptions, 'pinFirstUser'>> & SlidingWindowOptions;

  constructor(options: SlidingWindowOptions) {
    const { maxMessages, maxTurns } = options ?? {};
    if ((maxMessages === undefined) === (maxTurns === undefined)) throw new ConfigError('maxMessages', 'give exactly one of maxMessages or maxTurns');
    if (maxMessages !== undefined && (!Number.isInteger(maxMessages) || maxMessages < 1)) throw new ConfigError('maxMessages', 'must be a positive integer');
    if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1)) throw new ConfigError('maxTurns', 'must be a positive integer');
    this.options = { ...options, pinFirstUser: options.pinFirstUser ?? true };
  }

  prepare(messages: readonly Message[], context: ContextPrepareContext): readonly Message[] {
    const prefix = pinnedPrefixEnd(messages, this.options.pinFirstUser);
    const newestUser = this.newestUser.find(context.runId, messages);
    let used = prefix;
    let turns = 0;
    let windowStart = messages.length;
    for (const unit of unitsFromNewest(messages, prefix)) {
      const size = unit.end - unit.start;
      const first = windowStart === messages.length;
      const fits = this.options.maxMessages !== undefined ? used + size <= this.options.maxMessages : turns < this.options.maxTurns!;
      if (!fits && !first) break;
      used += size;
      turns++;
      windowStart = unit.start;
    }
    if (windowStart <= prefix) return messages;
    const out = messages.slice(0, prefix);
    if (newestUser >= prefix && newestUser < windowStart) out.push(messages[newestUser]!);
    for (let i = windowStart; i < messages.length; i++) out.push(messages[i]!);
    return out;
  }
}
