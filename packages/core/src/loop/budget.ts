import { messageUpperBound, specUpperBound, type EstimatedRequest, type TokenEstimator } from '../budget/token-estimator.js';
import type { ModelPrice } from '../limits.js';
import type { Message } from '../messages.js';
import type { ActiveRun, RunDeps } from './active-run.js';
import { finalizeInstruction, textTranscript } from './finalize.js';

/** The smallest output a model call must be able to produce; a call with less room is not made. */
export const MIN_OUTPUT_TOKENS = 16;

/**
 * The largest output one model call is assumed able to produce (current models top out at 128 000).
 * While a budget leaves more room than this after a call's input, the call cannot overshoot it,
 * and nothing is capped.
 */
export const MAX_CALL_OUTPUT_TOKENS = 131_072;

/**
 * The largest `maxOutputTokens` the runtime sets: a call near a budget's limit gets the smaller of
 * this and what the budget leaves. Higher caps could be refused by a provider whose model allows
 * less (OpenAI answers 400 above the model's limit); 16 384 is within the limit of current models.
 * For a model with a smaller limit (e.g. 4 096), set the adapter's own cap (`maxTokens`): adapters
 * send the smaller of theirs and the request's.
 */
export const BUDGET_OUTPUT_CEILING = 16_384;

/** What the budgets allow one model call. */
export interface CallBudget {
  /** Output cap for the call; undefined while the budgets leave more than `MAX_CALL_OUTPUT_TOKENS`. */
  readonly maxOutputTokens?: number;
  /** Set when the call does not fit: the run stops before it. */
  readonly stop?: { readonly reason: 'token_budget' | 'cost_budget'; readonly detail: string };
}

/** How a call is checked: with room kept for a later finalize call, and at which price. */
export interface CallBudgetOptions {
  /** Keep room for the finalize call (`limits.finalize`): its output cap plus its estimated input. */
  readonly reserveFinalize: boolean;
  /** The price of the model making the call (default: the run's model). */
  readonly price?: ModelPrice | undefined;
  /** The request's messages are the run's history as it stands (its upper bound is kept incrementally). */
  readonly unchangedHistory?: boolean;
}

/** Upper bound of a request's input tokens: one token per UTF-8 byte of its text, the estimator's media figures. */
export function requestUpperBound(run: ActiveRun, request: EstimatedRequest, unchangedHistory: boolean): number {
  let bound = 3 + specUpperBound(request.tools) + specUpperBound(request.output);
  if (unchangedHistory) bound += run.historyUpperBound;
  else for (const message of request.messages) bound += messageUpperBound(message);
  return bound;
}

/**
 * Checks one model call against the token and cost budgets, before it is made.
 *
 * While every budget has more room than the request could possibly need (an upper bound of its
 * input, kept incrementally, plus `MAX_CALL_OUTPUT_TOKENS`, plus the finalize reserve), nothing is
 * estimated and nothing is capped: the common case costs a few additions. Near a limit, the
 * run's `tokenEstimator` estimates the input; the call is stopped when the input plus
 * `MIN_OUTPUT_TOKENS` (plus the reserve) does not fit, else its output is capped to what is left
 * (at most `BUDGET_OUTPUT_CEILING`). With the finalize reserve, the call's output is counted twice
 * (it comes back as input of the finalize call), so a long answer cannot eat the reserve.
 * The call then cannot overshoot a budget by more than the estimate's shortfall.
 */
