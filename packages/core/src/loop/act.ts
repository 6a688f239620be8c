import { types } from 'node:util';
import { AgentrtError } from '../errors/agentrt-error.js';
import { RunError } from '../errors/run-error.js';
import { RunAbort } from '../util/abort.js';
import type { HookContext, ToolCallInfo } from '../hooks.js';
import { contentText, type ToolCall, type ToolMessage } from '../messages.js';
import { recordContent } from '../content/digest.js';
import type { PendingApproval, StopReason } from '../result.js';
import type { FinishReason } from '../model.js';
import type { KillFlag, PendingStep, ToolLedgerEntry } from '../store/state-store.js';
import { directExecuteOf, idempotencyKeyFor, MAX_TOOL_NOTICES, type Tool, type ToolContext, type ToolLogEntry, type ToolProgress } from '../tool.js';
import { canonicalJson, fingerprint, sha256 } from '../util/canonical-json.js';
import { monotonicMs, nowIso, timerMs } from '../util/time.js';
import type { ActiveRun, RunDeps } from './active-run.js';
import { callHook, callWrapped, hooksWith, isPromise } from './hook-runner.js';
import { loopKeyArgs, parseToolArgs, validateToolArgs, type ArgsOutcome } from './tool-args.js';
import { checkContent, normalizeContent } from '../content/validate.js';
import { describeThrown, redactAndCap, redactedHead, toolOutputContent } from './tool-output.js';
import { capToolMessage } from './output-cap.js';
import { needsDurableDecision } from './decide.js';
import { readKillFlag } from '../store/memory-store.js';
import { ReturnsTarget } from '../util/returns-target.js';

/** What the Act phase produced. */
export interface ActOutcome {
  /** One result per call, in call order (synthetic results for calls that did not run). */
  readonly results: ToolMessage[];
  /** Calls of this step within `maxToolCalls` (executed, or answered by policy, validation or the run stopping). */
  readonly toolCalls: number;
  /** Calls of this step over `maxToolCalls`: not executed, answered with a synthetic `tool_denied` result. */
  readonly toolCallsRefused: number;
  /** Calls waiting for approval; when non-empty the step is not committed. */
  readonly pending: readonly PendingApproval[];
  /** A stop decided while acting (`loop_detected`, `policy_violation`). */
  readonly stop?: { reason: StopReason; detail: string };
  /** An error that interrupted acting (a throwing hook, a store failure); the step is still committed, then the run ends with it. */
  readonly error?: unknown;
}

interface Executable {
  readonly index: number;
  readonly call: ToolCall;
  readonly tool: Tool;
  readonly args: unknown;
  /** Fingerprint of the model's args: what the ledger binds the call id to. */
  readonly argsFingerprint: string;
  /** The tool's `execute` was called (set by `runTool`): after a failure, the call is never labelled "not run". */
  ran: boolean;
  /** The tool's answer inside `wrapToolCall` hooks (set when it settles): what a wrapper failing after it leaves. */
  answered: ToolMessage | undefined;
  /** The honest result of a call that started before the run failed (see `failedWhileRunning`); unset otherwise. */
  afterFailure: ToolMessage | undefined;
}

/** The `pending` of an outcome without calls awaiting approval (never written to). */
const NO_PENDING: readonly PendingApproval[] = Object.freeze([]);

/** The ledger of a step acted on for the first time: nothing recorded (never written to). */
const NO_LEDGER: ReadonlyMap<string, ToolLedgerEntry> = new Map();

const errorResult = (call: ToolCall, code: string, text: string): ToolMessage => ({
  role: 'tool', toolCallId: call.id, name: call.name, content: `${code}: ${text}`, isError: true, code,
});

/**
 * One step's acting: what `act`, the per-call planning and the continuation after a wait share
 * (one object per step instead of an async frame: the common step never suspends in `act`).
 */
interface ActState extends ActScope {
  readonly calls: readonly ToolCall[];
  readonly finishReason: FinishReason;
  /** Calls of this step within `maxToolCalls`; the rest are refused. */
  readonly admitted: number;
  readonly refused: number;
  /** The fingerprint binds ledger entries and approvals to the args: computed only when something binds to it. */
  readonly needsFingerprint: boolean;
  /** Read by hooks only: none made for a runtime without hooks. */
  readonly hookContext: HookContext | undefined;
  /** Only a decision read back from the store (after a pause or a crash) can have recorded calls. */
  ledger: ReadonlyMap<string, ToolLedgerEntry>;
  // Made on first use (none for the common step): calls awaiting approval, and calls to execute
  // (the first one alone, the array only from a second one on).
  pending: PendingApproval[] | undefined;
  firstJob: Executable | undefined;
  executables: Executable[] | undefined;
  /** dedupeIdenticalCalls: the first of identical calls planned in this step, and the later ones. */
  plannedKeys: Map<string, number> | undefined;
  duplicates: { index: number; call: ToolCall; of: number; argsFingerprint: string; sideEffects: Tool['sideEffects'] }[] | undefined;
  stop: ActOutcome['stop'];
  failure: unknown;
}

/**
 * Runs the tool calls of one decision: counts them, replays recorded results, applies
 * policy, validation, loop detection, hooks and approvals, then executes what may run
 * (bounded concurrency, per-call timeout, abort) and records each result in the ledger.
 * Synchronous when nothing needs waiting for (no ledger to read, no hooks, no durable
 * decision, calls answered at once: the common step); otherwise a promise.
 */
export function act(deps: RunDeps, run: ActiveRun, decision: PendingStep, options: { fromStore: boolean }): ActOutcome | Promise<ActOutcome> {
  const calls = decision.message.toolCalls ?? [];
  const stepIndex = decision.stepIndex;
  const { config } = deps;
  // Calls are admitted in call order while the run's count stays within the cap; the rest are
  // refused. Positional, so a step acted on again after a pause or a crash counts the same way.
  const admitted = Math.min(calls.length, Math.max(0, config.limits.maxToolCalls - run.toolCalls));
  const refused = calls.length - admitted;
  run.toolCalls += admitted;
  run.toolCallsRefused += refused;
  if (refused > 0) run.toolCallCapExceeded = true;
  // Per-call results are recorded only when the decision itself is durable; otherwise a crash re-decides the step.
  const durable = needsDurableDecision(deps, decision.message);
  const s: ActState = {
    deps, run, stepIndex, results: new Array(calls.length), durable, calls, finishReason: decision.finishReason, admitted, refused,
    needsFingerprint: durable || options.fromStore || run.approvals.size > 0,
    hookContext: deps.hooks.length > 0 ? { runId: run.runId, stepIndex, metadata: run.metadata } : undefined,
    ledger: NO_LEDGER, pending: undefined, firstJob: undefined, executables: undefined, plannedKeys: undefined, duplicates: undefined, stop: undefined, failure: undefined,
  };
  return options.fromStore ? actOnStored(s) : actNow(s);
}

