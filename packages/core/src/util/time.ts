/** Wall-clock ISO-8601 UTC timestamp. */
export const nowIso = (): string => new Date().toISOString();
/** Monotonic milliseconds (durations never go negative when the wall clock jumps). */
export const monotonicMs = (): number => performance.now();
