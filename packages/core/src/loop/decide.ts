import { FullHistory, type ContextOverflow, type ContextPrepareContext } from '../context-strategy.js';
import { AgentrtError } from '../errors/agentrt-error.js';
import { ConfigError } from '../errors/config-error.js';
import { ModelError } from '../errors/model-error.js';
import type { RunEventInput } from '../events.js';
import type { HookContext } from '../hooks.js';
import { findPrice, type ModelPrice } from '../limits.js';
import { checkSupported } from '../content/validate.js';
import { addUsage, emptyUsage, type AssistantMessage, type Message, type ReasoningPart, type ToolCall, type Usage } from '../messages.js';
import type { FinishReason, ModelRequest, ModelResponse } from '../model.js';
import type { ModelRetryInfo } from '../model/retry.js';
import type { PendingStep } from '../store/state-store.js';
import { isWellFormedText } from '../store/store-input.js';
import { raceAbort } from '../util/abort.js';
import { canonicalJson, sha256 } from '../util/canonical-json.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../util/json-depth.js';
import { nowIso } from '../util/time.js';
import { sharedJsonCopy } from '../util/json-copy.js';
import { MAX_STORED_DEPTH } from '../store/storable-value.js';
import type { ActiveRun, RunDeps } from './active-run.js';
import { callHook, callWrapped, hooksWith, isPromise } from './hook-runner.js';
import { pairToolMessages } from './transcript.js';
import { budgetForCall, outputAllowance } from './budget.js';
import { boundArgs, TOO_DEEP_ARGS } from './tool-args.js';
import { hookRequest, hookResponse } from './hook-answers.js';
import { describeThrown } from './tool-output.js';


/** A stop decided before the model call: the budgets left no room for it. */
export interface BudgetStop {
  readonly stop: { readonly reason: 'token_budget' | 'cost_budget'; readonly detail: string };
}

/**
 * Builds the request (context strategy, pairing, hooks), checks it against the budgets, calls
 * the model, validates and persists the decision. Returns a `BudgetStop` instead when the call
 * does not fit a budget (no call is made).
 */
export async function decide(deps: RunDeps, run: ActiveRun, options: { stream: boolean }): Promise<PendingStep | BudgetStop> {
  const stepIndex = run.stepIndex;
  // The step started with its `step_started` event (stamped just before; the onStepStart hooks are part of the step).
  const startedAt = run.stepStartedAt || nowIso();
  run.stepStartedAt = '';
  // Read by hooks only: none made for a runtime without hooks.
  const hookContext: HookContext | undefined = deps.hooks.length > 0 ? { runId: run.runId, stepIndex, metadata: run.metadata } : undefined;
  const stepUsage = emptyUsage();

  const historyLength = run.history.length;
  // The default strategy sends the history as it is: no context object to build, no async hop.
  const context = deps.context;
  let snapshot: readonly Message[] | undefined;
  let prepared: readonly Message[];
  // A model that borrows the messages gets the history itself (it never changes while the call is in flight).
  if (context instanceof FullHistory && context.prepare === FullHistory.prototype.prepare) prepared = snapshot = deps.lendHistory ? run.history : run.history.slice();
  else ({ snapshot, prepared } = await strategyContext(deps, run, stepIndex, stepUsage, undefined));

  const onRetry = (info: ModelRetryInfo) => run.log.emit({ type: 'model_retry', stepIndex, code: info.code, attempt: info.attempt, delayMs: info.delayMs });
  const built = requestFor(deps, run, snapshot, prepared, hookContext, onRetry);
  let { request, repaired } = isPromise(built) ? await built : built;

  let response: ModelResponse | undefined;
  let hookMax = request.maxOutputTokens;
  let calls = 0;
  let overflowRetried = false;
  for (let attempt = 1; attempt <= 2; attempt++) {
    // Budgets are checked before every call (a retry after an empty answer too), with room kept for a finalize call.
    const budget = budgetForCall(deps, run, request, { reserveFinalize: true, unchangedHistory: request.messages === snapshot });
    if (budget.stop) return { stop: budget.stop };
    const maxOutputTokens = minDefined(hookMax, budget.maxOutputTokens);
    if (maxOutputTokens !== request.maxOutputTokens) request = { ...request, maxOutputTokens };
    emitModelRequest(deps, run, request, stepIndex, historyLength, repaired, ++calls, maxOutputTokens);
    let answered: ModelResponse;
    try {
      answered = await wrappedModelCall(deps, run, request, stepIndex, hookContext, options.stream);
    } catch (error) {
      // The provider found the request too long (RELIABILITY F-08): the context strategy is asked
      // once more, told so; a shorter request is sent once. Unchanged (the full history), or over
      // again, the run stops with `context_overflow`: never a loop of retries.
      if (overflowRetried || !AgentrtError.isInstance(error) || error.code !== 'context_overflow') throw error;
      overflowRetried = true;
      const shorter = await shorterRequest(deps, run, stepIndex, stepUsage, hookContext, onRetry, request);
      if (!shorter) throw error;
      run.log.emit({ type: 'model_retry', stepIndex, code: 'context_overflow', attempt: calls, delayMs: 0 });
      ({ request, repaired, snapshot } = shorter);
      hookMax = request.maxOutputTokens;
      attempt--;
      continue;
    }
    response = countedResponse(deps, run, answered, stepUsage);
    if (hookContext) response = await afterModelHooks(deps, run, response, hookContext);
    response = auditedResponse(run, response, stepIndex);
    const empty = !response.message.content && !response.message.toolCalls?.length;
    if (!empty) break;
    if (attempt === 2) {
      throw new ModelError('model_output_invalid', `the model returned neither text nor tool calls twice (finish reason ${response.finishReason})`);
    }
  }
  const decision = decisionOf(deps, run, response!, stepIndex, stepUsage, startedAt);
  if (needsDurableDecision(deps, decision.message)) {
    // Durable before any tool runs (crash point CP3): a resumed run acts on this decision without asking again,
    // so side-effecting calls keep their ids and ledger entries across a crash.
    await deps.store.saveDecision({ runId: run.runId, decision, lease: run.lease });
  }
  return decision;
}

