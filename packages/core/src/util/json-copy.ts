/**
 * Deep copy of JSON-shaped data (plain objects, arrays, primitives; `undefined` members dropped).
 * Far cheaper than `structuredClone` for small records. An own `__proto__` key is data (JSON from
 * a model or a user): it is defined on the copy, never assigned (that would swap the prototype).
 */
export function jsonCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(jsonCopy) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) {
      if (key === '__proto__') Object.defineProperty(out, key, { value: jsonCopy(child), enumerable: true, writable: true, configurable: true });
      else out[key] = jsonCopy(child);
    }
  }
  return out as T;
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
