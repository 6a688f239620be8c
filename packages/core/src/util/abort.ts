import { timerMs } from './time.js';

/** Rejects with `reason` when `signal` aborts; resolves/rejects with `promise` otherwise. Removes its listener either way. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
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
