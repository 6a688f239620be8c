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
    const model = answer({ inputTokens: 2 ** 52, outputTokens: 2 ** 52 });
    const result = await createRuntime({ model, store, pricing: { 'scripted:m': { input: 1_000_000, output: 1_000_000 } } }).run('x');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'ok', usage: { inputTokens: 2 ** 52, outputTokens: 2 ** 52 } });
    expect(Number.isFinite(result.usage.costUsd)).toBe(true);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});
