import type { NewRunRecord, SideEffects, StateStore, StepRecord, Usage } from '@agentrt/core';

/** What `StateStore.recordToolResult` takes. */
type ToolResultInput = Parameters<StateStore['recordToolResult']>[0];

const now = (): string => new Date().toISOString();

/**
 * Minimal records for tests that drive a `StateStore` directly, below the runtime: a new run, a
 * committed step of one `put` call, and that call's result. Every call makes fresh objects.
 *
 * @example
 * ```ts
 * const { run, step, toolResult, usage } = storeRecords;
 * await store.createRun(run('r1'));
 * await store.recordToolResult(toolResult('r1', 'c0', 0, 'idempotent'));
 * await store.commitStep({ runId: 'r1', step: step('r1', 0, 'c0'), events: [], usageDelta: usage });
 * ```
 */
export const storeRecords = {
  /** Usage of one step: one input and one output token, no cost. */
  usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 } as Usage,
  /** A new run with a one-message input. */
  run: (runId: string): NewRunRecord => ({ runId, input: [{ role: 'user', content: 'go' }], inputFingerprint: 'i', toolsFingerprint: 't', createdAt: now() }),
  /** Step `stepIndex`: one `put` call (`callId`) and its result `put <stepIndex>`. */
  step: (runId: string, stepIndex: number, callId: string): StepRecord => ({
    runId, stepIndex, usage: storeRecords.usage, toolCalls: 1, finishReason: 'tool_calls', startedAt: now(), endedAt: now(),
    messages: [
      { role: 'assistant', content: '', toolCalls: [{ id: callId, name: 'put', args: {} }] },
      { role: 'tool', toolCallId: callId, name: 'put', content: `put ${stepIndex}` },
    ],
  }),
  /** The completed result of that `put` call, as `recordToolResult` takes it. */
  toolResult: (runId: string, callId: string, stepIndex: number, sideEffects: SideEffects): ToolResultInput => ({
    runId, toolCallId: callId, stepIndex, name: 'put', argsFingerprint: 'fp', sideEffects, completedAt: now(),
    result: { role: 'tool', toolCallId: callId, name: 'put', content: `put ${stepIndex}` },
  }),
};