/** A decision read back from the store: its recorded calls are loaded first. */
async function actOnStored(s: ActState): Promise<ActOutcome> {
  const loaded = new Map<string, ToolLedgerEntry>();
  for (const entry of await s.deps.store.getToolLedger(s.run.runId, { stepIndex: s.stepIndex })) loaded.set(entry.toolCallId, entry);
  s.ledger = loaded;
  return actLater(s, undefined, 0);
}

/** `act` without waiting, until something must be waited for (the rest then continues in `actLater`). */
function actNow(s: ActState): ActOutcome | Promise<ActOutcome> {
  try {
    for (let index = 0; index < s.calls.length; index++) {
      const waiting = planCall(s, index);
      if (waiting) return actLater(s, waiting, index + 1);
    }
    const job = s.firstJob;
    if (job !== undefined && s.executables === undefined && s.duplicates === undefined) {
      // One call (the common step): no lanes to set up. A call that settled at once is not awaited.
      const answer = execute(s.deps, s.run, job, s.stepIndex, s.hookContext, s.durable);
      if (isPromise(answer)) return actAnswered(s, job, answer);
      s.results[job.index] = answer;
    } else if (job !== undefined || s.duplicates !== undefined) {
      return actLater(s, undefined, s.calls.length);
    }
  } catch (error) {
    caught(s, error);
  }
  return outcomeOf(s);
}

/** The one call's answer still to come. */
async function actAnswered(s: ActState, job: Executable, answer: Promise<ToolMessage | undefined>): Promise<ActOutcome> {
  try {
    s.results[job.index] = await answer;
  } catch (error) {
    caught(s, error);
  }
  return outcomeOf(s);
}

/** The rest of `act` after `waiting` (a record, a hook): planning from call `next` on, then execution. */
async function actLater(s: ActState, waiting: Promise<unknown> | undefined, next: number): Promise<ActOutcome> {
  try {
    if (waiting) await waiting;
    for (let index = next; index < s.calls.length; index++) {
      const planned = planCall(s, index);
      if (planned) await planned;
    }
    const { deps, run, stepIndex, hookContext, durable } = s;
    if (s.firstJob !== undefined && s.executables === undefined) {
      // One call: no lanes to set up.
      const job = s.firstJob;
      const answer = execute(deps, run, job, stepIndex, hookContext, durable);
      s.results[job.index] = isPromise(answer) ? await answer : answer;
    } else if (s.executables !== undefined) {
      run.allowManyListeners();
      await executeAll(deps, run, s.executables, s.results, stepIndex, hookContext, durable);
    }
    if (s.duplicates) {
      for (const copy of s.duplicates) {
        const source = s.results[copy.of];
        // Not run (the run stopped): filled like any unrun call below.
        if (!source) continue;
        const recording = reuseResult(s, copy.index, copy.call, source, copy.argsFingerprint, copy.sideEffects);
        if (recording) await recording;
      }
    }
  } catch (error) {
    caught(s, error);
  }
  return outcomeOf(s);
}

/** A failure while acting: kept for the outcome (see `ActOutcome.error`). */
function caught(s: ActState, error: unknown): void {
  // Calls not planned yet were counted up front, so the committed step and the result agree (I5).
  // A hook abandoned because the run was stopped is no failure: the step ends as the stop leaves it.
  if (!(error instanceof RunAbort && s.run.aborted)) s.failure = error;
  // A call that started before the failure keeps an honest result (what it answered, or that it
  // ran and its answer was not kept, or that its outcome is unknown), never "not run".
  for (const job of s.executables ?? (s.firstJob ? [s.firstJob] : [])) if (job.afterFailure && !s.results[job.index]) s.results[job.index] = job.afterFailure;
}

/** What acting produced: calls without a result (not run: the run stopped or failed) get a synthetic one, in place. */
function outcomeOf(s: ActState): ActOutcome {
  const { run, calls, results, failure, stop } = s;
  if (failure === undefined && s.pending !== undefined && !run.aborted) return { results: [], toolCalls: s.admitted, toolCallsRefused: s.refused, pending: s.pending, ...(stop ? { stop } : {}) };
  let notRun: string | undefined;
  for (let index = 0; index < calls.length; index++) {
    if (results[index] !== undefined) continue;
    const abortCode = run.abort?.kind === 'timeout' ? 'tool_timeout' : 'tool_cancelled';
    notRun ??= `not run: ${failure !== undefined ? 'the run failed' : `the run stopped (${run.abort?.kind ?? 'stopped'})`}`;
    results[index] = errorResult(calls[index]!, abortCode, notRun);
  }
  const outcome: { -readonly [K in keyof ActOutcome]: ActOutcome[K] } = { results: results as ToolMessage[], toolCalls: s.admitted, toolCallsRefused: s.refused, pending: NO_PENDING };
  if (stop) outcome.stop = stop;
  if (failure !== undefined) outcome.error = failure;
  return outcome;
}

/**
 * Plans call `index`: replayed, refused, answered without running, awaiting approval, a copy of
 * an identical call, or a job to execute. Undefined when that is done; a promise when something
 * must be waited for first (a ledger record of a durable decision, `beforeTool` hooks), which the
 * next call's planning waits for.
 */
