import { setImmediate as realSetImmediate } from 'node:timers';
import { AgentrtError } from '../errors/agentrt-error.js';
import { StoreError } from '../errors/store-error.js';
import type { HookContext, RunDriveInfo, RuntimeHooks } from '../hooks.js';
import { canonicalJson } from '../util/canonical-json.js';
import { addUsage, emptyUsage, hasMediaParts, type AssistantMessage, type Message, type ToolMessage, type UserMessage } from '../messages.js';
import { STOP_REASONS, statusForStop, type PendingApproval, type RunErrorInfo, type RunResult, type StopReason } from '../result.js';
import type { PendingStep, StepRecord } from '../store/state-store.js';
import type { StopCheckContext, StopDecision, StopPhase, StopPolicy } from '../stop/stop-policy.js';
import { RunAbort } from '../util/abort.js';
import { RunError } from '../errors/run-error.js';
import { builtInPrefix } from '../stop/built-in.js';
import { isoMs, monotonicIsReal, monotonicMs, nowIso, realMonotonicMs, timerMs } from '../util/time.js';
import { abortIfKilled, act } from './act.js';
import { isDoneWrite, readKillFlag } from '../store/memory-store.js';
import type { ActiveRun, RunDeps } from './active-run.js';
import { decide } from './decide.js';
import { callHook, callWrapped, checkStopPolicy, hooksWith, isPromise } from './hook-runner.js';
import { checkAnswer, jsonForm, repairMessage } from './structured-output.js';
import { findPairingViolations } from './transcript.js';
import { acceptFinalizeStep, finalize, wantsFinalize } from './finalize.js';
import { describeThrown, redactAndCap } from './tool-output.js';

/** Options of one drive of a run. */
export interface DriveOptions {
  /** Use the adapter's `stream()` (text deltas become `model_delta` events). */
  readonly stream: boolean;
}

/** `act` options, shared (no object per step). */
const FROM_STORE = Object.freeze({ fromStore: true });
const FRESH = Object.freeze({ fromStore: false });

interface Stop extends StopDecision {
  readonly error?: RunErrorInfo;
}

/**
 * The loop: Context → Decide → Act → State → Stop, repeated until a stop condition fires.
 * Each step is committed atomically before the next starts. Always ends by recording
 * exactly one outcome (terminal result, or paused awaiting approval) unless the store
 * itself is unreachable, in which case the run stays resumable.
 */
export function driveRun(deps: RunDeps, run: ActiveRun, options: DriveOptions): Promise<RunResult<unknown>> {
  // Without `wrapRun` hooks the drive is the loop's own promise (no async wrapper to adopt it).
  const wrappers = hooksWith(deps.hooks, 'wrapRun');
  if (wrappers.length === 0) return driveLoop(deps, run, options, undefined);
  return wrappedDrive(deps, run, options, wrappers);
}

/** How long a `wrapRun` hook still pending after the drive's outcome is waited for, at least (see `wrappedDrive`). */
const WRAP_RUN_GRACE_MS = 1_000;

/**
 * A drive inside the `wrapRun` hooks. The run's limits hold for the hooks too:
 * - until a hook calls `next()`, a kill, a cancellation or the run's deadline abandons them, and
 *   that stop is the run's recorded outcome (a later `next()` rejects: the drive never starts);
 * - after the drive's outcome is recorded, hooks still running (ending spans, flushing) are waited
 *   for until the run's deadline, but at least `WRAP_RUN_GRACE_MS`, or until a kill: one that
 *   hangs there cannot hold the caller past the run's limits. It is not stopped, only no longer awaited.
 */
async function wrappedDrive(deps: RunDeps, run: ActiveRun, options: DriveOptions, wrappers: readonly RuntimeHooks[]): Promise<RunResult<unknown>> {
  const info = driveInfo(deps, run);
  let drive: Promise<RunResult<unknown>> | undefined;
  let started!: () => void;
  const starting = new Promise<void>((resolve) => (started = resolve));
  const wrapped = callWrapped(
    'wrapRun',
    wrappers.map((hook) => (next: () => Promise<RunResult<unknown>>) => hook.wrapRun!(info, next)),
    () => {
      // Stopped before any hook called next(): the stop is (or will be) the recorded outcome.
      if (run.abort) return Promise.reject(run.abort);
      drive = driveLoop(deps, run, options, undefined);
      started();
      return drive;
    },
    // The drive's outcome is recorded by then; a failing wrapper cannot undo it.
    'ignore',
  );
  const settled = wrapped.then(noop, noop);
  // Not unref'd: until a hook calls next() this timer may be all that is left to end the run (a
  // hook awaiting a promise nothing will settle), and the process must not exit with the run unsettled.
  const timer = armDeadline(deps, run);
  try {
    await run.untilStopped(Promise.race([starting, settled]));
  } catch (stop) {
    // A hook hangs before next() and the run was stopped: record that stop.
    return driveLoop(deps, run, options, stop);
  } finally {
    clearTimeout(timer);
  }
  if (!drive) {
    // The wrappers settled without starting the drive (one threw, returned early, or the run was stopped first).
    try {
      await wrapped;
    } catch (error) {
      return driveLoop(deps, run, options, error);
    }
  }
  const outcome = await drive!;
  await run.untilStopped(withinMs(settled, Math.max(WRAP_RUN_GRACE_MS, deps.config.limits.timeoutMs - run.elapsedMs))).catch(noop);
  return outcome;
}

