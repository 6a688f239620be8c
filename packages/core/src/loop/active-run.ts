import type { ContextStrategy } from '../context-strategy.js';
import { LoopDetector } from '../governance/loop-detector.js';
import type { ToolGate } from '../governance/tool-gate.js';
import type { RuntimeHooks } from '../hooks.js';
import { addUsage, emptyUsage, hasMediaParts, type Message, type MessageContent, type TokenUsage, type Usage } from '../messages.js';
import type { ModelAdapter } from '../model.js';
import type { ResolvedRuntimeConfig } from '../runtime/runtime-config.js';
import type { Lease, PendingStep, RunRecord, StateStore } from '../store/state-store.js';
import type { StopPolicy } from '../stop/stop-policy.js';
import { RunAbort, type AbortCause } from '../util/abort.js';
import { monotonicMs } from '../util/time.js';
import type { EventLog } from './event-log.js';
import { parseToolArgs } from './tool-args.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { OutputMode } from './structured-output.js';

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

/** In-memory state of a run while this process drives it. */
export class ActiveRun {
  readonly runId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly startedMono = monotonicMs();
  /** Input plus committed steps: always tool-paired. */
  readonly history: Message[];
  steps: number;
  toolCalls: number;
  /** Usage including the current, not yet committed step (what budgets check). */
  readonly usage: Usage;
  /** Totals of committed steps only (what results report). */
  readonly committedUsage: Usage;
  committedToolCalls: number;
  toolCallCapExceeded = false;
  pendingStep: PendingStep | undefined;
  readonly seenCallIds = new Set<string>();
  readonly callsPerTool = new Map<string, number>();
  readonly loopDetector = new LoopDetector();
  /** First result per identical call, for `dedupeIdenticalCalls`. */
  readonly dedupe = new Map<string, { content: MessageContent; isError?: boolean; code?: string }>();
  readonly approvals: ReadonlyMap<string, BoundApproval>;
  readonly controller = new AbortController();
  readonly contextState: Record<string, unknown>;
  /** Set when a strategy changed `contextState` during the current step. */
  contextStateDirty = false;
  lastRenewMono = monotonicMs();
  /** Set once the run's outcome is decided; late events are dropped after that. */
  finished = false;
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

  constructor(
    record: RunRecord,
    steps: readonly { messages: readonly Message[]; contextState?: Readonly<Record<string, unknown>> }[],
    readonly lease: Lease,
    readonly log: EventLog,
    approvals: ReadonlyMap<string, BoundApproval>,
    readonly resumed: boolean,
    output?: OutputMode,
  ) {
    this.output = output;
    this.runId = record.runId;
    this.metadata = record.metadata ?? {};
    this.startedAt = record.createdAt;
    this.history = [...record.input];
    for (const step of steps) {
      this.history.push(...step.messages);
      // A step ending with a user message is a repair request (structured output).
      if (step.messages[step.messages.length - 1]?.role === 'user') this.outputRepairs++;
    }
    this.steps = record.stepCount;
    this.toolCalls = record.toolCalls;
    this.usage = { ...emptyUsage(), ...record.usage };
    this.committedUsage = { ...this.usage };
    this.committedToolCalls = record.toolCalls;
    this.pendingStep = record.pendingStep;
    this.approvals = approvals;
    // The latest persisted context-strategy state (a summary survives resume, not recomputed).
    let contextState: Readonly<Record<string, unknown>> | undefined;
    for (const step of steps as readonly { contextState?: Readonly<Record<string, unknown>> }[]) if (step.contextState) contextState = step.contextState;
    if (record.pendingStep?.contextState) contextState = record.pendingStep.contextState;
    this.contextState = { ...contextState };
    // Rebuild per-run governance state from committed history (once per drive, not per step).
    for (const message of this.history) {
      if ((message.role === 'user' || message.role === 'tool') && !this.hasMedia && hasMediaParts(message.content)) this.hasMedia = true;
      if (message.role !== 'assistant' || !message.toolCalls) continue;
      for (const call of message.toolCalls) {
        this.seenCallIds.add(call.id);
        this.callsPerTool.set(call.name, (this.callsPerTool.get(call.name) ?? 0) + 1);
        const parsed = parseToolArgs(call.args, 'stop');
        this.loopDetector.observe(call.name, canonicalJson(parsed.ok ? parsed.args : call.args));
      }
    }
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

  /** Why the run's signal was aborted, if it was. */
  get abort(): RunAbort | undefined {
    const reason: unknown = this.controller.signal.reason;
    return this.controller.signal.aborted && reason instanceof RunAbort ? reason : undefined;
  }

  abortWith(cause: AbortCause, detail: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new RunAbort(cause, detail));
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
