/**
 * Red team 8: vitest's default `vi.useFakeTimers()` fakes `performance` too. A run whose model
 * answers at once and whose tools are synchronous must still let the event loop turn every few
 * milliseconds (real time): otherwise a kill sent from a (fake) timer, fired by the test's
 * `advanceTimersByTimeAsync`, waits until the run ends.
 */
import { createRuntime, MemoryStore } from '@agentrt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectRunInvariants, loopingModel, STARVED_STEPS as STEPS, starvedLimits as limits, syncTool as tool } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a starved loop under fake timers that fake performance', () => {
  for (const [name, toFake] of [
    ['default vi.useFakeTimers()', undefined],
    ['performance only', ['performance']],
  ] as const) {
    it(`a kill from a fake timer lands before the run ends (${name})`, async () => {
      vi.useFakeTimers(toFake ? { toFake: [...toFake] } : undefined);
      const store = new MemoryStore();
      const model = loopingModel();
      const runtime = createRuntime({ model, tools: [tool], store, limits });
      const runId = `fake-perf-${toFake ? 'perf' : 'default'}`;
      let killedAtCall = -1;
      setTimeout(() => {
        killedAtCall = model.calls;
        void runtime.kill(runId, 'operator stop');
      }, 5);
      const running = runtime.run({ input: 'go', runId });
      // Fake time runs only when the loop lets the event loop turn (advanceTimersByTimeAsync waits on real macrotasks).
      await vi.advanceTimersByTimeAsync(10);
      const result = await running;
      expect(result.stopReason).toBe('killed');
      expect(result.steps).toBeLessThan(STEPS);
      expect(model.calls).toBeLessThanOrEqual(killedAtCall + 1);
      vi.useRealTimers();
      await expectRunInvariants(store, runId, result);
    });
  }
});
