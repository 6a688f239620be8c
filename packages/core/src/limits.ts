import { z } from 'zod';
import { describeThrown } from './loop/tool-output.js';
import { ConfigError } from './errors/config-error.js';
import { ownValue } from './util/own.js';

/**
 * `limits.finalize` as an object: how the extra, tools-off call made after a limit stop is shaped.
 * See docs/governance.md ("A best answer when a limit stops the run").
 */
export interface FinalizeOptions {
  /** Output cap of the finalize call (also what budgets reserve room for). 16–100 000, default 1 024. */
  readonly maxOutputTokens?: number;
  /** The user message appended to the transcript for the finalize call. Default: `DEFAULT_FINALIZE_INSTRUCTION`. */
  readonly instruction?: string;
  /** Deadline of the finalize call, in ms, whatever stopped the run (a `timeout` stop included). 1–600 000, default 10 000. */
  readonly graceMs?: number;
}

/** `limits.finalize` with every default applied (`false`: off). */
export interface ResolvedFinalize {
  readonly maxOutputTokens: number;
  readonly instruction: string;
  readonly graceMs: number;
}

/** The instruction of the finalize call unless `limits.finalize.instruction` replaces it. */
export const DEFAULT_FINALIZE_INSTRUCTION =
  'This run has reached one of its limits, and no more tool calls are possible. Using only what is in this conversation so far, give your best final answer to the original request now. If something could not be found or finished, say so briefly.';

/** Hard limits of a run. Every one has a finite default: a runaway loop or an unbounded bill is impossible out of the box. */
export interface Limits {
  /** Model calls (steps) per run. Default 8. */
  readonly maxSteps?: number;
  /**
   * Tool calls per run, counting every parallel call and every call answered by policy or
   * validation. Default 32. Calls over it are refused (not run, a synthetic `tool_denied` result
   * each, counted in `toolCallsRefused`) and the run stops with `max_tool_calls`.
   */
  readonly maxToolCalls?: number;
  /** Wall-clock budget of one drive of a run, in ms; in-flight calls are aborted. Default 300 000 (5 min). */
  readonly timeoutMs?: number;
  /**
   * Input + output tokens per run. Default 1 000 000. Checked before every model call: a call whose
   * estimated input plus 16 output tokens does not fit is not made (`token_budget`), and a call
   * close to the limit gets `maxOutputTokens` set to what is left. Overshoot ≤ the input estimate's error.
   */
  readonly maxTokens?: number;
  /**
   * Spend cap in USD; needs a price for the model (else `config_invalid` at construction). No default.
   * Enforced like `maxTokens`, through the price table. Overshoot ≤ the input estimate's error, priced.
   */
  readonly maxCostUsd?: number;
  /** Tool calls of one step run at most this many at a time. Default 8. */
  readonly toolConcurrency?: number;
  /** Tool output longer than this (characters) is cut, with a `tool_output_truncated` marker. Default 32 768. Multi-part output: its text parts together. */
  readonly maxToolOutputChars?: number;
  /**
   * Decoded size limit of one image or file part, in bytes, for run input and tool output.
   * Over it: `content_too_large` (input: `run()` rejects; tool output: an error result). Default 5 MiB.
   */
  readonly maxPartBytes?: number;
  /**
   * A best answer when a limit stops the run (off by default). On a stop by `max_steps`,
   * `max_tool_calls`, `timeout`, `loop_detected`, `token_budget` or `cost_budget` (when the budget
   * still has the room it reserved), the runtime makes one more model call with no tools, asking
   * for the best answer from what is known. The result keeps its stop reason and status, carries
   * that answer in `output` and has `finalized: true`. `true` uses the defaults of `FinalizeOptions`.
   */
  readonly finalize?: boolean | FinalizeOptions;
}

/** Limits with every default applied. */
export interface ResolvedLimits {
  readonly maxSteps: number;
  readonly maxToolCalls: number;
  readonly timeoutMs: number;
  readonly maxTokens: number;
  readonly maxCostUsd: number | undefined;
  readonly toolConcurrency: number;
  readonly maxToolOutputChars: number;
  readonly maxPartBytes: number;
  readonly finalize: ResolvedFinalize | false;
}

/** The defaults, documented in docs/architecture.md. */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxSteps: 8,
  maxToolCalls: 32,
  timeoutMs: 300_000,
  maxTokens: 1_000_000,
  maxCostUsd: undefined,
  toolConcurrency: 8,
  maxToolOutputChars: 32_768,
  maxPartBytes: 5 * 1024 * 1024,
  finalize: false,
});

/** Defaults of `limits.finalize: true`. */
export const DEFAULT_FINALIZE: ResolvedFinalize = Object.freeze({ maxOutputTokens: 1_024, instruction: DEFAULT_FINALIZE_INSTRUCTION, graceMs: 10_000 });

