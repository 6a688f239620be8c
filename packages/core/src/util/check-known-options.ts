import { ConfigError } from '../errors/config-error.js';

/**
 * Levenshtein distance between two short strings (case-sensitive; lower-case both for a
 * case-insensitive one). Limits: meant for option names — strings longer than 64 characters, or
 * differing in length by more than 2, count as 3 (far) without being compared.
 */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The near miss of a misspelt name: the candidate equal to `word` ignoring case, else the one
 * fewest edits away (at most 2, ignoring case; the first of equals), else `undefined`.
 */
export function nearestName(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: [string, number] | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best[1])) best = [candidate, distance];
  }
  return best?.[0];
}

/**
 * Refuses an options object carrying a key that is not in `known`: `ConfigError`
 * (`config_invalid`) whose `field` is the first unknown key and whose message gives the near miss
 * and the known names — `Invalid option "maxToken": unknown option (did you mean "maxTokens"?)
 * (known: model, maxTokens, …)`, or `unknown option of <what> (…)` when `what` is given. A
 * misspelt option is never ignored: `{ maxToken: 100 }` would otherwise quietly mean no cap.
 *
 * Limits: only own enumerable string keys are checked (symbols and inherited keys are not); a
 * value that is not an object (or is null) is left for the caller's own shape check; values are
 * not checked. Put this first in a constructor, before anything is opened.
 *
 * @example
 * ```ts
 * const KNOWN = ['path', 'busyTimeoutMs'] as const;
 * constructor(options: MyStoreOptions) {
 *   checkKnownOptions(options, KNOWN); // { pth: 'x' } → config_invalid, field "pth", did you mean "path"?
 * }
 * ```
 */
export function checkKnownOptions(options: unknown, known: readonly string[], what?: string): void {
  if (typeof options !== 'object' || options === null) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    throw new ConfigError(key, `unknown option${what ? ` of ${what}` : ''}${near ? ` (did you mean "${near}"?)` : ''} (known: ${known.join(', ')})`);
  }
}
