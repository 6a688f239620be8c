import { setMaxListeners } from 'node:events';
import type { ContextStrategy } from '../context-strategy.js';
import { LoopDetector } from '../governance/loop-detector.js';
import type { ToolGate } from '../governance/tool-gate.js';
import type { RuntimeHooks } from '../hooks.js';
import { addUsage, emptyUsage, hasMediaParts, type Message, type MessageContent, type TokenUsage, type Usage } from '../messages.js';
import type { ModelAdapter } from '../model.js';
import type { ResolvedRuntimeConfig } from '../runtime/runtime-config.js';
import type { Lease, PendingStep, RunRecord, StateStore } from '../store/state-store.js';
import type { StopPolicy } from '../stop/stop-policy.js';
import { mappedFailure, raceAbort, RunAbort, type AbortCause } from '../util/abort.js';
import { monotonicMs } from '../util/time.js';
import type { EventLog } from './event-log.js';
import { loopKeyArgs, parseToolArgs } from './tool-args.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { OutputMode } from './structured-output.js';
import { messageUpperBound, messageUpperBoundOf } from '../budget/token-estimator.js';
import type { StepRecord } from '../store/state-store.js';

/**
 * The resolving functions of the promise `new Promise(capture)` just made (read and cleared at once
 * by its maker): a promise made without an executor closure per call.
 */
