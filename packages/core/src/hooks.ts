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
  /** May return a replacement request (messages or tools). The pairing check runs after it. */
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
   * already recorded.
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
