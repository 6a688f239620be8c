import type { AssistantMessage, Message, TokenUsage, ToolMessage, Usage } from '../messages.js';
import type { FinishReason, OutputSpec } from '../model.js';
import type { PendingApproval, RunResult, RunStatus, StopReason } from '../result.js';
import type { SideEffects } from '../tool.js';
import type { StoredRunEvent } from '../events.js';

/** A run as the store holds it. Updated in O(1) per step; history lives in step records. */
export interface RunRecord {
  readonly runId: string;
  readonly status: RunStatus;
  /** The initial transcript (system prompt, user input). */
  readonly input: readonly Message[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly idempotencyKey?: string;
  /** sha256 of the canonical input; the same idempotency key with another input is a conflict. */
  readonly inputFingerprint: string;
  /** sha256 of the tool specs the run started with; resuming with another tool set is `resume_mismatch`. */
  readonly toolsFingerprint: string;
  /**
   * Structured output the run was started with (`run({ output })` or the runtime default): the
   * spec sent with every model call and the repair budget. Resume checks the schema against it.
   */
  readonly structuredOutput?: { readonly spec: OutputSpec; readonly maxRepairs: number };
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Number of committed steps; the next step to commit has this index. */
  readonly stepCount: number;
  /** Sum over committed steps: a decided step's usage is added when it commits (`commitStep`'s `usageDelta`), not by `saveDecision`. */
  readonly usage: Usage;
  /** Tool calls counted against `maxToolCalls` so far (committed steps): never above the limit. */
  readonly toolCalls: number;
  /**
   * Tool calls refused over `maxToolCalls` so far (committed steps). Every first-party store
   * keeps it; absent (read as 0) in records of stores or versions that predate the field.
   */
  readonly toolCallsRefused?: number;
  /** The terminal result, or the paused result while awaiting approval. A structured `output` is stored in its JSON form. */
  readonly result?: RunResult<unknown>;
  /** A decided but not yet committed step (crash between Decide and commit). */
  readonly pendingStep?: PendingStep;
  /** Sequence number of the last persisted event and its hash (hash chain head). */
  readonly lastEventSeq: number;
  readonly lastEventHash?: string;
  /**
   * Set only on a record `listRuns` returned: the sha256 of each media blob this record refers
   * to that the store no longer holds (a damaged or partially restored store). Each such part is
   * listed as a `MissingMediaPart` (`blob`, `missing: true`, no `data`); `getRun` of the run is
   * `state_corrupt`. Absent when every part was read whole.
   */
  readonly mediaMissing?: readonly string[];
}

/** The fields a caller provides to create a run. */
export type NewRunRecord = Omit<RunRecord, 'status' | 'updatedAt' | 'stepCount' | 'usage' | 'toolCalls' | 'toolCallsRefused' | 'result' | 'pendingStep' | 'lastEventSeq' | 'lastEventHash' | 'mediaMissing'>;

/** The model's decision for a step, persisted before any of its tools run. */
export interface PendingStep {
  readonly stepIndex: number;
  readonly message: AssistantMessage;
  readonly usage: Usage;
  readonly finishReason: FinishReason;
  readonly startedAt: string;
  /** Context-strategy state as of this decision, when it changed while preparing it. */
  readonly contextState?: Readonly<Record<string, unknown>>;
}

/** One committed step: the assistant message plus all its tool results. Never rewritten. */
export interface StepRecord {
  readonly runId: string;
  readonly stepIndex: number;
  /**
   * The assistant message followed by one tool message per tool call, in call order. With
   * structured output, a final answer that failed the schema is followed by one user message
   * holding the validation problems (the repair request); no other step ends with a user message.
   * Messages may carry content parts (images, files) and assistant reasoning.
   */
  readonly messages: readonly Message[];
  readonly usage: Usage;
  /** Tool calls of this step within `maxToolCalls` (executed, or answered by policy or validation). */
  readonly toolCalls: number;
  /** Tool calls of this step over `maxToolCalls` (refused with a synthetic `tool_denied` result). Absent: 0. */
  readonly toolCallsRefused?: number;
  readonly finishReason: FinishReason;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Context-strategy state (e.g. a running summary) as of this step, present only when it changed. */
  readonly contextState?: Readonly<Record<string, unknown>>;
  /**
   * Present on the record of the finalize call (`limits.finalize`): the run's last record, made
   * after a limit stopped it — one assistant message (the answer, no tool calls), its usage, no tool
   * calls. It carries the stop it answers, so a resume after a crash finishes with it instead of
   * asking again. It is not a step of `RunResult.steps` (no Act follows it), but it is one of
   * `RunRecord.stepCount` and of `loadSteps`, so usage totals stay the sum over records (I5).
   */
  readonly finalize?: { readonly stopReason: StopReason; readonly stopDetail?: string };
}

/** Proof of ownership of a run. A commit carrying a stale epoch is refused with `lease_lost`. */
export interface Lease {
  readonly runId: string;
  readonly owner: string;
  /** Fencing epoch, strictly increasing per run across owners. */
  readonly epoch: number;
  /** Expiry in the store's clock (ms since epoch). */
  readonly expiresAt: number;
}

/** One tool call as recorded in the ledger. */
export interface ToolLedgerEntry {
  readonly runId: string;
  readonly toolCallId: string;
  readonly stepIndex: number;
  readonly name: string;
  readonly argsFingerprint: string;
  readonly sideEffects: SideEffects;
  /** `started`: intent recorded, no completion (the ambiguous window). */
  readonly status: 'started' | 'completed';
  readonly result?: ToolMessage;
  readonly startedAt: string;
  readonly completedAt?: string;
}

/** A kill flag: for one run, or `'*'` for every run (incident stop). */
export interface KillFlag {
  readonly scope: string;
  readonly reason: string;
  readonly at: string;
}

/** Scope value of an incident stop. */
export const KILL_ALL_SCOPE = '*';

/** Write options every mutating call accepts. */
export interface WriteOptions {
  /** When given, the store refuses the write (`lease_lost`) unless this is the run's current lease. */
  readonly lease?: Lease;
}

/**
 * Durable state of runs: run records, append-only step records, the event log,
 * the tool ledger, kill flags and leases.
 *
 * Contract (checked by `describeStateStore` in `@agentrt/testing`):
 * - `commitStep` is atomic: the step, its events and the run's counters (`stepCount`, `toolCalls`,
 *   `toolCallsRefused`, `usage`) are written together or not at all,
 *   and only when `step.stepIndex === run.stepCount` (else `run_conflict`).
 * - Events are append-only with contiguous `seq` per run; `appendEvents` refuses a gap or overlap (`run_conflict`).
 * - `finishRun` records exactly one terminal result; a second call returns the first result unchanged.
 * - A read failure throws `StoreError('store_unavailable')`; it is never reported as "not found".
 * - Errors are `StoreError` with a typed code; driver errors are wrapped, never leaked raw.
 * - Every call settles (resolves or rejects) within a bounded time: the runtime waits for a store
 *   write without a timeout of its own (a write it stopped waiting for would have an unknown
 *   outcome), so a call that never settles holds the run — past its `timeoutMs` — and a `kill` of
 *   it. A store talking to a server sets its own timeouts and reports one as `store_unavailable`
 *   (outcome unknown), as the first-party stores do.
 * - Messages are kept exactly, content parts (base64 `data` included) and assistant `reasoning`
 *   (with its `providerData`) too. Durable stores should keep large media once per run
 *   (`extractBlobs` / `restoreBlobs`); a referenced blob that is missing on read is `state_corrupt`
 *   (`getRun`, `loadSteps`, `getToolLedger`) — except in `listRuns`, see there.
 *
 * Kill delivery (checked by `describeCrossProcess`): a flag set through any handle on the same
 * storage, by any process, stops a run driven elsewhere before its next model or tool call, and
 * aborts the signal of a model or tool call already in flight — at once (the push latency) when
 * the store implements `subscribeKills`, else within the runtime's `killPollMs` (default 250 ms,
 * plus scheduling slack), because the runtime then reads `getKillFlag` every `killPollMs` while a
 * call is in flight (and never while none is). Both per-run flags and the incident stop `'*'` apply.
 */
export interface StateStore {
  /** Creates a run. With an `idempotencyKey` already used, returns that run and `created: false`. */
  createRun(run: NewRunRecord): Promise<{ run: RunRecord; created: boolean }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /**
   * Runs newest first, at most `limit` (`0`: none; at or above `MAX_STORE_INDEX`: no limit),
   * only those of `status` when given.
   *
   * One run's missing media never fails a listing (an incident stop lists the paused runs to
   * kill them; one damaged record must not leave the others running): every matching run is
   * listed, and a record whose media blob the store no longer holds is listed with each such part
   * as a `MissingMediaPart` (`{ type, mediaType, filename?, blob: <sha256>, missing: true }`, no
   * `data`) and the hashes in `mediaMissing` (`restoreBlobsOrMark`). `getRun` of that run stays
   * `state_corrupt`, and so does its resume. Any other failure (unreadable JSON, an unreachable
   * store) still fails the listing.
   */
  listRuns(query?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]>;

