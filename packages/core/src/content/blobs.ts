import { digestBase64 } from './digest.js';

/**
 * Inline media below this many base64 characters stays inline in stored records; larger data is
 * stored once per run under its hash.
 */
export const BLOB_MIN_CHARS = 1024;

const isMediaWithData = (value: Record<string, unknown>): boolean =>
  (value.type === 'image' || value.type === 'file') && typeof value.mediaType === 'string' && typeof value.data === 'string';

/**
 * For durable stores: returns a copy of `value` (a run record, step, decision or ledger entry)
 * in which every image/file part whose base64 `data` is at least `BLOB_MIN_CHARS` long is
 * replaced by a reference `{ type, mediaType, blob: <sha256>, … }`, and adds the data to `blobs`
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
    if (isMediaWithData(record) && (record.data as string).length >= BLOB_MIN_CHARS) {
      const { data, ...rest } = record;
      const { sha256 } = digestBase64(data as string);
      blobs.set(sha256, data as string);
      return { ...rest, blob: sha256 };
    }
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
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
  for (const key of Object.keys(record)) blobRefs(record[key], into);
  return into;
}

/**
 * The inverse of `extractBlobs`: puts each referenced blob's data back. A reference whose blob
 * is missing throws (`lookup` should throw `StoreError('state_corrupt')` rather than return undefined).
 */
export function restoreBlobs<T>(value: T, lookup: (sha256: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const record = v as Record<string, unknown>;
    if ((record.type === 'image' || record.type === 'file') && typeof record.blob === 'string') {
      const { blob, ...rest } = record;
      return { ...rest, data: lookup(blob as string) };
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record)) if (key !== '__proto__') out[key] = walk(record[key]);
    return out;
  };
  return walk(value) as T;
}
