// Pins canonicalJson's fast path for flat objects (perf pass 18b: the key order of a plain object is
// checked with `for…in`, without a key array) against the general definition, on random flat values.
import { canonicalJson } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

/** The general definition: keys sorted, undefined members dropped, tags for what JSON cannot hold. */
function reference(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'bigint') return `[bigint ${v.toString()}]`;
      if (typeof v === 'function' || typeof v === 'symbol') return `[${typeof v}]`;
      if (typeof v === 'number' && !Number.isFinite(v)) return `[number ${String(v)}]`;
      return v;
    }
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map(walk);
    else {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const child = (v as Record<string, unknown>)[key];
        if (child !== undefined) Object.defineProperty(sorted, key, { value: walk(child), enumerable: true, writable: true, configurable: true });
      }
      out = sorted;
    }
    seen.delete(v);
    return out;
  };
  return JSON.stringify(walk(value)) ?? 'undefined';
}

/** A small deterministic generator (no flaky seeds). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KEYS = ['a', 'b', 'c', 'z', 'A', '0', '1', '10', '9', '__proto__', 'toJSON', 'é', ''];
const VALUES: unknown[] = [0, -0, 1.5, -7, Number.NaN, Number.POSITIVE_INFINITY, 'x', '', 'naïve "q"', true, false, null, undefined, { n: 1 }, [1, 2], () => 1];

describe('canonicalJson of flat objects', () => {
  it('matches the general definition on 5,000 random flat objects (key order, undefined, tags, __proto__, null prototypes)', () => {
    const next = rng(18);
    for (let i = 0; i < 5_000; i++) {
      const value: Record<string, unknown> = next() < 0.2 ? Object.create(null) : {};
      const count = Math.floor(next() * 5);
      for (let k = 0; k < count; k++) {
        const key = KEYS[Math.floor(next() * KEYS.length)]!;
        const child = VALUES[Math.floor(next() * VALUES.length)];
        Object.defineProperty(value, key, { value: child, enumerable: true, writable: true, configurable: true });
      }
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it('an inherited enumerable member is not part of the text; non-enumerable own members neither', () => {
    const parent = { inherited: 1 };
    const child = Object.create(parent) as Record<string, unknown>;
    child.a = 1;
    const plain: Record<string, unknown> = { b: 2, a: 1 };
    Object.defineProperty(plain, 'hidden', { value: 3, enumerable: false });
    expect(canonicalJson(child)).toBe('{"a":1}');
    expect(canonicalJson(plain)).toBe('{"a":1,"b":2}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe('{"a":1,"b":2}');
  });

  it('a getter is read as before: once for the check and once for the text of an ordered plain object', () => {
    let reads = 0;
    const value = { a: 1, get b() {
      reads++;
      return 2;
    } };
    expect(canonicalJson(value)).toBe('{"a":1,"b":2}');
    expect(reads).toBe(2);
  });
});
