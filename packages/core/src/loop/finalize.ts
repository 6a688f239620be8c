import { checkSupported } from '../content/validate.js';
import { AgentrtError } from '../errors/agentrt-error.js';
import type { HookContext } from '../hooks.js';
import type { ResolvedFinalize } from '../limits.js';
import { addUsage, emptyUsage, type AssistantMessage, type ContentPart, type Message, type MessageContent } from '../messages.js';
import type { ModelRequest, ModelResponse } from '../model.js';
import type { ModelRetryInfo } from '../model/retry.js';
import type { StopReason } from '../result.js';
import type { StepRecord } from '../store/state-store.js';
import { raceAbort, RunAbort } from '../util/abort.js';
import { headOf } from '../util/text-cut.js';
import { monotonicMs, nowIso } from '../util/time.js';
import type { ActiveRun, RunDeps } from './active-run.js';
import { budgetForCall } from './budget.js';
import { auditedMessage, contextFor, minDefined, validateResponse, wrappedModelCall } from './decide.js';
import { callHook } from './hook-runner.js';
import { hookRequest, hookResponse } from './hook-answers.js';
import { checkAnswer, type OutputMode } from './structured-output.js';

/** Stops that get a finalize call when `limits.finalize` is on. Kills, cancellations, errors, policy violations and pauses never do. */
export const FINALIZE_REASONS: ReadonlySet<StopReason> = new Set<StopReason>(['max_steps', 'max_tool_calls', 'timeout', 'token_budget', 'cost_budget', 'loop_detected']);

/** A stop as the loop holds it. */
export interface FinalizeStop {
  readonly reason: StopReason;
  readonly detail?: string;
}

/** Whether this stop gets a finalize call: the option is on, the reason is a limit, and the run has no finalize record yet. */
export function wantsFinalize(deps: RunDeps, run: ActiveRun, stop: FinalizeStop): boolean {
  return deps.config.limits.finalize !== false && FINALIZE_REASONS.has(stop.reason) && !run.finalizeStep;
}

const MAX_ARGS_CHARS = 2_000;
// Cut by `headOf`: the finalize request must not carry a lone surrogate half (providers refuse it).
const clip = (text: string, max: number) => (text.length > max ? `${headOf(text, max)}… (${text.length - max} more characters)` : text);

/** The instruction of the finalize call: the configured text, plus the output schema for a structured run. */
export function finalizeInstruction(options: ResolvedFinalize, output: OutputMode | undefined): string {
  if (!output) return options.instruction;
  return `${options.instruction}\nAnswer with only a JSON object matching the output schema "${output.spec.name}" (no prose, no code fence): ${clip(JSON.stringify(output.spec.schema), 4_000)}`;
}

/**
 * A transcript as plain text turns: a tool call becomes a line of its assistant turn, results
 * become user turns, reasoning is left out, and consecutive user turns are merged. The finalize
 * call has no tools, and some providers (Anthropic, Bedrock) refuse tool-call blocks in a
 * request that defines no tools.
 */
export function textTranscript(messages: readonly Message[]): Message[] {
  const out: Message[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        out.push(message);
        break;
      case 'user':
        appendUser(out, message.content);
        break;
      case 'assistant': {
        const lines = message.content ? [message.content] : [];
        for (const call of message.toolCalls ?? []) {
          const args = typeof call.args === 'string' ? call.args : safeJson(call.args);
          lines.push(`[called tool ${call.name} with ${clip(args, MAX_ARGS_CHARS)}]`);
        }
        if (lines.length > 0) out.push({ role: 'assistant', content: lines.join('\n') });
        break;
      }
      case 'tool': {
        const head = `[result of tool ${message.name}${message.isError ? ` (error${message.code ? ` ${message.code}` : ''})` : ''}]`;
        appendUser(out, typeof message.content === 'string' ? `${head}\n${message.content}` : [{ type: 'text', text: head }, ...message.content]);
        break;
      }
    }
  }
  return out;
}

/** The finalize call's transcript: `textTranscript` with the instruction appended to its last user turn. */
export function finalizeTranscript(messages: readonly Message[], instruction: string): Message[] {
  const out = textTranscript(messages);
  appendUser(out, instruction);
  return out;
}

/** Appends user content, merging it into a user turn that ends the transcript. */
function appendUser(out: Message[], content: MessageContent): void {
  const last = out[out.length - 1];
  if (last?.role === 'user') out[out.length - 1] = { role: 'user', content: joinContent(last.content, content) };
  else out.push({ role: 'user', content });
}

