import type { AssistantMessage, RecordedContent, TokenUsage, Usage } from './messages.js';
import type { FinishReason } from './model.js';
import type { PendingApproval, RunResult, StopReason } from './result.js';

/** Fields every run event carries. */
export interface RunEventBase {
  readonly runId: string;
  /** ISO-8601 UTC timestamp. */
  readonly at: string;
  /** Position in the run's append-only log, contiguous from 1 (set when persisted). */
  readonly seq?: number;
  /** Hash chain link (sha256 of the previous hash and this event) when the audit hash chain is on. */
  readonly hash?: string;
}

/** Events every run emits, in order. Persisted append-only, redacted before write. */
export type RunEvent =
  | (RunEventBase & { readonly type: 'run_started'; readonly messageCount: number; readonly tools: readonly string[]; readonly metadata?: Readonly<Record<string, unknown>>; readonly resumed?: boolean })
  /** `finalize: true` marks the record of the finalize call (`limits.finalize`), made after a limit stop. */
  | (RunEventBase & { readonly type: 'step_started'; readonly stepIndex: number; readonly finalize?: boolean })
  /** Context gathered and sent: `messageCount` of `historyMessages` after the context strategy; `repairedPairs` > 0 when pairing had to fix the strategy's output. */
  | (RunEventBase & { readonly type: 'model_request'; readonly stepIndex: number; readonly messageCount: number; readonly historyMessages: number; readonly repairedPairs: number; readonly tools: readonly string[]; readonly attempt: number; readonly finalize?: boolean; /** The request's output cap, when the runtime or a hook set one. */ readonly maxOutputTokens?: number })
  | (RunEventBase & { readonly type: 'model_delta'; readonly stepIndex: number; readonly text: string })
  /** Streamed reasoning (thinking) text; never part of the answer. Not persisted, like `model_delta`. */
  | (RunEventBase & { readonly type: 'model_reasoning_delta'; readonly stepIndex: number; readonly text: string })
  /**
   * The model's answer. Reasoning text is kept (redacted); each reasoning part's `providerData`
   * (signatures, encrypted or redacted thinking) is replaced by `{ sha256, chars }` of its JSON.
   */
  | (RunEventBase & { readonly type: 'model_response'; readonly stepIndex: number; readonly message: AssistantMessage; readonly usage: TokenUsage; readonly finishReason: FinishReason; readonly finalize?: boolean })
  | (RunEventBase & { readonly type: 'tool_started'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly args: unknown })
  | (RunEventBase & { readonly type: 'tool_finished'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly isError: boolean; readonly code?: string; /** Image and file parts appear as digests (`sha256`, `bytes`), never their data. */ readonly content: RecordedContent; readonly durationMs: number; readonly replayed?: boolean; /** The result of an identical earlier call of the run (`dedupeIdenticalCalls`); this call did not run. */ readonly deduplicated?: boolean })
  /** A running call reported progress (`ToolContext.progress`). */
  | (RunEventBase & { readonly type: 'tool_progress'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly progress?: number; readonly total?: number; readonly message?: string })
  /** A running call reported a log line (`ToolContext.log`), redacted like every event. */
  | (RunEventBase & { readonly type: 'tool_log'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly level: 'debug' | 'info' | 'warning' | 'error'; readonly message: string })
  /** A committed step: `toolCalls` within `maxToolCalls`, `toolCallsRefused` over it (absent in events written before the field). */
  | (RunEventBase & { readonly type: 'step_finished'; readonly stepIndex: number; readonly usage: Usage; readonly toolCalls: number; readonly toolCallsRefused?: number; readonly durationMs: number; readonly finalize?: boolean })
  | (RunEventBase & { readonly type: 'run_resumed'; readonly fromStep: number; readonly approvals: number })
  | (RunEventBase & { readonly type: 'run_paused'; readonly result: RunResult<unknown> })
  /** The result as recorded: a structured `output` in its JSON form, redacted like every event. */
  | (RunEventBase & { readonly type: 'run_finished'; readonly result: RunResult<unknown> })
  /** A hook recorded a small JSON value for this run (`RunDriveInfo.annotate`), e.g. the trace context of a drive. */
  | (RunEventBase & { readonly type: 'run_annotated'; readonly name: string; readonly value: unknown })
  | GovernanceEvent;

/**
 * Audit events written by guardrails: one per denial, approval, kill, budget stop,
 * loop warning, retry and discarded late result.
 */
export type GovernanceEvent =
  | (RunEventBase & { readonly type: 'tool_denied'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly code: string; readonly reason: string })
  | (RunEventBase & { readonly type: 'tool_rejected'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly code: string; readonly reason: string })
  | (RunEventBase & { readonly type: 'approval_requested'; readonly stepIndex: number; readonly approvals: readonly PendingApproval[] })
  | (RunEventBase & { readonly type: 'approval_decided'; readonly stepIndex: number; readonly toolCallId: string; readonly decision: 'approve' | 'deny'; readonly reason?: string })
  | (RunEventBase & { readonly type: 'run_killed'; readonly reason: string; readonly scope: 'run' | 'all' })
  | (RunEventBase & { readonly type: 'limit_reached'; readonly stopReason: StopReason; readonly detail: string })
  | (RunEventBase & { readonly type: 'loop_warning'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string; readonly repeats: number })
  | (RunEventBase & { readonly type: 'tool_outcome_unknown'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string })
  | (RunEventBase & { readonly type: 'late_result_discarded'; readonly stepIndex: number; readonly toolCallId: string; readonly name: string })
  | (RunEventBase & { readonly type: 'model_retry'; readonly stepIndex: number; readonly code: string; readonly attempt: number; readonly delayMs: number })
  | (RunEventBase & { readonly type: 'run_error'; readonly stepIndex?: number; readonly code: string; readonly message: string })
  /**
   * The finalize call after a limit stop did not produce an accepted answer (or was not made):
   * the run ends with `stopReason` all the same. `code` is the cause: `token_budget`/`cost_budget`
   * (no room left), `killed`/`cancelled`, `timeout` (its grace ran out), `model_output_invalid`
   * (empty answer), `output_invalid` (the answer failed the output schema), or the error's code.
   */
  | (RunEventBase & { readonly type: 'finalize_failed'; readonly stepIndex: number; readonly stopReason: StopReason; readonly code: string; readonly message: string });

/** The `type` of any run event. */
export type RunEventType = RunEvent['type'];

/** Distributive Omit that keeps the union's discriminant. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before the runtime stamps it with run id and time. */
export type RunEventInput = DistributiveOmit<RunEvent, 'runId' | 'at' | 'seq' | 'hash'>;

/** An event as persisted: always has a sequence number. */
export type StoredRunEvent = RunEvent & { readonly seq: number };
