import { timerMs } from './time.js';

const noop = (): void => undefined;
const settled = Promise.resolve();
const asIs = (error: unknown): unknown => error;

/**
 * Rejects with `reason` when `signal` aborts; resolves/rejects with `promise` otherwise (a rejection
 * as `mapError(error, signal)` gives it, or, should that throw, with what it threw). Removes its
 * listener either way. The listener is added one microtask after the call, and only if `promise`
 * has not settled by then (a fast model or tool costs no listener); a signal that aborted meanwhile
 * is seen at that point.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, mapError: (error: unknown, signal: AbortSignal) => unknown = asIs): Promise<T> {
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    // 0: racing, no listener yet; 1: listening; 2: settled.
    let state = 0;
    const onAbort = () => {
      if (state === 2) return;
      state = 2;
      promise.catch(noop);
      reject(signal.reason);
    };
    promise.then(
      (value) => {
        if (state === 2) return;
        if (state === 1) signal.removeEventListener('abort', onAbort);
        state = 2;
        resolve(value);
      },
      (error: unknown) => {
        if (state === 2) return;
        if (state === 1) signal.removeEventListener('abort', onAbort);
        state = 2;
        reject(mappedFailure(mapError, error, signal));
      },
    );
    // One microtask later (a settled promise's reaction: cheaper than queueMicrotask, same turn).
    void settled.then(() => {
      if (state !== 0) return;
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      state = 1;
    });
  });
}

/** What a raced call that failed rejects with: `mapError`'s answer, or what `mapError` threw. */
export function mappedFailure(mapError: (error: unknown, signal: AbortSignal) => unknown, error: unknown, signal: AbortSignal): unknown {
  try {
    return mapError(error, signal);
  } catch (thrown) {
    return thrown;
  }
}

/** Why the runtime aborted a run's signal. */
export type AbortCause = 'killed' | 'timeout' | 'cancelled';

/** The `reason` carried by signals the runtime aborts. */
export class RunAbort extends Error {
  readonly kind: AbortCause;
  readonly detail: string;
  constructor(cause: AbortCause, detail: string) {
    super(`run aborted: ${cause}${detail ? ` (${detail})` : ''}`);
    this.name = 'RunAbort';
    this.kind = cause;
    this.detail = detail;
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, timerMs(ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