function joinContent(a: MessageContent, b: MessageContent): MessageContent {
  if (typeof a === 'string' && typeof b === 'string') return `${a}\n\n${b}`;
  const parts = (content: MessageContent): ContentPart[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : [...content]);
  return [...parts(a), ...parts(b)];
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? {}) ?? '';
  } catch {
    return String(value);
  }
}

/**
 * The finalize call after a limit stop: one model call without tools over the transcript so far,
 * asking for the best answer. The answer is committed as the run's last record (a `StepRecord`
 * with `finalize`), so its usage is in the totals and a resume never asks twice. Never throws:
 * a failure (no room left, a kill, its grace deadline, a model error, an empty or invalid
 * answer) is a `finalize_failed` audit event, and the run ends with its stop all the same.
 */
export async function finalize(deps: RunDeps, run: ActiveRun, stop: FinalizeStop, stream: boolean): Promise<void> {
  const options = deps.config.limits.finalize as ResolvedFinalize;
  const stepIndex = run.steps;
  const fail = (code: string, message: string) => {
    run.log.emit({ type: 'finalize_failed', stepIndex, stopReason: stop.reason, code, message: deps.config.redactor.text(message) });
  };
  if (!run.limitAudited) {
    run.log.emit({ type: 'limit_reached', stopReason: stop.reason, detail: stop.detail ?? stop.reason });
    run.limitAudited = true;
  }
  // A kill or a cancellation that came first wins over the finalize; a timeout is what it answers.
  const abort = run.abort;
  if (abort && abort.kind !== 'timeout') return fail(abort.kind, `the run was ${abort.kind} before its finalize call: ${abort.detail}`);
  try {
    const flag = await deps.store.getKillFlag(run.runId);
    if (flag) return fail('killed', `the run was killed before its finalize call: ${flag.reason}`);
  } catch (error) {
    return fail(AgentrtError.isInstance(error) ? error.code : 'store_unavailable', `the kill switch could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }

  const controller = new AbortController();
  run.finalizeController = controller;
  const graceEnds = Date.now() + options.graceMs;
  // Held (not unref'd) like the run's deadline: a finalize call that never settles must still end.
  const timer = setTimeout(() => controller.abort(new RunAbort('timeout', `the finalize call exceeded its grace of ${options.graceMs} ms`)), options.graceMs);
  const hookContext: HookContext = { runId: run.runId, stepIndex, metadata: run.metadata, finalize: true };
  const stepUsage = emptyUsage();
  const startedAt = nowIso();
  const startedMono = monotonicMs();
  try {
    run.log.emit({ type: 'step_started', stepIndex, finalize: true });
    const snapshot = run.history.slice();
    // The strategy's own model calls (a summary) share the grace; a strategy that never settles cannot hold the finalize past it.
    const preparing = deps.context.prepare(snapshot, { ...contextFor(deps, run, stepIndex, stepUsage, controller.signal, true), deadline: graceEnds });
    const prepared = await raceAbort(Promise.resolve(preparing), controller.signal);
    const instruction = finalizeInstruction(options, run.output);
    const onRetry = (info: ModelRetryInfo) => run.log.emit({ type: 'model_retry', stepIndex, code: info.code, attempt: info.attempt, delayMs: info.delayMs });
    // The grace is this call's deadline (the run's own timeout does not abort it).
    const fixed = { tools: [], signal: controller.signal, deadline: graceEnds, onRetry } as const;
    let request: ModelRequest = { messages: finalizeTranscript(prepared, instruction), ...fixed, maxOutputTokens: options.maxOutputTokens, ...(run.output ? { output: run.output.spec } : {}) };
    for (const hook of deps.hooks) {
      const replaced = await callHook('beforeModel', () => hook.beforeModel?.(request, hookContext), run, controller.signal);
      // Tools stay off, and the cap can only go down, whatever a hook returns.
      if (replaced) {
        const checked = hookRequest(replaced, fixed);
        request = { ...checked, maxOutputTokens: minDefined(checked.maxOutputTokens, options.maxOutputTokens)! };
      }
    }
    // A hook may also have written into the request it was given (its tools, signal, deadline, cap).
    if (deps.hooks.length > 0) request = { ...request, tools: [], signal: fixed.signal, deadline: fixed.deadline, onRetry: fixed.onRetry, maxOutputTokens: cappedTokens(request.maxOutputTokens, options.maxOutputTokens) };
    // A hook may hand back tool traffic: it goes out as text too.
    if (request.messages.some((message) => message.role === 'tool' || (message.role === 'assistant' && (message.toolCalls?.length || message.reasoning?.length)))) {
      request = { ...request, messages: textTranscript(request.messages) };
    }
    const unsupported = checkSupported(request.messages, deps.model);
    if (unsupported) throw unsupported;
    const budget = budgetForCall(deps, run, request, { reserveFinalize: false });
    if (budget.stop) return fail(budget.stop.reason, `no room was left for the finalize call: ${budget.stop.detail}`);
    const maxOutputTokens = minDefined(request.maxOutputTokens, budget.maxOutputTokens)!;
    request = { ...request, maxOutputTokens };
    run.log.emit({ type: 'model_request', stepIndex, messageCount: request.messages.length, historyMessages: snapshot.length, repairedPairs: 0, tools: [], attempt: 1, finalize: true, maxOutputTokens });
    let response: ModelResponse = validateResponse(await wrappedModelCall(deps, run, request, stepIndex, hookContext, stream));
    addUsage(stepUsage, run.addModelUsage(response.usage, deps.config));
    for (const hook of deps.hooks) {
      const replaced = await callHook('afterModel', () => hook.afterModel?.(response, hookContext), run, controller.signal);
      if (replaced) response = hookResponse(replaced, response.usage);
    }
    run.log.emit({ type: 'model_response', stepIndex, message: auditedMessage(response.message), usage: response.usage, finishReason: response.finishReason, finalize: true });
    // Tools were off: tool calls in the answer (a model that ignores that) are dropped, nothing could run them.
    const reasoning = response.message.reasoning;
    const message: AssistantMessage = { role: 'assistant', content: response.message.content, ...(reasoning?.length ? { reasoning } : {}) };
    let accepted: { readonly value?: unknown } | undefined;
    if (!message.content.trim()) fail('model_output_invalid', 'the finalize answer was empty');
    else if (!run.output) accepted = {};
    else {
      const verdict = await checkAnswer(message.content, run.output.schema);
      if (verdict.ok) accepted = { value: verdict.value };
      else fail('output_invalid', `the finalize answer does not match the output schema "${run.output.spec.name}": ${verdict.problems.join('; ')}`);
    }
    // Recorded even when not accepted: its tokens were spent, and a resume must not ask again.
    await commitFinalize(deps, run, { stepIndex, message, usage: stepUsage, finishReason: response.finishReason, startedAt, startedMono, stop });
    if (accepted) {
      run.finalizeOk = true;
      if (run.output) run.parsedOutput = { value: accepted.value };
    }
  } catch (error) {
    const code = error instanceof RunAbort ? error.kind : AgentrtError.isInstance(error) ? error.code : 'internal_error';
    fail(code, error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
    run.finalizeController = undefined;
  }
}

async function commitFinalize(
  deps: RunDeps,
  run: ActiveRun,
  input: { stepIndex: number; message: AssistantMessage; usage: StepRecord['usage']; finishReason: StepRecord['finishReason']; startedAt: string; startedMono: number; stop: FinalizeStop },
): Promise<void> {
  const step: StepRecord = {
    runId: run.runId,
    stepIndex: input.stepIndex,
    messages: [input.message],
    usage: input.usage,
    toolCalls: 0,
    toolCallsRefused: 0,
    finishReason: input.finishReason,
    startedAt: input.startedAt,
    endedAt: nowIso(),
    finalize: { stopReason: input.stop.reason, ...(input.stop.detail ? { stopDetail: input.stop.detail } : {}) },
    ...(run.contextStateDirty ? { contextState: { ...run.contextState } } : {}),
  };
  run.contextStateDirty = false;
  run.log.emit({ type: 'step_finished', stepIndex: step.stepIndex, usage: step.usage, toolCalls: 0, toolCallsRefused: 0, durationMs: Math.max(0, Math.round(monotonicMs() - input.startedMono)), finalize: true });
  const events = run.log.unwritten;
  await deps.store.commitStep({ runId: run.runId, step, events, usageDelta: step.usage, lease: run.lease });
  run.log.markWritten(events.length);
  run.pushHistory(step.messages);
  addUsage(run.committedUsage, step.usage);
  run.finalizeStep = step;
}

/** Whether a committed finalize answer is accepted (on resume): non-empty, and valid for a structured run. */
export async function acceptFinalizeStep(run: ActiveRun): Promise<void> {
  const message = run.finalizeStep?.messages[0];
  if (!message || message.role !== 'assistant' || !message.content.trim()) return;
  if (!run.output) {
    run.finalizeOk = true;
    return;
  }
  const verdict = await checkAnswer(message.content, run.output.schema);
  if (verdict.ok) {
    run.finalizeOk = true;
    run.parsedOutput = { value: verdict.value };
  }
}

/** A hook's output cap where it is a whole number below the finalize cap, otherwise the cap. */
function cappedTokens(given: unknown, cap: number): number {
  return Number.isInteger(given) && (given as number) >= 1 && (given as number) < cap ? (given as number) : cap;
}
