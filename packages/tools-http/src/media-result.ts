import { htmlToText } from './html-text.js';
import { classifyBytes, pdfProblem, plainFileName, type ContentPart } from '@agentrt/core';
import { decodeBody } from './decode-body.js';
import { isDeclaredMedia, type SafeBytesResponse, type SafeResponse } from './safe-fetch.js';

/** How the tools return images and PDFs: as content parts (default), or as a text note for models that take none. */
export type MediaMode = 'parts' | 'text';

/** What `responseResult` needs from the tool options. */
export interface ResultSettings {
  readonly media: MediaMode;
  readonly maxMediaBytes: number;
  readonly maxResponseBytes: number;
  readonly maxResultChars: number;
  /** `raw` (default): an HTML body as its markup; `text`: as readable text (`htmlToText`). */
  readonly html?: 'raw' | 'text';
}

/** A binary body as the model gets it: what it was, never its bytes as text. */
export interface BinaryNote {
  readonly url: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly redirects: number;
  readonly binary: true;
  /** The sniffed media type when the bytes name one, else the declared one (`application/octet-stream` when none). */
  readonly mediaType: string;
  /** The body's size: exact unless `truncated`, then the `Content-Length` when given, else the bytes read (the body is larger). */
  readonly bytes: number;
  readonly truncated: boolean;
  /** Set when an image or PDF was over `maxMediaBytes` (or cut at `maxResponseBytes`). */
  readonly tooLarge?: true;
  readonly width?: number;
  readonly height?: number;
  readonly note: string;
}

const essenceOf = (contentType: string | undefined) => (typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : '');
/** Content-Disposition looked at: a longer header is cut (a name is at most 255 characters anyway). */
const MAX_DISPOSITION_CHARS = 4_096;

/**
 * The parameters of a Content-Disposition value, names lower-cased, the first of each name kept
 * (a Map: a `__proto__` parameter is a name like any other). Quoted strings may hold `;` and `\"`.
 */
function dispositionParameters(header: string): Map<string, string> {
  const text = header.slice(0, MAX_DISPOSITION_CHARS);
  const parameters = new Map<string, string>();
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of text.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim();
    if (!parameters.has(name)) parameters.set(name, value);
  }
  return parameters;
}

/** RFC 8187 `filename*=UTF-8''na%C3%AFve.pdf` decoded (UTF-8 or ISO-8859-1), or undefined. */
function extendedValue(value: string): string | undefined {
  const match = /^([A-Za-z0-9_-]+)'[^']*'(.*)$/.exec(value);
  if (!match) return undefined;
  const charset = match[1]!.toLowerCase();
  try {
    if (charset === 'utf-8') return decodeURIComponent(match[2]!);
    // ISO-8859-1: each byte is the code point of the same number.
    if (charset === 'iso-8859-1') return match[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The file name of a fetched file: Content-Disposition `filename*` (RFC 8187), then `filename`,
 * then the last segment of the URL path (percent-decoded) — each made a plain name with core's
 * `plainFileName` (separators, control, bidi and invisible characters become `_`; `..` and
 * empty names are dropped). Undefined when none is usable.
 */
export function fileNameOf(contentDisposition: string | undefined, url: string): string | undefined {
  if (typeof contentDisposition === 'string') {
    const parameters = dispositionParameters(contentDisposition);
    const extended = parameters.has('filename*') ? extendedValue(parameters.get('filename*')!) : undefined;
    for (const candidate of [extended, parameters.get('filename')]) {
      const name = candidate === undefined ? undefined : plainFileName(candidate);
      if (name !== undefined) return name;
    }
  }
  let segment: string | undefined;
  try {
    segment = new URL(url).pathname.split('/').filter(Boolean).at(-1);
  } catch {
    segment = undefined;
  }
  if (segment === undefined) return undefined;
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // keep the raw segment
  }
  return plainFileName(segment);
}

/**
 * The response with its body cut from the end so that the whole result, as JSON text, is at
 * most `max` characters (never splitting a surrogate pair); `truncated` when cut.
 */
export function fitResult(response: SafeResponse, max: number): SafeResponse {
  if (JSON.stringify(response).length <= max) return response;
  const budget = Math.max(100, max - JSON.stringify({ ...response, body: '', truncated: true }).length);
  const body = response.body;
  let low = 0;
  let high = Math.min(body.length, budget);
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (JSON.stringify(body.slice(0, middle)).length <= budget) low = middle;
    else high = middle - 1;
  }
  const code = body.charCodeAt(low - 1);
  if (low > 0 && code >= 0xd800 && code <= 0xdbff) low--;
  return { ...response, body: body.slice(0, low), truncated: true };
}

