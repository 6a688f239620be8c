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
 * `loadSteps` `fromIndex`, `getToolLedger` `stepIndex`): `undefined`, a non-negative integer or
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

function checkTokenCount(field: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ConfigError(`${field}.${name}`, `must be a non-negative safe integer, found ${String(value)}`);
}

/** Checks a lease's time to live: an integer from 1 ms to `MAX_STORE_INDEX` ms (about 24.8 days). */
export function checkLeaseTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_STORE_INDEX) {
    throw new ConfigError('ttlMs', `must be an integer from 1 to ${MAX_STORE_INDEX} ms, found ${String(ttlMs)}`);
  }
}

// String.prototype.isWellFormed is Node ≥ 20; the fallback scans for a lone surrogate.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** True for text without a lone UTF-16 surrogate (what `checkToolCallId` requires of a tool call id). */
export function isWellFormedText(value: string): boolean {
  const native = (value as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(value) : !LONE_SURROGATE.test(value);
}
