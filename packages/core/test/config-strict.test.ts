import { createRuntime, MemoryStore, Redactor } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';

const model = () => new ScriptedModel([ScriptedModel.answer('ok')]);
const refusal = (field: string) => expect.objectContaining({ code: 'config_invalid', field });

describe('createRuntime refuses what it would otherwise ignore or crash on, naming the field', () => {
  it.each([
    ['a misspelt top-level option', { limts: { maxSteps: 1 } }, 'limts'],
    ['an option of another library', { maxRetries: 3 }, 'maxRetries'],
    ['a misspelt redaction option (the secret would be written)', { redact: { secret: ['hunter2-secret'] } }, 'redact.secret'],
    ['redaction options that are not an object', { redact: 'hunter2-secret' }, 'redact'],
    ['redaction options null', { redact: null }, 'redact'],
    ['redaction key patterns that are strings', { redact: { keys: ['password'] } }, 'redact.keys'],
    ['redaction value patterns not in an array', { redact: { patterns: /x/g } }, 'redact.patterns'],
    ['toolOutput not a boolean', { redact: { toolOutput: 'no' } }, 'redact.toolOutput'],
    ['a model that is null', { model: null }, 'model'],
    ['a store that is null', { store: null }, 'store'],
    ['a context strategy that is null', { context: null }, 'context'],
    ['a container that is not one', { container: {} }, 'container'],
    ['a container that is a number', { container: 7 }, 'container'],
  ])('%s', (_label, extra, field) => {
    expect(() => createRuntime({ model: model(), ...(extra as object) })).toThrow(refusal(field));
  });

  it('every documented option and part is still accepted', async () => {
    const runtime = createRuntime({
      model: model(), store: new MemoryStore(), tools: [], hooks: [], stopPolicies: [], plugins: [], container: rootContainer,
      limits: { maxSteps: 3 }, toolPolicy: {}, pricing: {}, redact: { secrets: ['hunter2-secret'], keys: [/pin$/i], patterns: [/CODE-\d+/g], toolOutput: true },
      loopDetection: false, audit: { hashChain: true }, dedupeIdenticalCalls: false, onUnknownOutcome: 'report', leaseTtlMs: 30_000, owner: 'me',
      killPollMs: 250, maxOutputRepairs: 2,
    });
    expect((await runtime.run('hi')).stopReason).toBe('final_answer');
    // Absent stays absent: undefined parts and options take their defaults.
    expect((await createRuntime({ model: model(), store: undefined, context: undefined, redact: undefined, limits: undefined }).run('hi')).stopReason).toBe('final_answer');
  });

  it('a __proto__ key (as JSON.parse makes one) is ignored, never read', async () => {
    const options = JSON.parse('{"__proto__": {"limits": {"maxSteps": 0}}, "limits": {"maxSteps": 2}}') as object;
    expect((await createRuntime({ model: model(), ...options }).run('hi')).stopReason).toBe('final_answer');
    expect(({} as Record<string, unknown>).limits).toBeUndefined();
  });

  it('new Redactor() checks its options the same way', () => {
    expect(() => new Redactor({ secret: ['x-secret-1'] } as never)).toThrow(refusal('redact.secret'));
    expect(() => new Redactor(null as never)).toThrow(refusal('redact'));
    expect(new Redactor({ secrets: ['x-secret-1'] }).text('a x-secret-1 b')).toBe('a [REDACTED] b');
  });
});
