import { StoreError } from '../errors/store-error.js';

/**
 * Newest version of the JSON shapes stores persist (runs, steps, events, ledger entries) that
 * this core reads. 1: the original shapes. 2: image/file parts may be blob references
 * (`extractBlobs`) whose data the store keeps elsewhere — readers that predate them refuse such records.
 */
export const STORED_FORMAT_VERSION = 2;

/**
 * Serializes a record for a durable store, stamped with the format version (`v`): 1 by default,
 * so older readers keep reading what they understand; pass 2 for a record holding blob references.
 * Stores persist only JSON; this is the one place that shape is decided.
 */
export function encodeStored(value: object, version: 1 | 2 = 1): string {
  // The record's own JSON with `v` put in front: the text of a copy with `v` added, without making
  // the copy (stores encode a record every step). A record with its own `v` or a `toJSON` (the copy
  // would differ), or an array, takes the copy.
  if (!Array.isArray(value) && !Object.prototype.hasOwnProperty.call(value, 'v') && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const own = JSON.stringify(value);
    return own === '{}' ? `{"v":${version}}` : `{"v":${version},${own.slice(1)}`;
  }
  return JSON.stringify({ v: version, ...value });
}

/**
 * Parses a record a durable store read back. Never returns partially trusted data:
 * unparseable or non-object text is `state_corrupt`, a newer format version is
 * `schema_unsupported`. An own `__proto__` key (tool args, results or metadata may hold one) comes
 * back as an own data property, as `JSON.parse` defines it: kept as written, never a prototype change.
 */
export function decodeStored<T>(text: unknown, what: string): T {
  if (typeof text !== 'string') throw new StoreError('state_corrupt', `${what}: expected stored JSON text, found ${text === null ? 'null' : typeof text}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StoreError('state_corrupt', `${what}: stored JSON does not parse (${(error as Error).message})`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new StoreError('state_corrupt', `${what}: stored value is not an object`);
  const { v, ...rest } = value as { v?: unknown };
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new StoreError('state_corrupt', `${what}: stored value has no format version`);
  if (v > STORED_FORMAT_VERSION) throw new StoreError('schema_unsupported', `${what}: written by a newer agentrt (format ${v}, this version reads ≤ ${STORED_FORMAT_VERSION}); upgrade before reading it`);
  return rest as T;
}
