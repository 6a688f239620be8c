// Behaviour the per-step fast paths must keep (issue 15): memoized redaction of short strings and
// keys, canonical JSON of flat arguments without a sorted copy, stop policies without a closure.
import { canonicalJson, createRuntime, MemoryStore, Redactor, REDACTED, type StopPolicy } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { add } from './helpers.js';

describe('redaction memo', () => {
  it('redacts a short string and a key seen clean before the secret was registered', () => {
    const redactor = new Redactor();
    expect(redactor.text('hunter2-pw')).toBe('hunter2-pw');
    expect(redactor.value({ 'hunter2-pw': 'x' })).toEqual({ 'hunter2-pw': 'x' });
    redactor.addSecret('hunter2-pw');
    expect(redactor.text('hunter2-pw')).toBe(REDACTED);
    expect(redactor.value({ 'hunter2-pw': 'x', note: 'hunter2-pw' })).toEqual({ [REDACTED]: 'x', note: REDACTED });
  });

  it('gives the same answers once the memo is full and emptied', () => {
    const redactor = new Redactor();
    for (let i = 0; i < 10_050; i++) expect(redactor.text(`value-${i}`)).toBe(`value-${i}`);
    expect(redactor.text('Bearer abcdefghijklmnopqrstuvwxyz012345')).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
    expect(redactor.text('Bearer abcdefghijklmnopqrstuvwxyz012345')).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
  });
});

describe('canonical JSON of flat values', () => {
  it('sorts keys whatever their order, and keeps integer-like keys as JSON orders them', () => {
    expect(canonicalJson({ a: 1, b: 'x' })).toBe('{"a":1,"b":"x"}');
    expect(canonicalJson({ b: 'x', a: 1 })).toBe('{"a":1,"b":"x"}');
    expect(canonicalJson({ 10: 1, 2: 2, a: null, B: true })).toBe(canonicalJson({ B: true, a: null, 2: 2, 10: 1 }));
    expect(canonicalJson({ a: 1, skip: undefined })).toBe('{"a":1}');
  });

  it('does not take a class instance\'s toJSON for its keys', () => {
    class Point {
      constructor(readonly x: number) {}
      toJSON() {
        return 'point';
      }
    }
    expect(canonicalJson(new Point(1))).toBe(canonicalJson({ x: 1 }));
  });
});

describe('stop policies on the hot path', () => {
  it('a throwing policy fails the run as hook_failed naming the policy', async () => {
    const policy: StopPolicy = { name: 'explodes', check: () => { throw new Error('boom'); } };
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), tools: [add], store: new MemoryStore(), stopPolicies: [policy] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('error');
    expect(result.error?.code).toBe('hook_failed');
    expect(result.stopDetail).toContain('stopPolicy:explodes');
  });

  it('an async policy answer is awaited', async () => {
    const policy: StopPolicy = { name: 'later', check: async (context) => (context.phase === 'before_model' && context.steps >= 1 ? { reason: 'max_steps', detail: 'async stop' } : undefined) };
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { text: 'never' }]), tools: [add], store: new MemoryStore(), stopPolicies: [policy] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('max_steps');
    expect(result.stopDetail).toBe('async stop');
    expect(result.steps).toBe(1);
  });
});
