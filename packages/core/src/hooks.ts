import type { Message, ToolMessage } from './messages.js';
import type { ModelRequest, ModelResponse } from './model.js';
import type { RunResult } from './result.js';
import type { StepRecord } from './store/state-store.js';
import type { AgentrtError } from './errors/agentrt-error.js';

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

/** What `beforeTool` may return: deny the call, or replace its arguments (re-validated). */
export type BeforeToolDecision = { readonly deny: string } | { readonly args: unknown } | void | undefined;

/**
 * Lifecycle hooks. `on*` observe; `before*`/`after*` may intervene by returning a value.
 * A hook that throws ends the run with stop reason `error` (code `hook_failed`), recorded —
 * except `onError`, whose failures are swallowed so error handling cannot loop.
 * Policy denials win over hooks: a hook cannot allow a denied tool.
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
}
