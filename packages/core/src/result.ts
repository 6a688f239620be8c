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
  | 'error';

/** Every stop reason, in documentation order. */
export const STOP_REASONS: readonly StopReason[] = [
  'final_answer', 'max_steps', 'max_tool_calls', 'timeout', 'token_budget', 'cost_budget',
  'killed', 'cancelled', 'awaiting_approval', 'loop_detected', 'policy_violation', 'error',
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

/** The outcome of a run (or of a paused run so far). */
export interface RunResult {
  readonly runId: string;
  readonly status: Exclude<RunStatus, 'running'>;
  readonly stopReason: StopReason;
  /** Human-readable detail: the kill reason, the limit that was hit, the error summary. */
  readonly stopDetail?: string;
  /** The final answer text (`final_answer`), or the last assistant text otherwise. */
  readonly output?: string;
  /** Committed steps (one Decide plus its Act each). */
  readonly steps: number;
  /** Tool calls requested by the model and counted against `maxToolCalls` (including rejected ones). */
  readonly toolCalls: number;
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
      return 'failed';
    case 'awaiting_approval':
      return 'paused';
    default:
      return 'stopped';
  }
}