function noop(): void {}

/** How many microtask turns a `stream()` consumer gets to catch up before a step (a reader awaiting I/O is not waited for). */
const CONSUMER_TURNS = 64;

/**
 * Microtask turns until the stream consumer has caught up (it read every event and finished with
 * the last), at most CONSUMER_TURNS: no timer (fake timers in a consumer's tests cannot hold the
 * run), and a consumer that waits on I/O or never reads holds the run only these few turns.
 */
async function consumerTurn(run: ActiveRun): Promise<void> {
  for (let turn = 0; turn < CONSUMER_TURNS && run.log.consumerBehind; turn++) await undefined;
}

/**
 * How long the runs of this process may keep the event loop from turning: a loop whose model and
 * tools answer without waiting on I/O runs on microtasks alone, and timers and I/O (a kill sent
 * from a timer or an HTTP request, a deadline) would wait until it ends.
 */
const MACROTASK_EVERY_MS = 10;
/** When the event loop was last seen to turn (Node's own monotonic clock, which fake timers cannot freeze): a probe `setImmediate` ran. */
let lastTurnSeen = realMonotonicMs();
/** A probe is scheduled and has not run yet (the event loop has not turned since). */
let probing = false;
let turnWaited: Promise<void> | undefined;
let turnCame: (() => void) | undefined;

/**
 * Schedules a probe unless one is pending: Node's own `setImmediate` (fake timers a test installs
 * on the global object cannot hold it), which notes the turn and releases the runs waiting for it.
 * A loop that waits on I/O lets it run at once, so such runs never wait for a turn.
 */
function probeTurn(): void {
  if (probing) return;
  probing = true;
  realSetImmediate(turnSeen);
}

function turnSeen(): void {
  probing = false;
  lastTurnSeen = realMonotonicMs();
  const release = turnCame;
  turnWaited = turnCame = undefined;
  release?.();
}

/**
 * Before a step: when the event loop has not turned for `MACROTASK_EVERY_MS` (real time: a faked
 * global `performance` must not hide it), the run waits for the next turn (shared by every run that asks before it comes;
 * after it, timers and I/O have run); else undefined, and a probe notes the next turn.
 */
function macrotaskTurn(run: ActiveRun): Promise<void> | undefined {
  probeTurn();
  // The loop's kept reading when the global clock is Node's own (no extra read per step).
  const now = monotonicIsReal() ? run.markedMono() : realMonotonicMs();
  if (now - lastTurnSeen < MACROTASK_EVERY_MS) return undefined;
  return (turnWaited ??= new Promise<void>((resolve) => {
    turnCame = resolve;
  }));
}

/** The timer that stops the run with `timeout` at its deadline (`limits.timeoutMs` from its start, resumes included). */
function armDeadline(deps: RunDeps, run: ActiveRun): ReturnType<typeof setTimeout> {
  const { timeoutMs } = deps.config.limits;
  const remaining = Math.max(0, timeoutMs - run.elapsedMs);
  // Read once per drive: every model request of the drive carries it (no clock read per step).
  run.deadlineAt = run.deadlineFor(timeoutMs);
  return setTimeout(() => run.abortWith('timeout', `run exceeded ${timeoutMs} ms`), timerMs(remaining));
}

