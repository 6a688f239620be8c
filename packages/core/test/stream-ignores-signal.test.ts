/**
 * A streaming model that ignores its signal and keeps producing (every `next()` settles at once)
 * must not keep the process busy after its run was killed: the runtime stops reading the stream
 * once it gave up on the call. Before, the abandoned `for await` kept pulling deltas in a
 * microtask loop forever — timers and I/O of the whole process never ran again.
 */
import { createRuntime, MemoryStore, type ModelAdapter, type ModelStreamEvent, type RunEvent } from '@agentrt/core';
import { checkRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

describe('a streaming model that ignores its signal', () => {
  it('is no longer read once its run was killed (the process keeps running its timers)', async () => {
    const store = new MemoryStore();
    let pulled = 0;
    let stopAt = 200_000;
    const model: ModelAdapter = {
      provider: 'p',
      model: 'm',
      generate: () => new Promise(() => {}),
      stream(): AsyncIterable<ModelStreamEvent> {
        return {
          [Symbol.asyncIterator]: () => ({
            // Endless, at once; a guard ends it so that the test fails instead of hanging the worker.
            next: () => Promise.resolve(++pulled > stopAt ? { done: true, value: undefined } : { done: false, value: { type: 'text_delta', text: 'x' } as ModelStreamEvent }),
          }),
        };
      },
    };
    const runtime = createRuntime({ model, store });
    let runId = '';
    let last: RunEvent | undefined;
    for await (const event of runtime.stream('go')) {
      runId = event.runId;
      last = event;
      if (event.type === 'model_request') void runtime.kill(event.runId, 'stop');
    }
    expect(last?.type).toBe('run_finished');
    const atEnd = pulled;
    // A timer still fires (the loop is not starved), and the stream is not read any more.
    await new Promise((resolve) => setTimeout(resolve, 20));
    stopAt = 0;
    expect(pulled - atEnd).toBeLessThanOrEqual(2);
    expect((await runtime.getRun(runId))?.stopReason).toBe('killed');
    expect((await checkRunInvariants({ store, runId })).violations).toEqual([]);
  });
});
