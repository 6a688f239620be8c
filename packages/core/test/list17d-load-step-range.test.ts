// list17d: loadStepRange reads at most `limit` steps from `fromIndex` — also from a store that
// predates `limit` and ignores it — and refuses bad bounds before it asks the store.
import { AgentrtError, loadStepRange, MemoryStore, type StateStore } from '@agentrt/core';
import { storeRecords } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

async function storeWithSteps(count: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.createRun(storeRecords.run('r:1'));
  for (let i = 0; i < count; i++) await store.commitStep({ runId: 'r:1', step: storeRecords.step('r:1', i, `c${i}`), events: [], usageDelta: storeRecords.usage });
  return store;
}

/** A store whose loadSteps predates `limit`: it reads `fromIndex` only. */
const ignoringLimit = (inner: StateStore, asked: unknown[]): StateStore => Object.assign(Object.create(inner) as StateStore, {
  loadSteps: (runId: string, options?: { fromIndex?: number }) => {
    asked.push(options);
    return inner.loadSteps(runId, options?.fromIndex === undefined ? undefined : { fromIndex: options.fromIndex });
  },
});

describe('list17d: loadStepRange', () => {
  it('cuts the answer of a store that ignores limit; passes the bounds on; reads to the end without a limit', async () => {
    const inner = await storeWithSteps(6);
    const asked: unknown[] = [];
    const store = ignoringLimit(inner, asked);
    const indexes = async (options: { fromIndex?: number; limit?: number }) => (await loadStepRange(store, 'r:1', options)).map((step) => step.stepIndex);
    expect(await indexes({ fromIndex: 2, limit: 2 })).toEqual([2, 3]);
    expect(await indexes({ limit: 1 })).toEqual([0]);
    expect(await indexes({ limit: 0 })).toEqual([]);
    expect(await indexes({ fromIndex: 4 })).toEqual([4, 5]);
    expect(await indexes({ fromIndex: 4, limit: Infinity })).toEqual([4, 5]);
    expect(await indexes({ fromIndex: 1e18, limit: 1e18 })).toEqual([]);
    expect(asked[0]).toEqual({ fromIndex: 2, limit: 2 });
    // A huge limit means none (the store is not asked for one); a huge index is capped.
    expect(asked.at(-2)).toEqual({ fromIndex: 4 });
    expect(asked.at(-1)).toEqual({ fromIndex: 2 ** 31 - 1 });
    expect((await loadStepRange(inner, 'r:1', { fromIndex: 1, limit: 3 })).map((step) => step.stepIndex)).toEqual([1, 2, 3]);
  });

  it('refuses a negative, fractional, NaN or non-number bound (config_invalid naming it) without asking the store; an unknown run is run_not_found', async () => {
    const asked: unknown[] = [];
    const store = ignoringLimit(await storeWithSteps(2), asked);
    for (const [field, bad] of [['limit', -1], ['limit', 1.5], ['limit', Number.NaN], ['limit', '2'], ['limit', null], ['fromIndex', -1], ['fromIndex', 0.5]] as const) {
      const error = await loadStepRange(store, 'r:1', { [field]: bad } as never).then(() => undefined, (e: unknown) => e);
      expect(AgentrtError.isInstance(error) && error.code, `${field}=${String(bad)}`).toBe('config_invalid');
      expect(((error as AgentrtError).details as { field?: string }).field).toBe(field);
    }
    expect(await loadStepRange(store, 'r:1', null as never).then(() => 'resolved', (e: AgentrtError) => e.code)).toBe('config_invalid');
    expect(asked).toEqual([]);
    expect(await loadStepRange(store, 'nope', { limit: 1 }).then(() => 'resolved', (e: AgentrtError) => e.code)).toBe('run_not_found');
  });
});
