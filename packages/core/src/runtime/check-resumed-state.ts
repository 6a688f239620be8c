import { StoreError } from '../errors/store-error.js';
import type { RunRecord, StepRecord } from '../store/state-store.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isContent = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every(isObject));

/** Why a stored message cannot be part of a transcript, or undefined when it can. */
function messageProblem(message: unknown): string | undefined {
  if (!isObject(message)) return 'a message is not an object';
  const role = message.role;
  if (typeof role !== 'string' || !ROLES.has(role)) return `a message has an unknown role ${JSON.stringify(String(role)).slice(0, 40)}`;
  if (role === 'system' && typeof message.content !== 'string') return 'a system message has no text content';
  if (role === 'user' && !isContent(message.content)) return 'a user message has malformed content';
  if (role === 'assistant') {
    if (message.content !== undefined && typeof message.content !== 'string') return 'an assistant message has malformed content';
    const calls = message.toolCalls;
    if (calls !== undefined && !(Array.isArray(calls) && calls.every((call) => isObject(call) && typeof call.id === 'string' && call.id !== '' && typeof call.name === 'string'))) {
      return 'an assistant message has malformed tool calls';
    }
    if (message.reasoning !== undefined && !(Array.isArray(message.reasoning) && message.reasoning.every(isObject))) return 'an assistant message has malformed reasoning';
  }
  if (role === 'tool' && !(typeof message.toolCallId === 'string' && message.toolCallId !== '' && typeof message.name === 'string' && isContent(message.content))) {
    return 'a tool message is malformed';
  }
  return undefined;
}

const usageOk = (usage: unknown) => isObject(usage) && ['inputTokens', 'outputTokens', 'costUsd'].every((key) => usage[key] === undefined || (typeof usage[key] === 'number' && Number.isFinite(usage[key]) && (usage[key] as number) >= 0));

/**
 * Checks the shapes a resume builds a run from — the run record's counters, input and pending
 * step, and every committed step — and throws `state_corrupt` naming the first problem. Records
 * that parse as JSON but hold the wrong types (a store edited by hand, a bad migration, a
 * different program writing the same keys) are reported, never half-used: without this a resume
 * failed with a bare `TypeError` from deep inside the loop (B-55).
 */
export function checkResumedState(record: RunRecord, steps: readonly StepRecord[]): void {
  const corrupt = (what: string) => new StoreError('state_corrupt', `run ${record.runId}: ${what}; the stored state is corrupt (restore it from a backup or start a new run)`);
  if (!Array.isArray(record.input)) throw corrupt('the input is not a list of messages');
  for (const message of record.input) {
    const problem = messageProblem(message);
    if (problem) throw corrupt(`input: ${problem}`);
  }
  if (!isCount(record.stepCount) || !isCount(record.toolCalls) || (record.toolCallsRefused !== undefined && !isCount(record.toolCallsRefused))) throw corrupt('its step or tool-call counters are not counts');
  if (!usageOk(record.usage)) throw corrupt('its usage totals are malformed');
  if (record.metadata !== undefined && !isObject(record.metadata)) throw corrupt('its metadata is not an object');
  if (record.pendingStep !== undefined && !isObject(record.pendingStep)) throw corrupt('its pending step is not an object');
  if (!Array.isArray(steps)) throw corrupt('the store returned no list of steps');
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index] as unknown;
    if (!isObject(step)) throw corrupt(`step ${index} is not an object`);
    if (step.stepIndex !== index) throw corrupt(`step ${index} records step index ${JSON.stringify(step.stepIndex)?.slice(0, 40)}`);
    if (!Array.isArray(step.messages) || step.messages.length === 0) throw corrupt(`step ${index} has no messages`);
    for (const message of step.messages) {
      const problem = messageProblem(message);
      if (problem) throw corrupt(`step ${index}: ${problem}`);
    }
    if (!usageOk(step.usage)) throw corrupt(`step ${index} has malformed usage`);
    if (!isCount(step.toolCalls) || (step.toolCallsRefused !== undefined && !isCount(step.toolCallsRefused))) throw corrupt(`step ${index} has malformed tool-call counts`);
    if (step.contextState !== undefined && !isObject(step.contextState)) throw corrupt(`step ${index} has malformed context state`);
    if (step.finalize !== undefined && !isObject(step.finalize)) throw corrupt(`step ${index} has a malformed finalize record`);
  }
}
