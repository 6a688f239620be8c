import { z } from 'zod';
import { ConfigError } from './errors/config-error.js';
import type { ToolSpec } from './model.js';

/**
 * What running a tool does to the world, declared by its author:
 * - `none`: pure or read-only; may be re-run freely after a crash.
 * - `idempotent`: re-run after a crash with the same `ctx.idempotencyKey`, which the tool passes on.
 * - `non-idempotent`: the runtime records an intent before running it; after a crash in the
 *   ambiguous window it is never re-run silently (`tool_outcome_unknown`).
 */
export type SideEffects = 'none' | 'idempotent' | 'non-idempotent';

/** Per-call context passed to `execute`. */
export interface ToolContext {
  readonly runId: string;
  readonly stepIndex: number;
  readonly toolCallId: string;
  /**
   * Unique per `(runId, toolCallId)` and stable across resumes; pass it to external services to
   * dedupe effects. Built by `idempotencyKeyFor`: `${runId}:${toolCallId}` when the run id has
   * no `:` (every run id agentrt generates, and the form every earlier version used), otherwise
   * the JSON array `["<runId>","<toolCallId>"]`. Treat it as opaque text.
   */
  readonly idempotencyKey: string;
  /** Aborted on the tool's timeout, the run's timeout, a kill, or caller cancellation. */
  readonly signal: AbortSignal;
  /**
   * Reports progress of a long call as a `tool_progress` run event (persisted with the step,
   * redacted like every event). Ignored once the call has settled or been aborted, and after
   * `MAX_TOOL_NOTICES` notices (progress and log together) per call. Optional: contexts built
   * outside the runtime may omit it.
   */
  readonly progress?: (progress: ToolProgress) => void;
  /** Reports a log line of the tool (e.g. an MCP server's logging notification) as a redacted `tool_log` run event; same bounds as `progress`. */
  readonly log?: (entry: ToolLogEntry) => void;
}

/** A progress notice of a running tool call. Numbers must be finite; `message` is cut to 1 000 characters. */
export interface ToolProgress {
  readonly progress?: number;
  readonly total?: number;
  readonly message?: string;
}

/** A log line of a running tool call; `message` is cut to 2 000 characters. */
export interface ToolLogEntry {
  readonly level: 'debug' | 'info' | 'warning' | 'error';
  readonly message: string;
}

/** Most progress and log notices recorded per tool call; later ones are dropped (the audit log stays bounded). */
export const MAX_TOOL_NOTICES = 100;

/** Decides per call whether a human must approve it first. */
export type ApprovalRule<A> = boolean | ((args: A) => boolean);

/** Options of `defineTool`. */
export interface ToolDefinition<S extends z.ZodType, R> {
  /** `^[A-Za-z0-9_-]{1,64}$` — what every provider accepts. */
  readonly name: string;
  readonly description: string;
  /** Zod schema of the arguments object. Its JSON schema is what the model sees. */
  readonly input: S;
  /**
   * Runs the tool with validated arguments. Return a string, any JSON value (serialized to text
   * for the model), or content parts — a non-empty array of `{ type: 'text', text }`,
   * `{ type: 'image', mediaType, data | url }`, `{ type: 'file', mediaType, data | url, filename? }`
   * (e.g. a screenshot), checked like run input. See docs/messages.md.
   */
  execute(args: z.output<S>, ctx: ToolContext): R | Promise<R>;
  /** Default `none`. */
  readonly sideEffects?: SideEffects;
  /** Per-call timeout; default 30 000 ms. Must be finite and positive. */
  readonly timeoutMs?: number;
  /** Pause the run for a human decision before this call executes. Default false. A rule function that throws counts as `true` (fail closed). */
  readonly requiresApproval?: ApprovalRule<z.output<S>>;
  /**
   * The tool's name at its source when `name` is derived from it — e.g. an MCP server's own
   * tool name `search` behind the agentrt name `docs__search`. Tool-policy patterns (`allow`,
   * `deny`, `maxCallsPerTool`) match it as well as `name`, so a policy written against the
   * source's names keeps working. 1–1 024 characters, any text. One holding `__` (which could
   * mimic another namespace) only restricts: `deny` and cap patterns match it, `allow` patterns
   * and exact `maxCallsPerTool` entries do not.
   */
  readonly originalName?: string;
  /**
   * One sentence telling the user what to do when a model cannot take this tool's images or
   * files (e.g. `set media: 'text' on the MCP server "docs"`). It is appended to the
   * `unsupported_content` error that fails a run whose model does not accept the parts this
   * tool returned. At most 500 characters.
   */
  readonly unsupportedContentHint?: string;
}

/** A tool as the runtime holds it (what `defineTool` returns). */
export interface Tool {
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodType;
  readonly spec: ToolSpec;
  readonly sideEffects: SideEffects;
  readonly timeoutMs: number;
  /** Returns true when the call with these (validated) args needs approval. */
  needsApproval(args: unknown): boolean;
  /** False only when no call of this tool can ever need approval. */
  readonly mayNeedApproval: boolean;
  /** Runs with already-validated args. */
  execute(args: unknown, ctx: ToolContext): Promise<unknown>;
  /** The name at the tool's source when `name` is derived from it; tool-policy patterns match both (see `ToolDefinition.originalName`). */
  readonly originalName?: string;
  /** Appended to the `unsupported_content` error when the model cannot take this tool's parts (see `ToolDefinition.unsupportedContentHint`). */
  readonly unsupportedContentHint?: string;
}

const PLAIN_RUN_ID = /^[A-Za-z0-9._-]+$/;

