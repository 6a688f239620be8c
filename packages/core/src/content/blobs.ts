import { encodeStored } from '../store/codec.js';
import { digestBase64 } from './digest.js';
import { isCanonicalBase64 } from './validate.js';

/**
 * Inline media below this many base64 characters stays inline in stored records; larger data is
 * stored once per run under its hash.
 */
export const BLOB_MIN_CHARS = 1024;

/**
 * Keys whose values are never media parts but may hold anything a model or caller sent (tool call
 * arguments, metadata, provider reasoning data): not walked, so a look-alike there is neither
 * extracted nor mistaken for a reference.
 */
const OPAQUE_KEYS = new Set(['args', 'metadata', 'providerData', 'toolCalls', 'reasoning']);

// Only canonical base64 is content-addressed: lenient decoding would map different strings to one hash.
const isMediaWithData = (value: Record<string, unknown>): boolean =>
  (value.type === 'image' || value.type === 'file') && typeof value.mediaType === 'string' && typeof value.data === 'string' &&
  value.data.length >= BLOB_MIN_CHARS && isCanonicalBase64(value.data);

/**
 * For durable stores: returns a copy of `value` (a run record, step, decision or ledger entry)
 * in which every image/file part whose base64 `data` is at least `BLOB_MIN_CHARS` long is
 * (canonical base64) replaced by a reference `{ type, mediaType, blob: <sha256>, … }`, and adds the data to `blobs`
 * (keyed by sha256 of the decoded bytes). Store each blob once per run (insert-if-absent), so
 * an image that appears in many records costs its bytes once and bytes per step stay flat.
 * Values that are not media parts are returned structurally unchanged.
 */
export function extractBlobs<T>(value: T, blobs: Map<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((item) => {
        const next = walk(item);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : v;
    }
    const record = v as Record<string, unknown>;
    if (isMediaWithData(record)) {
      const { data, ...rest } = record;
      const { sha256 } = digestBase64(data as string);
      blobs.set(sha256, data as string);
      return { ...rest, blob: sha256 };
    }
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      if (OPAQUE_KEYS.has(key)) continue;
      const child = record[key];
      const next = walk(child);
      if (next !== child) {
        out ??= { ...record };
        Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true }); // `__proto__` stays data
      }
    }
    return out ?? v;
  };
  return walk(value) as T;
}

/** Hashes referenced by `extractBlobs` refs anywhere inside `value`. */
export function blobRefs(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (value === null || typeof value !== 'object') return into;
  if (Array.isArray(value)) {
    for (const item of value) blobRefs(item, into);
    return into;
  }
  const record = value as Record<string, unknown>;
  if ((record.type === 'image' || record.type === 'file') && typeof record.blob === 'string') into.add(record.blob);
  else for (const key of Object.keys(record)) if (!OPAQUE_KEYS.has(key)) blobRefs(record[key], into);
  return into;
}

/**
 * The inverse of `extractBlobs`: puts each referenced blob's data back. A reference whose blob
 * is missing throws (`lookup` should throw `StoreError('state_corrupt')` rather than return undefined).
 */
export function restoreBlobs<T>(value: T, lookup: (sha256: string) => string): T {
  return restoreWith(value, (record) => {
    const { blob, ...rest } = record;
    return { ...rest, data: lookup(blob as string) };
  });
}

/** Walks `value` as `restoreBlobs` does, replacing each reference by what `restore` makes of it. */
function restoreWith<T>(value: T, restore: (ref: Record<string, unknown>) => unknown): T {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const record = v as Record<string, unknown>;
    if ((record.type === 'image' || record.type === 'file') && typeof record.blob === 'string') return restore(record);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record)) {
      const child = OPAQUE_KEYS.has(key) ? record[key] : walk(record[key]);
      if (key === '__proto__') Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true }); // stays data
      else out[key] = child;
    }
    return out;
  };
  return walk(value) as T;
}

/**
 * What a listing (`StateStore.listRuns`) shows for an image or file part whose blob the store no
 * longer holds (a partially restored or damaged store): the stored reference — type, media type,
 * filename, `blob` (the sha256 of the lost bytes) — with `missing: true` and no `data` (nor `url`),
 * so it cannot be taken for the real bytes, and a model call or a new run given it is refused as
 * any part without data is.
 */
export interface MissingMediaPart {
  readonly type: 'image' | 'file';
  readonly mediaType: string;
  readonly filename?: string;
  /** sha256 (hex) of the decoded bytes the store lost. */
  readonly blob: string;
  readonly missing: true;
}

/**
 * `restoreBlobs` for listings: a reference whose blob `lookup` does not find (returns `undefined`)
 * becomes a `MissingMediaPart` instead of failing the whole read, and its hash is added to
 * `missing`. A `lookup` that throws (the store is unreachable) still throws.
 */
export function restoreBlobsOrMark<T>(value: T, lookup: (sha256: string) => string | undefined, missing: Set<string>): T {
  return restoreWith(value, (record) => {
    const { blob, ...rest } = record;
    const data = lookup(blob as string);
    if (data !== undefined) return { ...rest, data };
    missing.add(blob as string);
    const { data: _data, url: _url, ...ref } = rest;
    return { ...ref, blob, missing: true };
  });
}

/**
 * For durable stores: serializes a record like `encodeStored`, but moves large inline media data
 * into `blobs` (see `extractBlobs`) and stamps such a record with format version 2. A record that
 * cannot hold media is serialized once and returned as is — no walk, no hashing on the hot path.
 */
export function encodeWithBlobs(value: object, blobs: Map<string, string>): string {
  const json = encodeStored(value);
  if (json.length < BLOB_MIN_CHARS || !(json.includes('"type":"image"') || json.includes('"type":"file"'))) return json;
  const extracted = extractBlobs(value, blobs);
  return extracted === value ? json : encodeStored(extracted, 2);
}

/** Cheap test on stored JSON text: may it hold blob references (then decode and `restoreBlobs`)? */
export function mayHoldBlobRefs(text: string): boolean {
  return text.includes('"blob":"');
}