// The parts of `decide` around its model call, apart from it: its async frame keeps fewer registers.

/** The `model_request` event of call `callNumber`. */
function emitModelRequest(deps: RunDeps, run: ActiveRun, request: ModelRequest, stepIndex: number, historyLength: number, repaired: number, callNumber: number, maxOutputTokens: number | undefined): void {
  const tools = request.tools === deps.gate.advertised ? deps.gate.advertisedNames : request.tools.map((t) => t.name);
  const messageCount = request.messages.length;
  // Ends with the slots `emit` stamps (see `EventSlots`), after every field of the event.
  run.log.emit(maxOutputTokens === undefined
    ? { type: 'model_request', stepIndex, messageCount, historyMessages: historyLength, repairedPairs: repaired, tools, attempt: callNumber, runId: '', at: '', seq: 0 }
    : { type: 'model_request', stepIndex, messageCount, historyMessages: historyLength, repairedPairs: repaired, tools, attempt: callNumber, maxOutputTokens, runId: '', at: '', seq: 0 });
}

/** The model's answer checked, its usage counted (before hooks run: the tokens are spent whatever a hook does with the answer). */
function countedResponse(deps: RunDeps, run: ActiveRun, answered: ModelResponse, stepUsage: Usage): ModelResponse {
  const response = validateResponse(answered);
  addUsage(stepUsage, run.addModelUsage(response.usage, deps.config));
  return response;
}

/**
 * The response with its message's shared copy, audited by its `model_response` event. One
 * deep-frozen JSON-exact copy of the message is what its audit event and the committed step both
 * keep, and what the step acts on from here on — its tool calls, the committed step, the history
 * the next call is sent: a hook or adapter changing the message it still holds changes none of them.
 */
function auditedResponse(run: ActiveRun, given: ModelResponse, stepIndex: number): ModelResponse {
  const shared = sharedCopy(given.message);
  const response = shared ? { ...given, message: shared } : given;
  run.log.emit({ type: 'model_response', stepIndex, message: auditedMessage(response.message), usage: response.usage, finishReason: response.finishReason, runId: '', at: '', seq: 0 });
  return response;
}

