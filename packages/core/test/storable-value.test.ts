import { AgentrtError, checkStorable, MAX_STORED_DEPTH } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

const fieldOf = (value: unknown): string | undefined => {
  try {
    checkStorable('input.step', value);
    return undefined;
  } catch (error) {
    expect(AgentrtError.isInstance(error) && error.code).toBe('config_invalid');
    return (error as AgentrtError).details?.field as string;
  }
};

describe('checkStorable', () => {
  it('names the path of the value JSON cannot hold', () => {
    expect(fieldOf({ messages: [{ content: 'x' }, { content: [{ extra: 1n }] }] })).toBe('input.step.messages[1].content[0].extra');
    expect(fieldOf({ 'odd key': { list: [0, 2n] } })).toBe('input.step["odd key"].list[1]');
    const cyclic: Record<string, unknown> = {};
    cyclic.inner = { back: cyclic };
    expect(fieldOf({ a: cyclic })).toBe('input.step.a.inner.back');
    expect(fieldOf(5n)).toBe('input.step');
  });

  it('refuses a throwing getter or toJSON, with the error as cause', () => {
    const getter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
    expect(fieldOf({ a: getter })).toBe('input.step.a');
    expect(fieldOf({ a: { toJSON: () => { throw new Error('no'); } } })).toBe('input.step.a');
    expect(fieldOf({ a: { toJSON: () => 3n } })).toBe('input.step.a');
  });

  it('counts the record as level 1 and refuses level MAX_STORED_DEPTH + 1, without overflowing the stack however deep', () => {
    const nested = (levels: number) => {
      let value: unknown = 0;
      for (let i = 0; i < levels; i++) value = [value];
      return value;
    };
    expect(fieldOf(nested(MAX_STORED_DEPTH))).toBeUndefined();
    expect(fieldOf(nested(MAX_STORED_DEPTH + 1))).toMatch(/^input\.step(\[0\]){1000}$/);
    expect(fieldOf(nested(500_000))).toMatch(/^input\.step\[0\]/);
  });

  it('accepts what JSON drops or rewrites: functions, symbols, undefined, a Date, a shared (acyclic) value', () => {
    const shared = { n: 1 };
    expect(fieldOf({ f: () => 1, s: Symbol('s'), u: undefined, list: [() => 1, Symbol('t')], when: new Date(0), a: shared, b: [shared, { shared }], [Symbol('k')]: 1n })).toBeUndefined();
  });
});
