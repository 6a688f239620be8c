import { performance as realPerformance } from 'node:perf_hooks';

/** Wall-clock ISO-8601 UTC timestamp. */
let lastMs = -1;
let lastIso = '';
export function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
/** Milliseconds since the epoch of an ISO timestamp; the latest `nowIso()` string is answered without parsing. */
export function isoMs(iso: string): number {
  return iso === lastIso ? lastMs : Date.parse(iso);
}

/** Monotonic milliseconds (durations never go negative when the wall clock jumps). */
export const monotonicMs = (): number => performance.now();

/**
 * Node's own monotonic clock, read through `node:perf_hooks`: fake timers that replace the global
 * `performance` (vitest's default `vi.useFakeTimers()` does) cannot freeze it. For what must follow
 * real time whatever a test fakes: how long the event loop has not turned.
 */
export const realMonotonicMs = (): number => realPerformance.now();

/** `monotonicMs()` reads Node's own clock (no test replaced the global `performance`): its readings serve for real time too. */
export const monotonicIsReal = (): boolean => performance === realPerformance;

/** The longest delay a Node timer honours (2^31 − 1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A delay for `setTimeout`: longer ones are clamped to `MAX_TIMER_MS` (a "practically never" timeout must not fire at once). */
export const timerMs = (ms: number): number => Math.min(Math.max(0, ms), MAX_TIMER_MS);