/** The step's decision: its calls normalized (ids assigned or renamed, arguments bounded). */
function decisionOf(deps: RunDeps, run: ActiveRun, response: ModelResponse, stepIndex: number, stepUsage: Usage, startedAt: string): PendingStep {
  const message = normalizeCalls(response.message, run, stepIndex, deps.model.capabilities?.reusesToolCallIds === true);
  return run.contextStateDirty
    ? { stepIndex, message, usage: stepUsage, finishReason: response.finishReason, startedAt, contextState: { ...run.contextState } }
    : { stepIndex, message, usage: stepUsage, finishReason: response.finishReason, startedAt };
}

/**
 * A strategy's messages for this step, and the history copy they are when the history goes out
 * unchanged (`prepared === snapshot`). A strategy that `borrowsHistory` reads the run's own array
 * (no O(history) copy per step); only when it hands that array back is it copied, because a model
 * may keep `request.messages` and must not see later appends. Any other strategy gets a copy.
 */
async function strategyContext(deps: RunDeps, run: ActiveRun, stepIndex: number, stepUsage: Usage, overflow: ContextOverflow | undefined): Promise<{ snapshot: readonly Message[] | undefined; prepared: readonly Message[] }> {
  const history = run.history;
  const borrowed = deps.context.borrowsHistory === true;
  const given = borrowed ? history : history.slice();
  // A strategy that never settles (a summarizer model that ignores its signal) cannot outlive the run's timeout or a kill.
  const preparing = deps.context.prepare(given, contextFor(deps, run, stepIndex, stepUsage, run.signal, false, overflow));
  const prepared = isPromise(preparing) ? await raceAbort(preparing, run.signal) : preparing;
  if (!borrowed) return { snapshot: given, prepared };
  if (prepared !== history) return { snapshot: undefined, prepared };
  const snapshot = deps.lendHistory ? history : history.slice();
  return { snapshot, prepared: snapshot };
}

/** A built request and the repaired-pairs count its `model_request` event reports. */
interface BuiltRequest {
  readonly request: ModelRequest;
  readonly repaired: number;
}

/**
 * The request for prepared messages: pairing repaired where a strategy rewrote the history, the
 * `beforeModel` hooks applied (only then is anything awaited), content checked against the model.
 */
function requestFor(deps: RunDeps, run: ActiveRun, snapshot: readonly Message[] | undefined, prepared: readonly Message[], hookContext: HookContext | undefined, onRetry: ModelRequest['onRetry']): BuiltRequest | Promise<BuiltRequest> {
  // The history is paired by construction; only a strategy's rewrite needs the repair pass.
  const { messages, repaired } = prepared === snapshot ? { messages: snapshot as Message[], repaired: 0 } : pairToolMessages(prepared);
  const deadline = runDeadline(deps, run);
  const request: ModelRequest = run.output
    ? { messages, tools: deps.gate.advertised, output: run.output.spec, signal: run.signal, deadline, onRetry }
    : { messages, tools: deps.gate.advertised, signal: run.signal, deadline, onRetry };
  if (hookContext) return hookedRequest(deps, run, request, repaired, snapshot, hookContext, onRetry);
  checkContent(deps, run, request, snapshot);
  return { request, repaired };
}

/** When the run's wall-clock limit (`limits.timeoutMs`) aborts this drive, in epoch milliseconds (`ModelRequest.deadline`). */
function runDeadline(deps: RunDeps, run: ActiveRun): number {
  return run.deadlineAt ?? run.deadlineFor(deps.config.limits.timeoutMs);
}

