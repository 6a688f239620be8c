import { ConfigError, type ContextPrepareContext, type ContextStrategy, type Message } from '@agentrt/core';
import { booleanOption, NewestUserIndex, pinnedPrefixEnd, unitsFromNewest, knownOptions } from './units.js';

/** Options of `SlidingWindow`: exactly one of `maxMessages` or `maxTurns`. */
export interface SlidingWindowOptions {
  /** Keep at most this many messages (pinned ones included, the newest unit always). */
  readonly maxMessages?: number;
  /** Keep at most this many turns, a turn being one unit: a message, or a tool-calling message with its results. */
  readonly maxTurns?: number;
  /** Keep the first user message (the task). Default true; not a boolean is `config_invalid`. System messages are always kept. */
  readonly pinFirstUser?: boolean;
}

/**
 * Keeps the newest part of the history: system prompts, the first user message and the system messages right after it (a `Summarize` summary) pinned,
 * then as many of the newest units as fit, contiguous. A tool call and its results are one
 * unit. The newest unit and the newest user message are always kept. When the provider refuses
 * a request as too long (`context.overflow`), the step is prepared once more with half the window.
 */
export class SlidingWindow implements ContextStrategy {
  readonly name = 'sliding_window';
  /** Reads the history only while preparing, keeps no reference to it: the runtime hands it the run's own array (no copy per step). */
  readonly borrowsHistory = true;
  private readonly newestUser = new NewestUserIndex();
  private readonly options: Required<Pick<SlidingWindowOptions, 'pinFirstUser'>> & SlidingWindowOptions;

  constructor(options: SlidingWindowOptions) {
    knownOptions(options, ['maxMessages', 'maxTurns', 'pinFirstUser']);
    const { maxMessages, maxTurns } = options ?? {};
    if ((maxMessages === undefined) === (maxTurns === undefined)) throw new ConfigError('maxMessages', 'give exactly one of maxMessages or maxTurns');
    if (maxMessages !== undefined && (!Number.isInteger(maxMessages) || maxMessages < 1)) throw new ConfigError('maxMessages', 'must be a positive integer');
    if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1)) throw new ConfigError('maxTurns', 'must be a positive integer');
    this.options = { ...options, pinFirstUser: booleanOption(options.pinFirstUser, 'pinFirstUser', true) };
  }

  prepare(messages: readonly Message[], context: ContextPrepareContext): readonly Message[] {
    const prefix = pinnedPrefixEnd(messages, this.options.pinFirstUser);
    const newestUser = this.newestUser.find(context.runId, messages);
    const { maxMessages, maxTurns } = this.options;
    const kept = this.window(messages, prefix, newestUser, maxMessages, maxTurns);
    // The provider refused the request as too long: once more with half the window (of what was
    // sent) — unless a strategy before this one (in composeStrategies) has already made it shorter.
    const overflow = context.overflow;
    if (!overflow || kept.length < overflow.messages) return kept;
    const half = (limit: number | undefined, sent: number) => (limit === undefined ? undefined : Math.max(1, Math.floor(Math.min(limit, sent) / 2)));
    return this.window(messages, prefix, newestUser, half(maxMessages, overflow.messages), half(maxTurns, Infinity));
  }

  private window(messages: readonly Message[], prefix: number, newestUser: number, maxMessages: number | undefined, maxTurns: number | undefined): readonly Message[] {
    let used = prefix;
    let turns = 0;
    let windowStart = messages.length;
    for (const unit of unitsFromNewest(messages, prefix)) {
      const size = unit.end - unit.start;
      const first = windowStart === messages.length;
      const fits = maxMessages !== undefined ? used + size <= maxMessages : turns < maxTurns!;
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
