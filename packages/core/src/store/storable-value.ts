import { ConfigError } from '../errors/config-error.js';
import { jsonCopySharing } from '../util/json-copy.js';

/**
 * Deepest nesting of objects and arrays a `StateStore` keeps in one record (a run, step, decision,
 * event, result or ledger entry), counting the record itself as level 1. Far above what a run
 * writes (tool arguments, metadata and input are held to 64 levels), and far below what would
 * overflow the stack of the recursive walks stores and core make over records on write and read.
 */
export const MAX_STORED_DEPTH = 1_000;

interface Frame {
  readonly value: unknown;
  readonly key: string | number;
  readonly parent: Frame | undefined;
  readonly depth: number;
}

const bigint = (path: string) => new ConfigError(path, 'is a BigInt, which JSON cannot hold (store it as a string)');
const describe = (error: unknown): string => {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unreadable error';
  }
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `run.metadata.list[2]["a b"]`: the path of `frame` below `field`. */
function pathOf(field: string, frame: Frame | undefined, key?: string | number): string {
  const keys: (string | number)[] = key === undefined ? [] : [key];
  for (let at = frame; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  let path = field;
  for (let i = keys.length - 1; i >= 0; i--) {
    const part = keys[i]!;
    path += typeof part === 'number' ? `[${part}]` : IDENTIFIER.test(part) ? `.${part}` : `[${JSON.stringify(part.length > 40 ? `${part.slice(0, 40)}…` : part)}]`;
  }
  return path;
}

/** What JSON.stringify serializes in place of `value` (its `toJSON` answer), read as JSON.stringify reads it. */
function jsonView(value: object, key: string | number): unknown {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === 'function' ? (toJSON as (key: string) => unknown).call(value, String(key)) : value;
}

/**
 * Checks that `value`, a record a store is asked to persist, is JSON every store writes and reads
 * back alike: no `bigint`, no cycle, no objects or arrays nested more than `MAX_STORED_DEPTH`
 * levels (the record is level 1), and no getter or `toJSON` that throws. Throws `ConfigError`
 * (`config_invalid`) whose `field` is the path of the offending value below `field` (e.g.
 * `input.step.messages[1].content[0].extra`); the store then writes nothing of the call.
 *
 * What JSON drops is not refused, as a JSON round trip gives it: `undefined`, functions and
 * symbols vanish from objects and become `null` in arrays, symbol keys are ignored, a `toJSON`
 * (a `Date`) stands for its object. A value shared by two branches (not a cycle) is fine.
 * Iterative: it never overflows the stack itself, whatever the depth.
 *
 * @example
 * ```ts
 * checkStorable('input.step', input.step); // in commitStep of a third-party store, before writing
 * ```
 */
export function checkStorable(field: string, value: unknown): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw bigint(field);
    return;
  }
  // Depth-first; `ancestors` holds the objects on the path to the frame being entered (a cycle
  // is an object that is its own ancestor; a shared, acyclic value is not).
  const ancestors: object[] = [];
  const stack: (Frame | null)[] = [{ value, key: '', parent: undefined, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame === null) {
      ancestors.pop();
      continue;
    }
    let current: unknown;
    try {
      current = frame.value !== null && typeof frame.value === 'object' ? jsonView(frame.value, frame.key) : frame.value;
    } catch (error) {
      throw new ConfigError(pathOf(field, frame), `could not be serialized: its toJSON threw (${describe(error)})`, { cause: error });
    }
    if (typeof current === 'bigint') throw bigint(pathOf(field, frame));
    if (current === null || typeof current !== 'object') continue;
    if (ancestors.includes(current)) throw new ConfigError(pathOf(field, frame), 'refers back to an object that contains it (a cycle), which JSON cannot hold');
    if (frame.depth > MAX_STORED_DEPTH) throw new ConfigError(pathOf(field, frame), `nests objects and arrays more than ${MAX_STORED_DEPTH} levels deep`);
    ancestors.push(current);
    stack.push(null);
    const depth = frame.depth + 1;
    let bigintAt: string | number | undefined;
    try {
      if (Array.isArray(current)) {
        for (let i = current.length - 1; i >= 0; i--) {
          const child: unknown = current[i];
          if (child !== null && typeof child === 'object') stack.push({ value: child, key: i, parent: frame, depth });
          else if (typeof child === 'bigint') bigintAt ??= i;
        }
      } else {
        const keys = Object.keys(current);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!;
          const child: unknown = (current as Record<string, unknown>)[key];
          if (child !== null && typeof child === 'object') stack.push({ value: child, key, parent: frame, depth });
          else if (typeof child === 'bigint') bigintAt ??= key;
        }
      }
    } catch (error) {
      throw new ConfigError(pathOf(field, frame), `could not be read: a getter threw (${describe(error)})`, { cause: error });
    }
    if (bigintAt !== undefined) throw bigint(pathOf(field, frame, bigintAt));
  }
}

/** `checkStorable` for each record of a list (events): `field[i]` names the one refused. */
export function checkStorableList(field: string, records: readonly unknown[]): void {
  for (let i = 0; i < records.length; i++) checkStorable(`${field}[${i}]`, records[i]);
}

/**
 * `checkStorable` and a JSON-round-trip copy (`jsonCopy`) in one walk, for a store that keeps copies
 * (`MemoryStore`): the copy is bounded to `MAX_STORED_DEPTH` levels, and only when it fails is the
 * value walked again by `checkStorable`, for the typed error naming the offending path. Values core
 * made as shared copies (deep-frozen, JSON-exact: the assistant message a step and its audit event
 * hold) are kept as they are.
 * @internal
 */
export function storableCopy<T>(field: string, value: T): T {
  try {
    return jsonCopySharing(value, MAX_STORED_DEPTH);
  } catch (error) {
    checkStorable(field, value);
    throw error;
  }
}
