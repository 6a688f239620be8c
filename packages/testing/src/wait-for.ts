/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Give up after this long. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between checks. Default 20 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout error (e.g. `'the worker owns a running run'`). */
  readonly message?: string;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Waits until `condition` returns a truthy value and returns it: the way tests wait for
 * something to happen (a run to reach a step, a tool to start, a process to own a lease)
 * instead of sleeping a fixed time and hoping. Checks at once, then every `intervalMs`;
 * throws when `timeoutMs` passes first. An error thrown by `condition` is not retried: it
 * fails the wait at once.
 *
 * @example
 * ```ts
 * const run = await waitFor(async () => {
 *   const record = await store.getRun(runId);
 *   return record && record.stepCount >= 1 ? record : undefined;
 * }, { timeoutMs: 15_000, message: 'the first step is committed' });
 * ```
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    if (Date.now() >= deadline) throw new Error(`waitFor: ${options.message ?? 'the condition'} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * `promise`, or a rejection saying `what` did not settle within `ms` — for a case that waits on
 * code under test that may never settle (an adapter that ignores its abort signal): the case fails
 * at once with that message instead of at the test runner's timeout. @internal
 */
export function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