  /** Persists the model's decision for the next step before its tools run. Its `usage` is kept with it and added to the run's totals when the step commits, not here. */
  saveDecision(input: { runId: string; decision: PendingStep } & WriteOptions): Promise<void>;
  /** Atomically appends a step and its events, updates counters, clears the pending decision. */
  commitStep(input: { runId: string; step: StepRecord; events: readonly StoredRunEvent[]; usageDelta: Usage } & WriteOptions): Promise<void>;
  /**
   * Committed steps in index order, from `fromIndex` (default 0), at most `limit` of them
   * (default: to the last; `0`: none; at or above `MAX_STORE_INDEX`: no limit). Both are
   * non-negative integers, else `config_invalid` naming the field (`readStorePage`). A store that
   * predates `limit` may ignore it and return every step from `fromIndex`: callers that pass it
   * cut the answer to `limit` themselves (`loadStepRange` does).
   */
  loadSteps(runId: string, options?: { fromIndex?: number; limit?: number }): Promise<StepRecord[]>;

  /** Sets a non-terminal status (`running`, `paused`) with an optional paused result, plus events. */
  updateRun(input: { runId: string; status: 'running' | 'paused'; result?: RunResult<unknown>; events?: readonly StoredRunEvent[] } & WriteOptions): Promise<void>;
  /** Records the terminal result once. Returns the recorded result (the first one if already terminal). */
  finishRun(input: { runId: string; result: RunResult<unknown>; events: readonly StoredRunEvent[] } & WriteOptions): Promise<RunResult<unknown>>;