/**
 * The idempotency key of one tool call — unambiguous: two different `(runId, toolCallId)` pairs
 * never share a key, whatever characters the call id holds.
 *
 * - Run id of `[A-Za-z0-9._-]` only (no `:`; every generated id): `${runId}:${toolCallId}`, the
 *   form earlier versions used, so runs started before this change keep their keys across a
 *   resume. The run id ends at the first `:`, so these keys cannot collide with each other.
 * - Any other run id (one with a `:`, whose old key was ambiguous: run `a` + call `b:c` and
 *   run `a:b` + call `c` both gave `a:b:c`): `JSON.stringify([runId, toolCallId])`. It starts
 *   with `["`, which no plain run id does, so it cannot collide with the first form either.
 *
 * Runs with a `:` in their id that were started before this change and resumed after it get the
 * new key for calls re-run after the resume (their old key was the ambiguous one).
 */
export function idempotencyKeyFor(runId: string, toolCallId: string): string {
  return PLAIN_RUN_ID.test(runId) ? `${runId}:${toolCallId}` : JSON.stringify([runId, toolCallId]);
}

/** Default per-tool timeout. */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Converts a zod schema to the JSON schema sent to models (`io: 'input'`, no `$schema`).
 * Throws `ConfigError` when the schema is not an object or cannot be represented (e.g. `z.date()`).
 */
export function toJsonSchema(schema: z.ZodType, field = 'input'): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(field, `schema cannot be represented as JSON schema (${(error as Error).message})`, { cause: error });
  }
  delete json.$schema;
  if (json.type !== 'object') {
    throw new ConfigError(field, 'a tool input schema must describe an object (use z.object({...}))');
  }
  return json;
}

/** The `execute` functions `defineTool` wrapped, by their wrapper: what the wrapper calls. */
const directExecutes = new WeakMap<Function, (args: unknown, ctx: ToolContext) => unknown>();

/**
 * The function a `defineTool` tool's `execute` wraps, when `execute` is still that wrapper (also on
 * a copy of the tool): calling it is what the wrapper does, minus the promise around a value the
 * tool returned synchronously. `undefined` for any other `execute`.
 * @internal
 */
export function directExecuteOf(execute: Tool['execute']): ((args: unknown, ctx: ToolContext) => unknown) | undefined {
  return directExecutes.get(execute);
}

/**
 * Declares a tool. The zod schema validates arguments before `execute` runs and
 * provides the JSON schema the model sees. Invalid declarations throw `ConfigError`
 * naming the field.
 *
 * @example
 * ```ts
 * const add = defineTool({
 *   name: 'add',
 *   description: 'Adds two numbers',
 *   input: z.object({ a: z.number(), b: z.number() }),
 *   execute: ({ a, b }) => a + b,
 * });
 * ```
 */
export function defineTool<S extends z.ZodType, R>(definition: ToolDefinition<S, R>): Tool {
  if (typeof definition !== 'object' || definition === null) throw new ConfigError('tool', 'expected a tool definition object');
  const { name, description, input, execute } = definition;
  if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
    throw new ConfigError('name', `tool name ${JSON.stringify(name)} must match ${TOOL_NAME.source}`);
  }
  if (typeof description !== 'string') throw new ConfigError('description', `tool "${name}" needs a description string`);
  if (!(input instanceof z.ZodType)) throw new ConfigError('input', `tool "${name}" needs a zod schema as input`);
  if (typeof execute !== 'function') throw new ConfigError('execute', `tool "${name}" needs an execute function`);
  const sideEffects = definition.sideEffects ?? 'none';
  if (!['none', 'idempotent', 'non-idempotent'].includes(sideEffects)) {
    throw new ConfigError('sideEffects', `tool "${name}": expected 'none' | 'idempotent' | 'non-idempotent'`);
  }
  const timeoutMs = definition.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError('timeoutMs', `tool "${name}": timeout must be a finite positive number of milliseconds`);
  }
  const approval = definition.requiresApproval ?? false;
  if (typeof approval !== 'boolean' && typeof approval !== 'function') {
    throw new ConfigError('requiresApproval', `tool "${name}": expected a boolean or a function of the arguments`);
  }
  const { originalName, unsupportedContentHint } = definition;
  if (originalName !== undefined && (typeof originalName !== 'string' || originalName.length === 0 || originalName.length > 1_024)) {
    throw new ConfigError('originalName', `tool "${name}": expected a non-empty string of at most 1 024 characters`);
  }
  if (unsupportedContentHint !== undefined && (typeof unsupportedContentHint !== 'string' || unsupportedContentHint.length > 500)) {
    throw new ConfigError('unsupportedContentHint', `tool "${name}": expected a string of at most 500 characters`);
  }
  const inputSchema = toJsonSchema(input);
  // Always a promise (a throw becomes a rejection), without the extra ticks an async wrapper adds around a returned promise.
  const promised = (args: unknown, ctx: ToolContext): Promise<unknown> => {
    try {
      return Promise.resolve(execute(args as z.output<S>, ctx));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  directExecutes.set(promised, execute as (args: unknown, ctx: ToolContext) => unknown);
  return Object.freeze({
    name,
    description,
    input,
    spec: Object.freeze({ name, description, inputSchema }),
    sideEffects,
    timeoutMs,
    needsApproval: (args: unknown) => {
      if (typeof approval !== 'function') return approval;
      try {
        return Boolean(approval(args as z.output<S>));
      } catch {
        return true; // A rule that throws cannot vouch for the call: a human decides (fail closed).
      }
    },
    mayNeedApproval: approval !== false,
    execute: promised,
    ...(originalName !== undefined ? { originalName } : {}),
    ...(unsupportedContentHint ? { unsupportedContentHint } : {}),
  });
}
