import type { StateStore, StepRecord } from './state-store.js';
import { readStoreOptions, readStorePage } from './store-input.js';

/**
 * Reads at most `limit` committed steps of a run from `fromIndex` (`StateStore.loadSteps` with
 * both), and cuts the answer to `limit` itself: a third-party store that predates `limit` may
 * ignore it and return every step to the end. The options are checked as the store checks them
 * (`config_invalid` naming the field for a negative or fractional value) before the store is asked.
 *
 * @example
 * ```ts
 * const [step] = await loadStepRange(store, runId, { fromIndex: 7, limit: 1 }); // step 7 only
 * ```
 */
export async function loadStepRange(store: StateStore, runId: string, options: { fromIndex?: number; limit?: number } = {}): Promise<StepRecord[]> {
  const read = readStoreOptions('options', options);
  const fromIndex = readStorePage('fromIndex', read.fromIndex, 'index');
  const limit = readStorePage('limit', read.limit, 'limit');
  const steps = await store.loadSteps(runId, { ...(fromIndex !== undefined ? { fromIndex } : {}), ...(limit !== undefined ? { limit } : {}) });
  return limit !== undefined && steps.length > limit ? steps.slice(0, limit) : steps;
}
