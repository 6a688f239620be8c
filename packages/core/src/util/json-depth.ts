/**
 * Deepest nesting of objects and arrays accepted in values that runs carry and stores keep
 * (tool-call arguments, run metadata, input history). Recursive walks — redaction, canonical
 * JSON, store copies — would overflow the stack on values nested thousands of levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/** Objects visited before a value counts as too large to walk (a shared-reference lattice can have exponentially many paths). */
const MAX_VISITS = 5_000_000;

/**
 * True when `value` nests objects/arrays `max` levels deep or more (a cycle counts as too deep,
 * and so does a value with more than 5 million object paths). Iterative, so it never overflows
 * the stack itself, and it stops at the first path past `max`.
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max >= 2) {
    // The common case (tool arguments one level deep): no stack to build, no array of values.
    if (isFlat(value)) return false;
  }
  const stack: [unknown, number][] = [[value, 0]];
  let visits = 0;
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max || ++visits > MAX_VISITS) return true;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** No object or array among the own values of `value` (an object or array). */
function isFlat(value: object): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child !== null && typeof child === 'object') return false;
    }
    return true;
  }
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object') return false;
  }
  return true;
}

/** Whether a value nests deeper than `max` levels (or has a cycle): `nestsDeeperThan(value, max + 1)`. */
export function exceedsDepth(value: unknown, max: number): boolean {
  return nestsDeeperThan(value, max + 1);
}
