/**
 * Attribute, span-event and metric names this package emits: the OpenTelemetry GenAI semantic
 * conventions (`gen_ai.*`, `error.type`) plus agentrt's own (`agentrt.*`).
 */
export const ATTR = {
  // OpenTelemetry GenAI semantic conventions (status: Development).
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestStream: 'gen_ai.request.stream',
  outputType: 'gen_ai.output.type',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  tokenType: 'gen_ai.token.type',
  conversationId: 'gen_ai.conversation.id',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  agentDescription: 'gen_ai.agent.description',
  agentVersion: 'gen_ai.agent.version',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolDescription: 'gen_ai.tool.description',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  // agentrt's own.
  runId: 'agentrt.run.id',
  runResumed: 'agentrt.run.resumed',
  runStatus: 'agentrt.run.status',
  runSteps: 'agentrt.run.steps',
  runToolCalls: 'agentrt.run.tool_calls',
  runCostUsd: 'agentrt.run.cost_usd',
  stopReason: 'agentrt.stop_reason',
  stepIndex: 'agentrt.step.index',
  toolSideEffects: 'agentrt.tool.side_effects',
  toolOutcome: 'agentrt.tool.outcome',
  modelRetries: 'agentrt.model.retries',
  retryAttempt: 'agentrt.retry.attempt',
  retryDelayMs: 'agentrt.retry.delay_ms',
  approvalDecision: 'agentrt.approval.decision',
  approvalToolCallIds: 'agentrt.approval.tool_call_ids',
  approvalCount: 'agentrt.approval.count',
  linkType: 'agentrt.link.type',
} as const;

/** Span events agentrt adds. */
export const EVENT = {
  modelRetry: 'agentrt.model.retry',
  approvalRequested: 'agentrt.approval.requested',
  approvalDecided: 'agentrt.approval.decided',
  lateResultDiscarded: 'agentrt.tool.late_result_discarded',
} as const;

/** Metric instruments. */
export const METRIC = {
  tokenUsage: 'gen_ai.client.token.usage',
  operationDuration: 'gen_ai.client.operation.duration',
  invokeAgentDuration: 'gen_ai.invoke_agent.duration',
  executeToolDuration: 'gen_ai.execute_tool.duration',
  runStops: 'agentrt.run.stops',
  cost: 'agentrt.usage.cost',
} as const;

/** Explicit bucket boundaries the conventions advise. */
export const BUCKETS = {
  tokens: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  operationSeconds: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  agentSeconds: [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6],
} as const;

/** Names of the run annotations that carry drive span contexts across processes. */
export const ANNOTATION = {
  origin: 'agentrt.otel.origin',
  drive: 'agentrt.otel.drive',
} as const;
