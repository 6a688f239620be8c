/** Whether the UTF-16 unit at `index` is the high (first) half of a surrogate pair. */
const isHigh = (text: string, index: number) => {
  const code = text.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff;
};

/** Whether the UTF-16 unit at `index` is the low (second) half of a surrogate pair. */
const isLow = (text: string, index: number) => {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
};

/**
 * The first `length` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair:
 * a lone half is not valid text (providers refuse a request body holding one).
 */
export function headOf(text: string, length: number): string {
  let end = Math.max(0, Math.min(length, text.length));
  if (end > 0 && end < text.length && isHigh(text, end - 1) && isLow(text, end)) end--;
  return text.slice(0, end);
}

/** The last `length` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair. */
export function tailOf(text: string, length: number): string {
  if (length <= 0) return '';
  let start = Math.max(0, text.length - length);
  if (start > 0 && isLow(text, start) && isHigh(text, start - 1)) start++;
  return text.slice(start);
}