export function budgetForCall(deps: RunDeps, run: ActiveRun, request: EstimatedRequest, options: CallBudgetOptions): CallBudget {
  const { limits } = deps.config;
  const price = options.price === undefined ? deps.config.price : options.price;
  const finalize = options.reserveFinalize ? limits.finalize : false;
  const usage = run.usage;
  const tokensLeft = limits.maxTokens - usage.inputTokens - usage.outputTokens;
  const costCap = limits.maxCostUsd !== undefined && price ? limits.maxCostUsd : undefined;
  const costLeft = costCap === undefined ? Infinity : costCap - usage.costUsd;
  const inPrice = price ? price.inputPerMillionUsd / 1_000_000 : 0;
  const outPrice = price ? price.outputPerMillionUsd / 1_000_000 : 0;

  // Far from every limit: no estimate (and no tokenizer work), no cap.
  const upper = requestUpperBound(run, request, options.unchangedHistory ?? false);
  // With a finalize reserve the call's output also comes back as the finalize call's input (its upper bound counts it again).
  const reserveUpper = finalize ? upper + MAX_CALL_OUTPUT_TOKENS + finalize.maxOutputTokens : 0;
  const tokensNear = tokensLeft <= upper + MAX_CALL_OUTPUT_TOKENS + reserveUpper;
  const costNear = costCap !== undefined && costLeft <= (upper + reserveUpper) * inPrice + (MAX_CALL_OUTPUT_TOKENS + (finalize ? finalize.maxOutputTokens : 0)) * outPrice;
  if (!tokensNear && !costNear) return {};

  const estimator = deps.config.tokenEstimator;
  const input = sane(estimator.estimate(request));
  // The finalize call sends this transcript with its tool traffic as text lines (longer than the
  // native form: "[called tool … with …]", "[result of tool …]"), no tools, and its instruction —
  // with the output schema in a structured run. Each message's text form is estimated once (cached).
  let finalizeInput = 0;
  if (finalize) {
    const empty = sane(estimator.estimate({ messages: [], tools: [] }));
    const base = sane(estimator.estimate({ messages: [], tools: [], ...(run.output ? { output: run.output.spec } : {}) }));
    const instruction = sane(estimator.estimate({ messages: [instructionMessage(finalizeInstruction(finalize, run.output))], tools: [] })) - empty;
    finalizeInput = base + textFormTokens(estimator, request.messages, empty) + instruction;
  }
  const reserveTokens = finalize ? finalizeInput + finalize.maxOutputTokens : 0;
  // With a finalize reserve, what this call writes comes back as input of the finalize call (its
  // text is part of the transcript the finalize call sends): each output token needs room twice.
  const carriers = finalize ? 2 : 1;

  const byTokens = Math.floor((tokensLeft - input - reserveTokens) / carriers);
  if (byTokens < MIN_OUTPUT_TOKENS) {
    return { stop: { reason: 'token_budget', detail: `the next model call needs about ${input} input tokens${finalize ? ` (and ${reserveTokens} are kept for the finalize call)` : ''}; ${Math.max(0, tokensLeft)} of ${limits.maxTokens} tokens are left` } };
  }
  let byCost = Infinity;
  if (costCap !== undefined) {
    const reserveCost = finalize ? finalizeInput * inPrice + finalize.maxOutputTokens * outPrice : 0;
    const left = costLeft - input * inPrice - reserveCost;
    // Each output token is also paid for as input of the finalize call (see `carriers`).
    const perToken = outPrice + (finalize ? inPrice : 0);
    byCost = perToken > 0 ? Math.floor(left / perToken) : left >= 0 ? Infinity : -Infinity;
    if (byCost < MIN_OUTPUT_TOKENS) {
      return { stop: { reason: 'cost_budget', detail: `the next model call would cost about $${(input * inPrice + MIN_OUTPUT_TOKENS * outPrice).toFixed(6)}${finalize ? ` (plus $${reserveCost.toFixed(6)} kept for the finalize call)` : ''}; $${Math.max(0, costLeft).toFixed(6)} of $${costCap} is left` } };
    }
  }
  const allowed = Math.min(byTokens, byCost);
  return allowed < MAX_CALL_OUTPUT_TOKENS ? { maxOutputTokens: Math.floor(Math.min(allowed, BUDGET_OUTPUT_CEILING)) } : {};
}

