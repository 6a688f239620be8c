import type { ContextPrepareContext } from '../context-strategy.js';
import { AgentrtError } from '../errors/agentrt-error.js';
import { ModelError } from '../errors/model-error.js';
import type { HookContext } from '../hooks.js';
import { findPrice } from '../limits.js';
import { checkSupported } from '../content/validate.js';
import { addUsage, emptyUsage, type AssistantMessage, type Message, type ReasoningPart, type ToolCall, type Usage } from '../messages.js';
import type { ModelRequest, ModelResponse } from '../model.js';
import type { ModelRetryInfo } from '../model/retry.js';
import type { PendingStep } from '../store/state-store.js';
import { raceAbort } from '../util/abort.js';
import { canonicalJson, sha256 } from '../util/canonical-json.js';
import { nowIso } from '../util/time.js';
import type { ActiveRun, RunDeps } from './active-run.js';
import { callHook, callWrapped, hooksWith } from './hook-runner.js';
import { pairToolMessages } from './transcript.js';
import { boundArgs } from './tool-args.js';

/** Builds the request (context strategy, pairing, hooks), calls the model, validates and persists the decision. */
export async function decide(deps: RunDeps, run: ActiveRun, options: { stream: boolean }): Promise<PendingStep> {
  const stepIndex = run.stepIndex;
  const startedAt = nowIso();
  const hookContext: HookContext = { runId: run.runId, stepIndex, metadata: run.metadata };
  const stepUsage = emptyUsage();

  const snapshot = run.history.slice();
  const prepared = await deps.context.prepare(snapshot, contextFor(deps, run, stepIndex, stepUsage));
  // The history is paired by construction; only a strategy's rewrite needs the repair pass.
  let { messages, repaired } = prepared === snapshot ? { messages: snapshot as Message[], repaired: 0 } : pairToolMessages(prepared);

  const onRetry = (info: ModelRetryInfo) => run.log.emit({ type: 'model_retry', stepIndex, code: info.code, attempt: info.attempt, delayMs: info.delayMs });
  let request: ModelRequest = { messages, tools: deps.gate.advertised, ...(run.output ? { output: run.output.spec } : {}), signal: run.signal, onRetry };
  for (const hook of deps.hooks) {
    const replaced = await callHook('beforeModel', () => hook.beforeModel?.(request, hookContext));
    if (replaced) request = { ...replaced, signal: run.signal, onRetry };
  }
  if (request.messages !== messages) {
    ({ messages, repaired } = pairToolMessages(request.messages));
    request = { ...request, messages };
  }
  // Content the model cannot take fails here, before any request is sent. Without media in the
  // history and with the history sent unchanged there is nothing to check (the common, cheap case).
  if (request.messages !== snapshot) {
    const unsupported = checkSupported(request.messages, deps.model);
    if (unsupported) throw unsupported;
  } else if (run.hasMedia) {
    // The history as it is: only the messages added since the last check are new (O(new), not O(history)).
    const unsupported = checkSupported(snapshot, deps.model, run.supportedUpTo);
    if (unsupported) throw unsupported;
    run.supportedUpTo = snapshot.length;
  }

  let response: ModelResponse | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    run.log.emit({ type: 'model_request', stepIndex, messageCount: request.messages.length, historyMessages: snapshot.length, repairedPairs: repaired, tools: request.tools.map((t) => t.name), attempt });
    response = validateResponse(await wrappedModelCall(deps, run, request, hookContext, options.stream));
    // Counted before hooks run: the tokens are spent whatever a hook does with the answer.
    addUsage(stepUsage, run.addModelUsage(response.usage, deps.config));
    for (const hook of deps.hooks) {
      const replaced = await callHook('afterModel', () => hook.afterModel?.(response!, hookContext));
      if (replaced) response = validateResponse({ ...replaced, usage: response.usage });
    }
    run.log.emit({ type: 'model_response', stepIndex, message: auditedMessage(response.message), usage: response.usage, finishReason: response.finishReason });
    const empty = !response.message.content && !response.message.toolCalls?.length;
    if (!empty) break;
    if (attempt === 2) {
      throw new ModelError('model_output_invalid', `the model returned neither text nor tool calls twice (finish reason ${response.finishReason})`);
    }
  }
  const message = normalizeCalls(response!.message, run, stepIndex);
  const decision: PendingStep = {
    stepIndex, message, usage: stepUsage, finishReason: response!.finishReason, startedAt,
    ...(run.contextStateDirty ? { contextState: { ...run.contextState } } : {}),
  };
  if (needsDurableDecision(deps, message)) {
    // Durable before any tool runs (crash point CP3): a resumed run acts on this decision without asking again,
    // so side-effecting calls keep their ids and ledger entries across a crash.
    await deps.store.saveDecision({ runId: run.runId, decision, lease: run.lease });
  }
  return decision;
}