const positiveInt = z.number().int().positive().finite();
const limitsSchema = z.strictObject({
  maxSteps: positiveInt.optional(),
  maxToolCalls: z.number().int().nonnegative().finite().optional(),
  timeoutMs: z.number().positive().finite().optional(),
  maxTokens: positiveInt.optional(),
  maxCostUsd: z.number().positive().finite().optional(),
  toolConcurrency: positiveInt.max(256).optional(),
  maxToolOutputChars: positiveInt.min(256).optional(),
  maxPartBytes: positiveInt.max(1024 * 1024 * 1024).optional(),
  // Checked on its own below, so an error names the exact field (a union would report only `limits.finalize`).
  finalize: z.unknown().optional(),
});
const finalizeSchema = z.strictObject({
  maxOutputTokens: z.number().int().min(16).max(100_000).optional(),
  instruction: z.string().trim().min(1).max(8_000).optional(),
  graceMs: z.number().int().min(1).max(600_000).optional(),
});

function resolveFinalize(value: unknown): ResolvedFinalize | false {
  if (value === undefined || value === false) return false;
  if (value === true) return DEFAULT_FINALIZE;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('limits.finalize', 'expected true, false or { maxOutputTokens?, instruction?, graceMs? }');
  }
  const parsed = parseOptions(finalizeSchema, value, 'limits.finalize');
  return Object.freeze({ ...DEFAULT_FINALIZE, ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) });
}

/** Parses user options with zod and throws `ConfigError` naming the first offending field (`${prefix}.${path}`). */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  let parsed: z.ZodSafeParseResult<z.output<S>>;
  try {
    parsed = schema.safeParse(value) as z.ZodSafeParseResult<z.output<S>>;
  } catch (error) {
    // A getter or a proxy trap that throws: the option cannot be read, which is as invalid as a wrong value.
    throw new ConfigError(prefix, `the option could not be read: ${describeThrown(error, 300)}`, { cause: error });
  }
  if (parsed.success) return parsed.data;
  const issue = unionBranchIssue(parsed.error.issues[0]!);
  const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
  const path = [prefix, ...issue.path.map(String), ...(keys ? [keys[0]!] : [])].filter(Boolean).join('.');
  throw new ConfigError(path || prefix, issue.message);
}

/**
 * For a value no branch of a union accepts, the issue of the branch it was meant for (the first
 * one whose keys it uses, with no unknown key), so the error names the field (`pricing.<key>.input`
 * too big) instead of "Invalid input" for the whole value.
 */
function unionBranchIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors)) return issue;
  const branch = issue.errors.find((issues) => issues.length > 0 && !issues.some((i) => i.code === 'unrecognized_keys'));
  if (!branch) return issue;
  const inner = unionBranchIssue(branch[0]!);
  return { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue;
}

/** Applies defaults and validates. Throws `ConfigError` (e.g. field `limits.maxSteps`). */
export function resolveLimits(limits: Limits | undefined): ResolvedLimits {
  const { finalize, ...parsed } = parseOptions(limitsSchema, limits ?? {}, 'limits');
  const resolvedFinalize = resolveFinalize(finalize);
  return Object.freeze({ ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)), finalize: resolvedFinalize });
}

/** Price of one model per million tokens, in USD. */
export interface ModelPrice {
  readonly inputPerMillionUsd: number;
  readonly outputPerMillionUsd: number;
}

/** Prices keyed by `provider:model`, `model`, or `provider:*` (`{ input, output }` is accepted as a shorthand). */
export type PricingTable = Readonly<Record<string, ModelPrice | { readonly input: number; readonly output: number }>>;

/**
 * A small built-in table (list prices as published by the providers; verify before relying on it).
 * Extend or override it with `createRuntime({ pricing })`. Local Ollama models cost nothing.
 */
export const DEFAULT_PRICING: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'openai:gpt-4o-mini': { inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 },
  'openai:gpt-4o': { inputPerMillionUsd: 2.5, outputPerMillionUsd: 10 },
  'openai:gpt-4.1-mini': { inputPerMillionUsd: 0.4, outputPerMillionUsd: 1.6 },
  'openai:gpt-4.1': { inputPerMillionUsd: 2, outputPerMillionUsd: 8 },
  'anthropic:claude-sonnet-4-6': { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
  'anthropic:claude-sonnet-4-5': { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMillionUsd: 1, outputPerMillionUsd: 5 },
  'anthropic:claude-opus-4-1': { inputPerMillionUsd: 15, outputPerMillionUsd: 75 },
  'ollama:*': { inputPerMillionUsd: 0, outputPerMillionUsd: 0 },
});

/**
 * The highest price accepted, in USD per million tokens ($1 a token; list prices are below $1 000).
 * With it, no call's cost can overflow to Infinity, which no store can keep: a price near
 * `Number.MAX_VALUE` made every step's commit fail and lost the step.
 */
const MAX_PRICE_PER_MILLION_USD = 1_000_000;
const perMillion = z.number().nonnegative().max(MAX_PRICE_PER_MILLION_USD);
const priceSchema = z.union([
  z.strictObject({ inputPerMillionUsd: perMillion, outputPerMillionUsd: perMillion }),
  // Shorthand: `{ input, output }`, USD per million tokens.
  z.strictObject({ input: perMillion, output: perMillion })
    .transform(({ input, output }) => ({ inputPerMillionUsd: input, outputPerMillionUsd: output })),
]);