function planCall(s: ActState, index: number): Promise<unknown> | undefined {
  const { deps, run, stepIndex } = s;
  const { config, gate } = deps;
  const call = s.calls[index]!;
  run.seenCallIds.add(call.id);
  const overCap = index >= s.admitted;
  const parsed = parseToolArgs(call.args, s.finishReason);
  // The fingerprint binds ledger entries and approvals to the args; without a durable decision, a
  // recorded ledger (a resumed step) or approvals there is nothing to bind, and nothing reads it.
  const argsFingerprint = s.needsFingerprint ? sha256(canonicalJson(parsed.ok ? parsed.args : call.args)) : '';
  // Keyed on the validated arguments: `{a,b}`, `{b,a}` and `{a,b,extra}` (stripped by the schema) are one call.
  const early = parsed.ok && config.loopDetection ? loopKeyArgs(gate, call.name, parsed.args) : undefined;
  const repeats = early ? run.loopDetector.observe(call.name, early.canonical) : 0;
  const callsOfTool = run.callsPerTool.get(call.name) ?? 0;
  run.callsPerTool.set(call.name, callsOfTool + 1);

  const recorded = s.ledger.get(call.id);
  if (recorded?.status === 'completed' && recorded.result) {
    if (recorded.argsFingerprint !== argsFingerprint) {
      throw new RunError('resume_mismatch', `tool call "${call.id}" was recorded with different arguments`);
    }
    // A result recorded before a lower cap (or by an older version) is capped on replay too.
    const replayed = capToolMessage(recorded.result, config.limits.maxToolOutputChars);
    s.results[index] = replayed;
    run.log.emit({ type: 'tool_finished', stepIndex, toolCallId: call.id, name: call.name, isError: replayed.isError ?? false, ...(replayed.code ? { code: replayed.code } : {}), content: recordContent(replayed.content), durationMs: 0, replayed: true });
    if (recorded.result.code === 'loop_detected') s.stop = { reason: 'loop_detected', detail: `"${call.name}" repeated with identical arguments` };
    // A replayed refusal over the cap is max_tool_calls, not a policy violation.
    if (recorded.result.code === 'tool_denied' && !overCap && config.toolPolicy.onViolation === 'stop') s.stop ??= { reason: 'policy_violation', detail: contentText(recorded.result.content) };
    // A step resumed after a crash: a later identical call of this step (its copy, not recorded yet)
    // takes this recorded result, as it would have before the crash, instead of running under its own key.
    // (Refusals and warnings carry a code: they never ran, so nothing copies them.)
    if (config.dedupeIdenticalCalls && parsed.ok && !recorded.result.code) {
      const tool = gate.find(call.name);
      const checked = tool && tool.sideEffects !== 'non-idempotent' ? validateToolArgs(tool.input, parsed.args) : undefined;
      if (checked?.ok) (s.plannedKeys ??= new Map()).set(dedupeKey(call.name, checked.args), index);
    }
    return undefined;
  }
  if (overCap) return rejectCall(s, index, call, 'tool_denied', `max_tool_calls reached: this run may make at most ${config.limits.maxToolCalls} tool calls`, argsFingerprint);
  const gated = gate.check(call.name, callsOfTool);
  if ('code' in gated) {
    const recording = rejectCall(s, index, call, gated.code, gated.reason, argsFingerprint);
    if (gated.code !== 'tool_denied' || config.toolPolicy.onViolation !== 'stop') return recording;
    return stopOnceRecorded(s, recording, { reason: 'policy_violation', detail: gated.reason });
  }
  const tool = gated.tool;
  if (!parsed.ok) return rejectCall(s, index, call, 'tool_args_invalid', `${parsed.reason}: ${parsed.message}`, argsFingerprint);
  const checked = early?.checked ?? validateToolArgs(tool.input, parsed.args);
  if (!checked.ok) return rejectCall(s, index, call, 'tool_args_invalid', `${checked.reason}: ${checked.message}`, argsFingerprint);
  if (config.loopDetection && repeats > config.loopDetection.threshold) {
    const recording = rejectCall(s, index, call, 'loop_detected', `"${call.name}" was called with identical arguments ${repeats} times in a row; the run stops`, argsFingerprint);
    return stopOnceRecorded(s, recording, { reason: 'loop_detected', detail: `"${call.name}" called ${repeats} times in a row with identical arguments` });
  }
  if (config.loopDetection && repeats === config.loopDetection.threshold) {
    s.results[index] = errorResult(call, 'loop_warning', `"${call.name}" was called with identical arguments ${repeats} times in a row and was not run again; change your approach or answer. One more identical call stops the run.`);
    run.log.emit({ type: 'loop_warning', stepIndex, toolCallId: call.id, name: call.name, repeats });
    return recordResult(s, call, s.results[index]!, argsFingerprint, 'none');
  }
  if (recorded?.status === 'started' && tool.sideEffects === 'non-idempotent') {
    const given = run.approvals.get(call.id);
    const decided = given?.argsFingerprint === argsFingerprint ? given.decision : undefined;
    if (config.onUnknownOutcome === 'ask' && decided !== 'approve') {
      if (decided === 'deny') return rejectCall(s, index, call, 'tool_denied', `re-running after an unknown outcome was denied by the approver${reasonOf(run, call.id)}`, argsFingerprint);
      (s.pending ??= []).push({ toolCallId: call.id, tool: call.name, args: checked.args, argsFingerprint, stepIndex });
      return undefined;
    }
    if (config.onUnknownOutcome === 'report') {
      const result = errorResult(call, 'tool_outcome_unknown', `"${call.name}" was started before a crash and its outcome was not recorded; it was not re-run. Check whether its effect happened before retrying.`);
      s.results[index] = result;
      run.log.emit({ type: 'tool_outcome_unknown', stepIndex, toolCallId: call.id, name: call.name });
      return recordResult(s, call, result, argsFingerprint, tool.sideEffects);
    }
  }
  const info: ToolCallInfo = { toolCallId: call.id, name: call.name, args: checked.args };
  if (s.hookContext) {
    return beforeToolHooks(deps, run, tool, info, checked, s.hookContext).then((hooked) => planRun(s, index, call, tool, hooked.info, hooked.checked, hooked.denied, argsFingerprint));
  }
  return planRun(s, index, call, tool, info, checked, undefined, argsFingerprint);
}

/**
 * Sets the step's stop (unless one is set) once a refusal's ledger record is written, or at once
 * when there is none to write: a failing record leaves no stop.
 */
function stopOnceRecorded(s: ActState, recording: Promise<void> | undefined, stop: NonNullable<ActOutcome['stop']>): Promise<void> | undefined {
  if (!recording) {
    s.stop ??= stop;
    return undefined;
  }
  return recording.then(() => void (s.stop ??= stop));
}

/** `planCall` once the `beforeTool` hooks had their say: denied, invalid, awaiting approval, a copy, or a job. */
function planRun(s: ActState, index: number, call: ToolCall, tool: Tool, info: ToolCallInfo, checked: ArgsOutcome, denied: string | undefined, argsFingerprint: string): Promise<unknown> | undefined {
  const { deps, run, stepIndex } = s;
  const { config } = deps;
  if (denied !== undefined) return rejectCall(s, index, call, 'tool_denied', `denied by a beforeTool hook: ${denied}`, argsFingerprint);
  if (!checked.ok) return rejectCall(s, index, call, 'tool_args_invalid', `${checked.reason}: arguments rewritten by a hook are invalid: ${checked.message}`, argsFingerprint);
  if (tool.needsApproval(info.args)) {
    const finalFingerprint = fingerprint(info.args);
    // An approval holds only for the exact args the approver was shown.
    const given = run.approvals.get(call.id);
    const approval = given?.argsFingerprint === finalFingerprint ? given : undefined;
    if (approval?.decision === 'deny') {
      run.log.emit({ type: 'approval_decided', stepIndex, toolCallId: call.id, decision: 'deny', ...(approval.reason ? { reason: approval.reason } : {}) });
      return rejectCall(s, index, call, 'tool_denied', `denied by the approver${reasonOf(run, call.id)}`, argsFingerprint);
    }
    if (approval?.decision !== 'approve') {
      (s.pending ??= []).push({ toolCallId: call.id, tool: call.name, args: info.args, argsFingerprint: finalFingerprint, stepIndex });
      return undefined;
    }
    run.log.emit({ type: 'approval_decided', stepIndex, toolCallId: call.id, decision: 'approve', ...(approval.reason ? { reason: approval.reason } : {}) });
  }
  if (config.dedupeIdenticalCalls && tool.sideEffects !== 'non-idempotent') {
    const key = dedupeKey(call.name, info.args);
    const earlier = run.dedupe.get(key);
    if (earlier) return reuseResult(s, index, call, earlier, argsFingerprint, tool.sideEffects);
    // The same call twice in this step (F-48): it runs once; the copy takes its result afterwards.
    const first = s.plannedKeys?.get(key);
    if (first !== undefined) {
      (s.duplicates ??= []).push({ index, call, of: first, argsFingerprint, sideEffects: tool.sideEffects });
      return undefined;
    }
    (s.plannedKeys ??= new Map()).set(key, index);
  }
  const job: Executable = { index, call, tool, args: info.args, argsFingerprint, ran: false, answered: undefined, afterFailure: undefined };
  if (s.firstJob === undefined) s.firstJob = job;
  else (s.executables ??= [s.firstJob]).push(job);
  return undefined;
}

