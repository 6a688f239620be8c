/**
 * WHATWG's windows-1252 at 0x80–0x9F; the rest of it is ISO-8859-1. Node 20's `TextDecoder` takes
 * a Latin-1 fast path for this encoding and returns the C1 control characters there instead (€ as
 * U+0080, — as U+0097). Every `iso-8859-1`, `latin1` and `ascii` label is windows-1252 too.
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
].map((code) => String.fromCharCode(code));

/**
 * Bytes as windows-1252 text, as browsers decode it (every byte is one character; see
 * `WINDOWS_1252_C1` for why `new TextDecoder('windows-1252')` is not used on Node 20).
 *
 * @example
 * ```ts
 * decodeWindows1252(Buffer.from([0x80, 0x41])); // '€A'
 * ```
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_C1[char.charCodeAt(0) - 0x80]!);
}

/**
 * The encoding a byte order mark at the start of `bytes` names (the WHATWG "BOM sniff"), or
 * undefined without one.
 */
export function bomEncoding(bytes: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}
