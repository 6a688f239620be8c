import { AgentrtError } from '@agentrt/core';

/**
 * The time budget of one bridge operation. `signal` aborts when the budget is spent (the
 * reason is an `mcp_timeout` error) or when the caller's signal aborts (its reason). With
 * `idleMs`, `touch()` (a progress notification) restarts the idle clock; `totalMs` always holds.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly totalTimer: ReturnType<typeof setTimeout>;
  private readonly onParentAbort: (() => void) | undefined;
  /** True once the budget ran out (as opposed to the caller aborting). */
  expired = false;

  constructor(private readonly options: { totalMs: number; idleMs?: number; parent?: AbortSignal; timeoutError: () => AgentrtError }) {
    this.totalTimer = setTimeout(() => this.expire(), options.totalMs);
    if (options.idleMs !== undefined) this.idleTimer = setTimeout(() => this.expire(), options.idleMs);
    const parent = options.parent;
    if (parent) {
      this.onParentAbort = () => this.controller.abort(parent.reason);
      if (parent.aborted) this.onParentAbort();
      else parent.addEventListener('abort', this.onParentAbort, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A backstop for the SDK's own request timer: never earlier than this deadline. */
  get sdkTimeoutMs(): number {
    return this.options.totalMs + 5_000;
  }

  /** Restarts the idle clock (no effect without `idleMs`, or once aborted). */
  touch(): void {
    if (this.options.idleMs === undefined || this.controller.signal.aborted) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.expire(), this.options.idleMs);
  }

  dispose(): void {
    clearTimeout(this.totalTimer);
    clearTimeout(this.idleTimer);
    if (this.onParentAbort) this.options.parent?.removeEventListener('abort', this.onParentAbort);
  }

  private expire(): void {
    if (this.controller.signal.aborted) return;
    this.expired = true;
    this.controller.abort(this.options.timeoutError());
  }
}

/** Waits for a promise, or rejects with the signal's reason as soon as it aborts (the promise keeps running). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
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
