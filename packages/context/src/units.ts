import { checkKnownOptions, ConfigError, type Message } from '@agentrt/core';

/**
 * A slice of the history that is kept or dropped as a whole: a single message, or an
 * assistant message with tool calls together with its tool results.
 */
export interface Unit {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/**
 * Walks the history backwards from the newest message, yielding units newest first.
 * Tool results are grouped with the assistant message that called them, so a call and its
 * result are always kept or dropped together. Costs O(units visited), not O(history).
 */
export function* unitsFromNewest(messages: readonly Message[], stopAt = 0): Generator<Unit> {
  let end = messages.length;
  while (end > stopAt) {
    let start = end - 1;
    while (start > stopAt && messages[start]!.role === 'tool') start--;
    const head = messages[start]!;
    if (head.role !== 'assistant' || !head.toolCalls?.length) {
      // Not an exchange: results without their call (orphans) form units of their own.
      if (messages[end - 1]!.role === 'tool' && start !== end - 1) start = end - 1;
    }
    yield { start, end };
    end = start;
  }
}

/**
 * End of the prefix that is never dropped: every system message before the first non-system
 * message, the first user message (when `pinFirstUser`), and the system messages right after it —
 * where `Summarize` puts its summary, so a window after it in `composeStrategies` keeps the
 * summary (dropping it first, as the oldest message, lost everything it stood for). The newest
 * user message is kept too, apart from this prefix.
 */
export function pinnedPrefixEnd(messages: readonly Message[], pinFirstUser: boolean): number {
  let i = 0;
  while (i < messages.length && messages[i]!.role === 'system') i++;
  if (pinFirstUser && messages[i]?.role === 'user') {
    i++;
    while (i < messages.length && messages[i]!.role === 'system') i++;
  }
  return i;
}

/**
 * Per-run cache of the newest user message index, so finding it costs O(new messages). The
 * message that validates an entry is held weakly: the cache keeps up to 1,000 runs, and holding
 * their last messages (a tool's 200 KB result, say) would keep them alive after the runs end.
 */
export class NewestUserIndex {
  private readonly runs = new Map<string, { length: number; last: WeakRef<Message> | undefined; index: number }>();

  find(runId: string, messages: readonly Message[]): number {
    const cached = this.runs.get(runId);
    let from = 0;
    let index = -1;
    if (cached && cached.length > 0 && cached.length <= messages.length && messages[cached.length - 1] === cached.last?.deref()) {
      from = cached.length;
      index = cached.index;
    }
    for (let i = messages.length - 1; i >= from; i--) {
      if (messages[i]!.role === 'user') {
        index = i;
        break;
      }
    }
    const last = messages[messages.length - 1];
    this.runs.set(runId, { length: messages.length, last: typeof last === 'object' && last !== null ? new WeakRef(last) : undefined, index });
    if (this.runs.size > 1_000) this.runs.delete(this.runs.keys().next().value!);
    return index;
  }
}

/** An optional boolean option, or `config_invalid` naming `field` (`"false"` is not false: it would pin what was meant to be dropped). */
export function booleanOption(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(field, `must be true or false, found ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}`);
  return value;
}

/**
 * `config_invalid` naming an option the strategy does not know, with the near miss: a misspelt
 * `pinFirstuser: false` would otherwise keep pinning, a `reserveOutputToken` reserve nothing.
 */
export function knownOptions(options: unknown, known: readonly string[]): void {
  checkKnownOptions(options, known); // a non-object is left to the required fields' checks
}