/** `promise`, or settled after `ms` (whichever comes first; the timer does not hold the process). */
function withinMs(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timerMs(ms));
    timer.unref?.();
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function driveLoop(deps: RunDeps, run: ActiveRun, options: DriveOptions, hookFailure: unknown): Promise<RunResult<unknown>> {
  const hookContext = (): HookContext => ({ runId: run.runId, stepIndex: run.stepIndex, metadata: run.metadata });
  // Not unref'd: a model, a strategy or a hook awaiting a promise nothing will settle holds no
  // handle, and the process must not exit with the run unsettled and unrecorded. The deadline ends
  // such a run with `timeout`; the timer is cleared the moment the drive ends.
  const timer = armDeadline(deps, run);
  run.streaming = options.stream;
  try {
    if (hookFailure !== undefined) throw hookFailure;
    if (deps.hooks.length > 0) {
      // The transcript as it is now, read-only: the run's own history is never what a hook holds
      // (a JavaScript hook pushing into it would have changed what the model is sent, unrecorded).
      const messages = Object.freeze(run.history.slice());
      for (const hook of deps.hooks) {
        await callHook('onRunStart', () => hook.onRunStart?.({ ...hookContext(), messages, resumed: run.resumed }), run);
      }
    }
    if (run.finalizeStep?.finalize) {
      // A crash after the finalize answer was committed: the run ends with the stop it answered, without asking again.
      await acceptFinalizeStep(run);
      const { stopReason, stopDetail } = run.finalizeStep.finalize;
      return await finish(deps, run, { reason: stopReason, ...(stopDetail ? { detail: stopDetail } : {}) });
    }
    if (run.resumed && !run.pendingStep && run.steps > 0) {
      // A crash between the last commit and the terminal record (CP7/CP8): the stop that was
      // due then is still due now, without another model call.
      const last = lastAssistant(run);
      if (run.output && last && !last.toolCalls?.length) {
        // A committed final answer: valid (the result needs its value back), or invalid with the repair budget spent.
        const verdict = await checkAnswer(last.content, run.output.schema);
        if (verdict.ok) run.parsedOutput = { value: verdict.value };
        else return await finish(deps, run, outputInvalid(run, verdict.problems));
      }
      const looped = loopStopOfLastStep(run);
      if (looped) return await finish(deps, run, looped);
      const stop = await checkStop(deps, run, 'after_step', last);
      if (stop) return await finish(deps, run, stop);
    }
    for (;;) {
      let decision = run.pendingStep;
      const fromStore = decision !== undefined;
      if (!decision) {
        // A `stream()` consumer reads events asynchronously: it gets turns to catch up before the
        // step's kill check, so what it does on reading the last step's events (a kill, a cancel)
        // lands before the next model call. Without a consumer behind, the loop does not yield here.
        if (run.log.consumerBehind) {
          await consumerTurn(run);
          run.clearClockMark();
        }
        // A loop that has not let the event loop turn for a while (a model answering at once,
        // synchronous tools) waits one macrotask here: a kill sent from a timer or a request in
        // this process lands before the next model call, not when the run ends.
        const turn = macrotaskTurn(run);
        if (turn) {
          await turn;
          run.clearClockMark();
        }
        // The step is timed on the monotonic clock from here (the reading the checks below share).
        run.stepStartedMono = run.markedMono();
        // Awaited only when the check had to wait (no microtask hop for a synchronous answer).
        const checked = checkStop(deps, run, 'before_model');
        const stop = isPromise(checked) ? await checked : checked;
        if (stop) return await finish(deps, run, stop);
        run.stepStartedAt = run.log.emit({ type: 'step_started', stepIndex: run.stepIndex, runId: '', at: '', seq: 0 }).at;
        // Without hooks no loop is entered (a `for…of` makes an iterator even over an empty list).
        if (deps.hooks.length > 0) await stepStartHooks(deps, run, hookContext);
        // Marked in flight only when a watcher polls kills (no closure per step otherwise).
        const decided = await (run.callWatcher ? run.busy(() => decide(deps, run, options)) : decide(deps, run, options));
        // The budgets left no room for the call: it was not made.
        if ('stop' in decided) return await finish(deps, run, decided.stop);
        decision = decided;
      } else {
        // Resuming a step whose decision was persisted: act on it without asking the model again.
        run.pendingStep = undefined;
        run.stepStartedMono = undefined;
        run.log.emit({ type: 'step_started', stepIndex: run.stepIndex });
        // The step starts again in this drive: onStepStart pairs with its onStepEnd (no model hooks: the decision is kept).
        if (deps.hooks.length > 0) await stepStartHooks(deps, run, hookContext);
      }
      // Awaited only when acting had to wait (the common step is acted on at once: no microtask hop).
      const acted = run.callWatcher ? run.busy(() => Promise.resolve(act(deps, run, decision, fromStore ? FROM_STORE : FRESH))) : act(deps, run, decision, fromStore ? FROM_STORE : FRESH);
      const outcome = isPromise(acted) ? await acted : acted;
      if (outcome.pending.length > 0) return await pause(deps, run, outcome.pending);
      // A retryable failure while acting (a store write of a call's intent or result failed:
      // store_unavailable) leaves the step uncommitted, its decision pending: the run is resumable
      // from its last committed step, and the resume settles each call from the ledger — a recorded
      // result replayed, an intent without one reported as tool_outcome_unknown. Committing it would
      // record "not run" for a call whose effect may have happened (its result write failed, or
      // landed with its answer lost), and a resume would never look at that call again.
      if (outcome.error !== undefined && isRetryable(outcome.error)) throw outcome.error;
      // Structured output: a final answer is parsed and validated before its step commits; a
      // failed one is committed with a repair request (a user message), or ends the run once the budget is spent.
      let repair: UserMessage | undefined;
      let invalid: Stop | undefined;
      let parsed: { readonly value: unknown } | undefined;
      if (run.output && !decision.message.toolCalls?.length && outcome.error === undefined) {
        const verdict = await checkAnswer(decision.message.content, run.output.schema);
        if (verdict.ok) parsed = { value: verdict.value };
        else if (run.outputRepairs < run.output.maxRepairs) repair = repairMessage(run.output.spec, verdict.problems);
        else invalid = outputInvalid(run, verdict.problems);
      }
      // Not awaited when the step committed at once (a memory store, no hooks, no lease renewal due).
      const committed = commit(deps, run, decision, outcome.results, outcome, repair);
      if (committed) {
        await committed;
        // Other work ran while this drive waited: the checks below read the clock afresh.
        run.clearClockMark();
      }
      if (parsed) run.parsedOutput = parsed;
      if (repair) run.outputRepairs++;
      if (outcome.error !== undefined) throw outcome.error;
      const abortStop = abortToStop(run);
      if (abortStop) return await finish(deps, run, abortStop);
      if (invalid) return await finish(deps, run, invalid);
      if (outcome.stop) return await finish(deps, run, outcome.stop);
      // After a repair request the answer is not final: stop policies see no last message.
      const checked = checkStop(deps, run, 'after_step', repair ? undefined : decision.message);
      const stop = isPromise(checked) ? await checked : checked;
      if (stop) return await finish(deps, run, stop);
    }
  } catch (error) {
    const abortStop = readsAs(() => error instanceof RunAbort) ? abortToStop(run) : undefined;
    if (abortStop) return await finish(deps, run, abortStop);
    const info = errorInfo(deps, error);
    if (readsAs(() => AgentrtError.isInstance(error))) await errorHooks(deps, run, error as AgentrtError);
    if (info.code === 'lease_lost') {
      // Another owner drives this run now; recording anything here would be refused.
      run.finished = true;
      return buildResult(run, { reason: 'error', detail: info.message, error: info });
    }
    run.log.emit({ type: 'run_error', stepIndex: run.stepIndex, code: info.code, message: info.message });
    return await finish(deps, run, { reason: 'error', detail: info.message, error: info });
  } finally {
    clearTimeout(timer);
    run.finished = true;
  }
}

const ANNOTATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_ANNOTATION_CHARS = 16_384;

/** What `wrapRun` hooks see: the drive, plus run annotations persisted as `run_annotated` events. */
function driveInfo(deps: RunDeps, run: ActiveRun): RunDriveInfo {
  const local = new Map<string, unknown>();
  let stored: Promise<Map<string, unknown>> | undefined;
  return {
    runId: run.runId,
    stepIndex: run.stepIndex,
    metadata: run.metadata,
    resumed: run.resumed,
    model: { provider: deps.model.provider, model: deps.model.model },
    // A read-only copy: the transcript as the drive starts (the run's own history grows apart from it).
    messages: Object.freeze(run.history.slice()),
    redactor: deps.config.redactor,
    annotate(name: string, value: unknown) {
      if (typeof name !== 'string' || !ANNOTATION_NAME.test(name)) {
        throw new AgentrtError('annotation_invalid', `annotation name ${JSON.stringify(name)} must match ${ANNOTATION_NAME.source}`);
      }
      if (value === undefined) throw new AgentrtError('annotation_invalid', `annotation "${name}" needs a JSON value`);
      const json = canonicalJson(value);
      if (json.length > MAX_ANNOTATION_CHARS) throw new AgentrtError('annotation_invalid', `annotation "${name}" is ${json.length} characters of JSON; the limit is ${MAX_ANNOTATION_CHARS}`);
      if (run.finished) return;
      const event = run.log.emit({ type: 'run_annotated', name, value: JSON.parse(json) as unknown });
      if (event.type === 'run_annotated') local.set(name, event.value);
    },
    async annotations() {
      // A new run has no earlier drive: nothing to read.
      stored ??= run.resumed ? readAnnotations(deps, run.runId) : Promise.resolve(new Map());
      const all = new Map(await stored);
      for (const [name, value] of local) all.set(name, value);
      return all;
    },
  };
}

async function readAnnotations(deps: RunDeps, runId: string): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  for (let afterSeq = 0; ;) {
    const page = await deps.store.listEvents(runId, { afterSeq, limit: 1000 });
    for (const event of page) {
      if (event.type === 'run_annotated' && typeof event.name === 'string') found.set(event.name, event.value);
    }
    if (page.length < 1000) return found;
    afterSeq = page.at(-1)!.seq;
  }
}

/** The outcome of a final answer that still fails the schema with the repair budget spent. */
function outputInvalid(run: ActiveRun, problems: readonly string[]): Stop {
  const message = `the final answer does not match the output schema "${run.output!.spec.name}" after ${run.outputRepairs} repair(s): ${problems.join('; ')}`;
  return { reason: 'output_invalid', detail: message, error: { code: 'output_invalid', message } };
}

/** A committed step that ended the run with `loop_detected` (a crash came before the terminal record): the stop is still due. */
function loopStopOfLastStep(run: ActiveRun): Stop | undefined {
  for (let i = run.history.length - 1; i >= 0; i--) {
    const message = run.history[i]!;
    if (message.role !== 'tool') return undefined;
    if (message.code === 'loop_detected') return { reason: 'loop_detected', detail: `"${message.name}" repeated with identical arguments` };
  }
  return undefined;
}

/** The last assistant message of the history — none when the history ends with a user message (a repair request). */
function lastAssistant(run: ActiveRun): AssistantMessage | undefined {
  if (run.history[run.history.length - 1]?.role === 'user') return undefined;
  for (let i = run.history.length - 1; i >= 0; i--) {
    const message = run.history[i]!;
    if (message.role === 'assistant') return message;
  }
  return undefined;
}

function abortToStop(run: ActiveRun): Stop | undefined {
  const abort = run.abort;
  return abort ? { reason: abort.kind, detail: abort.detail } : undefined;
}

/** Longest error message or stop detail a result and its events carry (redacted before the cut). */
const MAX_DETAIL_CHARS = 8_192;

