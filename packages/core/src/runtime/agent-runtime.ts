import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { inject, injectable, injectAll } from 'tsyringe';
import { z } from 'zod';
import { FullHistory, type ContextStrategy } from '../context-strategy.js';
import { AgentrtError } from '../errors/agentrt-error.js';
import { ConfigError } from '../errors/config-error.js';
import { RunError } from '../errors/run-error.js';
import { StoreError } from '../errors/store-error.js';
import type { RunEvent, StoredRunEvent } from '../events.js';
import { verifyAuditEvents, type AuditVerification } from '../governance/audit.js';
import { ToolGate } from '../governance/tool-gate.js';
import type { RuntimeHooks } from '../hooks.js';
import { ownTable, parseOptions } from '../limits.js';
import { ActiveRun, type ApprovalDecision, type BoundApproval, type RunDeps } from '../loop/active-run.js';
import { driveRun } from '../loop/drive-run.js';
import { EventLog, type ConsumerListener, type EventListener } from '../loop/event-log.js';
import { findPairingViolations } from '../loop/transcript.js';
import { describeThrown, redactAndCap } from '../loop/tool-output.js';
import { checkContent, normalizeContent } from '../content/validate.js';
import type { Message, MessageContent } from '../messages.js';
import type { ModelAdapter } from '../model.js';
import type { RunResult, RunStatus } from '../result.js';
import { outputSpecFor, type OutputMode } from '../loop/structured-output.js';
import { MemoryStore } from '../store/memory-store.js';
import { KILL_ALL_SCOPE, type Lease, type NewRunRecord, type RunRecord, type StateStore } from '../store/state-store.js';
import { coreStopPolicies } from '../stop/built-in.js';
import type { StopPolicy } from '../stop/stop-policy.js';
import { TOKENS, type Disposable } from '../tokens.js';
import type { Tool } from '../tool.js';
import { fingerprint, sha256 } from '../util/canonical-json.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../util/json-depth.js';
import { ownValue } from '../util/own.js';
import { monotonicMs, nowIso } from '../util/time.js';
import { exceedsDepth } from '../util/json-depth.js';
import { AsyncQueue } from './async-queue.js';
import { checkResumedState } from './check-resumed-state.js';
import { KillPoller } from './kill-poller.js';
import { resolveRuntimeConfig, type ResolvedRuntimeConfig, type RuntimeConfig } from './runtime-config.js';
import { isStorableId } from '../store/store-input.js';

/**
 * Options of one run. `T` is the type of `result.output` when `output` (a zod schema) is given.
 */
export interface RunOptions<T = unknown> {
  /**
   * A user message, or a whole initial transcript (system, user, …). User and tool messages may
   * hold content parts (text, images, files; see docs/messages.md), checked before the run is
   * created: malformed parts reject `run()` with `content_invalid`, oversize ones with `content_too_large`.
   */
  readonly input: string | readonly Message[];
  /**
   * Prepended as a system message: to a text `input`, or to a transcript that holds no system
   * message (one that does is `config_invalid` naming `system`: say it once, in one place).
   */
  readonly system?: string;
  /**
   * Your own run id (must be new): 1–200 of `A-Z a-z 0-9 . _ : -`, and not `.` or `..` (a URL
   * path segment of those names itself away, so the console could not address the run). Default: a random UUID.
   */
  readonly runId?: string;
  /** At most one run per key: a repeat returns the first run's result; another input with the same key is `idempotency_conflict`. */
  readonly idempotencyKey?: string;
  /** Aborting it stops the run with `cancelled`. */
  readonly signal?: AbortSignal;
  /**
   * JSON metadata stored with the run and passed to hooks and stop policies — in its JSON form
   * (`NaN` and `Infinity` as `null`, a `toJSON` value as what it gives), as a store reads it back.
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /**
   * Structured output: a zod object schema the final answer must match. `result.output` is then the
   * parsed value; an answer that does not parse or validate is fed back to the model (at most
   * `maxOutputRepairs` times), then the run stops with `output_invalid`. Default: the runtime's `output`.
   */
  readonly output?: z.ZodType<T>;
  /** Repair budget of this run (0–10). Default: the runtime's `maxOutputRepairs` (2). */
  readonly maxOutputRepairs?: number;
}

/** Options of `resume`. */
export interface ResumeOptions<T = unknown> {
  /** Decisions for paused tool calls, by tool call id (`'approve'`/`'deny'` and `true`/`false` are accepted as shorthands). */
  readonly approvals?: Readonly<Record<string, ApprovalDecision | 'approve' | 'deny' | boolean>>;
  readonly signal?: AbortSignal;
  /**
   * When another owner holds the run's lease (e.g. a crashed process whose lease has not
   * expired yet), keep trying for this long before failing with `run_conflict`. Default 0.
   */
  readonly waitForLeaseMs?: number;
  /**
   * The output schema of a run started with `run({ output })` (a structured run started with the
   * runtime's default `output` needs none). It must describe the same JSON schema, else `resume_mismatch`.
   */
  readonly output?: z.ZodType<T>;
}

// Parts are checked by `checkContent` after this shape check (typed content_invalid / content_too_large).
/** The model declares `borrowsMessages: true` (a getter that throws counts as not declared: the safe side). */
function borrowsMessages(model: ModelAdapter): boolean {
  try {
    return model.borrowsMessages === true;
  } catch {
    return false;
  }
}

/** A hook that is shown model requests (and so may keep their messages). */
function seesRequests(hook: RuntimeHooks): boolean {
  try {
    return hook?.beforeModel !== undefined || hook?.wrapModelCall !== undefined;
  } catch {
    return true;
  }
}

const contentSchema = z.union([z.string(), z.array(z.unknown())]);
const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: contentSchema }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    toolCalls: z.array(z.object({ id: z.string().min(1), name: z.string(), args: z.unknown() })).optional(),
    reasoning: z.array(z.object({ text: z.string(), providerData: z.record(z.string(), z.unknown()).optional() })).optional(),
  }),
  z.object({ role: z.literal('tool'), toolCallId: z.string().min(1), name: z.string(), content: contentSchema, isError: z.boolean().optional(), code: z.string().optional() }),
]);
const RUN_ID = /^(?!\.\.?$)[A-Za-z0-9._:-]+$/;
// Strict: a misspelt or misplaced option (`run({ input, limits })`, `timeoutMs`) is refused, not
// silently ignored — the run would go on without the limit its caller thinks it set.
/**
 * A `config_invalid` error for arguments past a method's last (`run('go', { runId })` would
 * otherwise run with its options ignored); `undefined` ones are let through (a forwarded optional).
 */
