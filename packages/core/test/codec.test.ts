import { describe, expect, it } from 'vitest';
import { decodeStored, encodeStored } from '../src/index.js';

/** What `encodeStored` is defined to write: the record with `v` added. */
const copyForm = (value: object, version: 1 | 2 = 1) => JSON.stringify({ v: version, ...value });

describe('encodeStored', () => {
  const records: [string, object][] = [
    ['a step record', { runId: 'r1', stepIndex: 3, messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'add', args: { a: 1, b: 2 } }] }, { role: 'tool', toolCallId: 'c1', name: 'add', content: '3' }], usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 } }],
    ['an empty object', {}],
    ['undefined fields', { a: undefined, b: 1, c: undefined }],
    ['only undefined fields', { a: undefined }],
    ['a string with quotes and escapes', { text: 'say "hi"\n\u2028\\' }],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"x":1},"y":2}') as object],
    ['a class instance', new (class Rec { a = 1; b = 'x'; })()],
    ['a getter', Object.defineProperty({ a: 1 }, 'g', { get: () => 'read', enumerable: true })],
    ['a non-enumerable field', Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false })],
  ];

  it.each(records)('writes the same record as a copy with v added (%s), v first, for version 1 and 2', (_name, value) => {
    for (const version of [1, 2] as const) {
      const text = encodeStored(value, version);
      expect(JSON.parse(text)).toEqual(JSON.parse(copyForm(value, version)));
      expect(decodeStored<Record<string, unknown>>(text, 'record')).toEqual(decodeStored<Record<string, unknown>>(copyForm(value, version), 'record'));
    }
  });

  it('writes the copy form byte for byte for records without integer-like keys, also one with its own v or a toJSON', () => {
    const odd: object[] = [{ v: 7, a: 1 }, { a: 1, toJSON: () => ({ b: 2 }) }, [1, 2]];
    for (const value of [...records.map(([, v]) => v), ...odd]) expect(encodeStored(value)).toBe(copyForm(value));
  });
});
