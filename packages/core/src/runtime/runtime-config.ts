import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { Redactor, type RedactOptions } from '../governance/redactor.js';
import {
  findPrice, parseOptions, resolveLimits, resolveLoopDetection, resolvePricing, resolveToolPolicy,
  type Limits, type LoopDetectionOptions, type ModelPrice, type PricingTable, type ResolvedLimits, type ToolPolicy,
} from '../limits.js';
import type { ModelAdapter, OutputSpec } from '../model.js';
import { DEFAULT_MAX_OUTPUT_REPAIRS, outputSpecFor } from '../loop/structured-output.js';
import { CharTokenEstimator, type TokenEstimator } from '../budget/token-estimator.js';
import { isStorableId } from '../store/store-input.js';

/**
 * Runtime behaviour options (everything but the parts). Register under `TOKENS.RuntimeConfig` when composing by hand.
 * `TOut` is the type of `result.output` for runs that give no schema of their own: the answer text, or the `output` schema's value.
 */
export interface RuntimeConfig<TOut = string> {
  readonly limits?: Limits;
  readonly toolPolicy?: ToolPolicy;
  /** Extends/overrides the built-in pricing table (keys `provider:model`, `model` or `provider:*`). */
  readonly pricing?: PricingTable;
  readonly redact?: RedactOptions;
  /** Default `{ threshold: 3 }`; `false` turns it off. */
  readonly loopDetection?: LoopDetectionOptions | false;
  readonly audit?: {
    /** Chain event hashes so `verifyAudit` detects edits and removals. Default false. */
    readonly hashChain?: boolean;
  };
  /**
   * Identical calls (same tool, same canonical args) within a run to a tool whose
   * `sideEffects` is `none` or `idempotent` reuse the first result instead of running again. Default false.
   */
  readonly dedupeIdenticalCalls?: boolean;
  /** After a crash, a `non-idempotent` call with an intent but no completion: `report` (default) gives the model `tool_outcome_unknown`; `ask` pauses for approval. */
  readonly onUnknownOutcome?: 'report' | 'ask';
  /** Lease of a driven run, renewed as steps commit. Default 30 000 ms. */
  readonly leaseTtlMs?: number;
  /** Lease owner id of this runtime (default: a random id). */
  readonly owner?: string;
  /**
   * With a store that cannot push kill flags (no `subscribeKills`, e.g. `SqliteStore`): how often
   * the kill flag of a run is read while one of its model or tool calls is in flight, so a kill
   * set by another process aborts the call within this time. Nothing is read while no call is in
   * flight. Integer ms, 10–60 000. Default 250.
   */
  readonly killPollMs?: number;
  /**
   * Default structured output of every run (a run's own `output` wins): a zod object schema the
   * final answer must match; `result.output` is then the parsed value. See docs/messages.md.
   */
  readonly output?: z.ZodType<TOut>;
  /** Failed final answers fed back to the model (with the validation errors) before the run stops with `output_invalid`. 0–10, default 2. */
  readonly maxOutputRepairs?: number;
  /**
   * Estimates a request's input tokens when a token or cost budget is near its limit (the call is
   * not made when it would not fit, and its output is capped to what is left). Default: a
   * conservative character-based estimate (`CharTokenEstimator`); `TokenizerEstimator` from
   * `@agentrt/context` counts with a real tokenizer. A budget's overshoot is at most this estimate's shortfall.
   */
  readonly tokenEstimator?: TokenEstimator;
}

/** Every option `RuntimeConfig` has (the compiler keeps this list complete): any other key is refused (a misspelt option must not be ignored silently). */
const RUNTIME_CONFIG_KEYS = new Set<string>(Object.keys({
  limits: true, toolPolicy: true, pricing: true, redact: true, loopDetection: true, audit: true, dedupeIdenticalCalls: true, onUnknownOutcome: true,
  leaseTtlMs: true, owner: true, killPollMs: true, output: true, maxOutputRepairs: true, tokenEstimator: true,
} satisfies Record<keyof RuntimeConfig, true>));

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Runtime config with every default applied. */
export interface ResolvedRuntimeConfig {
  readonly limits: ResolvedLimits;
  readonly toolPolicy: ToolPolicy;
  readonly pricing: Readonly<Record<string, ModelPrice>>;
  readonly price: ModelPrice | undefined;
  readonly redactor: Redactor;
  readonly loopDetection: { threshold: number } | false;
  readonly hashChain: boolean;
  readonly dedupeIdenticalCalls: boolean;
  readonly onUnknownOutcome: 'report' | 'ask';
  readonly leaseTtlMs: number;
  readonly owner: string;
  readonly killPollMs: number;
  /** The default output schema and the spec sent to models for it. */
  readonly output: { readonly schema: z.ZodType; readonly spec: OutputSpec } | undefined;
  readonly maxOutputRepairs: number;
  readonly tokenEstimator: TokenEstimator;
}

