import { ReturnsTarget } from './returns-target.js';

/**
 * Deep copy of JSON-shaped data that gives what a JSON round trip (`JSON.parse(JSON.stringify(value))`)
 * gives, so a store that copies (`MemoryStore`) hands back what the stores that encode JSON do:
 * `undefined`, functions and symbols are dropped from objects and become `null` in arrays (holes
 * too), `-0` becomes `0`, `NaN` and ±`Infinity` become `null`, a `toJSON` method is called (a
 * `Date` becomes its ISO text), and a `bigint` throws a `TypeError` as `JSON.stringify` does.
 * Far cheaper than a JSON round trip or `structuredClone` for small records. An own `__proto__`
 * key is data (JSON from a model or a user): it is defined on the copy, never assigned (that
 * would swap the prototype), as `JSON.parse` defines it.
 */
export function jsonCopy<T>(value: T): T {
  return copyValue(value, '', 1, Infinity, PLAIN) as T;
}

/**
 * `jsonCopy` that throws a `RangeError` for an object or array nested deeper than `maxDepth` levels
 * (the value itself is level 1), so a cycle ends there instead of overflowing the stack.
 * @internal
 */
export function jsonCopyWithin<T>(value: T, maxDepth: number): T {
  return copyValue(value, '', 1, maxDepth, PLAIN) as T;
}

/**
 * `jsonCopyWithin` that keeps, uncopied, the values `sharedJsonCopy` made (deep-frozen JSON-exact
 * copies: a copy of one is equal to it, and nobody can change them) where they fit within
 * `maxDepth` — for a store that keeps what it is given (`MemoryStore`), never for a copy handed out.
 * @internal
 */
export function jsonCopySharing<T>(value: T, maxDepth: number): T {
  return copyValue(value, '', 1, maxDepth, SHARING) as T;
}

/** How `copyValue` copies: a plain copy; one that keeps shared copies as they are; one that freezes what it builds (for `sharedJsonCopy`). */
const PLAIN = 0;
const SHARING = 1;
const FREEZING = 2;
type CopyMode = typeof PLAIN | typeof SHARING | typeof FREEZING;

/** The deepest level at which a `FREEZING` copy built an object (its height: see `sharedJsonCopy`). */
let deepestFrozen = 0;


/**
 * The brand of a copy `sharedJsonCopy` made (its root only: everything below a root is part of it),
 * with its height (a value of primitives only is 1): a private field stamped on the object before it
 * is frozen. Nothing outside this module can read, forge or copy it (no reflection, JSON, spread or
 * structured clone sees private fields), and unlike a WeakMap it costs the garbage collector nothing.
 */
class SharedBrand extends ReturnsTarget {
  readonly #height: number;
  constructor(target: object, height: number) {
    super(target);
    this.#height = height;
  }

  /** The height of a shared copy's root, or undefined for any other object. */
  static heightOf(value: object): number | undefined {
    return #height in value ? (value as SharedBrand).#height : undefined;
  }
}

/**
 * A deep-frozen JSON-exact copy of `value` (`jsonCopyWithin`) that several holders may keep at once
 * (the run's audit event and the stored step share one assistant message): `jsonCopySharing` keeps
 * it as it is, and a redaction walk that changes nothing in it returns it (`isShared`). Throws as
 * `jsonCopyWithin` does.
 * @internal
 */
export function sharedJsonCopy<T>(value: T, maxDepth: number): T {
  // Each nested object is frozen as it is built (one walk), and the deepest level reached is the
  // height (kept apart from a copy this one is made inside of, from a `toJSON`).
  const outer = deepestFrozen;
  deepestFrozen = 0;
  let copy: unknown;
  let height: number;
  try {
    copy = copyValue(value, '', 1, maxDepth, FREEZING);
    height = deepestFrozen;
  } finally {
    deepestFrozen = outer;
  }
  if (copy !== null && typeof copy === 'object') {
    // Stamped before the root is frozen (a frozen object takes no new field).
    new SharedBrand(copy, height);
    Object.freeze(copy);
  }
  return copy as T;
}

