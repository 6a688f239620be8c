/**
 * What a hostile or careless tool can throw or return (RELIABILITY.md F-10, F-11, B-09). A
 * runtime must turn every one into a tool result — `tool_failed` (or a typed code) for throws and
 * unserializable values, capped text for the rest — and go on with the run: no crash, no
 * unhandled rejection, no `internal_error`, output within `maxToolOutputChars` on every path.
 *
 * Each entry builds a fresh value (a revoked proxy cannot be reused across tests).
 */
export interface HostileToolOutcome {
  readonly name: string;
  /** `throw`: `execute` throws the value; `reject`: it returns a rejected promise; `return`: it resolves with it. */
  readonly kind: 'throw' | 'reject' | 'return';
  make(): unknown;
}

const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

const trapsThrow = (message: string) => new Proxy({}, {
  get() { throw new Error(message); },
  getPrototypeOf() { throw new Error(message); },
  ownKeys() { throw new Error(message); },
  has() { throw new Error(message); },
  getOwnPropertyDescriptor() { throw new Error(message); },
});

const BIG = 'E'.repeat(2 * 2 ** 20);

function circular(): unknown {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  return a;
}

function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

export const HOSTILE_TOOL_OUTCOMES: readonly HostileToolOutcome[] = [
  { name: 'a revoked proxy', kind: 'throw', make: revoked },
  { name: 'a revoked proxy', kind: 'reject', make: revoked },
  { name: 'a proxy whose every trap throws', kind: 'throw', make: () => trapsThrow('trap') },
  { name: 'an Error whose message getter throws', kind: 'throw', make: () => Object.defineProperty(new Error('x'), 'message', { get() { throw new Error('message getter'); } }) },
  { name: 'an Error whose name and message getters throw', kind: 'throw', make: () => Object.defineProperties(new Error('x'), { message: { get() { throw new Error('m'); } }, name: { get() { throw new Error('n'); } } }) },
  { name: 'an object whose toString and toPrimitive throw', kind: 'throw', make: () => ({ toString() { throw new Error('toString'); }, [Symbol.toPrimitive]() { throw new Error('toPrimitive'); } }) },
  { name: 'an object without a prototype', kind: 'throw', make: () => Object.create(null) as unknown },
  { name: 'null', kind: 'throw', make: () => null },
  { name: 'undefined', kind: 'reject', make: () => undefined },
  { name: 'a number', kind: 'throw', make: () => 42 },
  { name: 'a symbol', kind: 'throw', make: () => Symbol('thrown') },
  { name: 'a BigInt', kind: 'throw', make: () => 10n ** 30n },
  { name: 'a function', kind: 'throw', make: () => function thrown() { return 1; } },
  { name: 'a circular object', kind: 'reject', make: circular },
  { name: 'an object with 2 MB of JSON', kind: 'throw', make: () => ({ detail: BIG }) },
  { name: 'an Error with a 2 MB message', kind: 'throw', make: () => new Error(BIG) },
  { name: 'an Error with a getter on its code that throws', kind: 'throw', make: () => Object.defineProperty(new Error('coded'), 'code', { get() { throw new Error('code getter'); } }) },
  { name: 'a thrown string of 2 MB', kind: 'throw', make: () => BIG },
  { name: 'a proxy whose getPrototypeOf throws (instanceof checks fail)', kind: 'return', make: () => new Proxy({ ok: true }, { getPrototypeOf() { throw new Error('getPrototypeOf'); } }) },
  { name: 'a proxy whose ownKeys throws', kind: 'return', make: () => new Proxy({ ok: true }, { ownKeys() { throw new Error('ownKeys'); } }) },
  { name: 'a revoked proxy', kind: 'return', make: revoked },
  { name: 'an object with a getter that throws', kind: 'return', make: () => ({ get boom() { throw new Error('getter'); } }) },
  { name: 'an object whose toJSON throws', kind: 'return', make: () => ({ toJSON() { throw new Error('toJSON'); } }) },
  { name: 'an object whose toJSON returns 2 MB', kind: 'return', make: () => ({ toJSON: () => BIG }) },
  { name: 'a BigInt', kind: 'return', make: () => 10n ** 30n },
  { name: 'a symbol', kind: 'return', make: () => Symbol('returned') },
  { name: 'a function', kind: 'return', make: () => function returned() { return 1; } },
  { name: 'a circular object', kind: 'return', make: circular },
  { name: 'an object nested 100 000 levels deep', kind: 'return', make: () => deep(100_000) },
  { name: 'a 20 MB string in a nested field', kind: 'return', make: () => ({ a: { b: [{ c: 'S'.repeat(20 * 2 ** 20) }] } }) },
  { name: 'an array of a million numbers', kind: 'return', make: () => Array.from({ length: 1_000_000 }, (_, i) => i) },
  { name: 'a 16 MB Uint8Array', kind: 'return', make: () => new Uint8Array(16 * 2 ** 20) },
  { name: 'a Map and a Set', kind: 'return', make: () => ({ map: new Map([['a', 1]]), set: new Set([1]) }) },
  { name: 'NaN and Infinity', kind: 'return', make: () => ({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY }) },
  { name: 'an object whose then getter throws', kind: 'return', make: () => ({ get then() { throw new Error('then getter'); } }) },
];