function contextFor(deps: RunDeps, run: ActiveRun, stepIndex: number, stepUsage: Usage): ContextPrepareContext {
  return {
    runId: run.runId,
    stepIndex,
    signal: run.signal,
    tools: deps.gate.advertised,
    model: { provider: deps.model.provider, model: deps.model.model },
    addUsage(usage, model) {
      const price = model ? findPrice(deps.config.pricing, model.provider, model.model) : deps.config.price;
      const costUsd = price ? (usage.inputTokens * price.inputPerMillionUsd + usage.outputTokens * price.outputPerMillionUsd) / 1_000_000 : 0;
      const priced = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd };
      addUsage(run.usage, priced);
      addUsage(stepUsage, priced);
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

/** The model call, inside the `wrapModelCall` hooks when any is registered. */
function wrappedModelCall(deps: RunDeps, run: ActiveRun, request: ModelRequest, hookContext: HookContext, stream: boolean): Promise<ModelResponse> {
  const call = () => callModel(deps, run, request, hookContext.stepIndex, stream);
  const wrappers = hooksWith(deps.hooks, 'wrapModelCall');
  if (wrappers.length === 0) return call();
  const info = { request, provider: deps.model.provider, model: deps.model.model, stream: stream && typeof deps.model.stream === 'function' };
  return callWrapped('wrapModelCall', wrappers.map((hook) => (next: () => Promise<ModelResponse>) => hook.wrapModelCall!(info, hookContext, next)), call, 'throw');
}

async function callModel(deps: RunDeps, run: ActiveRun, request: ModelRequest, stepIndex: number, stream: boolean): Promise<ModelResponse> {
  const model = deps.model;
  const call = async (): Promise<ModelResponse> => {
    if (!stream || !model.stream) return model.generate(request);
    let final: ModelResponse | undefined;
    // Deltas are redacted as a stream: a secret split across deltas is held back until it can be seen whole.
    const deltas = deps.config.redactor.textStream();
    const reasoning = deps.config.redactor.textStream();
    const emitDelta = (text: string) => text && run.log.emitTransient({ type: 'model_delta', stepIndex, text });
    const emitReasoning = (text: string) => text && run.log.emitTransient({ type: 'model_reasoning_delta', stepIndex, text });
    for await (const event of model.stream(request)) {
      if (event.type === 'text_delta') emitDelta(deltas.push(event.text));
      else if (event.type === 'reasoning_delta') emitReasoning(reasoning.push(event.text));
      else if (event.type === 'response') final = event.response;
    }
    emitReasoning(reasoning.end());
    emitDelta(deltas.end());
    if (!final) throw new ModelError('model_unavailable', 'the model stream ended without a final response');
    return final;
  };
  try {
    // A model that ignores the signal cannot hold the run: the race settles on abort.
    return await raceAbort(call(), run.signal);
  } catch (error) {
    if (run.signal.aborted) throw run.signal.reason;
    if (AgentrtError.isInstance(error)) throw error;
    throw new ModelError('model_unavailable', `the model call failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function validateResponse(response: unknown): ModelResponse {
  const r = response as Partial<ModelResponse> | undefined;
  const message = r?.message as Partial<AssistantMessage> | undefined;
  if (!r || !message || message.role !== 'assistant' || typeof message.content !== 'string') {
    throw new ModelError('model_output_invalid', 'the model adapter returned a response without an assistant message');
  }
  if (message.toolCalls !== undefined && !Array.isArray(message.toolCalls)) {
    throw new ModelError('model_output_invalid', 'toolCalls must be an array');
  }
  for (const call of message.toolCalls ?? []) {
    if (!call || typeof call !== 'object' || typeof call.name !== 'string') throw new ModelError('model_output_invalid', 'a tool call has no name');
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
  const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  return {
    message: message as AssistantMessage,
    usage: { inputTokens: count(usage.inputTokens), outputTokens: count(usage.outputTokens) },
    finishReason: r.finishReason ?? 'other',
    ...(typeof r.model === 'string' && r.model ? { model: r.model } : {}),
    ...(typeof r.id === 'string' && r.id ? { id: r.id } : {}),
  };
}

/** Assigns ids to calls that lack one; a repeated id (in this response or earlier in the run) is invalid output. */
function normalizeCalls(message: AssistantMessage, run: ActiveRun, stepIndex: number): AssistantMessage {
  if (!message.toolCalls?.length) {
    if (!message.toolCalls) return message;
    return { role: 'assistant', content: message.content, ...(message.reasoning?.length ? { reasoning: message.reasoning } : {}) };
  }
  const ids = new Set<string>();
  let changed = false;
  const calls: ToolCall[] = message.toolCalls.map((call, index) => {
    let id = call.id;
    if (typeof id !== 'string' || id === '') {
      id = `call_${stepIndex}_${index}`;
      changed = true;
    }
    if (ids.has(id) || run.seenCallIds.has(id)) {
      throw new ModelError('model_output_invalid', `the model reused tool call id "${id}" for a different invocation`);
    }
    ids.add(id);
    // Arguments nested beyond what any consumer can serialize are cut (and then rejected as too deep), never kept whole.
    const args = boundArgs(call.args);
    if (args !== call.args) changed = true;
    return id === call.id && args === call.args ? call : { ...call, id, args };
  });
  return changed ? { ...message, toolCalls: calls } : message;
}

/**
 * The assistant message as the audit log records it: reasoning text kept, each part's opaque
 * `providerData` (signatures, encrypted or redacted thinking) replaced by its hash and size.
 */
function auditedMessage(message: AssistantMessage): AssistantMessage {
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
  for (const call of message.toolCalls ?? []) {
    const tool = deps.gate.find(call.name);
    if (!tool || tool.sideEffects !== 'none' || tool.mayNeedApproval) return true;
  }
  return false;
}
