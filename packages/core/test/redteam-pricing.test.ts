import { AgentrtError, createRuntime, MemoryStore } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const answer = (usage = { inputTokens: 100, outputTokens: 100 }) => new ScriptedModel([ScriptedModel.answer('ok', usage)], { model: 'm' });
const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (AgentrtError.isInstance(error)) return `${error.code}:${(error as { field?: string }).field}`;
    throw error;
  }
  return 'no error';
};

describe('hostile prices', () => {
  it.each([
    [{ input: 1e308, output: 1 }, 'config_invalid:pricing.scripted:m.input'],
    [{ input: 1, output: Number.MAX_VALUE }, 'config_invalid:pricing.scripted:m.output'],
    [{ inputPerMillionUsd: 2e6, outputPerMillionUsd: 1 }, 'config_invalid:pricing.scripted:m.inputPerMillionUsd'],
    [{ input: '1', output: 1 }, 'config_invalid:pricing.scripted:m.input'],
    [{ input: Number.POSITIVE_INFINITY, output: 1 }, 'config_invalid:pricing.scripted:m.input'],
    [{ input: Number.NaN, output: 1 }, 'config_invalid:pricing.scripted:m.input'],
  ])('a price no cost can be computed from (%o) is config_invalid naming the field', (price, expected) => {
    expect(fieldOf(() => createRuntime({ model: answer(), pricing: { 'scripted:m': price as never } }))).toBe(expected);
  });

  it('the highest accepted price with the largest usage a model can report keeps the step and a finite cost', async () => {
    const store = new MemoryStore();
    // One call counts at most 1e9 tokens: a report of 2^52 is read as that.
    const model = answer({ inputTokens: 2 ** 52, outputTokens: 2 ** 52 });
    const result = await createRuntime({ model, store, pricing: { 'scripted:m': { input: 1_000_000, output: 1_000_000 } } }).run('x');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'ok', usage: { inputTokens: 1e9, outputTokens: 1e9 } });
    expect(Number.isFinite(result.usage.costUsd)).toBe(true);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

describe('options that cannot be read', () => {
  it.each([
    ['limits', () => ({ limits: { get maxSteps(): number { throw new Error('boom'); } } })],
    ['limits', () => ({ limits: new Proxy({}, { ownKeys() { throw new Error('trap'); } }) })],
    ['limits', () => ({ limits: { get maxSteps(): number { throw Object.create(null); } } })],
    ['model', () => ({ get model(): never { throw new Error('boom'); } })],
    ['tools', () => ({ get tools(): never { throw new Error('boom'); } })],
    ['store', () => ({ get store(): never { throw new Error('boom'); } })],
    ['context', () => ({ get context(): never { throw new Error('boom'); } })],
    ['redact', () => ({ redact: { get secrets(): never { throw new Error('boom'); } } })],
    ['options', () => new Proxy({}, { ownKeys() { throw new Error('trap'); } })],
  ])('a throwing getter or proxy trap in %s is config_invalid naming it, not a raw error', (field, options) => {
    const given = options() as object;
    // A whole-options proxy is passed as it is; other cases add a model unless they are about it.
    const full = field === 'options' ? given : Object.create(Object.getPrototypeOf(given), { ...Object.getOwnPropertyDescriptors(given), ...(field === 'model' ? {} : { model: { value: answer(), enumerable: true } }) });
    expect(fieldOf(() => createRuntime(full))).toBe(`config_invalid:${field}`);
  });
});