/** Default of `killPollMs`: how often a run with a call in flight reads its kill flag when the store cannot push kills. */
export const DEFAULT_KILL_POLL_MS = 250;

const restSchema = z.object({
  audit: z.strictObject({ hashChain: z.boolean().optional() }).optional(),
  dedupeIdenticalCalls: z.boolean().optional(),
  onUnknownOutcome: z.enum(['report', 'ask']).optional(),
  leaseTtlMs: z.number().int().min(100).max(3_600_000).optional(),
  owner: z.string().min(1).max(200).refine(isStorableId, 'must be well-formed text (no lone UTF-16 surrogate)').optional(),
  killPollMs: z.number().int().min(10).max(60_000).optional(),
  maxOutputRepairs: z.number().int().min(0).max(10).optional(),
});

/**
 * Validates config against the model in use. Throws `ConfigError` naming the field, e.g. a cost cap with no price.
 * Without a model (not known yet, e.g. before plugins provide it) every check but the price lookup runs.
 */
export function resolveRuntimeConfig(config: RuntimeConfig<unknown>, model: Pick<ModelAdapter, 'provider' | 'model'> | undefined): ResolvedRuntimeConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigError('config', 'expected an options object');
  for (const key of Object.keys(config)) {
    // `__proto__`, `constructor`, `prototype` (a JSON config can hold them as own keys) are never read: ignored, as before.
    if (!RUNTIME_CONFIG_KEYS.has(key) && !PROTOTYPE_KEYS.has(key)) throw new ConfigError(key, `unknown option (known: ${[...RUNTIME_CONFIG_KEYS].join(', ')}, and the parts: model, tools, store, context, hooks, stopPolicies, plugins)`);
  }
  const limits = resolveLimits(config.limits);
  const pricing = resolvePricing(config.pricing);
  const price = model ? findPrice(pricing, model.provider, model.model) : undefined;
  if (model && limits.maxCostUsd !== undefined && !price) {
    throw new ConfigError('limits.maxCostUsd', `a cost cap needs a price for "${model.provider}:${model.model}"; add it to options.pricing`);
  }
  const rest = parseOptions(restSchema, config, '');
  const estimator = config.tokenEstimator;
  if (estimator !== undefined && (typeof estimator !== 'object' || estimator === null || typeof estimator.estimate !== 'function')) {
    throw new ConfigError('tokenEstimator', 'expected a TokenEstimator ({ estimate(request): number })');
  }
  const output = config.output === undefined ? undefined : { schema: config.output as z.ZodType, spec: outputSpecFor(config.output, 'output') };
  return Object.freeze({
    limits,
    toolPolicy: resolveToolPolicy(config.toolPolicy),
    pricing,
    price,
    redactor: new Redactor(config.redact),
    loopDetection: resolveLoopDetection(config.loopDetection),
    hashChain: rest.audit?.hashChain ?? false,
    dedupeIdenticalCalls: rest.dedupeIdenticalCalls ?? false,
    onUnknownOutcome: rest.onUnknownOutcome ?? 'report',
    leaseTtlMs: rest.leaseTtlMs ?? 30_000,
    owner: rest.owner ?? `runtime-${globalThis.crypto.randomUUID()}`,
    killPollMs: rest.killPollMs ?? DEFAULT_KILL_POLL_MS,
    output,
    maxOutputRepairs: rest.maxOutputRepairs ?? DEFAULT_MAX_OUTPUT_REPAIRS,
    tokenEstimator: estimator ?? new CharTokenEstimator(),
  });
}
