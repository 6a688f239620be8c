import type { Usage } from './messages.js';

/** Why a run stopped. Every run ends with exactly one, in the result and in the store. */
export type StopReason =
  | 'final_answer'
  | 'max_steps'
  | 'max_tool_calls'
  | 'timeout'
  | 'token_budget'
  | 'cost_budget'
  | 'killed'
  | 'cancelled'
  | 'awaiting_approval'
  | 'loop_detected'
  | 'policy_violation'
  | 'output_invalid'
  | 'error';

/** Every stop reason, in documentation order. */
export const STOP_REASONS: readonly StopReason[] = [
  'final_answer', 'max_steps', 'max_tool_calls', 'timeout', 'token_budget', 'cost_budget',
  'killed', 'cancelled', 'awaiting_approval', 'loop_detected', 'policy_violation', 'output_invalid', 'error',
];

/** Lifecycle state of a run as stored. `running` is the only non-final, non-paused state. */
export type RunStatus = 'running' | 'completed' | 'stopped' | 'paused' | 'failed';

/** A tool call waiting for a human decision. */
export interface PendingApproval {
  readonly toolCallId: string;
  readonly tool: string;
  readonly args: unknown;
  /** sha256 of the canonical args; an approval is valid only for these exact args. */
  readonly argsFingerprint: string;
  readonly stepIndex: number;
}

/** The error that ended a run (`stopReason: 'error'`), redacted. */
export interface RunErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable?: boolean;
}

/**
 * The outcome of a run (or of a paused run so far). `T` is the type of `output`: the answer
 * text, or the parsed value when the run asked for structured output (`run({ output: schema })`).
 */
export interface RunResult<T = string> {
  readonly runId: string;
  readonly status: Exclude<RunStatus, 'running'>;
  readonly stopReason: StopReason;
  /** Human-readable detail: the kill reason, the limit that was hit, the error summary. */
  readonly stopDetail?: string;
  /**
   * The final answer: its text, or with an output schema the parsed, validated value. On other
   * stops, the last assistant text (or, with `limits.finalize`, the finalizing answer).
   */
  readonly output?: T;
  /** True when `output` comes from the extra tools-off call made after a limit stop (`limits.finalize`). */
  readonly finalized?: boolean;
  /** Committed steps (one Decide plus its Act each). */
  readonly steps: number;
  /**
   * Tool calls of committed steps within `maxToolCalls` — never above it: executed, answered by
   * policy or validation (denied, unknown tool, invalid args, loop warning, deduplicated), or
   * queued when a kill, cancellation or timeout stopped the run (a synthetic `tool_cancelled` /
   * `tool_timeout` result each). Counted when the step's calls are admitted, so a stop cannot
   * change it; `toolCalls + toolCallsRefused` is the number of calls the model made in committed steps.
   */
  readonly toolCalls: number;
  /** Tool calls refused because they were over `maxToolCalls` (each got a synthetic `tool_denied` result). */
  readonly toolCallsRefused?: number;
  readonly usage: Usage;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly error?: RunErrorInfo;
  /** Calls awaiting approval when `stopReason` is `awaiting_approval`. */
  readonly pendingApprovals?: readonly PendingApproval[];
}

/** Maps a stop reason to the run status it implies. */
export function statusForStop(reason: StopReason): RunResult['status'] {
  switch (reason) {
    case 'final_answer':
      return 'completed';
    case 'error':
    case 'output_invalid':
      return 'failed';
    case 'awaiting_approval':
      return 'paused';
    default:
      return 'stopped';
  }
}