/**
 * What `http_get` / `http_post` return for a response, decided by the body's bytes (the
 * Content-Type is a claim; see the README, "Images, PDFs and other binary bodies"):
 * - a PNG, JPEG, GIF or WebP image (at most `MAX_IMAGE_EDGE` px per side) → a text part with the
 *   response's facts (JSON) and an image part with the media type the bytes are;
 * - a complete PDF (`%%EOF` at its end, pages: core's `pdfProblem`) → a text part and a file part
 *   (`application/pdf`, a file name from Content-Disposition or the URL); one cut short or junk
 *   after `%PDF-` → a binary note (a provider would refuse the part, on every later request too);
 * - either over `maxMediaBytes`, cut at the byte cap, or with `media: 'text'` → a binary note;
 * - other binary bytes (a recognized binary format, or bytes no text has) → a binary note:
 *   `{ binary: true, mediaType, bytes, note, … }`, never the bytes decoded as text;
 * - anything else (SVG too) → the decoded text, as before.
 */
export function responseResult(response: SafeBytesResponse, settings: ResultSettings): SafeResponse | BinaryNote | ContentPart[] {
  const { url, status, contentType, redirects } = response;
  if (response.location !== undefined) return { url, status, contentType, body: '', truncated: false, redirects, location: response.location };
  const essence = essenceOf(contentType);
  const facts = { url, status, contentType, redirects };
  const note = (mediaType: string, extra: { tooLarge?: true; width?: number; height?: number }, why: string): BinaryNote => {
    const bytes = response.truncated ? (response.declaredBytes ?? response.bytes.length) : response.bytes.length;
    const size = response.truncated && response.declaredBytes === undefined ? `more than ${bytes} bytes` : `${bytes} bytes`;
    return { ...facts, binary: true, mediaType, bytes, truncated: response.truncated, ...extra, note: `${mediaType}, ${size}: ${why}` };
  };
  if (response.refusedUnread) {
    return note(essence || 'application/octet-stream', { tooLarge: true }, `not fetched: over the ${settings.maxMediaBytes}-byte limit for images and PDFs (maxMediaBytes)`);
  }
  // A body that declares UTF-16 may be text whose NULs are half characters.
  const kind = classifyBytes(response.bytes, { textHint: /;\s*charset\s*=\s*"?\s*utf-16/i.test(contentType ?? '') });
  if (kind.kind === 'text') {
    const { text, charset } = decodeBody(response.bytes, contentType, response.truncated);
    if (settings.html === 'text' && (essence === 'text/html' || essence === 'application/xhtml+xml')) {
      return fitResult({ url, status, contentType, charset, body: htmlToText(text), bodyFormat: 'text_from_html', truncated: response.truncated, redirects }, settings.maxResultChars);
    }
    return fitResult({ url, status, contentType, charset, body: text, truncated: response.truncated, redirects }, settings.maxResultChars);
  }
  if (kind.kind === 'binary') {
    const mediaType = kind.mediaType ?? (essence || 'application/octet-stream');
    if (kind.reason === 'image_dimensions') {
      const size = kind.width !== undefined ? `${kind.width}×${kind.height} px` : 'a size that cannot be read';
      return note(mediaType, { ...(kind.width !== undefined ? { width: kind.width, height: kind.height } : {}) }, `an image of ${size} is not shown (models take at most 8000 px per side)`);
    }
    if (kind.reason === 'pdf_incomplete') {
      // A body cut at the byte cap has no %%EOF: it was too large, not damaged.
      if (response.truncated) return note(mediaType, { tooLarge: true }, `a PDF too large to return (maxMediaBytes: ${settings.maxMediaBytes})`);
      return note(mediaType, {}, `not a complete PDF (${pdfProblem(response.bytes) ?? 'damaged'}), not shown`);
    }
    return note(mediaType, {}, 'binary content, not shown');
  }
  if (response.truncated || response.bytes.length > settings.maxMediaBytes) {
    // Cut at the read cap: maxMediaBytes for a body declared an image or PDF, maxResponseBytes for one that lied about its type.
    const limit = response.truncated && !isDeclaredMedia(contentType) ? `maxResponseBytes: ${settings.maxResponseBytes}, the cap for a body not declared an image or PDF` : `maxMediaBytes: ${settings.maxMediaBytes}`;
    return note(kind.mediaType, { tooLarge: true }, `${kind.kind === 'image' ? 'an image' : 'a PDF'} too large to return (${limit})`);
  }
  const pixels = kind.kind === 'image' ? { width: kind.width, height: kind.height } : {};
  if (settings.media === 'text') return note(kind.mediaType, pixels, `${kind.kind === 'image' ? `an image of ${kind.width}×${kind.height} px` : 'a PDF'}, not shown (media: 'text')`);
  const data = response.bytes.toString('base64');
  if (kind.kind === 'image') {
    const text = JSON.stringify({ ...facts, mediaType: kind.mediaType, bytes: response.bytes.length, width: kind.width, height: kind.height });
    return [{ type: 'text', text }, { type: 'image', mediaType: kind.mediaType, data }];
  }
  const filename = fileNameOf(response.contentDisposition, url);
  const text = JSON.stringify({ ...facts, mediaType: kind.mediaType, bytes: response.bytes.length, ...(filename !== undefined ? { filename } : {}) });
  return [{ type: 'text', text }, { type: 'file', mediaType: kind.mediaType, data, ...(filename !== undefined ? { filename } : {}) }];
}