/**
 * The `beforeTool` hooks, in order: one may deny the call or rewrite its arguments (validated
 * again). Apart from `act`, so that `act`'s frame captures nothing for the hooks' closures.
 */
async function beforeToolHooks(deps: RunDeps, run: ActiveRun, tool: Tool, given: ToolCallInfo, validated: ArgsOutcome, hookContext: HookContext): Promise<{ info: ToolCallInfo; checked: ArgsOutcome; denied: string | undefined }> {
  let info = given;
  let checked = validated;
  for (const hook of deps.hooks) {
    if (typeof hook.beforeTool !== 'function') continue;
    // What this hook is shown, to tell arguments it edits in place (a JavaScript hook ignoring
    // `readonly`) from arguments left alone: edited ones are validated like returned ones.
    const shown = info;
    const argsShown = shown.args;
    const before = jsonOrUndefined(argsShown);
    const verdict = await callHook('beforeTool', () => hook.beforeTool!(shown, hookContext), run);
    if (verdict && 'deny' in verdict) return { info: given, checked, denied: String(verdict.deny) };
    const args = verdict ? verdict.args : await callHook('beforeTool', () => (shown.args !== argsShown || jsonOrUndefined(shown.args) !== before ? shown.args : UNCHANGED));
    if (args === UNCHANGED) {
      // The call's id and name are the model's, whatever a hook wrote into what it was shown.
      if (shown.toolCallId !== given.toolCallId || shown.name !== given.name) info = { toolCallId: given.toolCallId, name: given.name, args: argsShown };
      continue;
    }
    checked = validateToolArgs(tool.input, args);
    if (!checked.ok) break;
    info = { toolCallId: given.toolCallId, name: given.name, args: checked.args };
  }
  return { info, checked, denied: undefined };
}

/** Canonical JSON of `value`, or undefined when it has none (a BigInt, a cycle). */
function jsonOrUndefined(value: unknown): string | undefined {
  try {
    return canonicalJson(value);
  } catch {
    return undefined;
  }
}

/** `beforeToolHooks`: the hook neither returned nor edited arguments. */
const UNCHANGED: unique symbol = Symbol('unchanged');

/** Several calls of one step, at most `toolConcurrency` at a time; each result lands at its call's index. */
function executeAll(deps: RunDeps, run: ActiveRun, executables: readonly Executable[], results: (ToolMessage | undefined)[], stepIndex: number, hookContext: HookContext | undefined, durable: boolean): Promise<void> {
  return runBounded(executables, deps.config.limits.toolConcurrency, async (job) => {
    const answer = execute(deps, run, job, stepIndex, hookContext, durable);
    results[job.index] = isPromise(answer) ? await answer : answer;
  });
}

/** What recording and rejecting a call of one step need (one object, not a closure each per step). */
interface ActScope {
  readonly deps: RunDeps;
  readonly run: ActiveRun;
  readonly stepIndex: number;
  readonly results: (ToolMessage | undefined)[];
  /** The decision is durable: per-call results are recorded (otherwise a crash re-decides the step). */
  readonly durable: boolean;
}

/** The key under which `dedupeIdenticalCalls` finds an identical call: the tool and its canonical arguments. */
const dedupeKey = (name: string, args: unknown): string => `${name}\u0000${canonicalJson(args)}`;

/** An identical call's result given to `call` (`dedupeIdenticalCalls`): its transcript result, its audit (marked deduplicated) and its ledger entry. */
function reuseResult(scope: ActScope, index: number, call: ToolCall, source: Pick<ToolMessage, 'content' | 'isError' | 'code'>, argsFingerprint: string, sideEffects: Tool['sideEffects']): Promise<void> | undefined {
  const result: ToolMessage = { role: 'tool', toolCallId: call.id, name: call.name, content: source.content, ...(source.isError ? { isError: true } : {}), ...(source.code ? { code: source.code } : {}) };
  scope.results[index] = result;
  scope.run.log.emit({ type: 'tool_finished', stepIndex: scope.stepIndex, toolCallId: call.id, name: call.name, isError: source.isError ?? false, ...(source.code ? { code: source.code } : {}), content: recordContent(source.content), durationMs: 0, replayed: true, deduplicated: true });
  return recordResult(scope, call, result, argsFingerprint, sideEffects);
}

/** Records a call's result in the ledger when the step's decision is durable (a promise of the write; undefined: nothing to record). */
function recordResult(scope: ActScope, call: ToolCall, result: ToolMessage, argsFingerprint: string, sideEffects: Tool['sideEffects']): Promise<void> | undefined {
  return scope.durable ? recordDurably(scope, call, result, argsFingerprint, sideEffects) : undefined;
}

async function recordDurably(scope: ActScope, call: ToolCall, result: ToolMessage, argsFingerprint: string, sideEffects: Tool['sideEffects']): Promise<void> {
  const { run } = scope;
  await scope.deps.store.recordToolResult(
    { runId: run.runId, toolCallId: call.id, stepIndex: scope.stepIndex, name: call.name, argsFingerprint, sideEffects, result, completedAt: nowIso() },
    { lease: run.lease },
  );
}

/** Answers a call that does not run (denied, invalid, looping) with an error result, audits it and records it (a promise of the record, if there is one to write). */
function rejectCall(scope: ActScope, index: number, call: ToolCall, code: string, fullReason: string, argsFingerprint: string): Promise<void> | undefined {
  const { config } = scope.deps;
  const stepIndex = scope.stepIndex;
  // A reason can carry hook or approver text of any length: redacted before it is capped (a cut never shows part of a secret).
  const reason = redactAndCap(fullReason, config.limits.maxToolOutputChars, config.redactor).text;
  const result = capToolMessage(errorResult(call, code, reason), config.limits.maxToolOutputChars);
  scope.results[index] = result;
  const policy = code === 'tool_denied';
  scope.run.log.emit(policy
    ? { type: 'tool_denied', stepIndex, toolCallId: call.id, name: call.name, code, reason }
    : { type: 'tool_rejected', stepIndex, toolCallId: call.id, name: call.name, code, reason });
  // Recorded so a resume replays the rejection instead of auditing it twice.
  return recordResult(scope, call, result, argsFingerprint, 'none');
}

function reasonOf(run: ActiveRun, toolCallId: string): string {
  const reason = run.approvals.get(toolCallId)?.reason;
  return reason ? `: ${reason}` : '';
}

/**
 * Runs `worker` over `items`, at most `limit` at a time. After a failure no further item starts,
 * and the calls already running are waited for (their results and hooks land before the step is
 * committed and the run ends, never after); then the first failure is thrown.
 */