function extraArgument(method: 'run' | 'stream' | 'resume', extra: readonly unknown[]): ConfigError | undefined {
  if (!extra.some((value) => value !== undefined)) return undefined;
  const usage = method === 'resume' ? 'resume(runId, options)' : `${method}({ input, ...options }) or ${method}(input)`;
  return new ConfigError(method, `takes its options in one object: ${usage}; found ${extra.length} more argument(s)`);
}

/**
 * `run(input)` and `stream(input)`: a string or a transcript (an array without an `input` key of
 * its own) is the input; anything else is the options object (checked by `start`).
 */
function shortForm(options: string | readonly Message[] | RunOptions, method: 'run' | 'stream'): RunOptions | ConfigError {
  if (typeof options === 'string') return { input: options };
  try {
    if (Array.isArray(options) && !Object.prototype.hasOwnProperty.call(options, 'input')) {
      // Options hung on the array (`Object.assign(messages, { runId })`) would be ignored unseen.
      for (const key in options) {
        if (Object.prototype.hasOwnProperty.call(options, key) && !ARRAY_INDEX.test(key)) {
          return new ConfigError(`${method}.${key}`, `a transcript passed as ${method}(messages) carries no options: pass ${method}({ input: messages, ${JSON.stringify(key).slice(1, -1)}: … })`);
        }
      }
      return { input: options as readonly Message[] };
    }
  } catch {
    // A proxy whose trap throws: no transcript; `start` refuses it (config_invalid), not run() throwing at its caller.
  }
  return options as RunOptions;
}

/** An array index as an own key: 0, 1, … (no sign, no leading zero). */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

const runOptionsSchema = z.strictObject({
  input: z.union([z.string().min(1), z.array(messageSchema).min(1)]),
  system: z.string().optional(),
  runId: z.string().min(1).max(200).regex(RUN_ID).optional(),
  // Well-formed text: a lone surrogate would become U+FFFD in a durable store, and two keys one.
  idempotencyKey: z.string().min(1).max(500).refine(isStorableId, 'must be well-formed text (no lone UTF-16 surrogate)').optional(),
  signal: z.instanceof(AbortSignal).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  output: z.unknown().optional(),
  maxOutputRepairs: z.number().int().min(0).max(10).optional(),
});
const decisionSchema = z.strictObject({ decision: z.enum(['approve', 'deny']), reason: z.string().max(2000).optional() });
/** `{ id: { decision, reason? } }`, or the shorthands `{ id: 'approve' | 'deny' }` and `{ id: true | false }`. */
const approvalSchema = z.union([
  decisionSchema,
  z.enum(['approve', 'deny']).transform((decision) => ({ decision })),
  z.boolean().transform((ok) => ({ decision: ok ? ('approve' as const) : ('deny' as const) })),
]);
const approvalsSchema = z.record(z.string(), approvalSchema);

/**
 * Runs agents: drives the loop, enforces limits and policy, persists every step, and
 * records why every run stopped. Build one with `createRuntime(...)`, or resolve it from
 * your own tsyringe container after registering the parts under `TOKENS`.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({ model, tools: [searchDocs], limits: { maxSteps: 6 } });
 * const result = await runtime.run('Find the current API rate limits');
 * console.log(result.stopReason, result.output);
 * ```
 */
@injectable()
export class AgentRuntime<TOut = string> {
  private readonly deps: RunDeps;
  private readonly active = new Map<string, { run: ActiveRun; done: Promise<RunResult<unknown>> }>();
  /** The last `resume` of each run still in progress here: a later one waits for it (see `resume`). */
  private readonly resuming = new Map<string, Promise<unknown>>();
  private unsubscribeKills: (() => void) | undefined;
  /** Reads kill flags of runs with a call in flight when the store cannot push them. */
  private readonly killPoller: KillPoller;
  private readonly disposables: readonly Disposable[];
  /** Calls every `onEvent` hook; undefined when none is registered (then events cost nothing more). */
  private readonly observer: EventListener | undefined;
  /** The resolved configuration (limits with defaults, policy, pricing). */
  readonly config: ResolvedRuntimeConfig;

  constructor(
    @inject(TOKENS.ModelAdapter) model: ModelAdapter,
    @inject(TOKENS.StateStore, { isOptional: true }) store: StateStore | undefined,
    @inject(TOKENS.ContextStrategy, { isOptional: true }) context: ContextStrategy | undefined,
    @injectAll(TOKENS.Tool, { isOptional: true }) tools: Tool[] | undefined,
    @injectAll(TOKENS.Hook, { isOptional: true }) hooks: RuntimeHooks[] | undefined,
    @injectAll(TOKENS.StopPolicy, { isOptional: true }) stopPolicies: StopPolicy[] | undefined,
    @inject(TOKENS.RuntimeConfig, { isOptional: true }) config: RuntimeConfig | undefined,
    @injectAll(TOKENS.Disposable, { isOptional: true }) disposables: Disposable[] | undefined,
  ) {
    this.disposables = disposables ?? [];
    if (!model || typeof model !== 'object' || typeof model.generate !== 'function' || typeof model.provider !== 'string' || typeof model.model !== 'string') {
      throw new ConfigError('model', 'expected a ModelAdapter ({ provider, model, generate(request) })');
    }
    if (store !== undefined && (typeof store !== 'object' || typeof store.commitStep !== 'function')) throw new ConfigError('store', 'expected a StateStore');
    if (context !== undefined && typeof context?.prepare !== 'function') throw new ConfigError('context', 'expected a ContextStrategy ({ name, prepare(messages, ctx) })');
    for (const [i, tool] of (tools ?? []).entries()) {
      if (!tool || typeof tool.execute !== 'function' || !tool.spec) throw new ConfigError(`tools.${i}`, 'expected a tool made with defineTool()');
    }
    for (const [i, policy] of (stopPolicies ?? []).entries()) {
      if (!policy || typeof policy.check !== 'function') throw new ConfigError(`stopPolicies.${i}`, 'expected a StopPolicy ({ name, check(context) })');
    }
    this.config = resolveRuntimeConfig(config ?? {}, model);
    const gate = new ToolGate(tools ?? [], this.config.toolPolicy);
    const frozenHooks = Object.freeze([...(hooks ?? [])]);
    this.deps = {
      model,
      store: store ?? new MemoryStore(),
      context: context ?? new FullHistory(),
      gate,
      hooks: frozenHooks,
      stopPolicies: Object.freeze([...coreStopPolicies(), ...(stopPolicies ?? [])]),
      config: this.config,
      toolsFingerprint: fingerprint(gate.all.map((tool) => tool.spec)),
      lendHistory: borrowsMessages(model) && !frozenHooks.some(seesRequests),
    };
    this.killPoller = new KillPoller(this.deps.store, this.config.killPollMs);
    this.observer = eventObserver(this.deps.hooks);
  }

