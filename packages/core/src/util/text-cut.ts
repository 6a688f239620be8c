/**
 * Cuts of text that never split a surrogate pair: a lone half is not valid text, and providers
 * refuse a request body holding one (every later step of the run would fail with it).
 */

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The first `length` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair. */
export function headOf(text: string, length: number): string {
  let end = Math.max(0, Math.min(length, text.length));
  if (end > 0 && end < text.length && isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) end--;
  return text.slice(0, end);
}

/** The last `length` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair. */
export function tailOf(text: string, length: number): string {
  if (length <= 0) return '';
  let start = Math.max(0, text.length - length);
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start++;
  return text.slice(start);
}

/** `text` with each lone surrogate half replaced by U+FFFD (V8's `JSON.parse` error messages quote the input cut mid-pair). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
