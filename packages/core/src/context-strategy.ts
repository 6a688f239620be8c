import type { Message, TokenUsage } from './messages.js';
import type { ToolSpec } from './model.js';

/** What a context strategy knows while preparing one request. */
export interface ContextPrepareContext {
  readonly runId: string;
  readonly stepIndex: number;
  /**
   * Aborted on the run's timeout, a kill or a cancellation (a finalize preparation: its grace).
   * Pass it to every model call the strategy makes. The runtime also stops waiting for
   * `prepare` once it aborts, so a strategy whose call ignores it cannot hold the run.
   */
  readonly signal: AbortSignal;
  /**
   * When `signal` aborts for a deadline, in epoch milliseconds: pass it as the
   * `ModelRequest.deadline` of every model call the strategy makes (a retry wait past it is not
   * started). Absent in contexts built by hand.
   */
  readonly deadline?: number;
  readonly tools: readonly ToolSpec[];
  /** Provider and model of the run's adapter (for tokenizer choice). */
  readonly model: { readonly provider: string; readonly model: string };
  /**
   * Strategies that call a model (summarization) report usage here so budgets count it. Counts
   * that are not finite non-negative numbers count as 0, as in a model response.
   */
  addUsage(usage: TokenUsage, model?: { provider: string; model: string }): void;
  /**
   * For strategies that call a model: the output tokens a call with `inputTokens` of input may
   * produce without overshooting the run's token or cost budget (priced for `model`, default the
   * run's), keeping the finalize reserve. With `next` (the estimated input of the request this
   * strategy will return, without the call's own output), room is also kept for the step's model
   * call that follows — so a summary never spends what that call then lacks. `undefined` while no
   * budget is near its limit; below 16, do not make the call. Pass it as the call's
   * `maxOutputTokens`. Absent in contexts built by hand.
   */
  outputAllowance?(inputTokens: number, model?: { provider: string; model: string }, next?: { readonly inputTokens: number }): number | undefined;
  /** Per-run scratch state that survives resume (e.g. a running summary). Values must be JSON. */
  readonly state: ContextState;
  /**
   * Set when the provider refused this step's previous request as too long (`context_overflow`):
   * the strategy is asked once more and should return a shorter request (a smaller window, a
   * tighter budget, a summary now). Returning the same messages ends the run with
   * `context_overflow`; a second refusal too. Absent on every first preparation.
   */
  readonly overflow?: ContextOverflow;
}

/** What the runtime knows of a request the provider refused as too long. */
export interface ContextOverflow {
  /** Messages the refused request held. */
  readonly messages: number;
}

/** Durable per-run key/value state for strategies. */
export interface ContextState {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/**
 * Shapes the history into the request for one model call (trim, compress).
 * The runtime re-pairs tool calls and results after every strategy, so a strategy
 * cannot produce an orphaned tool result; strategies should still keep pairs together.
 * Throw `AgentrtError('context_overflow')` when the minimum does not fit.
 */
export interface ContextStrategy {
  readonly name: string;
  /**
   * `true` when `prepare` only reads `messages` while it runs: it never changes the array and
   * keeps no reference to it once it has returned (or its promise has settled). The runtime then
   * hands it the run's own history rather than a copy made for the call, so a step costs what
   * the strategy reads (a sliding window: the newest messages), not a copy of the whole history.
   * Returning `messages` itself stays allowed (the request then gets a copy). Leave it unset for
   * a strategy that caches or mutates its input: it gets a fresh copy every step.
   */
  readonly borrowsHistory?: boolean;
  prepare(messages: readonly Message[], context: ContextPrepareContext): readonly Message[] | Promise<readonly Message[]>;
}

/** The default strategy: the whole history, unchanged. */
export class FullHistory implements ContextStrategy {
  readonly name = 'full_history';
  prepare(messages: readonly Message[]): readonly Message[] {
    return messages;
  }
}
