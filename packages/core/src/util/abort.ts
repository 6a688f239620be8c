import { timerMs } from './time.js';

/**
 * Rejects with `reason` when `signal` aborts; resolves/rejects with `promise` otherwise. Removes its listener either way.
 * The listener is added one microtask after the call, and only if `promise` has not settled by then
 * (a fast model or tool costs no listener); a signal that aborted meanwhile is seen at that point.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let listening = false;
    const onAbort = () => {
      if (done) return;
      done = true;
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    promise.then(
      (value) => {
        if (done) return;
        done = true;
        if (listening) signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        if (listening) signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
    queueMicrotask(() => {
      if (done) return;
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      listening = true;
    });
  });
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
