import type { Message, ToolMessage } from './messages.js';
import type { ModelRequest, ModelResponse } from './model.js';
import type { RunResult } from './result.js';
import type { StepRecord } from './store/state-store.js';
import type { AgentrtError } from './errors/agentrt-error.js';
import type { RunEvent } from './events.js';
import type { Redactor } from './governance/redactor.js';
import type { SideEffects } from './tool.js';

/** What every hook receives about the run. */
export interface HookContext {
  readonly runId: string;
  /** Index of the current step (the next one for `onRunStart`). */
  readonly stepIndex: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** True during the finalize call made after a limit stop (`limits.finalize`): a model call without tools, outside the step count. */
  readonly finalize?: boolean;
}

/** A tool call as `beforeTool` sees it: name and parsed, validated arguments. */
export interface ToolCallInfo {
  readonly toolCallId: string;
  readonly name: string;
  readonly args: unknown;
}

/**
 * What `wrapRun` sees about one drive of a run: a `run()`/`stream()` call, or one `resume()`
 * (a paused or crashed run is driven again, and wrapped again).
 */
export interface RunDriveInfo extends HookContext {
  /** True when this drive continues a run that was driven before (resume after a pause, a crash or a retryable error). */
  readonly resumed: boolean;
  /** The runtime's model adapter. */
  readonly model: { readonly provider: string; readonly model: string };
  /** The transcript so far: the run's input plus every committed step. Do not mutate. */
  readonly messages: readonly Message[];
  /** The runtime's redactor (`createRuntime({ redact })`): pass anything you export through it. */
  readonly redactor: Redactor;
  /**
   * Records a small JSON value for this run under `name` (`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`,
   * at most 16 KiB of JSON): a `run_annotated` audit event, redacted, persisted with the run's next
   * write. Later drives — in this process or another — read it back with `annotations()`.
   * Throws `AgentrtError('annotation_invalid')` for a bad name or value; made after the drive
   * ended, it is not recorded.
   */
  annotate(name: string, value: unknown): void;
  /**
   * The latest value of every name annotated for this run, in earlier drives and in this one.
   * On a resumed drive the first call reads the run's event log once; on a new run it reads nothing.
   */
  annotations(): Promise<ReadonlyMap<string, unknown>>;
}

/** What `wrapModelCall` sees about one model call. */
export interface ModelCallInfo {
  /** The request as sent (after `beforeModel` hooks and the pairing check). Do not mutate. */
  readonly request: ModelRequest;
  /** The adapter's provider and model id. */
  readonly provider: string;
  readonly model: string;
  /** True when the adapter's `stream()` is used. */
  readonly stream: boolean;
}

/** What `wrapToolCall` sees about one tool execution: the call with its final arguments, and the tool's declaration. */
export interface ToolExecutionInfo extends ToolCallInfo {
  readonly description: string;
  readonly sideEffects: SideEffects;
}

/** What `beforeTool` may return: deny the call, or replace its arguments (re-validated). */
export type BeforeToolDecision = { readonly deny: string } | { readonly args: unknown } | void | undefined;

/**
 * Lifecycle hooks. `on*` observe; `before*`/`after*` may intervene by returning a value;
 * `wrap*` surround an operation (a drive, a model call, a tool execution) so that it runs
 * inside whatever the hook sets up — typically an OpenTelemetry span's context.
 * A hook that throws ends the run with stop reason `error` (code `hook_failed`), recorded —
 * except `onError` and `onEvent`, whose failures are swallowed so they cannot loop.
 * Policy denials win over hooks: a hook cannot allow a denied tool.
 *
 * Guarantees (each drive: a `run()`/`stream()` call, or one `resume()`):
 * - `onRunStart` once per drive, first. `onRunEnd` once per terminal result, last, never for a
 *   pause (`awaiting_approval`); a resume that ends the run calls it then. The result it gets is
 *   the one returned and stored — unless an `onRunEnd` hook throws (the hooks before it saw the
 *   result that was due; the recorded result is `error`/`hook_failed`; `onRunEnd` is not called
 *   again) or is abandoned (below). A terminal write that fails (the store is unreachable) leaves
 *   the run resumable: the resume calls `onRunEnd` again with its own result.
 * - `onError` once per run that ends with `error` from an `AgentrtError` (a throwing hook
 *   anywhere, `onRunEnd` included, a model or store error), before `onRunEnd`. Not for other
 *   stops (`output_invalid`, limits, kills).
 * - `onStepStart` once per step started in the drive, `onStepEnd` once per committed step. A
 *   step resumed from its persisted decision (after a pause or a crash) gets `onStepStart` again
 *   in the resuming drive, but no model hooks (the model is not asked again). The finalize call
 *   (`limits.finalize`) is no step: it gets `beforeModel`/`wrapModelCall`/`afterModel` with
 *   `context.finalize: true`, no step hooks.
 * - `beforeModel` runs before the budget check: a call the budgets leave no room for is not
 *   made, so `beforeModel` is then not followed by `wrapModelCall`/`afterModel`; neither is it
 *   when the run is stopped during the call.
 * - `beforeTool` runs for each call that passed policy and validation (denied, unknown, invalid
 *   and over-the-cap calls get no tool hooks), in call order, before any call of the step runs.
 *   `afterTool` follows it at most once: exactly when the tool executed and its run was not
 *   stopped meanwhile (a thrown error or a tool timeout is a result and gets `afterTool`). A call
 *   `beforeTool` denied, one paused for approval, one answered by `dedupeIdenticalCalls`, or one
 *   a kill, cancellation or run timeout stopped (queued or running) gets none. A paused call gets
 *   `beforeTool` again when its run is resumed.
 * - When a hook of one of several parallel calls fails, no further call of the step starts and
 *   the calls already running are waited for: no tool hook runs after `onRunEnd`.
 * - A hook still pending when the run is killed, cancelled or times out is abandoned (not
 *   awaited any longer): the run ends with that stop — for a hook of the finalize call, when that
 *   call is cut. Hooks told about a stop (`onRunEnd` of a killed run, `onError`) still run, until
 *   a later stop or the run's deadline. A `wrapRun` hook that has not called `next()` is abandoned
 *   the same way (the drive never starts; a later `next()` rejects); one still running after the
 *   drive's outcome is waited for until the run's deadline (at least 1 s), then no longer.
 *   A kill from another process reaches a pending hook as fast as it reaches a call in flight:
 *   at once with a store that pushes kills, otherwise only while a model or tool call is in flight.
 * - Answers are checked: a `beforeModel` request without `messages`/`tools` arrays, an
 *   `afterModel` response that is not a valid `ModelResponse` (or whose fields throw when read)
 *   fail the run with `hook_failed`; an `afterTool` replacement keeps only the `ToolMessage`
 *   fields, for the call's own id and name (`isError` only as `true`, `code` only as a
 *   snake_case string), and content that is not a string or valid parts becomes an error result.
 *
 * Wrapping hooks must call `next()` exactly once and return (or await) its promise. They cannot
 * change what happens or its outcome: the runtime uses what `next()` produced whatever the hook
 * returns, a second `next()` call rejects, and a hook that returns without calling `next()` (or
 * throws before it) fails the run with `hook_failed` without the operation running. Several
 * wrapping hooks nest in registration order (the first registered is outermost). Without any
 * registered, the runtime calls the operation directly.
 */