/** Whether `check` holds; false when reading a hostile thrown value (revoked proxy, throwing getter) throws. */
function readsAs(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** The longest error code a run records as it is (first-party codes are under 40 characters). */
const MAX_ERROR_CODE_CHARS = 128;
/** An error code as the runtime's own are written: `model_unavailable`, `mcp.timeout`, `E42`. */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

function errorInfo(deps: RunDeps, error: unknown): RunErrorInfo {
  const redact = (text: string) => redactAndCap(text, MAX_DETAIL_CHARS, deps.config.redactor).text;
  try {
    if (AgentrtError.isInstance(error) && typeof error.code === 'string') {
      const retryable = error.retryable === true ? { retryable: true } : {};
      // The code of an error thrown by an adapter, a strategy or a hook is text its author (or a
      // server) chose: kept when it is a plain identifier that redaction leaves alone, else the
      // error is `internal_error` and its (redacted, cut) code leads the message.
      const code = error.code;
      if (code.length <= MAX_ERROR_CODE_CHARS && ERROR_CODE.test(code) && deps.config.redactor.text(code) === code) return { code, message: redact(describeThrown(error)), ...retryable };
      return { code: 'internal_error', message: redact(`${redactAndCap(code, MAX_ERROR_CODE_CHARS, deps.config.redactor).text}: ${describeThrown(error)}`), ...retryable };
    }
  } catch {
    // Unreadable: reported as an internal error below.
  }
  return { code: 'internal_error', message: redact(describeThrown(error)) };
}

/**
 * The stop check of a phase. Synchronous unless it must wait (the kill-flag read before a model
 * call, an async stop policy): the after-step check of built-in policies costs no promise.
 */
function checkStop(deps: RunDeps, run: ActiveRun, phase: StopPhase, lastMessage?: AssistantMessage): Stop | undefined | Promise<Stop | undefined> {
  // Kill switch and cancellation come first: they are checked before every model call.
  if (phase === 'before_model') {
    const flag = readKillFlag(deps.store, run.runId);
    if (isPromise(flag)) {
      run.clearClockMark();
      return flag.then((read) => (abortIfKilled(run, read), checkPolicies(deps, run, phase, lastMessage)));
    }
    abortIfKilled(run, flag);
    // The last commit's reading serves this check too (nothing but the loop ran since); the next step reads afresh.
    const stop = checkPolicies(deps, run, phase, lastMessage);
    run.clearClockMark();
    return stop;
  }
  return checkPolicies(deps, run, phase, lastMessage);
}

/**
 * The context the built-in policies are asked with: one object, refilled for every check. They
 * answer synchronously and never keep it; policies given by users get a fresh context of their own.
 */
const builtInContext: MutableStopContext = {
  phase: 'before_model', runId: '', steps: 0, toolCalls: 0, toolCallsRefused: 0, toolCallCapExceeded: false,
  usage: emptyUsage(), elapsedMs: 0, lastMessage: undefined, limits: undefined as unknown as StopCheckContext['limits'], metadata: {},
};
const NO_USAGE = emptyUsage();
const NO_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

type MutableStopContext = { -readonly [K in keyof StopCheckContext]: StopCheckContext[K] };

/** Writes what a stop check sees into `target` (the reused built-in context, or a fresh one), in the context's field order. */
function fillStopContext(target: MutableStopContext, deps: RunDeps, run: ActiveRun, phase: StopPhase, lastMessage: AssistantMessage | undefined, usage: StopCheckContext['usage']): MutableStopContext {
  target.phase = phase;
  target.runId = run.runId;
  target.steps = run.steps;
  target.toolCalls = run.toolCalls;
  target.toolCallsRefused = run.toolCallsRefused;
  target.toolCallCapExceeded = run.toolCallCapExceeded;
  target.usage = usage;
  target.elapsedMs = run.markedElapsedMs;
  target.lastMessage = lastMessage;
  target.limits = deps.config.limits;
  target.metadata = run.metadata;
  return target;
}

function checkPolicies(deps: RunDeps, run: ActiveRun, phase: StopPhase, lastMessage: AssistantMessage | undefined): Stop | undefined | Promise<Stop | undefined> {
  const aborted = abortToStop(run);
  if (aborted) return aborted;
  const policies = deps.stopPolicies;
  const builtIns = builtInPrefix(policies);
  if (builtIns > 0) {
    const scratch = fillStopContext(builtInContext, deps, run, phase, lastMessage, run.usage);
    let decision: StopDecision | undefined;
    try {
      // Built-ins answer synchronously; checkStopPolicy still turns a throw into hook_failed.
      for (let i = 0; i < builtIns && !decision; i++) decision = checkStopPolicy(policies[i]!, scratch) as StopDecision | undefined;
    } finally {
      // Nothing of the run stays reachable from the shared object (also after a throw).
      scratch.usage = NO_USAGE;
      scratch.lastMessage = undefined;
      scratch.metadata = NO_METADATA;
    }
    if (decision) return decision;
    if (builtIns === policies.length) return undefined;
  }
  // Policies given by users run code of their own: their context, and every check after them, read the clock afresh.
  run.clearClockMark();
  // Policies given by users get a context of their own, with a copy of the usage.
  const context = fillStopContext({} as MutableStopContext, deps, run, phase, lastMessage, { ...run.usage });
  return policiesFrom(policies, builtIns, context);
}

/**
 * The policies from index `from` on, in order: synchronous while they answer synchronously (the
 * built-in ones do: no promise per check); after an async answer, the rest follow it.
 */
function policiesFrom(policies: readonly StopPolicy[], from: number, context: StopCheckContext): Stop | undefined | Promise<Stop | undefined> {
  for (let i = from; i < policies.length; i++) {
    // Any falsy answer (sync or async: `cond && {…}` gives false) means "no stop" and the next policy is asked.
    const decision = checkStopPolicy(policies[i]!, context);
    if (decision !== undefined && isPromise(decision)) return decision.then((answer) => (answer ? validDecision(policies[i]!, answer) : policiesFrom(policies, i + 1, context)));
    if (decision) return validDecision(policies[i]!, decision);
  }
  return undefined;
}

const KNOWN_STOP_REASONS: ReadonlySet<unknown> = new Set(STOP_REASONS);

/**
 * A user policy's stop, checked: a junk answer (a string, an unknown reason, a non-string detail)
 * would be recorded as the run's stop reason; it fails the run with hook_failed instead.
 */
function validDecision(policy: StopPolicy, answer: unknown): Stop {
  let reason: unknown;
  let detail: unknown;
  try {
    ({ reason, detail } = answer as StopDecision);
  } catch (error) {
    throw new RunError('hook_failed', `hook stopPolicy:${policy.name} answered a stop that cannot be read: ${describeThrown(error, 300)}`, { cause: error });
  }
  if (typeof answer !== 'object' || !KNOWN_STOP_REASONS.has(reason) || (detail !== undefined && typeof detail !== 'string')) {
    throw new RunError('hook_failed', `hook stopPolicy:${policy.name} answered ${describeThrown(typeof answer === 'object' ? JSON.stringify(reason) : String(answer), 200)}: expected { reason: StopReason, detail?: string } or a falsy value`);
  }
  return detail === undefined ? { reason: reason as StopReason } : { reason: reason as StopReason, detail: detail as string };
}

/**
 * Commits a step: the store write (step, usage, events), then the history, counters, `onStepEnd`
 * hooks and a due lease renewal. Synchronous when nothing needs waiting for (undefined is
 * returned): the memory store completed the write at once, no hooks, no renewal due.
 */
function commit(deps: RunDeps, run: ActiveRun, decision: PendingStep, results: readonly ToolMessage[], counts: { toolCalls: number; toolCallsRefused: number }, repair?: UserMessage): Promise<void> | undefined {
  const { toolCalls, toolCallsRefused } = counts;
  const messages: Message[] = new Array(1 + results.length + (repair ? 1 : 0));
  // The message the step acted on: decided this drive, its shared copy (the object its model_response event holds).
  messages[0] = decision.message;
  for (let i = 0; i < results.length; i++) messages[i + 1] = results[i]!;
  if (repair) messages[messages.length - 1] = repair;
  const violations = findPairingViolations(messages);
  if (violations.length > 0) throw new AgentrtError('transcript_invalid', `step ${decision.stepIndex} would break tool pairing: ${violations[0]}`);
  const step: { -readonly [K in keyof StepRecord]: StepRecord[K] } = {
    runId: run.runId,
    stepIndex: decision.stepIndex,
    messages,
    usage: decision.usage,
    toolCalls,
    toolCallsRefused,
    finishReason: decision.finishReason,
    startedAt: decision.startedAt,
    endedAt: nowIso(),
  };
  const endedAt = step.endedAt;
  if (run.contextStateDirty || decision.contextState) step.contextState = { ...run.contextState };
  run.contextStateDirty = false;
  // Timed on the monotonic clock (a wall-clock step during the step does not change it); this
  // reading also serves the lease and stop checks right after a write completed at once. A step
  // decided in an earlier drive is timed by its stamps.
  const endedMono = run.markClock();
  const startedMono = run.stepStartedMono;
  const durationMs = startedMono === undefined ? Math.max(0, isoMs(endedAt) - isoMs(step.startedAt)) : Math.max(0, Math.round(endedMono - startedMono));
  // Stamped with the step's end, read just above (nothing runs in between).
  run.log.emit({ type: 'step_finished', stepIndex: step.stepIndex, usage: step.usage, toolCalls, toolCallsRefused, durationMs, runId: '', at: '', seq: 0 }, endedAt);
  const events = run.log.unwritten;
  // A write the memory store completed at once is not waited for.
  const written = deps.store.commitStep({ runId: run.runId, step, events, usageDelta: decision.usage, lease: run.lease });
  // (Any other answer is waited for as `await` would: a store may also return a thenable or nothing.)
  // After a wait, the checks that follow read the clock afresh.
  if (!isDoneWrite(written)) return Promise.resolve(written).then(() => (run.clearClockMark(), committed(deps, run, decision, step, results, events.length)));
  return committed(deps, run, decision, step, results, events.length);
}

/** After a step's write: the history, the counters, the `onStepEnd` hooks and a due lease renewal (undefined: nothing to wait for). */
function committed(deps: RunDeps, run: ActiveRun, decision: PendingStep, step: StepRecord, results: readonly ToolMessage[], written: number): Promise<void> | undefined {
  const toolCalls = step.toolCalls;
  const toolCallsRefused = step.toolCallsRefused ?? 0;
  const messages = step.messages;
  run.log.markWritten(written);
  run.pushHistory(messages);
  if (!run.hasMedia) for (const result of results) if (hasMediaParts(result.content)) run.hasMedia = true;
  run.steps++;
  run.committedToolCalls += toolCalls;
  run.committedToolCallsRefused += toolCallsRefused;
  addUsage(run.committedUsage, decision.usage);
  // Hooks are code not the loop's own: the renewal check after them reads the clock afresh.
  if (deps.hooks.length > 0) return stepEndHooks(deps, run, step).then(() => (run.clearClockMark(), renewDue(deps, run)));
  return renewDue(deps, run);
}

/** Renews the lease once a third of its time has passed (no async call on the steps in between). */
function renewDue(deps: RunDeps, run: ActiveRun): Promise<void> | undefined {
  // The commit's reading when nothing waited since (kept for the stop checks that follow at once).
  return run.markedMono() - run.lastRenewMono >= deps.config.leaseTtlMs / 3 ? renewLease(deps, run) : undefined;
}

/** The `onStepStart` hooks, in order (apart from `driveLoop`, whose frame then captures nothing for their closures). */
async function stepStartHooks(deps: RunDeps, run: ActiveRun, hookContext: () => HookContext): Promise<void> {
  for (const hook of deps.hooks) await callHook('onStepStart', () => hook.onStepStart?.(hookContext()), run);
}

/** The `onStepEnd` hooks (apart from `commit`, whose frame then captures nothing for their closures). */
async function stepEndHooks(deps: RunDeps, run: ActiveRun, step: StepRecord): Promise<void> {
  for (const hook of deps.hooks) await callHook('onStepEnd', () => hook.onStepEnd?.(step, { runId: run.runId, stepIndex: step.stepIndex, metadata: run.metadata }), run);
}

/**
 * The `onError` hooks, each once, with the error that ends the run. Failures are swallowed so
 * error handling cannot loop, and one still pending when the run is stopped (or its deadline
 * passes) is abandoned: the run still ends with its error.
 */
async function errorHooks(deps: RunDeps, run: ActiveRun, error: AgentrtError): Promise<void> {
  const context = { runId: run.runId, stepIndex: run.stepIndex, metadata: run.metadata };
  for (const hook of deps.hooks) {
    if (typeof hook.onError !== 'function') continue;
    try {
      await callHook('onError', () => hook.onError!(error, context), run);
    } catch {
      // onError failures are swallowed so error handling cannot loop.
    }
  }
}

async function renewLease(deps: RunDeps, run: ActiveRun): Promise<void> {
  const ttl = deps.config.leaseTtlMs;
  const renewed = await deps.store.renewLease(run.lease, ttl);
  if (!renewed) throw new StoreError('lease_lost', `the lease on run ${run.runId} was lost; another owner may be driving it`);
  Object.assign(run.lease, renewed);
  run.lastRenewMono = monotonicMs();
}

/**
 * The result. `output` is the last answer text since the newest user message — or, for a
 * structured run, the parsed value once a final answer validated (never the raw text).
 */
function buildResult(run: ActiveRun, stop: Stop, pending?: readonly PendingApproval[]): RunResult<unknown> {
  let output: unknown;
  if (run.output) output = run.parsedOutput?.value;
  else {
    for (let i = run.history.length - 1; i >= 0; i--) {
      const message = run.history[i]!;
      if (message.role === 'assistant' && message.content) {
        output = message.content;
        break;
      }
      if (message.role === 'user') break;
    }
  }
  // Built field by field in the order the result always had (optional fields only when present; no object per absent one).
  const result = { runId: run.runId, status: statusForStop(stop.reason), stopReason: stop.reason } as { -readonly [K in keyof RunResult<unknown>]: RunResult<unknown>[K] };
  if (stop.detail) result.stopDetail = stop.detail;
  if (output !== undefined) result.output = output;
  if (run.finalizeOk) result.finalized = true;
  // Totals of what is recorded: equal to the sum over committed steps (invariant I5).
  result.steps = run.steps;
  result.toolCalls = run.committedToolCalls;
  result.toolCallsRefused = run.committedToolCallsRefused;
  result.usage = { ...run.committedUsage };
  result.startedAt = run.startedAt;
  result.endedAt = nowIso();
  if (stop.error) result.error = stop.error;
  if (pending) result.pendingApprovals = pending;
  return result;
}

const LIMIT_REASONS = new Set<StopReason>(['max_steps', 'max_tool_calls', 'timeout', 'token_budget', 'cost_budget', 'loop_detected', 'policy_violation']);

async function finish(deps: RunDeps, run: ActiveRun, stop: Stop): Promise<RunResult<unknown>> {
  run.clearClockMark();
  // A stop policy's detail is plugin text: redacted (and bounded) like every other message the result carries.
  if (stop.detail) {
    const detail = redactAndCap(String(stop.detail), MAX_DETAIL_CHARS, deps.config.redactor).text;
    if (detail !== stop.detail) stop = { ...stop, detail };
  }
  // A limit stop with `limits.finalize` on: one more call, without tools, for the best answer (never throws).
  if (wantsFinalize(deps, run, stop)) await run.busy(() => finalize(deps, run, stop, run.streaming));
  let result = buildResult(run, stop);
  if (deps.hooks.length > 0) {
    const context = { runId: run.runId, stepIndex: run.stepIndex, metadata: run.metadata };
    try {
      for (const hook of deps.hooks) await callHook('onRunEnd', () => hook.onRunEnd?.(result, context), run);
    } catch (error) {
      const aborted = readsAs(() => error instanceof RunAbort) ? abortToStop(run) : undefined;
      if (aborted) {
        // An onRunEnd hook still pending when the run was stopped (killed, cancelled, its deadline)
        // is abandoned: the run ends with that stop (unchanged for a run that had stopped already).
        result = buildResult(run, { reason: aborted.reason, detail: redactAndCap(String(aborted.detail), MAX_DETAIL_CHARS, deps.config.redactor).text });
      } else {
        const info = errorInfo(deps, error);
        run.log.emit({ type: 'run_error', stepIndex: run.stepIndex, code: info.code, message: info.message });
        result = buildResult(run, { reason: 'error', detail: info.message, error: info });
        // The failure ends the run like any other hook's: onError hears of it (once; onRunEnd is not called again).
        if (readsAs(() => AgentrtError.isInstance(error))) await errorHooks(deps, run, error as AgentrtError);
      }
    }
  }
  if (result.stopReason === 'killed') {
    const flag = await deps.store.getKillFlag(run.runId).catch(() => undefined);
    run.log.emit({ type: 'run_killed', reason: result.stopDetail ?? 'killed', scope: flag?.scope === '*' ? 'all' : 'run' });
  } else if (LIMIT_REASONS.has(result.stopReason) && !run.limitAudited) {
    run.log.emit({ type: 'limit_reached', stopReason: result.stopReason, detail: result.stopDetail ?? result.stopReason });
  }
  // A structured value is recorded in its JSON form; the caller gets the value zod produced.
  const live = result;
  if (run.output && result.output !== undefined) {
    const { output, ...rest } = result;
    const json = jsonForm(output);
    result = json === undefined ? rest : { ...rest, output: json };
  }
  run.log.emit({ type: 'run_finished', result });
  run.finished = true;
  const events = run.log.unwritten;
  try {
    const recorded = await deps.store.finishRun({ runId: run.runId, result, events, lease: run.lease });
    run.log.markWritten(events.length);
    // A kill from another process that read this run as running before it failed left its flag: a
    // later resume of the failed run is a new request, not the run the kill was aimed at (kill of a
    // finished run does nothing). A kill landing after this read finds the run finished and clears
    // its own flag, so no order leaves one behind. Only failed runs resume, so only they pay the write.
    if (recorded.status === 'failed') await deps.store.clearKillFlag(run.runId).catch(() => undefined);
    // The caller gets zod's value (not its JSON form) when the store recorded this result; an equal output needs no other copy.
    return recorded.endedAt === result.endedAt && recorded.stopReason === result.stopReason && live.output !== undefined && recorded.output !== live.output ? { ...recorded, output: live.output } : recorded;
  } catch (error) {
    // The store is unreachable: report it; the run stays resumable from its last committed step.
    const info = errorInfo(deps, error);
    // Refused because the run moved on under this drive: a step write reported failed (outcome
    // unknown) landed after all, so this record no longer follows it. The run is still running
    // at that step, and a resume continues it: retryable, like the failure that ended the drive.
    if (info.code === 'run_conflict' && result.stopReason === 'error' && result.error?.retryable === true) {
      return { ...live, status: 'failed', stopReason: 'error', stopDetail: info.message, error: { ...info, retryable: true } };
    }
    // The run was ending because the store failed (a step write met a lock or an outage): the
    // terminal record failing too is the same fault, and the caller hears of the first one.
    if (result.stopReason === 'error' && result.error?.retryable === true && (result.error.code === 'store_busy' || result.error.code === 'store_unavailable')) {
      return { ...live, status: 'failed' };
    }
    return { ...live, status: 'failed', stopReason: 'error', stopDetail: info.message, error: info };
  }
}

async function pause(deps: RunDeps, run: ActiveRun, pending: readonly PendingApproval[]): Promise<RunResult<unknown>> {
  const result = buildResult(run, { reason: 'awaiting_approval', detail: `${pending.length} tool call(s) await approval` }, pending);
  run.log.emit({ type: 'approval_requested', stepIndex: run.stepIndex, approvals: pending });
  run.log.emit({ type: 'run_paused', result });
  run.finished = true;
  const events = run.log.unwritten;
  await deps.store.updateRun({ runId: run.runId, status: 'paused', result, events, lease: run.lease });
  run.log.markWritten(events.length);
  return result;
}

/** Whether `error` is a typed error marked retryable (a run failed with it can be resumed); false for anything unreadable. */
function isRetryable(error: unknown): boolean {
  return readsAs(() => AgentrtError.isInstance(error) && (error as AgentrtError).retryable === true);
}