/**
 * True for the root of a copy `sharedJsonCopy` made: it and everything in it are deep-frozen,
 * plain (no prototype but Object's and Array's, no accessors), acyclic and JSON-exact. @internal
 */
export function isShared(value: object): boolean {
  return SharedBrand.heightOf(value) !== undefined;
}

/**
 * `key`: the property name or array index holding `value`, passed to a `toJSON` as `JSON.stringify` does;
 * `depth`: the level of `value` if it is an object (the copied value is level 1), at most `maxDepth`.
 */
function copyValue(value: unknown, key: string | number, depth: number, maxDepth: number, mode: CopyMode): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0 and has no NaN or Infinity (written as null).
      return value === 0 ? 0 : Number.isFinite(value) ? value : null;
    case 'object':
      if (depth > maxDepth) throw new RangeError(`nested more than ${maxDepth} levels deep`);
      if (mode === SHARING) {
        // A shared copy is what copying it would give: kept as it is where it fits within the depth.
        const height = SharedBrand.heightOf(value as object);
        if (height !== undefined && depth + height - 1 <= maxDepth) return value;
      }
      break;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined; // undefined, functions and symbols: not JSON
  }
  // A `toJSON` is looked up on the prototype only for objects that have one of their own kind (a
  // Date, a class instance): plain objects and arrays — almost every value copied, every step —
  // can only have it as an own property, found below without a lookup that misses on each of them.
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null;
  if (!plain && (proto !== Array.prototype || Object.prototype.hasOwnProperty.call(value, 'toJSON'))) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return copyValue(toJSON.call(value, String(key)), key, depth, maxDepth, mode);
  }
  let copy: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const raw: unknown = value[i];
      // Strings and booleans are their own copy (no call for them: most members are).
      const item = typeof raw === 'string' || typeof raw === 'boolean' ? raw : copyValue(raw, i, depth + 1, maxDepth, mode);
      out[i] = item === undefined ? null : item;
    }
    copy = out;
  } else {
    const out: Record<string, unknown> = {};
    for (const name in value) {
      if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
      const raw = (value as Record<string, unknown>)[name];
      let child: unknown;
      if (typeof raw === 'string' || typeof raw === 'boolean') child = raw;
      else {
        // An own `toJSON` method of a plain object stands for the whole object, as in JSON.stringify.
        if (name === 'toJSON' && typeof raw === 'function') return copyValue((raw as (key: string) => unknown).call(value, String(key)), key, depth, maxDepth, mode);
        child = copyValue(raw, name, depth + 1, maxDepth, mode);
        if (child === undefined) continue;
      }
      if (name === '__proto__') Object.defineProperty(out, name, { value: child, enumerable: true, writable: true, configurable: true });
      else out[name] = child;
    }
    copy = out;
  }
  if (mode === FREEZING) {
    if (depth > deepestFrozen) deepestFrozen = depth;
    // The root is branded before it is frozen (`sharedJsonCopy`); everything below is frozen as built.
    if (depth > 1) Object.freeze(copy);
  }
  return copy;
}

/** Freezes a fresh, acyclic value and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Brand of lists core keeps of events it deep-froze itself (an EventLog's unwritten events): a
 * module-private symbol (a copy of the list does not carry it). Forging it by reflection only lets
 * that caller's own events be kept uncopied by `MemoryStore`.
 */
const FROZEN_LIST: unique symbol = Symbol('agentrt.frozenList');

/** Marks `list` as holding only values `deepFreeze` froze (and only ever such values, while it grows). */
export function markFrozenList<T extends readonly unknown[]>(list: T): T {
  (list as unknown as { [FROZEN_LIST]: boolean })[FROZEN_LIST] = true;
  return list;
}

/** True for a list `markFrozenList` marked (in this copy of core): its elements cannot change, so holders may keep them without a copy. */
export function isFrozenList(list: readonly unknown[]): boolean {
  return (list as { readonly [FROZEN_LIST]?: boolean })[FROZEN_LIST] === true;
}