export interface RuntimeHooks {
  onRunStart?(context: HookContext & { readonly messages: readonly Message[]; readonly resumed: boolean }): void | Promise<void>;
  onStepStart?(context: HookContext): void | Promise<void>;
  /**
   * May return a replacement request (messages or tools). The pairing check runs after it. Its
   * `messages` are read-only: a hook that edits them in place anyway is treated as if it had
   * returned them (paired again, budgeted and checked whole); the run's history is not changed.
   * Its assistant messages are deep-frozen (the copies the steps acted on and recorded): to change
   * one, return a request holding a message of your own.
   */
  beforeModel?(request: ModelRequest, context: HookContext): ModelRequest | void | Promise<ModelRequest | void>;
  /** May return a replacement response. */
  afterModel?(response: ModelResponse, context: HookContext): ModelResponse | void | Promise<ModelResponse | void>;
  /** May deny the call (`{ deny: reason }`) or rewrite its args (`{ args }`). */
  beforeTool?(call: ToolCallInfo, context: HookContext): BeforeToolDecision | Promise<BeforeToolDecision>;
  /** May return a replacement result. */
  afterTool?(result: ToolMessage, context: HookContext & { readonly call: ToolCallInfo }): ToolMessage | void | Promise<ToolMessage | void>;
  onStepEnd?(step: StepRecord, context: HookContext): void | Promise<void>;
  /** Runs before the terminal record is written; throwing turns the result into `error`. `output` is the parsed value for structured runs. */
  onRunEnd?(result: RunResult<unknown>, context: HookContext): void | Promise<void>;
  onError?(error: AgentrtError, context: HookContext): void | Promise<void>;
  /**
   * Observes every persisted event of every run as it is emitted — stamped and redacted, the
   * same events `runtime.stream()` yields, including those of runs finished without a drive (a
   * paused run killed). Synchronous and on the loop's path: keep it cheap. Failures are swallowed.
   */
  onEvent?(event: RunEvent): void;
  /**
   * Surrounds one drive of a run, from before `onRunStart` until its outcome is recorded (final,
   * paused, or not recorded when the lease was lost). `next()` resolves with that drive's
   * `RunResult`. A failure of this hook after `next()` was called is ignored: the outcome is
   * already recorded. The run's limits hold here too: until `next()` is called, a kill, a
   * cancellation or the run's deadline abandons the hook and becomes the recorded outcome (a
   * `next()` called afterwards rejects); after the outcome, `run()` waits for the hook until the
   * run's deadline (at least 1 s), then returns without it.
   */
  wrapRun?(info: RunDriveInfo, next: () => Promise<RunResult<unknown>>): unknown;
  /**
   * Surrounds one model call (all of its retries, which the adapter reports as `model_retry`
   * events). `next()` resolves with the adapter's response before `afterModel` hooks see it, or
   * rejects with the call's error (`ModelError`, or the run's abort reason).
   */
  wrapModelCall?(call: ModelCallInfo, context: HookContext, next: () => Promise<ModelResponse>): unknown;
  /**
   * Surrounds one tool execution (after policy, validation, `beforeTool` and approval; the tool's
   * `execute` runs inside it). `next()` resolves with the tool's result before `afterTool` hooks
   * see it (errors are results: `isError` and `code`), or `undefined` when the run was stopped
   * while the tool ran (the call then gets a synthetic `tool_cancelled`/`tool_timeout` result).
   * Calls that never execute (denied, rejected, replayed) are not wrapped; `onEvent` sees them.
   */
  wrapToolCall?(call: ToolExecutionInfo, context: HookContext, next: () => Promise<ToolMessage | undefined>): unknown;
}
