import { CharTokenEstimator, createRuntime, MemoryStore, type ModelRequest, type StoredRunEvent } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

/** A model whose reported input tokens are exactly the runtime's estimate: the reserve must then always suffice. */
function exactModel(answer: string) {
  const estimator = new CharTokenEstimator();
  return new ScriptedModel([(request: ModelRequest, i: number) => {
    const usage = { inputTokens: estimator.estimate(request), outputTokens: 10 };
    // Four parallel calls a step: each call and result is longer in the finalize call's text form.
    return request.tools.length ? ScriptedModel.parallel([1, 2, 3, 4].map((b) => ({ name: 'add', args: { a: i, b } })), { usage }) : ScriptedModel.answer(answer, usage);
  }], { whenExhausted: 'cycle' });
}

const Answer = z.object({ total: z.number().describe(`The running total. ${'Explain nothing. '.repeat(150)}`) });

describe('the finalize reserve kept by a token budget covers the finalize call it is kept for', () => {
  for (const structured of [false, true]) {
    for (const maxTokens of [6_000, 20_000]) {
      it(`a long run stopped by token_budget still gets its finalize answer (maxTokens ${maxTokens}${structured ? ', structured' : ''})`, async () => {
        const store = new MemoryStore();
        const model = exactModel(structured ? '{"total":42}' : 'total so far: 42');
        const result = await createRuntime({ model, store, tools: [add], tokenEstimator: new CharTokenEstimator(), limits: { maxTokens, maxSteps: 1_000, maxToolCalls: 4_000, finalize: { maxOutputTokens: 100 } } })
          .run({ input: 'add things up', ...(structured ? { output: Answer } : {}) });
        const failed = (await store.listEvents(result.runId)).filter((event: StoredRunEvent) => event.type === 'finalize_failed');
        expect(failed).toEqual([]);
        expect(result).toMatchObject({ status: 'stopped', stopReason: 'token_budget', finalized: true, output: structured ? { total: 42 } : 'total so far: 42' });
        expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(maxTokens);
        await assertRunInvariants({ store, runId: result.runId, result });
      });
    }
  }
});
