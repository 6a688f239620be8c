/**
 * Red team 8: hostile run options are refused with config_invalid and nothing recorded — also
 * when a getter or proxy trap throws deep inside metadata or a transcript, when a nested
 * `toJSON` makes metadata deeper than allowed, and when `run(proxy)` cannot be inspected
 * (run() must reject, never throw at its caller).
 */
import { createRuntime, MemoryStore, type RunOptions } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const user = { role: 'user' as const, content: 'hi' };
const deep = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};
const throwing = (): object => ({ get z(): never { throw new Error('getter threw'); }, y: {} });
const cases: [string, string, () => unknown][] = [
  ['a nested metadata getter that throws', 'run.metadata', () => ({ input: 'x', metadata: { a: throwing() } })],
  ['a nested metadata proxy whose ownKeys throws', 'run.metadata', () => ({ input: 'x', metadata: { a: new Proxy({ x: {} }, { ownKeys: () => { throw new Error('trap'); } }) } })],
  ['a nested toJSON giving a value 100 levels deep', 'run.metadata', () => ({ input: 'x', metadata: { a: { toJSON: () => deep(100) } } })],
  ['transcript tool args with a getter that throws', 'run.input', () => ({ input: [user, { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 't', args: { q: throwing() } }] }, { role: 'tool', toolCallId: 'a', name: 't', content: 'r' }, user] })],
  ['an array proxy whose getOwnPropertyDescriptor throws', 'run', () => new Proxy([user], { getOwnPropertyDescriptor: () => { throw new Error('trap'); } })],
  // Held before the fix (kept as coverage of the short form's edges).
  ['an array with an own input key', 'run', () => Object.assign([user], { input: 'x' })],
  ['a sparse transcript', 'run.input', () => [, user]],
  ['an array-like', 'run.input', () => ({ 0: user, length: 1 })],
  ['metadata whose toJSON gives a string', 'run.metadata', () => ({ input: 'x', metadata: { toJSON: () => 's' } })],
];

describe('hostile run options', () => {
  for (const [name, field, make] of cases) {
    it(`refuses ${name} with config_invalid (${field}), nothing recorded, from run() and stream()`, async () => {
      const store = new MemoryStore();
      const runtime = createRuntime({ model: new ScriptedModel([]), store });
      let running: Promise<unknown> | undefined;
      expect(() => (running = runtime.run(make() as RunOptions))).not.toThrow();
      await expect(running).rejects.toMatchObject({ code: 'config_invalid', field });
      const streamed = (async () => {
        for await (const event of runtime.stream(make() as RunOptions)) void event;
      })();
      await expect(streamed).rejects.toMatchObject({ code: 'config_invalid', field });
      expect(await store.listRuns()).toEqual([]);
    });
  }

  it('a frozen transcript runs (the short form copies, never writes into it)', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'ok' }]), store: new MemoryStore() });
    const result = await runtime.run(Object.freeze([Object.freeze({ ...user })]));
    expect(result.stopReason).toBe('final_answer');
  });
});