  /** Appends events with contiguous `seq` (must start at `lastEventSeq + 1`). */
  appendEvents(runId: string, events: readonly StoredRunEvent[], options?: WriteOptions): Promise<void>;
  /** Events in `seq` order, after `afterSeq` (default 0), at most `limit`. */
  listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredRunEvent[]>;

  /** Records that a tool call is about to run (durably, before it runs). Idempotent per `(runId, toolCallId)`. */
  recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options?: WriteOptions): Promise<void>;
  /** Records a tool call's result. A completed entry is never overwritten. */
  recordToolResult(input: { runId: string; toolCallId: string; stepIndex: number; name: string; argsFingerprint: string; sideEffects: ToolLedgerEntry['sideEffects']; result: ToolMessage; completedAt: string }, options?: WriteOptions): Promise<void>;
  /** Ledger entries of a run, optionally of one step: in step order, then in the order the calls were first recorded (intent, else result). */
  getToolLedger(runId: string, options?: { stepIndex?: number }): Promise<ToolLedgerEntry[]>;

  /** Sets a kill flag for `scope` (a run id or `'*'`). */
  setKillFlag(flag: KillFlag): Promise<void>;
  /** Clears the flag of `scope`; without a scope, clears the incident stop (`'*'`). */
  clearKillFlag(scope?: string): Promise<void>;
  /** The flag that applies to a run: its own, else the incident stop, else undefined. */
  getKillFlag(runId: string): Promise<KillFlag | undefined>;

  /** Takes the run's lease when free or expired, bumping the epoch. Undefined when another owner holds it. */
  acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined>;
  /** Extends a lease still held; false when it was lost. */
  renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  /** Releases a lease still held (no-op otherwise). */
  releaseLease(lease: Lease): Promise<void>;

  /**
   * Optional push notification of kill flags set by any process, so a runtime can abort
   * in-flight calls of the runs it drives at once. Returns an unsubscribe function.
   *
   * Implementing it declares that the store pushes: the runtime then never polls `getKillFlag`
   * for in-flight calls, so implement it only if every flag set through any handle on the same
   * storage (per-run and `'*'`) reaches every subscriber while it is subscribed (Redis pub/sub,
   * PostgreSQL LISTEN/NOTIFY, in-process listeners). A store without it is polled (`killPollMs`).
   */
  subscribeKills?(listener: (flag: KillFlag) => void): () => void;

  /** Releases connections and handles. */
  close?(): Promise<void>;
}

/** Token usage plus cost: helper type for store implementers. */
export type { TokenUsage };