/** `requestFor` with `beforeModel` hooks: they may replace the request (its messages then re-paired). */
async function hookedRequest(deps: RunDeps, run: ActiveRun, given: ModelRequest, givenRepaired: number, snapshot: readonly Message[] | undefined, hookContext: HookContext, onRetry: ModelRequest['onRetry']): Promise<BuiltRequest> {
  // What the messages were before the hooks, to tell an edit made in place (a JavaScript hook
  // ignoring `readonly`): the history itself when they are its snapshot, else a shallow copy.
  const givenMessages = given.messages;
  const before = givenMessages === snapshot ? run.history : givenMessages.slice();
  let request = await beforeModelHooks(deps, run, given, hookContext, onRetry);
  let repaired = givenRepaired;
  // Messages a hook wrote into the request it was given, or edited in place, are checked as a
  // returned request's are (an array of messages, else `hook_failed`), then as a rewrite: paired
  // again (a tool result left without its call is a 400 at every provider), budgeted and checked whole.
  if (request.messages !== givenMessages || !sameMessages(givenMessages, before)) {
    request = hookRequest(request, { signal: run.signal, deadline: request.deadline, onRetry });
    const paired = pairToolMessages(request.messages);
    repaired = paired.repaired;
    request = { ...request, messages: paired.messages };
  }
  checkContent(deps, run, request, snapshot);
  return { request, repaired };
}