async function runBounded<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failure) {
      try {
        await worker(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(lanes);
  if (failure) throw failure.error;
}

/**
 * Runs one admitted call: kill check, intent, the tool, hooks, ledger, audit. Synchronous for the
 * common call — a store that answers the kill check at once (`MemoryStore`), no hooks, no durable
 * decision, a tool that answers synchronously — so that neither it nor `act` suspends (an async
 * frame saves all its registers on every await); anything else continues in `executeAsync`.
 */
function execute(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number, hookContext: HookContext | undefined, durable: boolean): ToolMessage | undefined | Promise<ToolMessage | undefined> {
  // Kill switch: checked before every tool call, in this process and through the store.
  if (run.aborted) return undefined;
  const flag = readKillFlag(deps.store, run.runId);
  if (isPromise(flag) || durable || deps.hooks.length > 0 || job.tool.sideEffects === 'non-idempotent') return executeAsync(deps, run, job, stepIndex, hookContext, durable, flag);
  if (abortIfKilled(run, flag)) return undefined;
  const { call } = job;
  run.log.emit({ type: 'tool_started', stepIndex, toolCallId: call.id, name: call.name, args: job.args, runId: '', at: '', seq: 0 });
  // Timed on the monotonic clock (a wall-clock step while the tool runs must not change its duration).
  const started = monotonicMs();
  let answered: ToolMessage | undefined | Promise<ToolMessage | undefined>;
  try {
    // No hooks: the tool itself (a synchronous answer costs no promise).
    answered = runTool(deps, run, job, stepIndex);
  } catch (error) {
    return failedCall(deps, run, job, stepIndex, started, error);
  }
  if (isPromise(answered)) return answeredLater(deps, run, job, stepIndex, started, answered);
  if (!answered) return run.aborted ? cutShort(deps, run, call, stepIndex, started) : undefined;
  return finishedCall(deps, run, job, stepIndex, started, capToolMessage(answered, deps.config.limits.maxToolOutputChars));
}

/** `execute` of a call whose tool answers later (no hooks, no durable decision). */
async function answeredLater(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number, started: number, answered: Promise<ToolMessage | undefined>): Promise<ToolMessage | undefined> {
  let answer: ToolMessage | undefined;
  try {
    answer = await answered;
  } catch (error) {
    return failedCall(deps, run, job, stepIndex, started, error);
  }
  if (!answer) return run.aborted ? cutShort(deps, run, job.call, stepIndex, started) : undefined;
  return finishedCall(deps, run, job, stepIndex, started, capToolMessage(answer, deps.config.limits.maxToolOutputChars));
}

/**
 * A call that failed while running (a hook or the store threw): cut short when the run was stopped
 * (a hook abandoned by the stop), else audited as ended, given the honest result the step keeps
 * (`failedWhileRunning`: never "not run" once its tool was called), and the failure thrown on.
 * `known`: the tool's answer and the final result, as far as they came.
 */
function failedCall(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number, started: number, error: unknown, known?: { executed: ToolMessage | undefined; result: ToolMessage | undefined }): ToolMessage {
  // A wrapping or afterTool hook abandoned because the run was stopped: the call was cut short by that stop.
  if (error instanceof RunAbort && run.aborted) return cutShort(deps, run, job.call, stepIndex, started);
  job.afterFailure = failedWhileRunning(deps, run, job, { stepIndex, started, error, executed: known?.executed ?? job.answered, result: known?.result });
  throw error;
}

/** A call's (capped) result taken: kept for identical calls (`dedupeIdenticalCalls`) and audited as finished. */
function finishedCall(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number, started: number, result: ToolMessage): ToolMessage {
  const { call, tool } = job;
  if (deps.config.dedupeIdenticalCalls && tool.sideEffects !== 'non-idempotent' && !result.isError) {
    try {
      run.dedupe.set(dedupeKey(call.name, job.args), { content: result.content });
    } catch (error) {
      // Arguments with no canonical JSON (a BigInt a schema let through): the run fails; the call keeps its result.
      return failedCall(deps, run, job, stepIndex, started, error, { executed: result, result });
    }
  }
  const at = nowIso();
  const durationMs = msSince(started);
  run.log.emit(result.code
    ? { type: 'tool_finished', stepIndex, toolCallId: call.id, name: call.name, isError: result.isError ?? false, code: result.code, content: recordContent(result.content), durationMs, runId: '', at: '', seq: 0 }
    : { type: 'tool_finished', stepIndex, toolCallId: call.id, name: call.name, isError: result.isError ?? false, content: recordContent(result.content), durationMs, runId: '', at: '', seq: 0 }, at);
  return result;
}

/** `execute` for every other call: a kill check through the store, hooks, an intent or result to record. */
async function executeAsync(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number, hookContext: HookContext | undefined, durable: boolean, flag: KillFlag | undefined | Promise<KillFlag | undefined>): Promise<ToolMessage | undefined> {
  const { call, tool } = job;
  const { store, config } = deps;
  if (abortIfKilled(run, isPromise(flag) ? await flag : flag)) return undefined;
  if (tool.sideEffects === 'non-idempotent') {
    await store.recordToolIntent(
      { runId: run.runId, toolCallId: call.id, stepIndex, name: call.name, argsFingerprint: job.argsFingerprint, sideEffects: tool.sideEffects, startedAt: nowIso() },
      { lease: run.lease },
    );
  }
  run.log.emit({ type: 'tool_started', stepIndex, toolCallId: call.id, name: call.name, args: job.args, runId: '', at: '', seq: 0 });
  const started = monotonicMs();
  let result: ToolMessage | undefined;
  let executed: ToolMessage | undefined;
  try {
    // A tool that answered synchronously is not awaited (no microtask hop).
    const answered = wrappedToolCall(deps, run, job, stepIndex, hookContext);
    executed = isPromise(answered) ? await answered : answered;
    if (!executed) return run.aborted ? cutShort(deps, run, call, stepIndex, started) : undefined;
    // Every path is capped — thrown messages, typed errors, hook replacements — before the ledger, events or transcript see it.
    result = capToolMessage(hookContext ? await afterToolHooks(deps, run, job, hookContext, executed) : executed, config.limits.maxToolOutputChars);
    if (durable) {
      await store.recordToolResult(
        { runId: run.runId, toolCallId: call.id, stepIndex, name: call.name, argsFingerprint: job.argsFingerprint, sideEffects: tool.sideEffects, result, completedAt: nowIso() },
        { lease: run.lease },
      );
    }
  } catch (error) {
    // The step keeps an honest result for a call that started (committed unless the failure is retryable).
    return failedCall(deps, run, job, stepIndex, started, error, { executed, result });
  }
  return finishedCall(deps, run, job, stepIndex, started, result!);
}

/**
 * Whole milliseconds since `started` (a `monotonicMs()` reading taken as the call started), never
 * negative: durations come from the monotonic clock (RELIABILITY.md F-50/F-51), never from the
 * events' wall-clock stamps, which jump when the system time is stepped.
 */
const msSince = (started: number): number => Math.max(0, Math.round(monotonicMs() - started));

/**
 * A started call the run's stop cut short (a kill, a cancellation, the run's timeout): its
 * synthetic result, and the `tool_finished` event that ends the `tool_started` one in the audit.
 * Nothing goes to the ledger: whether the tool's effect happened is not known.
 */
function cutShort(deps: RunDeps, run: ActiveRun, call: ToolCall, stepIndex: number, started: number): ToolMessage {
  const kind = run.abort?.kind ?? 'cancelled';
  const code = kind === 'timeout' ? 'tool_timeout' : 'tool_cancelled';
  const result = capToolMessage(errorResult(call, code, `cut short while running: the run stopped (${kind})`), deps.config.limits.maxToolOutputChars);
  const at = nowIso();
  run.log.emit({ type: 'tool_finished', stepIndex, toolCallId: call.id, name: call.name, isError: true, code, content: recordContent(result.content), durationMs: msSince(started) }, at);
  return result;
}

/**
 * A started call whose run fails before its result is recorded (an `afterTool` or `wrapToolCall`
 * hook threw, or the store refused the result): its honest result, and the `tool_finished` event
 * that ends its `tool_started` one in the audit, saying the same. The call is never said not to
 * have run when its `execute` was called:
 * - its final result is known (only recording it failed): that result;
 * - the tool answered, but a hook processing the answer failed: an error result with the
 *   failure's code (`hook_failed`, …) saying it ran, without the answer (what the hook would have
 *   let through is not known);
 * - the tool was called and no answer is known (a fallback: wrappers' failures are thrown only
 *   once the tool settled): `tool_outcome_unknown`;
 * - the tool was never called (a wrapper threw before calling it): `tool_cancelled`, not run.
 * The event is best effort: the run is failing anyway.
 */
function failedWhileRunning(deps: RunDeps, run: ActiveRun, job: Executable, info: { stepIndex: number; started: number; error: unknown; executed: ToolMessage | undefined; result: ToolMessage | undefined }): ToolMessage {
  const { call, tool } = job;
  const code = typedCode(info.error) ?? 'tool_failed';
  const result = info.result ?? capToolMessage(
    info.executed
      ? errorResult(call, code, `"${tool.name}" ran and ${info.executed.isError ? 'reported an error' : 'answered'}, but the run failed (${code}) before its result was recorded; the result is not kept`)
      : job.ran
        ? errorResult(call, 'tool_outcome_unknown', `"${tool.name}" was started, but the run failed (${code}) before it answered; its effect may or may not have happened`)
        : errorResult(call, 'tool_cancelled', `not run: the tool was never called (a wrapToolCall hook failed before calling it: ${code})`),
    deps.config.limits.maxToolOutputChars,
  );
  try {
    const at = nowIso();
    const durationMs = msSince(info.started);
    run.log.emit(result.code
      ? { type: 'tool_finished', stepIndex: info.stepIndex, toolCallId: call.id, name: call.name, isError: result.isError ?? false, code: result.code, content: recordContent(result.content), durationMs }
      : { type: 'tool_finished', stepIndex: info.stepIndex, toolCallId: call.id, name: call.name, isError: result.isError ?? false, content: recordContent(result.content), durationMs }, at);
  } catch {
    // The event log itself failing must not hide the original error.
  }
  return result;
}

/** The `afterTool` hooks, in order, each seeing the result so far (apart from `execute`: its frame captures nothing for their closures). */
async function afterToolHooks(deps: RunDeps, run: ActiveRun, job: Executable, hookContext: HookContext, executed: ToolMessage): Promise<ToolMessage> {
  const { call } = job;
  let result = executed;
  let called = false;
  for (const hook of deps.hooks) {
    if (typeof hook.afterTool !== 'function') continue;
    called = true;
    const shown = result;
    const replaced = await callHook('afterTool', () => hook.afterTool!(shown, { ...hookContext, call: { toolCallId: call.id, name: call.name, args: job.args } }), run);
    if (replaced) result = await hookResult(deps, call, replaced);
  }
  // A hook may also have written into the result it was shown (a JavaScript hook ignoring
  // `readonly`): what goes on is rebuilt and checked as a returned result is.
  return called ? hookResult(deps, call, result) : result;
}

/**
 * An `afterTool` hook's answer as the call's result. Read once, as a hook's own answer (a throwing
 * getter fails the hook: hook_failed, not the runtime); parts are held to the same checks as a
 * tool's own; the result is rebuilt from the fields a ToolMessage has, typed: the call's own id and
 * name, `isError` only as `true`, `code` only as snake_case text (anything else a hook adds is dropped).
 */
async function hookResult(deps: RunDeps, call: ToolCall, answer: ToolMessage): Promise<ToolMessage> {
  const { content, isError, code } = await callHook('afterTool', () => ({ content: answer.content as unknown, isError: answer.isError as unknown, code: answer.code as unknown }));
  const problem = typeof content === 'string' ? undefined : checkContent(content, { where: 'afterTool.content', maxPartBytes: deps.config.limits.maxPartBytes });
  if (problem) return errorResult(call, problem.code, `an afterTool hook returned invalid content: ${problem.message}`);
  const next: { -readonly [K in keyof ToolMessage]: ToolMessage[K] } = { role: 'tool', toolCallId: call.id, name: call.name, content: normalizeContent(content as ToolMessage['content']) };
  if (isError === true) next.isError = true;
  if (typeof code === 'string' && SNAKE_CODE.test(code)) next.code = code;
  return next;
}

const SNAKE_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** The tool execution, inside the `wrapToolCall` hooks when any is registered. */
function wrappedToolCall(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number, hookContext: HookContext | undefined): ToolMessage | undefined | Promise<ToolMessage | undefined> {
  const wrappers = hooksWith(deps.hooks, 'wrapToolCall');
  if (wrappers.length === 0 || !hookContext) return runTool(deps, run, job, stepIndex);
  // Wrappers get a promise, whichever way the tool answered.
  // The tool's answer is kept on the job: a wrapper that fails after it (its failure is thrown once
  // the tool settled) leaves a call that ran and answered, not one whose outcome is unknown.
  const call = async () => (job.answered = await runTool(deps, run, job, stepIndex));
  const info = { toolCallId: job.call.id, name: job.call.name, args: job.args, description: job.tool.description, sideEffects: job.tool.sideEffects };
  return callWrapped('wrapToolCall', wrappers.map((hook) => (next: () => Promise<ToolMessage | undefined>) => hook.wrapToolCall!(info, hookContext, next)), call, 'throw', run);
}

type ToolOutcome = { ok: true; value: unknown } | { ok: false; kind: 'thrown'; error: unknown } | { ok: false; kind: 'timeout' | 'aborted' };

/**
 * Runs the tool with its timeout and the run's abort; the result is `undefined` when the run stopped meanwhile.
 *
 * Cheap for the common fast tool: the timeout timer and the run-abort listener are set one
 * microtask after the call started, only if it has not settled by then (a tool that settles at
 * once cannot time out or be cut short; its result is what it returned). See `ToolCallState`.
 */
function runTool(deps: RunDeps, run: ActiveRun, job: Executable, stepIndex: number): ToolMessage | undefined | Promise<ToolMessage | undefined> {
  const { call, tool } = job;
  const state = new ToolCallState(run, call, stepIndex, deps.config.redactor);
  job.ran = true;
  let waits = false;
  try {
    const ctx = toolContext(run, stepIndex, call, state);
    let returned: unknown;
    let threw = false;
    try {
      // A defineTool tool is called without its promise wrapper: a synchronous answer settles at once.
      const execute = tool.execute;
      const direct = directExecuteOf(execute);
      returned = direct ? direct(job.args, ctx) : execute.call(tool, job.args, ctx);
    } catch (error) {
      threw = true;
      returned = error;
    }
    const how = threw ? undefined : thenOf(returned);
    if (how === undefined) state.onError(returned);
    else if (how === NOT_THENABLE) state.onValue(returned);
    else {
      // An answer still to come: the wait is the only async part (a synchronous answer costs no promise).
      waits = true;
      return awaitTool(deps, job, state, returned, how);
    }
    // A synchronous answer (or throw) settled the call at once: no promise, timer or listener was needed.
    return toolMessage(deps, job, state.ended!);
  } finally {
    if (!waits) state.release();
  }
}

/** A tool answer still to come, raced against the tool's timeout and the run's abort. */
async function awaitTool(deps: RunDeps, job: Executable, state: ToolCallState, returned: unknown, how: Exclude<ReturnType<typeof thenOf>, typeof NOT_THENABLE>): Promise<ToolMessage | undefined> {
  try {
    const outcome = state.outcome();
    adopt(returned, how, state);
    // One microtask later: a call still running gets its timer and listens for the run's abort.
    await undefined;
    if (!state.settled) state.watch(job.tool);
    if (!state.settled) await outcome;
    return toolMessage(deps, job, state.ended!);
  } finally {
    state.release();
  }
}

/** The tool message for how a call ended (`undefined`: the run stopped while the tool ran). */
function toolMessage(deps: RunDeps, job: Executable, outcome: ToolOutcome): ToolMessage | undefined {
  const { call, tool } = job;
  const { config } = deps;
  // Output and errors are redacted before they are capped, and only what can be kept is redacted (see redactAndCap).
  const max = config.limits.maxToolOutputChars;
  if (outcome.ok) {
    const redactor = config.redactor;
    const produced = toolOutputContent(outcome.value, { maxChars: max, maxPartBytes: config.limits.maxPartBytes, redactor: redactor.redactToolOutput ? redactor : undefined });
    // A failure message (an unserializable value, a toJSON that throws) is always redacted, like a thrown one.
    return produced.ok
      ? (produced.truncated ? { role: 'tool', toolCallId: call.id, name: call.name, content: produced.content, code: 'tool_output_truncated' } : { role: 'tool', toolCallId: call.id, name: call.name, content: produced.content })
      : errorResult(call, produced.code, redactAndCap(produced.message, Math.max(256, max - produced.code.length - 2), redactor).text);
  }
  if (outcome.kind === 'thrown') {
    // A typed failure keeps its code (url_blocked, path_outside_root, …); anything else is tool_failed. Whatever was thrown, reading it never throws.
    const code = typedCode(outcome.error) ?? 'tool_failed';
    return errorResult(call, code, redactAndCap(`"${tool.name}" failed: ${describeThrown(outcome.error, undefined, config.redactor)}`, Math.max(256, max - code.length - 2), config.redactor).text);
  } else if (outcome.kind === 'timeout') {
    return tool.sideEffects === 'non-idempotent'
      ? errorResult(call, 'tool_outcome_unknown', `"${tool.name}" timed out after ${tool.timeoutMs} ms; its effect may or may not have happened, so it will not be retried automatically`)
      : errorResult(call, 'tool_timeout', `"${tool.name}" timed out after ${tool.timeoutMs} ms`);
  }
  return undefined; // the run stopped while the tool ran
}


/**
 * A tool context's private link to its call's state: a private field on the plain context object
 * (it keeps `Object.prototype`), which nothing outside this module can read or reach by reflection.
 */
class CallStateSlot extends ReturnsTarget {
  readonly #state: ToolCallState;
  constructor(target: object, state: ToolCallState) {
    super(target);
    this.#state = state;
  }

  static of(ctx: object): ToolCallState {
    return (ctx as CallStateSlot).#state;
  }
}

/** The context's lazy signal: an own, enumerable accessor whose getter is shared by every context. */
const CTX_SIGNAL: PropertyDescriptor = { get(this: object) { return CallStateSlot.of(this).signal(); }, enumerable: true };

/**
 * The frozen `ctx` a tool gets: `{ runId, stepIndex, toolCallId, idempotencyKey, signal, progress,
 * log }`, all own and enumerable, in that order. The signal is made when the tool first reads it
 * (an accessor shared by every context, reaching the call through a private field), the notice
 * callbacks' state when one is first called (notices close when the call settles or is stopped).
 * Built as a plain object: an object literal with getters costs a closure each and V8's slow
 * literal path (about 1 µs per call), each further accessor a `defineProperty`.
 */
function toolContext(run: ActiveRun, stepIndex: number, call: ToolCall, state: ToolCallState): ToolContext {
  const ctx = { runId: run.runId, stepIndex, toolCallId: call.id, idempotencyKey: idempotencyKeyFor(run.runId, call.id) } as Record<string, unknown>;
  new CallStateSlot(ctx, state);
  Object.defineProperty(ctx, 'signal', CTX_SIGNAL);
  ctx.progress = (info: ToolProgress) => state.notices().progress(info);
  ctx.log = (entry: ToolLogEntry) => state.notices().log(entry);
  return Object.freeze(ctx) as unknown as ToolContext;
}

/**
 * The state of one tool call in flight (one object instead of a closure per callback: this runs
 * for every call). The call's AbortController is made only when the tool reads `ctx.signal`
 * (already aborted if the call was stopped before that); the timeout timer and the run-abort
 * listener only for a call that did not settle at once (`watch`).
 */
class ToolCallState {
  private controller: AbortController | undefined;
  private stopReason: { readonly reason: unknown } | undefined;
  settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abortListener: (() => void) | undefined;
  /** The tool's promise settled. */
  private callDone = false;
  /** How the call ended, once it has. */
  ended: ToolOutcome | undefined;
  private resolveOutcome: ((outcome: ToolOutcome) => void) | undefined;
  private noticeCallbacks: ReturnType<typeof toolNotices> | undefined;

  constructor(
    private readonly run: ActiveRun,
    private readonly call: ToolCall,
    private readonly stepIndex: number,
    private readonly redactor: RunDeps['config']['redactor'],
  ) {}

  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopReason) this.controller.abort(this.stopReason.reason);
    }
    return this.controller.signal;
  }

  notices(): ReturnType<typeof toolNotices> {
    return (this.noticeCallbacks ??= toolNotices(this.run, this.stepIndex, this.call, this.redactor, () => this.callDone || this.stopReason !== undefined));
  }

  /** A promise of the outcome, for a call that did not answer synchronously. */
  outcome(): Promise<ToolOutcome> {
    return new Promise<ToolOutcome>((resolve) => {
      this.resolveOutcome = resolve;
    });
  }

  private settle(outcome: ToolOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.ended = outcome;
    this.resolveOutcome?.(outcome);
  }

  /** Stops the call (timeout or run abort): its signal aborts, and a result arriving later is discarded. */
  private stop(reason: unknown, kind: 'timeout' | 'aborted'): void {
    if (this.settled) return;
    this.stopReason = { reason };
    this.controller?.abort(reason);
    this.settle({ ok: false, kind });
  }

  private onRunAbort(): void {
    this.stop(this.run.signal.reason, 'aborted');
  }

  onValue(value: unknown): void {
    this.callDone = true;
    // Aborted while the call ran (before its listener was set): stopped, as if the listener had fired.
    if (!this.stopReason && this.run.aborted) this.onRunAbort();
    if (this.stopReason) return lateResult(this.run, this.call, this.stepIndex);
    this.settle({ ok: true, value });
  }

  onError(error: unknown): void {
    this.callDone = true;
    if (!this.stopReason && this.run.aborted) this.onRunAbort();
    if (this.stopReason) return;
    this.settle({ ok: false, kind: 'thrown', error });
  }

  /** A call still running: its timeout starts, and it listens for the run's abort. */
  watch(tool: Tool): void {
    if (this.run.aborted) return this.onRunAbort();
    this.timer = setTimeout(() => this.stop(new Error(`tool "${tool.name}" timed out after ${tool.timeoutMs} ms`), 'timeout'), timerMs(tool.timeoutMs));
    this.abortListener = () => this.onRunAbort();
    this.run.signal.addEventListener('abort', this.abortListener, { once: true });
  }

  /** Clears the timer and the abort listener (the call is over, or the step moved on). */
  release(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.abortListener) this.run.signal.removeEventListener('abort', this.abortListener);
  }
}