  /** The store this runtime persists to. */
  get store(): StateStore {
    return this.deps.store;
  }

  /**
   * Runs an agent to its stop. Equivalent to draining `stream()`. Takes the options object, or
   * just the input: a user message's text or a whole initial transcript (`run(messages)` is
   * `run({ input: messages })`). With `output` (a zod object schema), `result.output` is the
   * parsed, typed value.
   *
   * @example
   * ```ts
   * const result = await runtime.run({ input: 'Weather in Paris?', output: z.object({ tempC: z.number() }) });
   * if (result.stopReason === 'final_answer') console.log(result.output?.tempC);
   * ```
   */
  run<T>(options: RunOptions<T> & { readonly output: z.ZodType<T> }): Promise<RunResult<T>>;
  run(options: string | readonly Message[] | (RunOptions<never> & { readonly output?: undefined })): Promise<RunResult<TOut>>;
  run(options: string | readonly Message[] | RunOptions): Promise<RunResult<unknown>>;
  run(options: string | readonly Message[] | RunOptions, ...extra: readonly unknown[]): Promise<RunResult<unknown>> {
    // `run('go', { runId })` from untyped code would run with the options silently dropped.
    const misuse = extraArgument('run', extra);
    if (misuse) return Promise.reject(misuse);
    // `start` is async (it never throws synchronously): its promise is the run's, with no wrapper around it.
    const parsed = shortForm(options, 'run');
    if (parsed instanceof ConfigError) return Promise.reject(parsed);
    return this.start(parsed, undefined, false);
  }

  /**
   * Runs an agent and yields its events live; the last event (`run_finished` or `run_paused`)
   * carries the result (a structured `output` in its JSON form). Reasoning and answer text
   * stream as distinct transient events (`model_reasoning_delta`, `model_delta`).
   *
   * Leaving early — `break` out of `for await`, or `return()` on the iterator — cancels the run
   * this call started, exactly like aborting its `signal`: in-flight model and tool calls see
   * the abort, the run is recorded `stopped` / `cancelled` (`stopDetail` says the consumer
   * stopped reading), and `return()` settles once that is stored. A stream that only awaits an
   * existing run (same `idempotencyKey`) never cancels it.
   */
  stream(options: string | readonly Message[] | RunOptions, ...extra: readonly unknown[]): AsyncIterable<RunEvent> {
    // A consumer that stops reading (`break`, `return()`) cancels the run this call started:
    // recorded `cancelled`, in-flight calls aborted; `return()` settles once the stop is recorded.
    // A stream that only waits for an existing run (same idempotency key) detaches: leaving it
    // neither cancels that run nor waits for it.
    const abandon = new AbortController();
    let detach!: () => void;
    const detached = new Promise<void>((resolve) => { detach = resolve; });
    let settled: Promise<unknown> = Promise.resolve();
    const queue = new AsyncQueue<RunEvent>(async () => {
      abandon.abort();
      await Promise.race([settled, detached]);
    });
    const misuse = extraArgument('stream', extra);
    if (misuse) {
      queue.fail(misuse);
      return queue;
    }
    const input = shortForm(options, 'stream');
    if (input instanceof ConfigError) {
      queue.fail(input);
      return queue;
    }
    const listener: ConsumerListener = (event) => queue.push(event);
    // The loop gives the consumer a turn to catch up before each step's kill check (see `consumerTurn`).
    listener.caughtUp = () => queue.caughtUp;
    settled = this.start(input, listener, true, { signal: abandon.signal, detach }).then(
      (result) => {
        // A stream that only waited for an existing run (same idempotencyKey) ends as that run's own did:
        // `run_paused` for a run awaiting approval, `run_finished` otherwise.
        if (!queue.sawFinal) queue.push({ type: result.status === 'paused' ? 'run_paused' : 'run_finished', runId: result.runId, at: nowIso(), result });
        queue.end();
      },
      (error: unknown) => queue.fail(error),
    );
    return queue;
  }