/** The same messages (by identity) in the same order. */
function sameMessages(a: readonly Message[], b: readonly Message[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Content the model cannot take fails here, before any request is sent. Without media in the
 * history and with the history sent unchanged there is nothing to check (the common, cheap case).
 * A tool may say how to avoid its parts (e.g. an MCP server's `media: 'text'`): that hint joins the error.
 */
function checkContent(deps: RunDeps, run: ActiveRun, request: ModelRequest, snapshot: readonly Message[] | undefined): void {
  if (request.messages !== snapshot) {
    const unsupported = checkSupported(request.messages, deps.model, 0, hintsOf(deps));
    if (unsupported) throw unsupported;
  } else if (run.hasMedia && snapshot) {
    // The history as it is: only the messages added since the last check are new (O(new), not O(history)).
    const unsupported = checkSupported(snapshot, deps.model, run.supportedUpTo, hintsOf(deps));
    if (unsupported) throw unsupported;
    run.supportedUpTo = snapshot.length;
  }
}

/**
 * After the provider refused `refused` as too long: the strategy prepares the step again, told
 * so (`context.overflow`). Undefined when that gives the same messages (nothing shorter to send).
 */
async function shorterRequest(deps: RunDeps, run: ActiveRun, stepIndex: number, stepUsage: Usage, hookContext: HookContext | undefined, onRetry: ModelRequest['onRetry'], refused: ModelRequest): Promise<(BuiltRequest & { snapshot: readonly Message[] | undefined }) | undefined> {
  const { snapshot, prepared } = await strategyContext(deps, run, stepIndex, stepUsage, { messages: refused.messages.length });
  const built = requestFor(deps, run, snapshot, prepared, hookContext, onRetry);
  const { request, repaired } = isPromise(built) ? await built : built;
  const same = request.messages.length === refused.messages.length && request.messages.every((message, i) => message === refused.messages[i]);
  return same ? undefined : { request, repaired, snapshot };
}

/** The `beforeModel` hooks, in order: each may replace the request (the run's signal, deadline and retry listener are kept, also when a hook writes into the request). Apart from `decide`, whose frame then captures nothing for their closures. */
async function beforeModelHooks(deps: RunDeps, run: ActiveRun, given: ModelRequest, hookContext: HookContext, onRetry: ModelRequest['onRetry']): Promise<ModelRequest> {
  let request = given;
  // Taken before any hook runs: a hook may also write into the request it was given.
  const deadline = given.deadline;
  for (const hook of deps.hooks) {
    const replaced = await callHook('beforeModel', () => hook.beforeModel?.(request, hookContext), run);
    if (replaced) request = hookRequest(replaced, { signal: run.signal, deadline, onRetry });
  }
  if (request.signal !== run.signal || request.deadline !== deadline || request.onRetry !== onRetry) request = { ...request, signal: run.signal, deadline, onRetry };
  return request;
}

/** The `afterModel` hooks, in order: each may replace the response (its usage stays what was spent). */
async function afterModelHooks(deps: RunDeps, run: ActiveRun, given: ModelResponse, hookContext: HookContext): Promise<ModelResponse> {
  let response = given;
  let called = false;
  for (const hook of deps.hooks) {
    if (typeof hook.afterModel !== 'function') continue;
    called = true;
    const replaced = await callHook('afterModel', () => hook.afterModel!(response, hookContext), run);
    if (replaced) response = hookResponse(replaced, given.usage);
  }
  // A hook may also have written into the response it was given (a JavaScript hook ignoring
  // `readonly`): what goes on is checked as a returned response is, its usage what was spent.
  return called ? hookResponse(response, given.usage) : response;
}

/** How a tool says its parts can be avoided (an MCP server's `media: 'text'`), for the capability error. */
function hintsOf(deps: RunDeps): (name: string) => string | undefined {
  return (name) => deps.gate.find(name)?.unsupportedContentHint;
}

/** The smaller of two optional caps. */
export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/**
 * The price of the model a context strategy calls (a summarizer), default the run's. Under a cost
 * cap a model with no price is `config_invalid` — asked before the call (`outputAllowance`), the
 * call is not made — as the run's own model is at construction: never a silent $0 that lets a
 * strategy's calls spend past the cap.
 */
function strategyPrice(deps: RunDeps, model: { provider: string; model: string } | undefined): ModelPrice | undefined {
  if (!model) return deps.config.price;
  const price = findPrice(deps.config.pricing, model.provider, model.model);
  if (!price && deps.config.limits.maxCostUsd !== undefined) {
    const name = `${String(model.provider)}:${String(model.model)}`.slice(0, 200);
    throw new ConfigError('limits.maxCostUsd', `a cost cap needs a price for "${name}", the model a context strategy calls; add it to options.pricing`);
  }
  return price;
}

/** What a context strategy sees while preparing one request (`signal`: the run's, or the finalize call's). */
export function contextFor(deps: RunDeps, run: ActiveRun, stepIndex: number, stepUsage: Usage, signal: AbortSignal, finalize = false, overflow?: ContextOverflow): ContextPrepareContext {
  return {
    runId: run.runId,
    stepIndex,
    signal,
    ...(finalize ? {} : { deadline: runDeadline(deps, run) }),
    ...(overflow ? { overflow } : {}),
    tools: deps.gate.advertised,
    model: { provider: deps.model.provider, model: deps.model.model },
    addUsage(given, model) {
      const usage = { inputTokens: tokenCount(given?.inputTokens), outputTokens: tokenCount(given?.outputTokens) };
      const price = strategyPrice(deps, model);
      const costUsd = price ? (usage.inputTokens * price.inputPerMillionUsd + usage.outputTokens * price.outputPerMillionUsd) / 1_000_000 : 0;
      const priced = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd };
      addUsage(run.usage, priced);
      addUsage(stepUsage, priced);
    },
    outputAllowance(inputTokens, model, next) {
      const price = strategyPrice(deps, model);
      return outputAllowance(deps, run, inputTokens, price, !finalize, next);
    },
    state: {
      get: (key) => run.contextState[key],
      set: (key, value) => {
        run.contextState[key] = value;
        run.contextStateDirty = true;
      },
    },
  };
}

/** The model call, inside the `wrapModelCall` hooks when any is registered. It is aborted by `request.signal`. */
export function wrappedModelCall(deps: RunDeps, run: ActiveRun, request: ModelRequest, stepIndex: number, hookContext: HookContext | undefined, stream: boolean): Promise<ModelResponse> {
  // No hooks (no hook context): no list of wrappers to build.
  const wrappers = hookContext ? hooksWith(deps.hooks, 'wrapModelCall') : undefined;
  if (!wrappers || wrappers.length === 0 || !hookContext) return callModel(deps, run, request, stepIndex, stream);
  const call = () => callModel(deps, run, request, stepIndex, stream);
  const info = { request, provider: deps.model.provider, model: deps.model.model, stream: stream && typeof deps.model.stream === 'function' };
  return callWrapped('wrapModelCall', wrappers.map((hook) => (next: () => Promise<ModelResponse>) => hook.wrapModelCall!(info, hookContext, next)), call, 'throw', run, request.signal);
}

function callModel(deps: RunDeps, run: ActiveRun, request: ModelRequest, stepIndex: number, stream: boolean): Promise<ModelResponse> {
  const model = deps.model;
  const signal = request.signal;
  try {
    // Without streaming the adapter's own promise is raced (no async wrapper: a fast model settles
    // before the race would add its abort listener). A model that ignores the signal cannot hold
    // the run: the race settles on abort. A failure comes out as `modelFailure` maps it.
    const answer = !stream || !model.stream ? Promise.resolve(model.generate(request)) : streamedCall(deps, run, request, stepIndex);
    // The step's call races the run's own abort through one slot on the run (no listener per call).
    return signal === run.signal ? run.raceModel(answer, modelFailure) : raceAbort(answer, signal, modelFailure);
  } catch (error) {
    // `generate` threw instead of rejecting.
    return Promise.reject(modelFailure(error, signal));
  }
}

/**
 * What a failed model call throws: the abort reason once aborted, a typed error as it is, anything
 * else as `model_unavailable` — or, when the failure cannot even be read as text, what reading it threw.
 */
function modelFailure(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  try {
    if (AgentrtError.isInstance(error)) return error;
    return new ModelError('model_unavailable', `the model call failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } catch (thrown) {
    return thrown;
  }
}

/** A streamed model call: deltas become transient run events; resolves to the stream's final response. */
async function streamedCall(deps: RunDeps, run: ActiveRun, request: ModelRequest, stepIndex: number): Promise<ModelResponse> {
  let final: ModelResponse | undefined;
  // Deltas are redacted as a stream: a secret split across deltas is held back until it can be seen whole.
  const deltas = deps.config.redactor.textStream();
  const reasoning = deps.config.redactor.textStream();
  const emitDelta = (text: string) => text && run.log.emitTransient({ type: 'model_delta', stepIndex, text });
  const emitReasoning = (text: string) => text && run.log.emitTransient({ type: 'model_reasoning_delta', stepIndex, text });
  const signal = request.signal;
  for await (const event of deps.model.stream!(request)) {
    // A stream that ignores its signal is not read on once the call was given up (a kill, a timeout):
    // an endless one would keep the process busy in a microtask loop, and its deltas would outlive the run.
    if (signal.aborted) throw signal.reason;
    if (event.type === 'text_delta') emitDelta(deltas.push(event.text));
    else if (event.type === 'reasoning_delta') emitReasoning(reasoning.push(event.text));
    else if (event.type === 'response') final = event.response;
  }
  emitReasoning(reasoning.end());
  emitDelta(deltas.end());
  if (!final) throw new ModelError('model_unavailable', 'the model stream ended without a final response');
  return final;
}


/** Checks an adapter's (or a hook's) response: an assistant message, well-formed calls and reasoning; usage made sane. */
export function validateResponse(response: unknown): ModelResponse {
  try {
    return checkedResponse(response);
  } catch (error) {
    // A getter or proxy trap in what the adapter returned threw: the answer cannot be read, so it is invalid output.
    if (AgentrtError.isInstance(error)) throw error;
    throw new ModelError('model_output_invalid', `the model adapter returned a response that could not be read: ${describeThrown(error, 500)}`, { cause: error });
  }
}

/** The finish reasons a response may give (`FinishReason`); any other value is reported as `other`. */
const FINISH_REASONS: ReadonlySet<unknown> = new Set<FinishReason>(['stop', 'tool_calls', 'length', 'content_filter', 'error', 'other']);

function checkedResponse(response: unknown): ModelResponse {
  const r = response as Partial<ModelResponse> | undefined;
  const message = r?.message as Partial<AssistantMessage> | undefined;
  if (!r || !message || message.role !== 'assistant' || typeof message.content !== 'string') {
    throw new ModelError('model_output_invalid', 'the model adapter returned a response without an assistant message');
  }
  if (message.toolCalls !== undefined && !Array.isArray(message.toolCalls)) {
    throw new ModelError('model_output_invalid', 'toolCalls must be an array');
  }
  let toolCalls = message.toolCalls;
  for (const call of toolCalls ?? []) {
    if (!call || typeof call !== 'object' || typeof call.name !== 'string') throw new ModelError('model_output_invalid', 'a tool call has no name');
  }
  // Arguments nested thousands deep would overflow every recursive walk after this point
  // (redaction, fingerprints, store copies): they become a marker text, which the loop answers
  // with an error tool result the model sees (`tool_args_invalid`, `schema`, as `boundArgs` does).
  if (toolCalls?.some((call) => nestsDeeperThan(call.args, MAX_JSON_DEPTH))) {
    toolCalls = toolCalls.map((call) => (nestsDeeperThan(call.args, MAX_JSON_DEPTH) ? { ...call, args: TOO_DEEP_ARGS } : call));
  }
  if (message.reasoning !== undefined) {
    if (!Array.isArray(message.reasoning)) throw new ModelError('model_output_invalid', 'reasoning must be an array of { text, providerData? }');
    for (const part of message.reasoning as unknown[]) {
      const r = part as Partial<ReasoningPart> | null;
      if (!r || typeof r !== 'object' || typeof r.text !== 'string' || (r.providerData !== undefined && (typeof r.providerData !== 'object' || r.providerData === null || Array.isArray(r.providerData)))) {
        throw new ModelError('model_output_invalid', 'a reasoning part must be { text: string, providerData?: object }');
      }
    }
  }
  const usage = r.usage ?? { inputTokens: 0, outputTokens: 0 };
  const count = tokenCount;
  const out: { -readonly [K in keyof ModelResponse]: ModelResponse[K] } = {
    message: (toolCalls === message.toolCalls ? message : { ...message, toolCalls }) as AssistantMessage,
    usage: { inputTokens: count(usage.inputTokens), outputTokens: count(usage.outputTokens) },
    finishReason: FINISH_REASONS.has(r.finishReason) ? r.finishReason! : 'other',
  };
  if (typeof r.model === 'string' && r.model) out.model = r.model;
  if (typeof r.id === 'string' && r.id) out.id = r.id;
  return out;
}

/**
 * The most tokens one model call is counted: a thousand times the largest context window offered
 * in 2026. A server reporting more (`1e308`) is read as this much — the budget still stops the run
 * — and a run's totals, summed here and by the stores, stay exact integers over any number of steps.
 */
const MAX_CALL_TOKENS = 1_000_000_000;

/** A token count as reported: a whole number from 0 to `MAX_CALL_TOKENS`; anything else (negative, NaN, text) is 0. */
function tokenCount(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), MAX_CALL_TOKENS) : 0;
}

/**
 * Assigns ids to calls that lack one. An id repeated within the response is invalid output; one
 * used earlier in the run is too, unless the adapter declares `reusesToolCallIds` (ids unique only
 * per response): then the call gets a fresh id, `<id>_<stepIndex>` (`_<n>` added while taken).
 */
function normalizeCalls(message: AssistantMessage, run: ActiveRun, stepIndex: number, renameReused: boolean): AssistantMessage {
  if (!message.toolCalls?.length) {
    if (!message.toolCalls) return message;
    return { role: 'assistant', content: message.content, ...(message.reasoning?.length ? { reasoning: message.reasoning } : {}) };
  }
  // One call (the common step) needs no set to find a repeat within the response.
  const given = message.toolCalls;
  const ids = given.length > 1 ? new Set<string>() : undefined;
  // The ids this response ends up with (a renamed id must not take one another call was given).
  const final = renameReused && given.length > 1 ? new Set<string>() : undefined;
  let calls: ToolCall[] | undefined;
  // The ids the model gave (built once, only when a call lacks one): an id assigned here must take none of them.
  let raw: Set<unknown> | undefined;
  for (let index = 0; index < given.length; index++) {
    const call = given[index]!;
    let id = call.id;
    if (typeof id !== 'string' || id === '') {
      raw ??= new Set(given.map((c) => c.id));
      id = assignedCallId(stepIndex, index, run.seenCallIds, raw, ids);
    }
    // The id keys the call's ledger entry: one no store can keep apart from another (a lone
    // surrogate, which UTF-8 drivers turn into U+FFFD) is refused like a reused one.
    if (!isWellFormedText(id)) {
      throw new ModelError('model_output_invalid', `the model returned tool call id ${JSON.stringify(id.slice(0, 80))} that is not well-formed text (a lone UTF-16 surrogate)`);
    }
    if (ids?.has(id)) throw new ModelError('model_output_invalid', `the model repeated tool call id "${id}" in one response`);
    ids?.add(id);
    if (run.seenCallIds.has(id) || final?.has(id)) {
      if (!renameReused) {
        throw new ModelError('model_output_invalid', `the model reused tool call id "${id}" of an earlier step for a different invocation (a provider whose ids are unique only per response, such as Kimi K2/K3, needs the adapter option capabilities: { reusesToolCallIds: true })`);
      }
      raw ??= new Set(given.map((c) => c.id));
      id = freshCallId(id, stepIndex, run.seenCallIds, final, raw);
    }
    final?.add(id);
    // Arguments nested beyond what any consumer can serialize are cut (and then rejected as too deep), never kept whole.
    const args = boundArgs(call.args);
    const kept = id === call.id && args === call.args ? call : { ...call, id, args };
    if (kept !== call && !calls) calls = given.slice(0, index);
    calls?.push(kept);
  }
  return calls ? { ...message, toolCalls: calls } : message;
}

/**
 * The id of a call the model gave none: `call_<stepIndex>_<index>` (`_<n>` added while taken), one
 * no earlier step used and no call of this response was given or assigned (never taken for a repeat).
 */
function assignedCallId(stepIndex: number, index: number, seen: ReadonlySet<string>, raw: ReadonlySet<unknown>, given: ReadonlySet<string> | undefined): string {
  return firstFree(`call_${stepIndex}_${index}`, (candidate) => seen.has(candidate) || raw.has(candidate) || given?.has(candidate) === true);
}

/** `<id>_<stepIndex>` (`_<n>` added while taken): one no earlier step nor this response uses (an id the model gave a later call included). */
function freshCallId(id: string, stepIndex: number, seen: ReadonlySet<string>, final: ReadonlySet<string> | undefined, given: ReadonlySet<unknown>): string {
  return firstFree(`${id}_${stepIndex}`, (candidate) => seen.has(candidate) || final?.has(candidate) === true || given.has(candidate));
}

/** `base`, or `base_<n>` with the first n from 1 that is not `taken`. */
function firstFree(base: string, taken: (candidate: string) => boolean): string {
  let candidate = base;
  for (let n = 1; taken(candidate); n++) candidate = `${base}_${n}`;
  return candidate;
}

/**
 * A shared copy of the model's message (`sharedJsonCopy`): what a JSON round trip gives, deep-frozen,
 * which the `model_response` event and the committed step keep as one object. Undefined when the
 * message cannot be copied so (a BigInt, a throwing getter or `toJSON`, nesting beyond what a store
 * keeps): the event and the store then make their own copies, each reporting what it found.
 */
function sharedCopy(message: AssistantMessage): AssistantMessage | undefined {
  try {
    return sharedJsonCopy(message, MAX_STORED_DEPTH);
  } catch {
    return undefined;
  }
}

/**
 * The assistant message as the audit log records it: reasoning text kept, each part's opaque
 * `providerData` (signatures, encrypted or redacted thinking) replaced by its hash and size.
 */
export function auditedMessage(message: AssistantMessage): AssistantMessage {
  if (!message.reasoning?.some((part) => part.providerData !== undefined)) return message;
  return {
    ...message,
    reasoning: message.reasoning.map((part) => {
      if (part.providerData === undefined) return part;
      const json = canonicalJson(part.providerData);
      return { text: part.text, providerData: { sha256: sha256(json), chars: json.length } };
    }),
  };
}

/**
 * A step needs its decision persisted before acting when any call may have an effect
 * (a tool declared `idempotent` or `non-idempotent`, or one that may pause for approval).
 * A step of only pure (`none`) tools can simply be re-decided after a crash.
 */
export function needsDurableDecision(deps: RunDeps, message: AssistantMessage): boolean {
  const calls = message.toolCalls;
  if (!calls) return false;
  // Indexed (no iterator object per check: this runs twice per step).
  for (let i = 0; i < calls.length; i++) {
    const tool = deps.gate.find(calls[i]!.name);
    if (!tool || tool.sideEffects !== 'none' || tool.mayNeedApproval) return true;
  }
  return false;
}