const captured: { resolve: ((value: never) => void) | undefined; reject: ((reason: unknown) => void) | undefined } = { resolve: undefined, reject: undefined };
function capture(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

/** The parts a run is driven with. */
export interface RunDeps {
  readonly model: ModelAdapter;
  readonly store: StateStore;
  readonly context: ContextStrategy;
  readonly gate: ToolGate;
  readonly hooks: readonly RuntimeHooks[];
  readonly stopPolicies: readonly StopPolicy[];
  readonly config: ResolvedRuntimeConfig;
  readonly toolsFingerprint: string;
  /**
   * The model call may be handed the run's own history instead of a copy: the model
   * `borrowsMessages` and no hook can see the request (`beforeModel`, `wrapModelCall`).
   */
  readonly lendHistory: boolean;
}

/** A human decision on a paused tool call. */
export interface ApprovalDecision {
  readonly decision: 'approve' | 'deny';
  readonly reason?: string;
}

/** An approval as the loop holds it: bound to the fingerprint of the args the approver was shown. */
export interface BoundApproval extends ApprovalDecision {
  readonly argsFingerprint: string;
}

/**
 * Told when a run's first call goes in flight and when its last one settles. The runtime sets
 * one on runs it drives with a store that cannot push kills, to read the kill flag meanwhile.
 */
export interface CallWatcher {
  busy(run: ActiveRun): void;
  idle(run: ActiveRun): void;
}

/** In-memory state of a run while this process drives it. */
export class ActiveRun {
  readonly runId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly startedMono: number;
  /** Input plus committed steps: always tool-paired. */
  readonly history: Message[];
  steps: number;
  /** Tool calls within `maxToolCalls`, including the current, not yet committed step. */
  toolCalls: number;
  /** Tool calls refused over `maxToolCalls`, including the current step. */
  toolCallsRefused: number;
  /** Usage including the current, not yet committed step (what budgets check). */
  readonly usage: Usage;
  /** Totals of committed steps only (what results report). */
  readonly committedUsage: Usage;
  committedToolCalls: number;
  committedToolCallsRefused: number;
  /** True once a call was refused over `maxToolCalls` (restored on resume from the persisted count). */
  toolCallCapExceeded: boolean;
  pendingStep: PendingStep | undefined;
  readonly seenCallIds = new Set<string>();
  readonly callsPerTool = new Map<string, number>();
  readonly loopDetector = new LoopDetector();
  /** First result per identical call, for `dedupeIdenticalCalls` (made when first read: most runtimes never dedupe). */
  private dedupeMap: Map<string, { content: MessageContent; isError?: boolean; code?: string }> | undefined;
  readonly approvals: ReadonlyMap<string, BoundApproval>;
  private readonly controller = new AbortController();
  /** Set once the run's signal may take any number of listeners (see `allowManyListeners`). */
  private manyListeners = false;
  /** Why the run was aborted (set with the signal, read without the signal's getters on the hot path). */
  private abortedWith: RunAbort | undefined;
  readonly contextState: Record<string, unknown>;
  /** Set when a strategy changed `contextState` during the current step. */
  contextStateDirty = false;
  lastRenewMono: number;
  /** Set once the run's outcome is decided; late events are dropped after that. */
  finished = false;
  /** Watches calls in flight (kill polling); unset when the store pushes kills. */
  callWatcher: CallWatcher | undefined;
  private callsInFlight = 0;
  /** Structured output of this run, if it asked for one. */
  readonly output: OutputMode | undefined;
  /** Failed final answers fed back so far (steps that end with a repair request). */
  outputRepairs = 0;
  /** The parsed final answer, once one validated. */
  parsedOutput: { readonly value: unknown } | undefined;
  /** True once the history holds an image or file part (the capability check runs only then, or when a strategy rewrote the request). */
  hasMedia = false;
  /** History messages before this index passed the capability check (the history only grows). */
  supportedUpTo = 0;
  /** Upper bound of the history's input tokens (one per UTF-8 byte), kept as the history grows: budgets' cheap "far from the limit" test. */
  historyUpperBound = 0;
  /** The committed finalize step, when the run has one (it is then over: only its terminal record may be missing). */
  finalizeStep: StepRecord | undefined;
  /** Set once the finalize answer was accepted (non-empty, and valid for a structured run). */
  finalizeOk = false;
  /** Aborts the finalize call (kill, cancellation, its grace deadline) while one is in flight. */
  finalizeController: AbortController | undefined;
  /** Set once the `limit_reached` event of the run's stop was emitted. */
  limitAudited = false;
  /** This drive streams model output (`stream()`): the finalize call streams too. */
  streaming = false;
  /** When this drive's deadline (`limits.timeoutMs`) aborts the run, in epoch ms: set as the drive arms it (`ModelRequest.deadline`). */
  deadlineAt: number | undefined;
  /** The `step_started` stamp of the step being decided: its `startedAt` (one clock read fewer per step). */
  stepStartedAt = '';

  constructor(
    record: RunRecord,
    steps: readonly StepRecord[],
    readonly lease: Lease,
    readonly log: EventLog,
    approvals: ReadonlyMap<string, BoundApproval>,
    readonly resumed: boolean,
    output?: OutputMode,
    /** Keys the loop detector's history the way `act` keys new calls (validated arguments). */
    gate?: ToolGate,
  ) {
    this.startedMono = this.lastRenewMono = monotonicMs();
    this.output = output;
    this.runId = record.runId;
    this.metadata = record.metadata ?? {};
    this.startedAt = record.createdAt;
    this.history = [...record.input];
    // Indexed loops throughout: a new run's constructor runs once per run, mostly before it is optimized (no iterator objects).
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      // A finalize step is the run's last record: its answer, outside the step count.
      if (step.finalize) this.finalizeStep = step;
      this.history.push(...step.messages);
      // A step ending with a user message is a repair request (structured output).
      if (step.messages[step.messages.length - 1]?.role === 'user') this.outputRepairs++;
    }
    this.steps = record.stepCount - (this.finalizeStep ? 1 : 0);
    // The stop's limit_reached event was written with the finalize record.
    this.limitAudited = this.finalizeStep !== undefined;
    this.toolCalls = record.toolCalls;
    // Records written before the field existed have none: nothing was refused then as far as they tell.
    this.toolCallsRefused = record.toolCallsRefused ?? 0;
    this.toolCallCapExceeded = this.toolCallsRefused > 0;
    this.usage = { ...emptyUsage(), ...record.usage };
    this.committedUsage = { ...this.usage };
    // A decided step not committed yet (paused for approval, or cut short by a crash) made its model
    // call: its usage joins the run's totals when it commits, but budgets count it from now on.
    if (record.pendingStep?.usage) addUsage(this.usage, record.pendingStep.usage);
    this.committedToolCalls = record.toolCalls;
    this.committedToolCallsRefused = this.toolCallsRefused;
    this.pendingStep = record.pendingStep;
    this.approvals = approvals;
    // The latest persisted context-strategy state (a summary survives resume, not recomputed).
    let contextState: Readonly<Record<string, unknown>> | undefined;
    for (let s = 0; s < steps.length; s++) if (steps[s]!.contextState) contextState = steps[s]!.contextState;
    if (record.pendingStep?.contextState) contextState = record.pendingStep.contextState;
    this.contextState = { ...contextState };
    // Rebuild per-run governance state from committed history (once per drive, not per step).
    const history = this.history;
    for (let m = 0; m < history.length; m++) {
      const message = history[m]!;
      this.historyUpperBound += messageUpperBound(message);
      if ((message.role === 'user' || message.role === 'tool') && !this.hasMedia && hasMediaParts(message.content)) this.hasMedia = true;
      if (message.role !== 'assistant' || !message.toolCalls) continue;
      for (let c = 0; c < message.toolCalls.length; c++) {
        const call = message.toolCalls[c]!;
        this.seenCallIds.add(call.id);
        this.callsPerTool.set(call.name, (this.callsPerTool.get(call.name) ?? 0) + 1);
        const parsed = parseToolArgs(call.args, 'stop');
        this.loopDetector.observe(call.name, parsed.ok ? loopKeyArgs(gate, call.name, parsed.args).canonical : canonicalJson(call.args));
      }
    }
  }

  /** First result per identical call, for `dedupeIdenticalCalls`. */
  get dedupe(): Map<string, { content: MessageContent; isError?: boolean; code?: string }> {
    return (this.dedupeMap ??= new Map());
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stepIndex(): number {
    return this.steps;
  }

  get elapsedMs(): number {
    return monotonicMs() - this.startedMono;
  }

  /**
   * When `timeoutMs` from the run's start ends, in epoch ms from now (`ModelRequest.deadline`):
   * rounded up to a whole millisecond, since `Date.now()` is rounded down and the time left is
   * fractional — unrounded it could fall up to 1 ms before the start + timeoutMs of a run started
   * in the same millisecond.
   */
  deadlineFor(timeoutMs: number): number {
    return Math.ceil(Date.now() + Math.max(0, timeoutMs - this.elapsedMs));
  }

  /**
   * A monotonic reading the loop took moments ago in the same stretch of its own code (see
   * `markClock`), which the checks that follow at once share instead of reading the clock each.
   */
  private clockMark: number | undefined;

  /** Reads the monotonic clock and keeps the reading for the checks that follow at once (`markedElapsedMs`). */
  markClock(): number {
    return (this.clockMark = monotonicMs());
  }

  /** The kept reading, or a fresh one that is kept for the checks that follow at once. */
  markedMono(): number {
    return (this.clockMark ??= monotonicMs());
  }

  /**
   * The monotonic reading the step being decided started at (its duration does not follow the
   * wall clock); undefined for a step decided in an earlier drive (timed by its stamps).
   */
  stepStartedMono: number | undefined;

  /** Forgets the kept reading: the loop waited, or code not its own ran (a user stop policy). */
  clearClockMark(): void {
    this.clockMark = undefined;
  }

  /** `elapsedMs` by the kept reading when there is one (the built-in stop checks right after a commit). */
  get markedElapsedMs(): number {
    return (this.clockMark ?? monotonicMs()) - this.startedMono;
  }

  /** Why the run's signal was aborted, if it was. */
  get abort(): RunAbort | undefined {
    return this.abortedWith;
  }

  /** The run's signal is aborted (the same as `signal.aborted`, without its getter). */
  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /**
   * Runs `work` (a step's Decide or Act: the part that waits on the model or on tools) marked as
   * in flight, so a kill set by another process is noticed meanwhile (see `killPollMs`). Costs
   * two counter updates when the store pushes kills, and one timer when it does not.
   */
  busy<T>(work: () => Promise<T>): Promise<T> {
    // Set once before the drive: without a watcher there is nothing to tell (and no async hop to pay).
    const watcher = this.callWatcher;
    return watcher ? this.watched(watcher, work) : work();
  }

  private async watched<T>(watcher: CallWatcher, work: () => Promise<T>): Promise<T> {
    if (this.callsInFlight++ === 0) watcher.busy(this);
    try {
      return await work();
    } finally {
      if (--this.callsInFlight === 0) watcher.idle(this);
    }
  }

  /**
   * Lets the run's signal take any number of listeners: every tool call in flight listens to it,
   * so a step with more than ten parallel calls would print Node's "possible EventTarget memory
   * leak" warning for a correct program (each listener is removed when its call ends). Called
   * before a step's calls run in parallel — once per run, and never for runs that make one call
   * at a time (`setMaxListeners` on an EventTarget costs about as much as the controller itself).
   */
  allowManyListeners(): void {
    if (this.manyListeners) return;
    this.manyListeners = true;
    setMaxListeners(0, this.controller.signal);
  }

  abortWith(cause: AbortCause, detail: string): void {
    const first = this.abortedWith === undefined;
    if (first) {
      this.abortedWith = new RunAbort(cause, detail);
      this.controller.abort(this.abortedWith);
      const racing = this.modelRace;
      this.modelRace = this.raceResolve = this.raceMapError = undefined;
      racing?.(this.abortedWith);
    }
    // Hooks in progress are abandoned by every stop — also one after the first (a kill or the run's
    // deadline while an `onRunEnd` hook of an already stopped run hangs).
    if (this.hookWaits) for (const abandon of [...this.hookWaits]) abandon(first ? this.abortedWith! : new RunAbort(cause, detail));
    // A kill or a cancellation also cuts a finalize call short; the run's own timeout does not (the finalize has its grace).
    const finalizing = this.finalizeController;
    if (cause !== 'timeout' && finalizing && !finalizing.signal.aborted) finalizing.abort(new RunAbort(cause, detail));
  }

  /** Rejects the step's model call in flight (`raceModel`) with the run's abort reason. */
  private modelRace: ((reason: unknown) => void) | undefined;
  /** Resolves the step's model call in flight (`raceModel`). */
  private raceResolve: ((value: unknown) => void) | undefined;
  /** How the model call in flight maps a failure (`raceModel`). */
  private raceMapError: ((error: unknown, signal: AbortSignal) => unknown) | undefined;
  /** The handlers of the model's answer, made once per run (`raceModel`): they settle the call that holds the slot. */
  private raceHandlers: [(value: unknown) => void, (error: unknown) => void] | undefined;

  /**
   * The model's `answer`, or a rejection with the abort reason as soon as the run aborts (a model
   * that ignores its signal cannot hold the run); a failure as `mapError` maps it. One slot on the
   * run that `abortWith` settles, instead of an abort listener, a promise and a microtask per call
   * (`raceAbort`); a second call racing at once falls back to that. The slot's state lives on the
   * run and the answer's handlers are made once per run (no closures per call): at most one call
   * holds the slot, and a call freed by an abort leaves it for good (the run stays aborted), so a
   * late answer of that call settles nothing but its own, already rejected, promise.
   */
  raceModel<T>(answer: Promise<T>, mapError: (error: unknown, signal: AbortSignal) => unknown): Promise<T> {
    // `aborted` is the signal's state (only `abortWith` aborts it) without Node's checked getter.
    if (this.aborted || this.modelRace !== undefined) return raceAbort(answer, this.controller.signal, mapError);
    const race = new Promise<T>(capture);
    this.raceResolve = captured.resolve as (value: unknown) => void;
    this.modelRace = captured.reject;
    captured.resolve = captured.reject = undefined;
    this.raceMapError = mapError;
    const handlers = (this.raceHandlers ??= [(value) => this.raceSettled(value, false), (error) => this.raceSettled(error, true)]);
    answer.then(handlers[0], handlers[1]);
    return race;
  }

  /** The model's answer (or failure) for the call holding the slot, if any still does: settles it and frees the slot. */
  private raceSettled(outcome: unknown, failed: boolean): void {
    const reject = this.modelRace;
    const resolve = this.raceResolve;
    const mapError = this.raceMapError;
    // No call holds the slot: its call was rejected by an abort (the slot is never taken again).
    if (reject === undefined || resolve === undefined || mapError === undefined) return;
    this.modelRace = this.raceResolve = this.raceMapError = undefined;
    if (failed) reject(mappedFailure(mapError, outcome, this.controller.signal));
    else resolve(outcome);
  }

  /** Hooks being waited for (`untilStopped`), each abandoned when the run is stopped. */
  private hookWaits: Set<(abort: unknown) => void> | undefined;

  /**
   * Waits for a hook's `answer`, or rejects with a `RunAbort` as soon as the run is stopped
   * meanwhile (killed, cancelled, its deadline passed): a hook that hangs cannot hold the run. A
   * stop that came before the wait does not count: hooks told about a stop (`onRunEnd`, `onError`)
   * still run, until the next stop or the run's deadline. With `signal` (a finalize call's, which
   * a kill or a cancellation aborts, and its grace deadline) the wait ends when that aborts instead.
   */
  untilStopped<T>(answer: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal) return raceAbort(answer, signal);
    return new Promise<T>((resolve, reject) => {
      const waits = (this.hookWaits ??= new Set());
      const abandon = (reason: unknown) => {
        waits.delete(abandon);
        answer.catch(() => undefined);
        reject(reason);
      };
      waits.add(abandon);
      answer.then(
        (value) => {
          waits.delete(abandon);
          resolve(value);
        },
        (error: unknown) => {
          waits.delete(abandon);
          reject(error);
        },
      );
    });
  }

  /** Appends committed messages to the history (keeping its upper bound). */
  pushHistory(messages: readonly Message[]): void {
    for (const message of messages) {
      this.history.push(message);
      // Not cached per message: the incremental sum is what budgets read while the history is sent unchanged.
      this.historyUpperBound += messageUpperBoundOf(message);
    }
  }

  /** Adds priced usage of one model call; returns the priced usage. */
  addModelUsage(tokens: TokenUsage, config: ResolvedRuntimeConfig): Usage {
    const price = config.price;
    const costUsd = price ? (tokens.inputTokens * price.inputPerMillionUsd + tokens.outputTokens * price.outputPerMillionUsd) / 1_000_000 : 0;
    const priced = { inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens, costUsd };
    addUsage(this.usage, priced);
    return priced;
  }
}
