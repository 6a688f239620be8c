/**
 * A kill from another runtime (another process sharing the store) that races the run's own end: the
 * kill reads the run as running and leaves its flag, then the run fails before it hears of the flag
 * (a store that does not push kills, polled every `killPollMs`). The flag must not outlive the run: a
 * failed run whose error is retryable was killed at once by its later `resume` (kill of a finished run
 * does nothing — runtime TSDoc).
 */
import { createRuntime, MemoryStore, ModelError, type ModelAdapter, type StateStore } from '@agentrt/core';
import { waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

/** The shared store as a runtime without kill pushes sees it (like SQLite: flags are polled). */
function withoutPush(store: MemoryStore): StateStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'subscribeKills') return undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as StateStore;
}

describe('a kill racing the end of a run in another runtime', () => {
  it('leaves no flag behind on a failed run, so its resume runs', async () => {
    const shared = new MemoryStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let inCall = false;
    const model: ModelAdapter = {
      provider: 'test',
      model: 'flaky',
      async generate() {
        if (++calls === 1) {
          inCall = true;
          await gate;
          throw new ModelError('model_unavailable', 'upstream 503', { retryable: true, status: 503 });
        }
        return { message: { role: 'assistant', content: 'recovered' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    };
    const worker = createRuntime({ model, store: withoutPush(shared), killPollMs: 60_000 });
    const operator = createRuntime({ model, store: shared });
    const running = worker.run({ input: 'go', runId: 'raced' });
    await waitFor(() => inCall);
    await operator.kill('raced', 'operator stop');
    release();
    const failed = await running;
    expect(failed.stopReason).toBe('error');
    expect(failed.error?.retryable).toBe(true);
    expect(await shared.getKillFlag('raced')).toBeUndefined();
    const resumed = await worker.resume('raced');
    expect(resumed.stopReason).toBe('final_answer');
    expect(resumed.output).toBe('recovered');
  });
});
