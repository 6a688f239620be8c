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
/** Monotonic milliseconds (durations never go negative when the wall clock jumps). */
export const monotonicMs = (): number => performance.now();
