import { ConfigError } from '../errors/config-error.js';
import type { Usage } from '../messages.js';

/**
 * Longest id (run id, idempotency key, tool call id, lease owner, kill scope) a `StateStore`
 * accepts, in UTF-16 code units. Ids are opaque text, but they are keys: every first-party store
 * must be able to index, hash and publish them (a PostgreSQL NOTIFY payload holds at most
 * 8,000 bytes).
 */
export const MAX_STORE_ID_LENGTH = 1024;

/** Largest step index, event sequence number or page size a store needs to tell apart (2^31 − 1). */
export const MAX_STORE_INDEX = 2 ** 31 - 1;

/**
 * Checks an id a `StateStore` keys records by. Ids are compared code unit for code unit, so an
 * id must survive every store's encoding unchanged: a non-empty string of at most
 * `MAX_STORE_ID_LENGTH` code units without a lone UTF-16 surrogate (UTF-8 drivers replace one
 * with U+FFFD, so two different ids would become one key). Throws `ConfigError` (`config_invalid`)
 * naming `field` otherwise; never mangles the id.
 *
 * @example
 * ```ts
 * checkStoreId('runId', input.runId); // in every method of a third-party store
 * ```
 */
export function checkStoreId(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new ConfigError(field, `must be a string, found ${value === null ? 'null' : typeof value}`);
  if (value.length === 0) throw new ConfigError(field, 'must not be empty');
  if (value.length > MAX_STORE_ID_LENGTH) throw new ConfigError(field, `is ${value.length} characters long; at most ${MAX_STORE_ID_LENGTH} are accepted`);
  if (!isWellFormedText(value)) throw new ConfigError(field, 'holds a lone UTF-16 surrogate (not valid Unicode text); stores would not keep it apart from other such ids');
}

/** True for an id `checkStoreId` accepts. */
export function isStorableId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_STORE_ID_LENGTH && isWellFormedText(value);
}

/**
 * Checks a tool call id (the model's choice, kept as data): a non-empty string without a lone
 * UTF-16 surrogate, of any length — a store keys the ledger by it but never publishes it, so
 * stores hash the long ones. Throws `ConfigError` (`config_invalid`) otherwise.
 */
export function checkToolCallId(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new ConfigError('toolCallId', `must be a string, found ${value === null ? 'null' : typeof value}`);
  if (value.length === 0) throw new ConfigError('toolCallId', 'must not be empty');
  if (!isWellFormedText(value)) throw new ConfigError('toolCallId', 'holds a lone UTF-16 surrogate (not valid Unicode text); stores would not keep it apart from other such ids');
}


/** Checks a run id given to `createRun`: a store id, and not the incident-stop scope `'*'` (a run so named could not be killed alone). */
export function checkNewRunId(value: unknown): asserts value is string {
  checkStoreId('runId', value);
  if (value === '*') throw new ConfigError('runId', 'must not be "*", the scope of the incident stop (killAll)');
}

/**
 * Reads a paging argument of a store read (`listRuns` `limit`, `listEvents` `afterSeq`/`limit`,
 * `loadSteps` `fromIndex`/`limit`, `getToolLedger` `stepIndex`): `undefined`, a non-negative integer or
 * `Infinity`. Returns it capped at `MAX_STORE_INDEX` (a `limit` at or above it, or `Infinity`,
 * reads as `undefined`: no limit). Anything else — negative, fractional, NaN, not a number — is
 * `ConfigError` naming `field` (a negative offset would otherwise count from the end in some stores).
 */
