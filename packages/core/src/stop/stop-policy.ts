import type { AssistantMessage, Usage } from '../messages.js';
import type { StopReason } from '../result.js';
import type { ResolvedLimits } from '../limits.js';

/** When a stop check runs: before each model call, or after each committed step. */
export type StopPhase = 'before_model' | 'after_step';

/** The run as stop policies see it. */
export interface StopCheckContext {
  readonly phase: StopPhase;
  readonly runId: string;
  /** Committed steps so far. */
  readonly steps: number;
  /** Tool calls counted so far. */
  readonly toolCalls: number;
  /** True when the model asked for more tool calls than `maxToolCalls` allows. */
  readonly toolCallCapExceeded: boolean;
  readonly usage: Usage;
  /** Monotonic milliseconds since this drive of the run started. */
  readonly elapsedMs: number;
  /**
   * The assistant message of the step just committed (`after_step`). Undefined when that step
   * ended with a structured-output repair request: its answer was not accepted, so it is not final.
   */
  readonly lastMessage: AssistantMessage | undefined;
  readonly limits: ResolvedLimits;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A decision to stop. */
export interface StopDecision {
  readonly reason: StopReason;
  readonly detail?: string;
}

/**
 * Decides whether a run stops. Registered under `TOKENS.StopPolicy` (multi); the
 * runtime always runs its built-in policies first, then custom ones in registration order.
 * The first decision wins.
 */
export interface StopPolicy {
  readonly name: string;
  check(context: StopCheckContext): StopDecision | undefined | Promise<StopDecision | undefined>;
}