/**
 * Copies the own entries of a user-keyed table into a null-prototype object, validating every
 * value (also keys zod's record drops, such as `__proto__`), so lookups never read inherited
 * properties and a key is never lost.
 */
export function ownTable<T>(raw: unknown, parsed: Readonly<Record<string, T>>, value: z.ZodType<T>, field: string): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const key of Object.keys(parsed)) out[key] = parsed[key]!;
  if (raw && typeof raw === 'object') {
    for (const key of Object.keys(raw)) {
      if (Object.hasOwn(out, key)) continue;
      out[key] = parseOptions(value, (raw as Record<string, unknown>)[key], `${field}.${key}`);
    }
  }
  return out;
}

const pricingSchema = z.record(z.string(), priceSchema);

/** Validates a user pricing table (field `pricing.<key>.<field>`). The result has no prototype: model names such as `constructor` find no price. */
export function resolvePricing(pricing: PricingTable | undefined): Readonly<Record<string, ModelPrice>> {
  const parsed = parseOptions(pricingSchema, pricing ?? {}, 'pricing');
  const table = Object.assign(Object.create(null) as Record<string, ModelPrice>, DEFAULT_PRICING, ownTable(pricing, parsed, priceSchema as z.ZodType<ModelPrice>, 'pricing'));
  return Object.freeze(table);
}

/** Looks up a model's price: `provider:model`, then `model`, then `provider:*` (own entries only). */
export function findPrice(pricing: Readonly<Record<string, ModelPrice>>, provider: string, model: string): ModelPrice | undefined {
  return ownValue(pricing, `${provider}:${model}`) ?? ownValue(pricing, model) ?? ownValue(pricing, `${provider}:*`);
}

/** Tool permissions. Deny wins over allow and over hooks; denied tools are not advertised to the model. */
export interface ToolPolicy {
  /**
   * Glob patterns of tools the model may use. Absent: every registered tool. Patterns match the advertised name or an original name: a namespaced plugin tool's name before the namespace, or the tool's `originalName` (e.g. an MCP server's own tool name).
   * An `originalName` holding `__` is the source's choice and could mimic another namespace (`github__wipe` on the server `notes`): it passes no allow pattern — name such a tool by its advertised name.
   */
  readonly allow?: readonly string[];
  /** Glob patterns of tools the model may never use. `write_file` also denies `fs__write_file` (a plugin's namespace cannot dodge it). */
  readonly deny?: readonly string[];
  /**
   * Per-tool call caps per run, keyed by tool name or glob pattern. An exact name wins over
   * patterns; among matching patterns the smallest cap applies. Keys match the advertised name
   * or an original name (see `allow`). Only own keys count: a tool named
   * `constructor` or `toString` is capped only by an entry (or pattern) that names it.
   */
  readonly maxCallsPerTool?: Readonly<Record<string, number>>;
  /** `feed_back` (default): the model gets a `tool_denied` result. `stop`: the run ends with `policy_violation`. */
  readonly onViolation?: 'feed_back' | 'stop';
}

const toolPolicySchema = z.strictObject({
  allow: z.array(z.string().min(1)).optional(),
  deny: z.array(z.string().min(1)).optional(),
  maxCallsPerTool: z.record(z.string(), z.number().int().nonnegative()).optional(),
  onViolation: z.enum(['feed_back', 'stop']).optional(),
});

/** Validates a tool policy (field `toolPolicy.<field>`). `maxCallsPerTool` keeps every own key (`__proto__` too) in a null-prototype object. */
export function resolveToolPolicy(policy: ToolPolicy | undefined): ToolPolicy {
  const parsed = parseOptions(toolPolicySchema, policy ?? {}, 'toolPolicy');
  if (!parsed.maxCallsPerTool) return Object.freeze(parsed);
  const caps = ownTable(policy?.maxCallsPerTool, parsed.maxCallsPerTool, z.number().int().nonnegative(), 'toolPolicy.maxCallsPerTool');
  return Object.freeze({ ...parsed, maxCallsPerTool: Object.freeze(caps) });
}

/** Loop detection: the same tool with the same args `threshold` times in a row gets a warning result, once more stops the run. */
export interface LoopDetectionOptions {
  /** Identical consecutive calls that trigger the warning. Default 3. */
  readonly threshold?: number;
}

const loopDetectionSchema = z.strictObject({ threshold: z.number().int().min(2).max(1000).optional() });

/** Validates loop detection options; `false` turns it off. */
export function resolveLoopDetection(options: LoopDetectionOptions | false | undefined): { threshold: number } | false {
  if (options === false) return false;
  const parsed = parseOptions(loopDetectionSchema, options ?? {}, 'loopDetection');
  return { threshold: parsed.threshold ?? 3 };
}
