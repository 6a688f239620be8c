import { createRuntime, MemoryStore, type ModelRequest, type StateStore } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

/** A MemoryStore whose first `finishRun` fails, as if the process died right after the finalize record was committed. */
function crashingOnFinish(inner: MemoryStore): StateStore {
  let crash = true;
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'finishRun') return async (input: Parameters<StateStore['finishRun']>[0]) => {
        if (crash) { crash = false; throw new Error('process died'); }
        return target.finishRun(input);
      };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('positive paths (red team 9)', () => {
  it('a structured answer in a fence with trailing prose is repaired once, then validates; I1–I8 hold', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('```json\n{"n": 1}\n```\nHope this helps!'), ScriptedModel.answer('```json\n{"n": 2}\n```')]);
    const result = await createRuntime({ model, store }).run({ input: 'x', output: z.object({ n: z.number() }) });
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: { n: 2 }, steps: 2 });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  for (const structured of [false, true]) {
    it(`finalize after max_steps, crash right after its commit, resume answers from the record without a model call (structured ${structured})`, async () => {
      const inner = new MemoryStore();
      const schema = z.object({ n: z.number() });
      const model = () => new ScriptedModel([(request: ModelRequest, i: number) => (request.tools.length ? ScriptedModel.call('add', { a: i, b: 1 }) : ScriptedModel.answer(structured ? '{"n":7}' : 'best: 7'))], { whenExhausted: 'cycle' });
      const options = { tools: [add], limits: { maxSteps: 2, finalize: true }, ...(structured ? { output: schema } : {}) } as const;
      const first = model();
      await createRuntime({ model: first, store: crashingOnFinish(inner), ...options }).run({ input: 'x', runId: `rt9-fin-${structured}` }).catch(() => undefined);
      expect(first.calls).toBe(3);
      expect((await inner.getRun(`rt9-fin-${structured}`))?.status).toBe('running');
      const second = model();
      const resumed = await createRuntime({ model: second, store: inner, ...options }).resume(`rt9-fin-${structured}`);
      expect(second.calls).toBe(0);
      expect(resumed).toMatchObject({ status: 'stopped', stopReason: 'max_steps', finalized: true, steps: 2, output: structured ? { n: 7 } : 'best: 7' });
      await assertRunInvariants({ store: inner, runId: resumed.runId, result: resumed });
    });
  }
});