/** `thenOf`: the value is no thenable (a primitive, or an object without a callable `then`). */
const NOT_THENABLE = Symbol('not thenable');
/** `thenOf`: the value is a native promise (its settlement is read directly, without its `then`). */
const NATIVE_PROMISE = Symbol('native promise');
const promiseThen = Promise.prototype.then;
const isNativePromise = types.isPromise;

/**
 * How to wait for what a tool returned, reading its `then` at most once (as `Promise.resolve`
 * does): a native promise is followed directly; otherwise the `then` function, or the error that
 * reading it threw.
 */
function thenOf(value: unknown): typeof NOT_THENABLE | typeof NATIVE_PROMISE | { readonly then: Function } | { readonly threw: unknown } {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return NOT_THENABLE;
  if (isNativePromise(value)) return NATIVE_PROMISE;
  try {
    const then = (value as { then?: unknown }).then;
    return typeof then === 'function' ? { then } : NOT_THENABLE;
  } catch (error) {
    return { threw: error };
  }
}

/** A settled promise whose reactions run one microtask later (never held by fake timers). */
const RESOLVED = Promise.resolve();

/**
 * Settles `state` with what `value` resolves to. A native promise gets its reactions through the
 * built-in `then` (an own `then` it carries is not called, and a rejection is always handled); a
 * thenable's `then` is called once, in a microtask, with resolve functions that follow nested
 * thenables — what `Promise.resolve(value)` does. Whatever throws on the way (a `then` that
 * throws, a `constructor` getter that throws) settles the call as failed.
 */
