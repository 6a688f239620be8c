/**
 * Deterministic pseudo-random numbers in [0, 1) from a 32-bit seed (mulberry32): the same seed gives
 * the same sequence on every machine, so a property test's random corpus is reproducible.
 *
 * @example
 * ```ts
 * const next = seededRandom(15);
 * const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
