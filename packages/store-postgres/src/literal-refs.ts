/**
 * Core's `extractBlobs` marks a stored media reference as an image/file-typed object with a
 * string `blob` key, and `restoreBlobs` treats every such object as one. Records also carry
 * data a model or a user controls (tool-call args, metadata): an object there that merely looks
 * like a reference would, on read, point at a blob that does not exist and make the whole run
 * unreadable (`state_corrupt`). So before extraction every image/file-typed object's keys
 * `blob`, `~blob`, `~~blob`, … get one more `~`, and after restoration one `~` is taken off:
 * an injective escape, so what was written is exactly what is read.
 */
const ESCAPED = /^~*blob$/;
const isMediaTyped = (record: Record<string, unknown>) => record.type === 'image' || record.type === 'file';

function walk(value: unknown, rename: (key: string) => string | undefined): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = walk(item, rename);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  const record = value as Record<string, unknown>;
  const media = isMediaTyped(record);
  const keys = Object.keys(record);
  const children = keys.map((key) => walk(record[key], rename));
  const names = keys.map((key) => (media ? rename(key) : undefined));
  if (children.every((child, i) => child === record[keys[i]!]) && names.every((name) => name === undefined)) return value;
  // A fresh object: renames are injective, so no two keys land on the same name.
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    const name = names[i] ?? key;
    if (name === '__proto__') Object.defineProperty(out, name, { value: children[i], enumerable: true, writable: true, configurable: true }); // stays data
    else out[name] = children[i];
  });
  return out;
}

/** Before `extractBlobs`: user data never looks like a reference. */
export function escapeLiteralRefs<T>(value: T): T {
  return walk(value, (key) => (ESCAPED.test(key) ? `~${key}` : undefined)) as T;
}

/** After `restoreBlobs`: user data comes back as written. */
export function unescapeLiteralRefs<T>(value: T): T {
  return walk(value, (key) => (key.length > 4 && ESCAPED.test(key) ? key.slice(1) : undefined)) as T;
}