  /**
   * Continues a run from its last committed step — after a pause for approval, a crash,
   * or a retryable error. A terminal run returns its recorded result unchanged.
   * Recorded tool results are replayed, never re-executed.
   */
  resume<T>(runId: string, options: ResumeOptions<T> & { readonly output: z.ZodType<T> }): Promise<RunResult<T>>;
  resume(runId: string, options?: ResumeOptions<never> & { readonly output?: undefined }): Promise<RunResult<TOut>>;
  resume(runId: string, options?: ResumeOptions): Promise<RunResult<unknown>>;
  async resume(runId: string, options: ResumeOptions = {}, ...extra: readonly unknown[]): Promise<RunResult<unknown>> {
    const misuse = extraArgument('resume', extra);
    if (misuse) throw misuse;
    // Untyped callers (a JSON body, a config) may pass null or an array: a typed error, like run()'s.
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ConfigError('resume', `expected an options object, found ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
    }
    // A misspelt option (`approval`, `waitForLease`) would be ignored: the decision never made, the wait never taken.
    for (const key of Object.keys(options)) {
      if (!RESUME_OPTION_KEYS.has(key)) throw new ConfigError(`resume.${key}`, `unknown option (known: ${[...RESUME_OPTION_KEYS].join(', ')})`);
    }
    // Own entries only, every key kept (call ids are model-chosen: `__proto__` and `constructor` are data here).
    const approvals = ownTable(options.approvals, parseOptions(approvalsSchema, options.approvals ?? {}, 'approvals'), approvalSchema as z.ZodType<ApprovalDecision>, 'approvals');
    // Resumes of one run in this runtime take turns: the lease is re-entrant for its owner, so two
    // at once would both take it (the first then fenced off with lease_lost). A later one starts
    // once the earlier has finished and sees what it left: a terminal run's result (a second
    // approval is a no-op), or a run still paused for its own decisions.
    const before = this.resuming.get(runId);
    const turn = before ? before.then(() => this.resumeNow(runId, options, approvals)) : this.resumeNow(runId, options, approvals);
    const tail = turn.catch(() => undefined);
    this.resuming.set(runId, tail);
    try {
      return await turn;
    } finally {
      if (this.resuming.get(runId) === tail) this.resuming.delete(runId);
    }
  }

  private async resumeNow(runId: string, options: ResumeOptions, approvals: Readonly<Record<string, ApprovalDecision>>): Promise<RunResult<unknown>> {
    const local = this.active.get(runId);
    if (local) return local.done;
    let record = await this.deps.store.getRun(runId);
    if (!record) throw new StoreError('run_not_found', `run ${runId} does not exist`);
    const reopen = record.status === 'failed' && record.result?.error?.retryable === true;
    if (record.status !== 'running' && record.status !== 'paused' && !reopen) return record.result!;
    if (record.toolsFingerprint !== this.deps.toolsFingerprint) {
      throw new RunError('resume_mismatch', `run ${runId} started with a different tool set; resume it with the same tools (names, descriptions and schemas)`);
    }
    const output = this.resumeOutput(record, options.output);
    const lease = await this.acquireLease(runId, options.waitForLeaseMs ?? 0);
    let run: ActiveRun | undefined;
    try {
      // Re-read under the lease: the previous owner may have moved the run on before it stopped.
      const current = (await this.deps.store.getRun(runId)) ?? record;
      if (current.status !== 'running' && current.status !== 'paused' && !(current.status === 'failed' && current.result?.error?.retryable)) return current.result!;
      record = current;
      const steps = await this.deps.store.loadSteps(runId);
      checkResumedState(record, steps);
      const log = this.newLog(record, undefined);
      // Decisions apply only to calls that are actually pending, bound to the args shown for them.
      const bound = new Map<string, BoundApproval>();
      for (const pending of record.status === 'paused' ? (record.result?.pendingApprovals ?? []) : []) {
        const decision = ownValue(approvals, pending.toolCallId);
        if (decision) bound.set(pending.toolCallId, { ...decision, argsFingerprint: pending.argsFingerprint });
      }
      try {
        run = new ActiveRun(record, steps, lease, log, bound, true, output, this.deps.gate);
      } catch (error) {
        // A shape the check above let through still never surfaces as a bare TypeError (B-55).
        if (AgentrtError.isInstance(error)) throw error;
        throw new StoreError('state_corrupt', `run ${runId}: the stored state cannot be resumed (${(error as Error)?.message ?? String(error)})`, { cause: error });
      }
      log.emit({ type: 'run_resumed', fromStep: record.stepCount, approvals: Object.keys(approvals).length });
      const events = log.unwritten;
      try {
        await this.deps.store.updateRun({ runId, status: 'running', events, lease });
      } catch (error) {
        // Fenced off before anything ran: a kill of the paused run (here or elsewhere) finished it
        // under the lease meanwhile. The approver gets that result, not the fencing error.
        if (AgentrtError.isInstance(error) && error.code === 'lease_lost') {
          const now = await this.deps.store.getRun(runId);
          if (now?.result && now.status !== 'running' && now.status !== 'paused') return now.result;
        }
        throw error;
      }
      log.markWritten(events.length);
      return await this.drive(run, options.signal, false);
    } finally {
      this.undrive(run);
      try {
        await this.deps.store.releaseLease(lease);
      } catch {
        // best effort: the lease expires on its own
      }
    }
  }

  /**
   * Stops a run: recorded in the store, so any runtime sharing it stops the run. In this
   * process in-flight calls are aborted at once; in another process a model or tool call in
   * flight is aborted as soon as that runtime hears of the flag — at once with a store that
   * pushes kills (`subscribeKills`: Redis, memory), within `killPollMs` with one that does not
   * (SQLite) — and no new call starts. A paused run is finished as `killed` directly. Killing a
   * finished run does nothing.
   *
   * `reason` must be a string (else `config_invalid`, nothing recorded); it is redacted and cut to
   * 8 192 characters before it is stored anywhere — the kill flag, the run's `stopDetail`, the
   * `run_killed` event — so a kill never fails for its reason's length.
   */
  async kill(runId: string, reason: string): Promise<void> {
    // '*' is the incident stop's scope: a run id that reads like it (from a user, a URL, a tool)
    // must not stop every run — that takes killAll. No run can be named so (createRun refuses it).
    if (runId === KILL_ALL_SCOPE) throw new ConfigError('runId', 'is "*", the scope of the incident stop: call killAll to stop every run');
    reason = this.killReason(reason);
    await this.deps.store.setKillFlag({ scope: runId, reason, at: nowIso() });
    const local = this.active.get(runId);
    if (local) {
      local.run.abortWith('killed', reason);
      await local.done.catch(() => undefined);
      return;
    }
    const record = await this.runForKill(runId);
    if (record?.status === 'paused') await this.killPaused(record, reason, 'run');
    // A finished run (before the kill, or finishing between the flag and this read) is left as it
    // is, and so is its store: no flag stays behind to kill a later retry of a failed run.
    else if (record?.status === 'completed' || record?.status === 'stopped' || record?.status === 'failed') await this.deps.store.clearKillFlag(runId);
  }

  /**
   * Incident stop: every running run stops (in every process sharing the store, with the same
   * in-flight guarantee as `kill`), paused runs are killed, and new runs are refused (recorded
   * `killed`) until `clearKill()`. `reason` is checked, redacted and bounded as in `kill`.
   */
  async killAll(reason: string): Promise<void> {
    reason = this.killReason(reason);
    await this.deps.store.setKillFlag({ scope: KILL_ALL_SCOPE, reason, at: nowIso() });
    const locals = [...this.active.values()];
    for (const local of locals) local.run.abortWith('killed', reason);
    try {
      // Each paused run is tried: one whose finish fails (a store write refused for it) does not
      // leave the runs after it paused. The first failure is reported once all were tried; the
      // flag is set, so a failed one is killed when it is resumed.
      let failure: { error: unknown } | undefined;
      // A run whose media blob the store lost is listed all the same (`mediaMissing`) and killed
      // like the others (`runForKill` reads it from the listing).
      for (const record of await this.deps.store.listRuns({ status: 'paused' })) {
        try {
          await this.killPaused(record, reason, 'all');
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    } finally {
      await Promise.all(locals.map((local) => local.done.catch(() => undefined)));
    }
  }

  /**
   * A kill reason as it may be stored: caller text (a CLI argument, a console form) that a paused
   * run's record and its audit log keep, and that another process reads from the flag. A paused run is
   * finished here, not by the loop that redacts and bounds a running run's stop detail.
   */
  private killReason(reason: unknown): string {
    if (typeof reason !== 'string') throw new ConfigError('reason', `expected a string, found ${reason === null ? 'null' : typeof reason}`);
    return redactAndCap(reason, MAX_KILL_REASON_CHARS, this.deps.config.redactor).text;
  }

  /** Ends the incident stop (or, with a run id, clears that run's flag). Killed runs stay killed. */
  async clearKill(runId?: string): Promise<void> {
    await this.deps.store.clearKillFlag(runId ?? KILL_ALL_SCOPE);
  }

  /** The stored run (status, counters, result — and its `stopReason` once it has one), or undefined. */
  async getRun(runId: string): Promise<(RunRecord & { readonly stopReason?: RunResult['stopReason'] }) | undefined> {
    const record = await this.deps.store.getRun(runId);
    return record && record.result ? { ...record, stopReason: record.result.stopReason } : record;
  }

  /** Stored runs, newest first. */
  async listRuns(query?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    return this.deps.store.listRuns(query);
  }

  /** The run's persisted events in order (the audit log). */
  async events(runId: string): Promise<StoredRunEvent[]> {
    return this.deps.store.listEvents(runId);
  }

  /** The run's transcript: input plus every committed step's messages. */
  async messages(runId: string): Promise<Message[]> {
    const record = await this.deps.store.getRun(runId);
    if (!record) throw new StoreError('run_not_found', `run ${runId} does not exist`);
    const steps = await this.deps.store.loadSteps(runId);
    return [...record.input, ...steps.flatMap((step) => step.messages)];
  }

  /**
   * Checks the audit log: contiguous sequence numbers, when the hash chain is on every link, and
   * that the log reaches the end the run's record counts (its `lastEventSeq` and chain head) — so
   * events deleted from the end of the log are detected too.
   */
  async verifyAudit(runId: string): Promise<AuditVerification> {
    // The record first: events only grow after it is read, so a log shorter than it counts lost events.
    const record = await this.deps.store.getRun(runId);
    const events = await this.deps.store.listEvents(runId);
    return verifyAuditEvents(events, record ? { lastEventSeq: record.lastEventSeq, ...(record.lastEventHash !== undefined ? { lastEventHash: record.lastEventHash } : {}) } : undefined);
  }

  /** The run's audit log as JSON Lines (one redacted event per line). */
  async exportAudit(runId: string): Promise<string> {
    const events = await this.deps.store.listEvents(runId);
    return events.map((event) => JSON.stringify(event)).join('\n') + (events.length ? '\n' : '');
  }

  /** Aborts runs driven here (as `cancelled`), waits for them to record their stop, closes plugin resources (`TOKENS.Disposable`) and the store. */
  async close(): Promise<void> {
    const locals = [...this.active.values()];
    for (const local of locals) local.run.abortWith('cancelled', 'runtime closed');
    await Promise.all(locals.map((local) => local.done.catch(() => undefined)));
    this.unsubscribeKills?.();
    this.unsubscribeKills = undefined;
    await Promise.all(this.disposables.map(async (resource) => {
      try {
        await resource.close();
      } catch {
        // closing is best effort: one failing resource must not keep the others open
      }
    }));
    await this.deps.store.close?.();
  }

  private async acquireLease(runId: string, waitMs: number): Promise<Lease> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const lease = await this.deps.store.acquireLease({ runId, owner: this.config.owner, ttlMs: this.config.leaseTtlMs });
      if (lease) return lease;
      if (Date.now() >= deadline) throw new StoreError('run_conflict', `run ${runId} is being driven by another owner`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(10, deadline - Date.now()))));
    }
  }

  /**
   * Aborts in-flight calls of local runs as soon as any process sets a kill flag (when the store
   * can push them). Subscribed only while runs are driven here (see `undrive`): the store, often
   * shared and longer-lived than this runtime (one made per request, never closed), holds no
   * listener of an idle runtime, so a dropped runtime is not kept alive by its store.
   */
  private watchKills(): void {
    if (this.unsubscribeKills || !this.deps.store.subscribeKills) return;
    this.unsubscribeKills = this.deps.store.subscribeKills((flag) => {
      if (flag.scope === KILL_ALL_SCOPE) for (const local of this.active.values()) local.run.abortWith('killed', flag.reason);
      else this.active.get(flag.scope)?.run.abortWith('killed', flag.reason);
    });
  }

  private newLog(record: RunRecord, listener: EventListener | undefined): EventLog {
    return new EventLog(record.runId, { seq: record.lastEventSeq, hash: record.lastEventHash }, this.config.redactor, this.config.hashChain, listener, this.observer);
  }

  /** The output mode of a resumed run: the stored spec, checked against the schema given now (or the runtime default). */
  private resumeOutput(record: RunRecord, given: unknown): OutputMode | undefined {
    const stored = record.structuredOutput;
    if (!stored) {
      if (given !== undefined) throw new RunError('resume_mismatch', `run ${record.runId} was started without an output schema; resume it without one`);
      return undefined;
    }
    const schema = given ?? this.config.output?.schema;
    if (schema === undefined) throw new RunError('resume_mismatch', `run ${record.runId} was started with the output schema "${stored.spec.name}"; pass it again: resume(runId, { output })`);
    const spec = given === undefined ? this.config.output!.spec : outputSpecFor(given, 'output');
    if (fingerprint(spec) !== fingerprint(stored.spec)) {
      throw new RunError('resume_mismatch', `run ${record.runId} was started with a different output schema than the one given now`);
    }
    return { schema: schema as z.ZodType, spec: stored.spec, maxRepairs: stored.maxRepairs };
  }

  private async start(raw: RunOptions, listener: EventListener | undefined, stream: boolean, abandon?: StreamAbandon): Promise<RunResult<unknown>> {
    const options = quickRunOptions(raw) ?? parseOptions(runOptionsSchema, raw, 'run');
    // Recursive walks (redaction, fingerprints, store copies) would overflow on deeper values.
    if (options.input !== undefined && typeof options.input !== 'string' && readsDeeperThan(options.input, MAX_JSON_DEPTH + 4, 'run.input')) {
      throw new ConfigError('run.input', `nested deeper than ${MAX_JSON_DEPTH} levels (or circular)`);
    }
    // Its JSON form: what the store keeps, the events record and a resumed drive reads back.
    const metadata = options.metadata !== undefined ? checkMetadata(options.metadata) : undefined;
    const limits = this.config.limits;
    let input: Message[];
    const text = typeof options.input === 'string';
    if (typeof options.input === 'string') {
      const user: Message = { role: 'user', content: options.input };
      input = options.system ? [{ role: 'system', content: options.system }, user] : [user];
    } else {
      // Parts are checked before anything is created: bad input creates no run.
      input = (options.input as Message[]).map((message, index) => {
        if (message.role !== 'user' && message.role !== 'tool') return message;
        const problem = checkContent(message.content, { where: `input.${index}.content`, maxPartBytes: limits.maxPartBytes });
        if (problem) throw problem;
        return typeof message.content === 'string' ? message : ({ ...message, content: normalizeContent(message.content as MessageContent) } as Message);
      });
      if (options.system) {
        if (input.some((message) => message.role === 'system')) {
          throw new ConfigError('system', 'is given with a transcript that already holds a system message: keep one of them');
        }
        input.unshift({ role: 'system', content: options.system });
      }
    }
    // The history is paired by construction from here on; an initial transcript must start that way (invariant I3).
    // A text input (system and user messages only) holds no tool call or result: paired as it is.
    const violations = text ? NONE : findPairingViolations(input);
    if (violations.length > 0) throw new ConfigError('run.input', `the transcript breaks tool pairing: ${violations[0]} (every assistant tool call needs exactly one result right after it)`);
    const output: OutputMode | undefined = options.output !== undefined
      ? { schema: options.output as z.ZodType, spec: outputSpecFor(options.output, 'run.output'), maxRepairs: options.maxOutputRepairs ?? this.config.maxOutputRepairs }
      : this.config.output ? { ...this.config.output, maxRepairs: options.maxOutputRepairs ?? this.config.maxOutputRepairs } : undefined;
    const structuredOutput = output ? { spec: output.spec, maxRepairs: output.maxRepairs } : undefined;
    // A text run keeps the fingerprint of earlier versions (idempotency keys stay valid across upgrades).
    const inputFingerprint = structuredOutput ? fingerprint({ input, structuredOutput }) : text ? sha256(textInputCanonicalJson(input)) : fingerprint(input);
    // node:crypto's own randomUUID (the same generator) without the `globalThis.crypto` getter and WebCrypto's receiver check.
    const runId = options.runId ?? randomUUID();
    // Built field by field in the order a spread of the optional fields gave (no object per absent field).
    const newRecord: { -readonly [K in keyof NewRunRecord]: NewRunRecord[K] } = { runId, input } as unknown as NewRunRecord;
    if (metadata) newRecord.metadata = metadata;
    if (options.idempotencyKey !== undefined) newRecord.idempotencyKey = options.idempotencyKey;
    newRecord.inputFingerprint = inputFingerprint;
    newRecord.toolsFingerprint = this.deps.toolsFingerprint;
    if (structuredOutput) newRecord.structuredOutput = structuredOutput;
    newRecord.createdAt = nowIso();
    const { run: record, created } = await this.deps.store.createRun(newRecord);
    if (!created) {
      // Only a used idempotency key may answer with an existing run: a store that answers so for a
      // run without one breaks its contract (it must create the run or throw run_conflict).
      if (options.idempotencyKey === undefined) {
        throw new StoreError('run_conflict', `the store answered "not created" for run ${JSON.stringify(runId)}, which has no idempotency key: it must create the run or refuse it as run_conflict`);
      }
      if (record.inputFingerprint !== inputFingerprint) {
        throw new StoreError('idempotency_conflict', `idempotency key ${JSON.stringify(options.idempotencyKey)} was used for a run with different input`);
      }
      abandon?.detach();
      return this.awaitExisting(record);
    }
    const lease = await this.deps.store.acquireLease({ runId, owner: this.config.owner, ttlMs: this.config.leaseTtlMs });
    if (!lease) throw new StoreError('run_conflict', `run ${runId} is already owned by another runtime`);
    let run: ActiveRun | undefined;
    try {
      const log = this.newLog(record, listener);
      run = new ActiveRun(record, [], lease, log, NO_APPROVALS, false, output, this.deps.gate);
      // The gate's frozen advertised names (the event's copy is made from them by the redaction walk, as from a fresh array).
      const started: { type: 'run_started'; messageCount: number; tools: string[]; metadata?: Readonly<Record<string, unknown>> } = { type: 'run_started', messageCount: input.length, tools: this.deps.gate.advertisedNames as string[] };
      if (metadata) started.metadata = metadata;
      log.emit(started);
      return await this.drive(run, options.signal, stream, abandon?.signal);
    } finally {
      this.undrive(run);
      try {
        await this.deps.store.releaseLease(lease);
      } catch {
        // best effort: the lease expires on its own
      }
    }
  }

  /**
   * Drives `run`, registered as active here until the caller's `undrive(run)` (in its `finally`,
   * before the lease is released). Without a caller's signal the drive's own promise is returned
   * (no async layer around it); with one, its listener is removed once the drive settles.
   */
  private drive(run: ActiveRun, signal: AbortSignal | undefined, stream: boolean, abandoned?: AbortSignal): Promise<RunResult<unknown>> {
    this.watchKills();
    this.keepLeases();
    // A store that pushes kills aborts in-flight calls at once; any other is polled while a call is in flight.
    if (!this.deps.store.subscribeKills) run.callWatcher = this.killPoller;
    if (signal || abandoned) return this.driveListening(run, signal, stream, abandoned);
    const done = driveRun(this.deps, run, stream ? STREAM : NO_STREAM);
    this.active.set(run.runId, { run, done });
    return done;
  }

  private async driveListening(run: ActiveRun, signal: AbortSignal | undefined, stream: boolean, abandoned: AbortSignal | undefined): Promise<RunResult<unknown>> {
    let onCancel: (() => void) | undefined;
    if (signal) {
      onCancel = () => run.abortWith('cancelled', 'the caller aborted the run');
      if (signal.aborted) onCancel();
      signal.addEventListener('abort', onCancel, { once: true });
    }
    let onAbandon: (() => void) | undefined;
    if (abandoned) {
      onAbandon = () => run.abortWith('cancelled', 'the stream consumer stopped reading');
      if (abandoned.aborted) onAbandon();
      abandoned.addEventListener('abort', onAbandon, { once: true });
    }
    const done = driveRun(this.deps, run, stream ? STREAM : NO_STREAM);
    this.active.set(run.runId, { run, done });
    try {
      return await done;
    } finally {
      if (onCancel) signal!.removeEventListener('abort', onCancel);
      if (onAbandon) abandoned!.removeEventListener('abort', onAbandon);
    }
  }

  /** Ends what `drive` registered: `run` is no longer driven here. */
  private undrive(run: ActiveRun | undefined): void {
    if (run && this.active.get(run.runId)?.run === run) this.active.delete(run.runId);
    if (this.active.size === 0 && this.unsubscribeKills) {
      this.unsubscribeKills();
      this.unsubscribeKills = undefined;
    }
    if (this.active.size === 0 && this.leaseKeeper !== undefined) {
      clearInterval(this.leaseKeeper);
      this.leaseKeeper = undefined;
    }
  }

  /** Renews the leases of runs driven here while they wait on a model or tool call (see `keepLeases`). */
  private leaseKeeper: ReturnType<typeof setInterval> | undefined;
  /** Runs whose lease the keeper is renewing now (a slow store is not asked twice at once). */
  private readonly renewing = new Set<ActiveRun>();

  /**
   * A run renews its lease as it commits steps (once a third of `leaseTtlMs` has passed); a model or
   * tool call longer than the lease (a reasoning model, a slow tool: the default lease is 30 s) would
   * let it expire mid-call, and another runtime's `resume` or a worker's stalled-job recovery take
   * the run over while this one still drives it (its commit then refused: `lease_lost`). One timer
   * per runtime, only while runs are driven here, renews every such run's lease each quarter of the
   * lease's time — nothing per step. A renewal that finds the lease lost changes nothing here: the
   * run's next write is refused as before.
   */
  private keepLeases(): void {
    if (this.leaseKeeper !== undefined) return;
    const ttl = this.config.leaseTtlMs;
    this.leaseKeeper = setInterval(() => {
      const now = monotonicMs();
      for (const { run } of this.active.values()) {
        if (now - run.lastRenewMono < ttl / 3 || this.renewing.has(run)) continue;
        this.renewing.add(run);
        const renewedAt = monotonicMs();
        this.deps.store.renewLease(run.lease, ttl).then(
          (renewed) => {
            this.renewing.delete(run);
            // Same owner and epoch: only the expiry moves (a lost lease is left to the run's next write).
            if (renewed && renewed.epoch === run.lease.epoch) {
              Object.assign(run.lease, renewed);
              run.lastRenewMono = Math.max(run.lastRenewMono, renewedAt);
            }
          },
          () => this.renewing.delete(run), // best effort: the run's own renewal reports a failing store
        );
      }
    }, Math.max(1, Math.floor(ttl / 4)));
    this.leaseKeeper.unref?.();
  }

  /** Returns an existing run's result, waiting while it is driven here or elsewhere (bounded by the run timeout). */
  private async awaitExisting(record: RunRecord): Promise<RunResult<unknown>> {
    const local = this.active.get(record.runId);
    if (local) return local.done;
    const deadline = Date.now() + this.config.limits.timeoutMs + this.config.leaseTtlMs;
    let current: RunRecord | undefined = record;
    while (current && current.status === 'running') {
      if (Date.now() > deadline) throw new StoreError('run_conflict', `run ${record.runId} is still running elsewhere`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = this.active.get(record.runId);
      if (again) return again.done;
      current = await this.deps.store.getRun(record.runId);
    }
    if (!current?.result) throw new StoreError('run_not_found', `run ${record.runId} disappeared`);
    return current.result;
  }

  /**
   * Kills a run seen paused. A resume of it in this runtime (an approval) is let finish first: it
   * holds the run's lease, which is re-entrant for this runtime, so finishing the run under it now
   * would fence the resume off (`lease_lost` to the approver). The resumed drive reads the kill
   * flag, already set, before any tool or model call and ends the run `killed` itself; a resume that
   * changed nothing (it failed) leaves the run paused, and it is finished here.
   */
  private async killPaused(seen: RunRecord, reason: string, scope: 'run' | 'all'): Promise<void> {
    let record: RunRecord | undefined = seen;
    for (let resuming = this.resuming.get(seen.runId); resuming; resuming = this.resuming.get(seen.runId)) {
      await resuming;
      const local = this.active.get(seen.runId);
      if (local) {
        await local.done.catch(() => undefined);
        return;
      }
      record = await this.runForKill(seen.runId);
      if (record?.status !== 'paused') return;
    }
    await this.finishIdle(record, reason, scope);
  }

  /**
   * Finishes a paused run (nobody driving it) as killed, under its lease: a resume (`approve`) in another process may
   * be taking the run over at this moment. When another owner holds the lease, that owner stops the
   * run itself (the kill flag is already set); else the run is re-read under the lease and finished
   * only if it is still paused — never a write racing the resumer's (which failed `run_conflict`).
   */
  private async finishIdle(seen: RunRecord, reason: string, scope: 'run' | 'all'): Promise<void> {
    if (this.active.has(seen.runId)) return; // driven here: aborted by the caller
    const lease = await this.deps.store.acquireLease({ runId: seen.runId, owner: this.config.owner, ttlMs: this.config.leaseTtlMs });
    if (!lease) return;
    try {
      const record = await this.runForKill(seen.runId);
      if (record?.status === 'paused') await this.finishPaused(record, reason, scope, lease);
    } finally {
      try {
        await this.deps.store.releaseLease(lease);
      } catch {
        // best effort: the lease expires on its own
      }
    }
  }

  /**
   * The run as a kill reads it: `getRun`, or — for a paused run whose media blob the store lost,
   * whose `getRun` is `state_corrupt` — its record from the paused listing (`mediaMissing`, see
   * `StateStore.listRuns`). A kill needs only its status and counters, and such a run can never be
   * resumed, so it is killed like any other instead of staying paused. Any other failure is thrown.
   */
  private async runForKill(runId: string): Promise<RunRecord | undefined> {
    try {
      return await this.deps.store.getRun(runId);
    } catch (error) {
      if (!AgentrtError.isInstance(error) || error.code !== 'state_corrupt') throw error;
      const listed = (await this.deps.store.listRuns({ status: 'paused' })).find((run) => run.runId === runId && run.mediaMissing !== undefined);
      if (!listed) throw error;
      return listed;
    }
  }

  private async finishPaused(record: RunRecord, reason: string, scope: 'run' | 'all', lease: Lease): Promise<void> {
    const log = this.newLog(record, undefined);
    const endedAt = nowIso();
    const { pendingApprovals: _pending, ...previous } = record.result ?? ({} as Partial<RunResult>);
    const result: RunResult<unknown> = {
      ...previous,
      runId: record.runId,
      status: 'stopped',
      stopReason: 'killed',
      stopDetail: reason,
      steps: record.stepCount,
      toolCalls: record.toolCalls,
      toolCallsRefused: record.toolCallsRefused ?? 0,
      usage: { ...record.usage },
      startedAt: record.createdAt,
      endedAt,
    };
    log.emit({ type: 'run_killed', reason, scope });
    log.emit({ type: 'run_finished', result });
    await this.deps.store.finishRun({ runId: record.runId, result, events: log.unwritten, lease });
  }
}

/** Drive options, shared (no object per run). */
const STREAM = Object.freeze({ stream: true });
const NO_STREAM = Object.freeze({ stream: false });
/** The approvals of a new run: none (never written: `ActiveRun.approvals` is read-only). */
const NO_APPROVALS: ReadonlyMap<string, BoundApproval> = new Map();

const NONE: readonly string[] = Object.freeze([]);

/** Longest kill reason stored (as the loop bounds a running run's stop detail). */
const MAX_KILL_REASON_CHARS = 8_192;

type ParsedRunOptions = z.output<typeof runOptionsSchema>;
const RUN_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(runOptionsSchema.shape));
const RESUME_OPTION_KEYS: ReadonlySet<string> = new Set(['approvals', 'signal', 'waitForLeaseMs', 'output']);

/**
 * The options of a run whose `input` is text and whose other fields are plain and valid — what
 * `runOptionsSchema` would give, without a zod parse. Each field is read once. Anything else
 * (a transcript, metadata, an invalid field) is left to zod (undefined), which names the field at fault.
 */
function quickRunOptions(raw: RunOptions): ParsedRunOptions | undefined {
  // zod's object check: an array (even one carrying an `input` property) is no options object.
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  // An unknown key (or keys that cannot be listed: a proxy): zod names it (config_invalid).
  try {
    for (const key in raw) if (!RUN_OPTION_KEYS.has(key)) return undefined;
  } catch {
    return undefined;
  }
  const input: unknown = raw.input;
  if (typeof input !== 'string' || input.length === 0) return undefined;
  const { system, runId, idempotencyKey, signal, metadata, output, maxOutputRepairs } = raw as { readonly [K in keyof RunOptions]: unknown };
  if (metadata !== undefined) return undefined;
  if (system !== undefined && typeof system !== 'string') return undefined;
  if (runId !== undefined && !(typeof runId === 'string' && runId.length >= 1 && runId.length <= 200 && RUN_ID.test(runId))) return undefined;
  if (idempotencyKey !== undefined && !(typeof idempotencyKey === 'string' && idempotencyKey.length <= 500 && isStorableId(idempotencyKey))) return undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) return undefined;
  if (maxOutputRepairs !== undefined && !(typeof maxOutputRepairs === 'number' && Number.isInteger(maxOutputRepairs) && maxOutputRepairs >= 0 && maxOutputRepairs <= 10)) return undefined;
  return { input, system, runId, idempotencyKey, signal, output, maxOutputRepairs } as ParsedRunOptions;
}

/**
 * `canonicalJson(input)` of a text input (an optional system message, then the user message:
 * `{ role, content }` objects of strings) without the general walk: keys sorted (`content` <
 * `role`), each string as `JSON.stringify` writes it — the same text, so the same fingerprint.
 */
function textInputCanonicalJson(input: readonly Message[]): string {
  const user = `{"content":${JSON.stringify(input[input.length - 1]!.content)},"role":"user"}`;
  return input.length === 1 ? `[${user}]` : `[{"content":${JSON.stringify(input[0]!.content)},"role":"system"},${user}]`;
}

/** How a `stream()` call tells `start` that its consumer left: `signal` aborts; `detach` marks a stream that drives no run of its own. */
interface StreamAbandon {
  readonly signal: AbortSignal;
  readonly detach: () => void;
}

/**
 * Run metadata is stored with the run and copied into events and hook contexts: it must be JSON
 * that every store can write — at most 64 levels deep, no cycles, no BigInt. Throws
 * `config_invalid` (field `run.metadata`) before anything is recorded. Returns its JSON form.
 */
function checkMetadata(metadata: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let json: string;
  try {
    // Throws for a cycle, a BigInt, nesting past the stack, or a getter, trap or `toJSON` that throws.
    json = JSON.stringify(metadata);
  } catch (error) {
    throw new ConfigError('run.metadata', `metadata must be JSON without cycles: ${describeThrown(error, 300)}`, { cause: error });
  }
  // The JSON form (NaN and Infinity as null, a `toJSON` value as what it gives, a function in an
  // array as null): the one every drive, store, event and audit hash sees — a log whose events
  // were hashed with the values as given would not verify once read back from the store.
  const form: unknown = JSON.parse(json);
  if (form === null || typeof form !== 'object' || Array.isArray(form)) throw new ConfigError('run.metadata', 'metadata must be a JSON object (its toJSON gave something else)');
  // Checked on the JSON form: a nested `toJSON` may give a deeper value than the one given.
  if (exceedsDepth(form, 64)) throw new ConfigError('run.metadata', 'metadata must be JSON nested at most 64 levels deep');
  return form as Readonly<Record<string, unknown>>;
}

/**
 * `nestsDeeperThan(value, max)` for a caller's value: a getter or a proxy trap that throws on the
 * walk makes it unreadable, a `config_invalid` naming `field` (not the thrown error, untyped).
 */
function readsDeeperThan(value: unknown, max: number, field: string): boolean {
  try {
    return nestsDeeperThan(value, max);
  } catch (error) {
    throw new ConfigError(field, `could not be read: ${describeThrown(error, 300)}`, { cause: error });
  }
}

/** One listener calling each `onEvent` hook; a hook's failure (thrown or rejected) is swallowed. */
function eventObserver(hooks: readonly RuntimeHooks[]): EventListener | undefined {
  const observers = hooks.filter((hook) => typeof hook.onEvent === 'function');
  if (observers.length === 0) return undefined;
  return (event) => {
    for (const hook of observers) {
      try {
        const returned: unknown = hook.onEvent!(event);
        if (returned instanceof Promise) returned.catch(() => undefined);
      } catch {
        // onEvent observes; it cannot break the run.
      }
    }
  };
}
