import 'reflect-metadata';

export type {
  Message, SystemMessage, UserMessage, AssistantMessage, ToolMessage, ToolCall, TokenUsage, Usage,
  ContentPart, TextPart, ImagePart, FilePart, MessageContent, ReasoningPart, MediaDigest, RecordedContent,
} from './messages.js';
export { emptyUsage, addUsage, contentText, contentParts, hasMediaParts } from './messages.js';
export type { ModelAdapter, ModelRequest, ModelResponse, ModelStreamEvent, FinishReason, ToolSpec, OutputSpec, ModelCapabilities } from './model.js';
export { checkContent, checkSupported, base64Bytes, acceptsMediaType, isContentPartArray, normalizeContent, TEXT_ONLY, DEFAULT_MAX_PART_BYTES } from './content/validate.js';
export { DEFAULT_MAX_OUTPUT_REPAIRS } from './loop/structured-output.js';
export { digestBase64, digestPart, recordContent } from './content/digest.js';
export { extractBlobs, restoreBlobs, blobRefs, encodeWithBlobs, mayHoldBlobRefs, BLOB_MIN_CHARS } from './content/blobs.js';
export { defineTool, toJsonSchema, idempotencyKeyFor, DEFAULT_TOOL_TIMEOUT_MS, MAX_TOOL_NOTICES } from './tool.js';
export { withModelRetry, resolveRetryPolicy, parseRetryAfter, modelErrorCodeForStatus, modelHttpError, isRetryableModelCode, streamInterrupted, timeoutSignal, classifyModelFailure, modelAttempt } from './model/retry.js';
export type { RetryPolicy, ModelRetryInfo } from './model/retry.js';
export { streamWithRetry } from './model/stream-retry.js';
// Adapters resolve their declared capabilities with a user override through this.
export { resolveCapabilities } from './content/capabilities.js';
export { defineModelProvider, resolveModelString } from './model/model-provider.js';
export type { ModelProvider } from './model/model-provider.js';
export type { Tool, ToolDefinition, ToolContext, ToolProgress, ToolLogEntry, SideEffects, ApprovalRule } from './tool.js';
export { definePlugin, isPlugin } from './plugin.js';
export { importPlugin } from './runtime/plugin-loader.js';
export type { PluginSpec, PluginEntry } from './runtime/plugin-loader.js';
export type { Plugin } from './plugin.js';
export { TOKENS, resolve, resolveAll, resolveOptional } from './tokens.js';
export type { Token, Disposable } from './tokens.js';
export type { RunEvent, RunEventBase, RunEventType, GovernanceEvent, StoredRunEvent, RunEventInput, DistributiveOmit } from './events.js';
export { STOP_REASONS, statusForStop } from './result.js';
export type { RunResult, RunStatus, StopReason, PendingApproval, RunErrorInfo } from './result.js';
export { AgentrtError, ConfigError, ModelError, StoreError, RunError } from './errors/index.js';
export type { AgentrtErrorOptions, ModelErrorCode, StoreErrorCode } from './errors/index.js';
export type { RuntimeHooks, HookContext, ToolCallInfo, BeforeToolDecision, RunDriveInfo, ModelCallInfo, ToolExecutionInfo } from './hooks.js';
export { FullHistory } from './context-strategy.js';
export type { ContextStrategy, ContextPrepareContext, ContextState } from './context-strategy.js';
export type { StopPolicy, StopDecision, StopCheckContext, StopPhase } from './stop/stop-policy.js';
export { FinalAnswerStop, MaxStepsStop, MaxToolCallsStop, TimeoutStop, TokenBudgetStop, CostBudgetStop, builtInStopPolicies } from './stop/built-in.js';
export { DEFAULT_LIMITS, DEFAULT_PRICING, findPrice } from './limits.js';
export type { Limits, ResolvedLimits, ModelPrice, PricingTable, ToolPolicy, LoopDetectionOptions } from './limits.js';
export { KILL_ALL_SCOPE } from './store/state-store.js';
export type { StateStore, RunRecord, NewRunRecord, StepRecord, PendingStep, Lease, ToolLedgerEntry, KillFlag, WriteOptions } from './store/state-store.js';
export { MemoryStore } from './store/memory-store.js';
export { encodeStored, decodeStored, STORED_FORMAT_VERSION } from './store/codec.js';
export { Redactor, REDACTED } from './governance/redactor.js';
export type { RedactOptions } from './governance/redactor.js';
export { verifyAuditEvents } from './governance/audit.js';
export type { AuditVerification } from './governance/audit.js';
export { pairToolMessages, findPairingViolations } from './loop/transcript.js';
export type { PairingResult } from './loop/transcript.js';
export { canonicalJson, fingerprint } from './util/canonical-json.js';
export { delay } from './util/abort.js';
export { AgentRuntime } from './runtime/agent-runtime.js';
export type { RunOptions, ResumeOptions } from './runtime/agent-runtime.js';
export type { ApprovalDecision } from './loop/active-run.js';
export { createRuntime, createRuntimeAsync } from './runtime/create-runtime.js';
export type { CreateRuntimeOptions } from './runtime/create-runtime.js';
export type { RuntimeConfig, ResolvedRuntimeConfig } from './runtime/runtime-config.js';