export function readStorePage(field: string, value: unknown, kind: 'index' | 'limit'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Infinity) || value < 0) {
    throw new ConfigError(field, `must be a non-negative integer, found ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  if (value >= MAX_STORE_INDEX) return kind === 'limit' ? undefined : MAX_STORE_INDEX;
  return value;
}

/**
 * Checks usage a store adds to a run's totals: token counts are non-negative safe integers and
 * `costUsd` a finite non-negative number. Anything else (NaN, Infinity, a fraction of a token) is
 * `ConfigError` naming `field`: stores keep totals in integer columns and JSON, which cannot hold
 * such values alike (one truncated 1.5 tokens, another wrote NaN as null).
 */
export function checkStoreUsage(field: string, usage: unknown): asserts usage is Usage {
  if (usage === null || typeof usage !== 'object') throw new ConfigError(field, 'must be a usage object');
  const { inputTokens, outputTokens, costUsd } = usage as Partial<Usage>;
  // Checked one by one (no array of pairs: this runs on every step commit).
  checkTokenCount(field, 'inputTokens', inputTokens);
  checkTokenCount(field, 'outputTokens', outputTokens);
  if (typeof costUsd !== 'number' || !Number.isFinite(costUsd) || costUsd < 0) throw new ConfigError(`${field}.costUsd`, `must be a finite non-negative number, found ${String(costUsd)}`);
}

/**
 * Checks the counters of a step a store commits: its `usage` (as `checkStoreUsage`, field
 * `step.usage`), `toolCalls` and `toolCallsRefused` (absent reads 0) non-negative safe integers.
 * Anything else is `ConfigError` naming the field (`step.toolCalls`): stores add them to the run's
 * totals in integer columns, JSON and Redis `HINCRBY`, which cannot hold a fraction or a negative
 * count alike (one kept 3.5 refused calls, another 3, a third failed `store_unavailable`).
 */
export function checkStoreStep(field: string, step: unknown, runId?: string): void {
  checkStoreObject(field, step);
  checkRecordRun(field, step, runId);
  const { usage, toolCalls, toolCallsRefused } = step as { usage?: unknown; toolCalls?: unknown; toolCallsRefused?: unknown };
  // `step.usage` written out for the usual field (no string built per commit).
  checkStoreUsage(field === 'step' ? 'step.usage' : `${field}.usage`, usage);
  checkTokenCount(field, 'toolCalls', toolCalls);
  if (toolCallsRefused !== undefined) checkTokenCount(field, 'toolCallsRefused', toolCallsRefused);
}

function checkTokenCount(field: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ConfigError(`${field}.${name}`, `must be a non-negative safe integer, found ${String(value)}`);
}

/**
 * Checks a text field a store keeps in a column of its own (a run's `createdAt`, a kill flag's
 * `reason` and `at`): a string (any text, `''` too). Anything else is `ConfigError` naming `field`
 * — never a store's NOT NULL failure reported as a retryable `store_unavailable`, nor a number or
 * object kept by one store and refused by another.
 */
export function checkStoreText(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new ConfigError(field, `must be a string, found ${kindOf(value)}`);
}

/**
 * Checks the step index of a ledger entry (`recordToolIntent`, `recordToolResult`): an integer
 * from 0 to `MAX_STORE_INDEX`. Anything else (`'0'`, `1.5`, `-1`) is `ConfigError` naming `field`:
 * stores keep it in an integer column or compare it with the step of a commit, and a text `'0'`
 * or a fraction would be kept by one store, dropped by another and refused `store_unavailable` by
 * a third.
 */
export function checkStoreIndex(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_STORE_INDEX) {
    throw new ConfigError(field, `must be an integer from 0 to ${MAX_STORE_INDEX}, found ${typeof value === 'number' ? String(value) : kindOf(value)}`);
  }
}

/** Checks a lease's time to live: an integer from 1 ms to `MAX_STORE_INDEX` ms (about 24.8 days). */
export function checkLeaseTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_STORE_INDEX) {
    throw new ConfigError('ttlMs', `must be an integer from 1 to ${MAX_STORE_INDEX} ms, found ${String(ttlMs)}`);
  }
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});
const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/**
 * Reads the options object of a store method (`listRuns` query, the paging options of
 * `listEvents`, `loadSteps` and `getToolLedger`, the `WriteOptions` of `appendEvents`,
 * `recordToolIntent` and `recordToolResult`): `undefined` reads as no options (`{}`); anything
 * but an object — `null`, an array, a string — is `ConfigError` (`config_invalid`) naming `field`,
 * as `null` for a single option is (see `readStorePage`). A `lease` in it is checked too
 * (`checkStoreLease`).
 */
export function readStoreOptions<T extends object>(field: string, value: T | undefined): T {
  if (value === undefined) return EMPTY as T;
  checkStoreObject(field, value);
  const lease = (value as { lease?: unknown }).lease;
  if (lease !== undefined) checkStoreLease(`${field}.lease`, lease);
  return value;
}

/**
 * Checks an argument a store method requires to be an object (a run to create, the input of a
 * write, a step, a decision, a result, a kill flag, a lease): `null`, an array or a primitive is
 * `ConfigError` (`config_invalid`) naming `field`, instead of a `TypeError` from reading a member.
 */
export function checkStoreObject(field: string, value: unknown): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(field, `must be an object, found ${kindOf(value)}`);
}

/**
 * Checks the input object of a store write (`saveDecision`, `commitStep`, `updateRun`, `finishRun`):
 * an object, with a valid `lease` when it has one (`checkStoreLease`) that is a lease of the run
 * written (`input.runId`): another run's lease (same owner, same epoch) does not fence this one.
 */
export function checkStoreWrite(field: string, input: unknown): asserts input is object {
  checkStoreObject(field, input);
  const lease = (input as { lease?: unknown }).lease;
  if (lease !== undefined) {
    // The field's name is built only for a failure (this runs for every write of every step).
    if (!isWellFormedLease(lease)) checkStoreLease(`${field}.lease`, lease);
    const runId = (input as { runId?: unknown }).runId;
    const own = (lease as { runId?: unknown }).runId;
    if (typeof runId === 'string' && own !== undefined && own !== runId) checkRecordRun(`${field}.lease`, lease as object, runId);
  }
}

/** True for a lease `checkStoreLease` accepts (without naming any field). */
function isWellFormedLease(lease: unknown): boolean {
  if (lease === null || typeof lease !== 'object' || Array.isArray(lease)) return false;
  const { owner, epoch } = lease as { owner?: unknown; epoch?: unknown };
  return isStorableId(owner) && typeof epoch === 'number' && Number.isSafeInteger(epoch);
}

/**
 * Checks the events of a store write: an array of event objects (each checked as
 * `checkStoreObject`); with `runId`, an event that names another run (`event.runId`) is
 * `ConfigError` — a store would list it under the run written, where it does not belong.
 */
export function checkStoreEvents(field: string, events: unknown, runId?: string): asserts events is readonly object[] {
  if (!Array.isArray(events)) throw new ConfigError(field, `must be an array of events, found ${kindOf(events)}`);
  for (let i = 0; i < events.length; i++) {
    const event: unknown = events[i];
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new ConfigError(`${field}[${i}]`, `must be an event object, found ${kindOf(event)}`);
    // The field name is built only for a failure (this runs for every event of every commit).
    if (typeof runId === 'string' && (event as { runId?: unknown }).runId !== undefined && (event as { runId?: unknown }).runId !== runId) checkRecordRun(`${field}[${i}]`, event, runId);
  }
}

/**
 * A record given to a store for run `runId` (a step, a decision, an event, a write's lease) that
 * names a run of its own must name that one: else `ConfigError` naming `field.runId`. A record
 * without `runId` is taken as the run's (the store keeps it under the run written).
 */
export function checkRecordRun(field: string, record: object, runId: string | undefined): void {
  const own = (record as { runId?: unknown }).runId;
  if (typeof runId === 'string' && own !== undefined && own !== runId) {
    throw new ConfigError(`${field}.runId`, `names run ${typeof own === 'string' ? JSON.stringify(own) : kindOf(own)}, not the run written (${JSON.stringify(runId)})`);
  }
}

/**
 * Checks a lease given to a store (the `lease` of a write, or `renewLease`/`releaseLease`): an
 * object with a store id as `owner` and an integer `epoch`. A write given `lease: null` is
 * refused rather than taken as unfenced: a lease that went missing must not switch fencing off.
 */
export function checkStoreLease(field: string, lease: unknown): asserts lease is { owner: string; epoch: number } {
  checkStoreObject(field, lease);
  const { owner, epoch } = lease as { owner?: unknown; epoch?: unknown };
  checkStoreId(`${field}.owner`, owner);
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch)) throw new ConfigError(`${field}.epoch`, `must be an integer, found ${typeof epoch === 'number' ? String(epoch) : kindOf(epoch)}`);
}

const RUN_STATUSES: ReadonlySet<unknown> = new Set(['running', 'paused', 'completed', 'stopped', 'failed']);
const TERMINAL_STATUSES: ReadonlySet<unknown> = new Set(['completed', 'stopped', 'failed']);

/**
 * Checks a run status given to a store: `kind` `any` (a `listRuns` filter: any `RunStatus`),
 * `open` (`updateRun`: `running` or `paused`) or `terminal` (`finishRun`'s result: `completed`,
 * `stopped` or `failed`). Anything else is `ConfigError` naming `field`; a store never records a
 * status outside the contract (a run made `completed` by `updateRun` would have no result).
 */
export function checkStoreStatus(field: string, status: unknown, kind: 'any' | 'open' | 'terminal'): void {
  const ok = kind === 'any' ? RUN_STATUSES.has(status) : kind === 'open' ? status === 'running' || status === 'paused' : TERMINAL_STATUSES.has(status);
  if (!ok) {
    const allowed = kind === 'any' ? 'running, paused, completed, stopped or failed' : kind === 'open' ? 'running or paused' : 'completed, stopped or failed';
    throw new ConfigError(field, `must be ${allowed}, found ${typeof status === 'string' ? JSON.stringify(status.slice(0, 40)) : kindOf(status)}`);
  }
}

// String.prototype.isWellFormed is Node ≥ 20; the fallback scans for a lone surrogate.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** True for text without a lone UTF-16 surrogate (what `checkToolCallId` requires of a tool call id). */
export function isWellFormedText(value: string): boolean {
  const native = (value as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(value) : !LONE_SURROGATE.test(value);
}