/**
 * Output tokens a helper call (a strategy's summarizer) with `inputTokens` of input may produce
 * without overshooting a budget; undefined when no budget is near. With `next`, room is also kept
 * for the step's own model call that follows (its input grows by this call's output, as a summary
 * becomes part of it) plus 16 output tokens, and for the finalize call — so a helper call never
 * spends what the step's call then lacks.
 */
export function outputAllowance(
  deps: RunDeps, run: ActiveRun, inputTokens: number, price: ModelPrice | undefined, reserveFinalize: boolean, next?: { readonly inputTokens: number },
): number | undefined {
  const { limits } = deps.config;
  const fin = reserveFinalize && limits.finalize ? limits.finalize : undefined;
  const input = sane(inputTokens);
  const nextInput = next ? sane(next.inputTokens) : 0;
  const tools = next ? sane(deps.config.tokenEstimator.estimate({ messages: [], tools: deps.gate.advertised })) : 0;
  // Every token of this call's output is sent again by each later call that carries it.
  const carriers = 1 + (next ? 1 : 0) + (next && fin ? 1 : 0);
  const later = next ? nextInput + tools + MIN_OUTPUT_TOKENS + (fin ? nextInput : 0) : 0;
  const tokensLeft = limits.maxTokens - run.usage.inputTokens - run.usage.outputTokens;
  let allowed = Math.floor((tokensLeft - input - later - (fin ? fin.maxOutputTokens : 0)) / carriers);
  if (limits.maxCostUsd !== undefined && price) {
    const main = deps.config.price;
    const inPrice = price.inputPerMillionUsd / 1_000_000;
    const outPrice = price.outputPerMillionUsd / 1_000_000;
    const mainIn = main ? main.inputPerMillionUsd / 1_000_000 : 0;
    const mainOut = main ? main.outputPerMillionUsd / 1_000_000 : 0;
    const perToken = outPrice + (next ? mainIn * (fin ? 2 : 1) : 0);
    const fixed = input * inPrice + (next ? (nextInput + tools) * mainIn + MIN_OUTPUT_TOKENS * mainOut + (fin ? nextInput * mainIn : 0) : 0) + (fin ? fin.maxOutputTokens * mainOut : 0);
    const left = limits.maxCostUsd - run.usage.costUsd - fixed;
    allowed = Math.min(allowed, perToken > 0 ? Math.floor(left / perToken) : left >= 0 ? Infinity : -Infinity);
  }
  if (allowed >= MAX_CALL_OUTPUT_TOKENS) return undefined;
  return Math.max(0, Math.floor(Math.min(allowed, BUDGET_OUTPUT_CEILING)));
}

const textForms = new WeakMap<TokenEstimator, WeakMap<Message, number>>();

/**
 * Input tokens of these messages in the finalize call's text form, each estimated on its own and
 * cached: an upper bound of the merged transcript (merging user turns saves a message overhead
 * each) for estimators that sum their parts, as both built-in ones do.
 */
function textFormTokens(estimator: TokenEstimator, messages: readonly Message[], empty: number): number {
  let costs = textForms.get(estimator);
  if (!costs) textForms.set(estimator, (costs = new WeakMap()));
  let sum = 0;
  for (const message of messages) {
    let cost = costs.get(message);
    if (cost === undefined) costs.set(message, (cost = Math.max(0, sane(estimator.estimate({ messages: textTranscript([message]), tools: [] })) - empty)));
    sum += cost;
  }
  return sum;
}

/** An estimate as a usable count: a non-finite or negative estimate counts as 0. */
const sane = (n: number) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0);

const instructions = new Map<string, Message>();
/** The finalize instruction as a user message; the same text gives the same object (estimators cache per message). */
export function instructionMessage(instruction: string): Message {
  let message = instructions.get(instruction);
  if (!message) {
    message = { role: 'user', content: instruction };
    instructions.set(instruction, message);
    if (instructions.size > 64) instructions.delete(instructions.keys().next().value!);
  }
  return message;
}