function adopt(value: unknown, how: typeof NATIVE_PROMISE | { readonly then: Function } | { readonly threw: unknown }, state: ToolCallState): void {
  const onValue = (result: unknown) => state.onValue(result);
  const onError = (error: unknown) => state.onError(error);
  if (how === NATIVE_PROMISE) {
    try {
      promiseThen.call(value as Promise<unknown>, onValue, onError);
    } catch (error) {
      onError(error);
    }
  } else if ('threw' in how) {
    onError(how.threw);
  } else {
    // Its `then` is called one microtask later, as a native promise adopting it would: through a
    // settled promise's reaction, which fake timers cannot hold (a test may fake `queueMicrotask`).
    new Promise<unknown>((resolve, reject) => {
      void RESOLVED.then(() => {
        try {
          how.then.call(value, resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    }).then(onValue, onError);
  }
}

/** The snake_case code of a thrown `AgentrtError`, or undefined (also when reading the thrown value throws). */
function typedCode(error: unknown): string | undefined {
  try {
    return AgentrtError.isInstance(error) && typeof error.code === 'string' && /^[a-z]+(_[a-z]+)+$/.test(error.code) ? error.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `progress` and `log` callbacks of one call: each becomes a persisted, redacted run event
 * while the call is in flight, at most `MAX_TOOL_NOTICES` per call; malformed notices are dropped.
 */
function toolNotices(run: ActiveRun, stepIndex: number, call: ToolCall, redactor: RunDeps['config']['redactor'], closed: () => boolean): { progress: NonNullable<ToolContext['progress']>; log: NonNullable<ToolContext['log']> } {
  let count = 0;
  const open = () => !closed() && !run.finished && count < MAX_TOOL_NOTICES && ++count > 0;
  const finite = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  return {
    progress: (info) => {
      if (typeof info !== 'object' || info === null || !open()) return;
      const progress = finite(info.progress);
      const total = finite(info.total);
      // Redacted before the cut: a secret crossing it is never kept in part.
      const message = typeof info.message === 'string' ? redactedHead(info.message, 1_000, redactor) : undefined;
      run.log.emit({ type: 'tool_progress', stepIndex, toolCallId: call.id, name: call.name, ...(progress !== undefined ? { progress } : {}), ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) });
    },
    log: (entry) => {
      if (typeof entry !== 'object' || entry === null || !LOG_LEVELS.has(entry.level) || typeof entry.message !== 'string' || !open()) return;
      run.log.emit({ type: 'tool_log', stepIndex, toolCallId: call.id, name: call.name, level: entry.level, message: redactedHead(entry.message, 2_000, redactor) });
    },
  };
}

const LOG_LEVELS = new Set<string>(['debug', 'info', 'warning', 'error']);

function lateResult(run: ActiveRun, call: ToolCall, stepIndex: number): void {
  // A result that arrives after the timeout or abort is never committed; it is only audited.
  if (!run.finished) run.log.emit({ type: 'late_result_discarded', stepIndex, toolCallId: call.id, name: call.name });
}

/** Aborts the run when `flag` (the store's kill flag, which any process may have set) is set; true when the run is aborted. */
export function abortIfKilled(run: ActiveRun, flag: KillFlag | undefined): boolean {
  if (flag) run.abortWith('killed', flag.reason);
  return run.aborted;
}
