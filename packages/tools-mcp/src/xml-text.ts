import { TextDecoder } from 'node:util';

/** How far into the bytes an XML declaration is read (it comes first, and is short). */
const DECLARATION_BYTES = 1_024;
/** Longest encoding label looked up (the longest WHATWG label is 19 characters). */
const MAX_LABEL_CHARS = 40;
/** `<?xml … encoding="…"` at the very start (the declaration may come only there); quotes of either kind. */
const DECLARATION = /^<\?xml[ \t\r\n][^>]*?\bencoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/;

/**
 * WHATWG's windows-1252 for 0x80–0x9F (the rest is ISO-8859-1). Node 20's `TextDecoder` takes a
 * Latin-1 fast path for this encoding and returns C1 control characters there instead (€ as
 * U+0080, “ as U+0093), so it is decoded here. Every `iso-8859-1`, `latin1` and `us-ascii` label
 * is windows-1252 too (WHATWG Encoding, as browsers read such an SVG).
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
].map((code) => String.fromCharCode(code));
const windows1252 = (bytes: Buffer) => bytes.toString('latin1').replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_C1[char.charCodeAt(0) - 0x80]!);

/** The WHATWG encoding a label names (`ISO-8859-1` → `windows-1252`), or undefined for a label nobody knows (or a `replacement` one). */
function encodingOf(label: string): string | undefined {
  if (label.length > MAX_LABEL_CHARS) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * The `charset` parameter of a media type (`image/svg+xml; charset="windows-1252"` →
 * `windows-1252`): a token or a quoted string (backslash escapes undone), name matched without
 * regard to case; undefined when there is none. Only the first `charset` counts.
 */
export function charsetParameter(mediaType: string): string | undefined {
  const semicolon = mediaType.indexOf(';');
  if (semicolon === -1) return undefined;
  const match = /;[ \t]*charset[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]*))/i.exec(mediaType.slice(semicolon));
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!;
}

/**
 * XML bytes (an SVG) as text, decoded as RFC 7303 (XML media types, section 3) says, or undefined
 * when they are not text in the encoding they are in. In order of precedence:
 * - a byte order mark: UTF-8, UTF-16LE or UTF-16BE (removed from the text);
 * - else the media type's `charset` parameter (`charset`, e.g. from
 *   `image/svg+xml; charset=windows-1252`): it is authoritative over the XML declaration;
 * - else the XML declaration's `encoding` (`<?xml version="1.0" encoding="ISO-8859-1"?>`); a
 *   UTF-16 label in a declaration that was readable byte by byte means UTF-8;
 * - else UTF-8.
 * Labels are looked up as browsers do: `iso-8859-1`, `latin1`, `us-ascii` and `windows-1252` all
 * decode as windows-1252 (by table), any other label the runtime knows (`shift_jis`,
 * `iso-8859-2`, `utf-16`, …) with its decoder. Bytes invalid in that encoding, and an encoding
 * nobody knows (in the parameter or the declaration), give undefined: the caller refuses them
 * rather than guess.
 */
export function xmlText(bytes: Buffer, charset?: string): string | undefined {
  return decodeAs(bytes, charset, true);
}

/**
 * Bytes of a textual media type (`text/plain; charset=windows-1252`) as text: a byte order mark,
 * else the `charset` parameter (looked up as `xmlText` looks it up), else UTF-8 — RFC 6657 makes
 * UTF-8 the sensible default and RFC 2046's US-ASCII default is a subset. Undefined when the bytes
 * are not text in that encoding, or the charset is one nobody knows.
 */
export function charsetText(bytes: Buffer, charset?: string): string | undefined {
  return decodeAs(bytes, charset, false);
}

function decodeAs(bytes: Buffer, charset: string | undefined, xml: boolean): string | undefined {
  let encoding: string | undefined;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) encoding = 'utf-8';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  else if (charset !== undefined) {
    encoding = encodingOf(charset.trim());
    if (encoding === undefined) return undefined;
  } else if (!xml) encoding = 'utf-8';
  else {
    const declared = DECLARATION.exec(bytes.subarray(0, DECLARATION_BYTES).toString('latin1'))?.[2];
    encoding = declared === undefined ? 'utf-8' : encodingOf(declared);
    if (encoding === undefined) return undefined;
    if (encoding.startsWith('utf-16')) encoding = 'utf-8';
  }
  if (encoding === 'windows-1252') return windows1252(bytes);
  try {
    // The byte order mark, when there is one, is consumed by the decoder (ignoreBOM is false).
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
