/**
 * What bytes are, judged by the bytes: for tools that turn fetched or read bytes into content
 * parts (`@agentrt/tools-http`, `@agentrt/tools-fs`). A label (a Content-Type header, a file
 * extension) is a claim; these helpers never trust it for what reaches a provider.
 */

import { inflateSync, constants as zlibConstants } from 'node:zlib';

/** Raster image types every first-party vision adapter takes (PNG, JPEG, GIF, WebP). */
export const PROVIDER_IMAGE_TYPES: readonly string[] = Object.freeze(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * Longest image edge, in pixels, a tool should hand to a model as an image part: Anthropic
 * refuses larger images (400), and a small file that claims a huge size is a decompression bomb
 * for whoever decodes it.
 */
export const MAX_IMAGE_EDGE = 8_000;

const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1', from, Math.min(to, bytes.length));
const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) => bytes.length >= at + signature.length && signature.every((byte, index) => bytes[at + index] === byte);

/** Leading-byte signatures, most specific first. */
const SIGNATURES: readonly { readonly type: string; readonly test: (bytes: Uint8Array) => boolean }[] = [
  { type: 'image/png', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: 'image/gif', test: (b) => ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a' },
  { type: 'image/webp', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' },
  { type: 'application/pdf', test: (b) => /^%PDF-\d\.\d/.test(ascii(b, 0, 8)) },
  // BMP: "BM", then a DIB header whose size is a little-endian 32-bit 12, 40, 52, 56, 64, 108 or 124 (so never text).
  { type: 'image/bmp', test: (b) => ascii(b, 0, 2) === 'BM' && b.length >= 26 && [12, 40, 52, 56, 64, 108, 124].includes(b[14]!) && b[15] === 0 && b[16] === 0 && b[17] === 0 },
  { type: 'image/tiff', test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { type: 'image/x-icon', test: (b) => startsWith(b, [0x00, 0x00, 0x01, 0x00]) },
  { type: 'audio/wav', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WAVE' },
  { type: 'audio/ogg', test: (b) => ascii(b, 0, 4) === 'OggS' && b[4] === 0 },
  { type: 'audio/mpeg', test: (b) => ascii(b, 0, 3) === 'ID3' && b[3] !== undefined && b[3] >= 2 && b[3] <= 4 },
  { type: 'application/zip', test: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06]) },
  { type: 'application/gzip', test: (b) => startsWith(b, [0x1f, 0x8b]) },
  { type: 'application/x-7z-compressed', test: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { type: 'application/wasm', test: (b) => startsWith(b, [0x00, 0x61, 0x73, 0x6d]) },
  { type: 'application/x-elf', test: (b) => startsWith(b, [0x7f, 0x45, 0x4c, 0x46]) },
];

/**
 * The media type the leading bytes identify, or undefined: PNG, JPEG, GIF, WebP, PDF (`%PDF-` and a
 * version), and —
 * to name them in a note — BMP, TIFF, ICO, WAV, Ogg, MP3 (ID3), ZIP, gzip, 7z, WebAssembly, ELF.
 * Reads at most the first 16 bytes. SVG and other text formats are not recognized (they are text).
 */
export function sniffMediaType(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((signature) => signature.test(bytes))?.type;
}

const valid = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);

/**
 * Width and height of a PNG, JPEG, GIF or WebP image from its header, without decoding any
 * pixels; undefined for other formats or a damaged header. JPEG size markers may follow large
 * metadata: give at least the first 64 KiB.
 */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  try {
    if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.toString('latin1', 12, 16) === 'IHDR') return valid(head.readUInt32BE(16), head.readUInt32BE(20));
    if (head.length >= 10 && head.toString('latin1', 0, 4) === 'GIF8') return valid(head.readUInt16LE(6), head.readUInt16LE(8));
    if (head.length >= 30 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') {
      const chunk = head.toString('latin1', 12, 16);
      if (chunk === 'VP8 ') return valid(head.readUInt16LE(26) & 0x3fff, head.readUInt16LE(28) & 0x3fff);
      if (chunk === 'VP8L') {
        const bits = head.readUInt32LE(21);
        return valid((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
      }
      if (chunk === 'VP8X') return valid(head.readUIntLE(24, 3) + 1, head.readUIntLE(27, 3) + 1);
      return undefined;
    }
    if (head.length >= 4 && head.readUInt16BE(0) === 0xffd8) {
      let i = 2;
      while (i + 9 < head.length) {
        if (head[i] !== 0xff) return undefined;
        const marker = head[i + 1]!;
        if (marker === 0xff) {
          i++;
          continue;
        }
        // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return valid(head.readUInt16BE(i + 7), head.readUInt16BE(i + 5));
        if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
          i += 2;
          continue;
        }
        i += 2 + head.readUInt16BE(i + 2);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** How far into the bytes `looksBinary` looks. */
const BINARY_PRESCAN_BYTES = 4_096;

/**
 * True when the first 4 KiB hold a byte no text has — NUL and the C0 controls other than tab,
 * line feed, form feed, carriage return and escape (WHATWG MIME Sniffing's "binary data byte").
 * Text starting with a UTF-16 byte order mark is text (its NULs are half characters).
 */
export function looksBinary(bytes: Uint8Array): boolean {
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return false;
  const end = Math.min(bytes.length, BINARY_PRESCAN_BYTES);
  for (let index = 0; index < end; index++) {
    const byte = bytes[index]!;
    if (byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f)) return true;
  }
  return false;
}

/** What bytes are, for a tool deciding how to return them (see `classifyBytes`). */
export type BytesKind =
  | { readonly kind: 'image'; readonly mediaType: string; readonly width: number; readonly height: number }
  | { readonly kind: 'pdf'; readonly mediaType: 'application/pdf'; readonly pages?: number }
  | { readonly kind: 'binary'; readonly mediaType: string | undefined; readonly reason: 'binary' | 'image_dimensions' | 'pdf_incomplete'; readonly width?: number; readonly height?: number }
  | { readonly kind: 'text' };

/**
 * Classifies bytes by their content, never by a label:
 * - a PNG, JPEG, GIF or WebP image whose header gives a size of at most `MAX_IMAGE_EDGE` px per
 *   side → `image` with its real media type (a PNG labelled JPEG is a PNG); larger, or a size
 *   that cannot be read → `binary` (`reason: 'image_dimensions'`);
 * - a PDF that `pdfProblem` finds plausible (complete: `%%EOF` at its end; pages) → `pdf` with its
 *   page count when its page tree is readable; a file that only starts with `%PDF-` (cut short,
 *   junk) → `binary` (`reason: 'pdf_incomplete'`): a provider refuses such a file part with a 400,
 *   and the part would stay in the transcript, failing every later request. Give all the bytes;
 *   a head alone is never a complete PDF;
 * - another recognized format (ZIP, audio, BMP…) or bytes that `looksBinary` → `binary` with the
 *   sniffed media type (undefined when none is recognized: the caller names it from its label);
 * - anything else → `text` (SVG is text: markup with scripts, not an image any provider takes).
 * `textHint: true` (a label that says UTF-16, whose NULs are half characters) skips the binary-byte check.
 */
export function classifyBytes(bytes: Uint8Array, options: { textHint?: boolean } = {}): BytesKind {
  const sniffed = sniffMediaType(bytes);
  if (sniffed !== undefined && PROVIDER_IMAGE_TYPES.includes(sniffed)) {
    const size = imageSize(bytes.subarray(0, 64 * 1024));
    if (size && size.width <= MAX_IMAGE_EDGE && size.height <= MAX_IMAGE_EDGE) return { kind: 'image', mediaType: sniffed, ...size };
    return { kind: 'binary', mediaType: sniffed, reason: 'image_dimensions', ...(size ?? {}) };
  }
  if (sniffed === 'application/pdf') {
    const { problem, pages } = judgePdf(bytes);
    if (problem !== undefined) return { kind: 'binary', mediaType: sniffed, reason: 'pdf_incomplete' };
    return { kind: 'pdf', mediaType: sniffed, ...(pages !== undefined ? { pages } : {}) };
  }
  if (sniffed !== undefined) return { kind: 'binary', mediaType: sniffed, reason: 'binary' };
  if (!options.textHint && looksBinary(bytes)) return { kind: 'binary', mediaType: undefined, reason: 'binary' };
  return { kind: 'text' };
}

/** How far from the end `%%EOF` may sit (the PDF reference's rule for readers: within the last 1 024 bytes). */
const PDF_EOF_WINDOW = 1_024;

/** At most this many bytes are inflated from a PDF's object streams, in all (a small stream may inflate to gigabytes). */
const MAX_PDF_INFLATED_BYTES = 8 * 1024 * 1024;
/** At most this many object streams are inflated. */
const MAX_PDF_OBJECT_STREAMS = 1_000;

/**
 * The text of the object streams (`/Type /ObjStm`, `/Filter /FlateDecode`) of a PDF, inflated
 * within `MAX_PDF_INFLATED_BYTES` in all; a stream that is not zlib (encrypted, another filter) or
 * would pass the bound is skipped. One forward pass: each search starts where the last one ended.
 */
function objectStreamsText(text: string): string {
  const found = /\/Type\s*\/ObjStm\b/g;
  let budget = MAX_PDF_INFLATED_BYTES;
  let streams = 0;
  const parts: string[] = [];
  for (let match = found.exec(text); match !== null && streams < MAX_PDF_OBJECT_STREAMS && budget > 0; match = found.exec(text)) {
    const keyword = text.indexOf('stream', found.lastIndex);
    if (keyword < 0) break;
    let start = keyword + 6;
    if (text[start] === '\r') start++;
    if (text[start] === '\n') start++;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    found.lastIndex = end + 9;
    // The dictionary runs from just before /Type to `stream`; only Flate without a predictor is inflated.
    const dictionary = text.slice(Math.max(0, match.index - 1_024), keyword);
    const from = dictionary.lastIndexOf('<<');
    if (!/\/FlateDecode\b/.test(dictionary.slice(from < 0 ? 0 : from)) || /\/DecodeParms|\/Predictor/.test(dictionary.slice(from < 0 ? 0 : from))) continue;
    streams++;
    try {
      const inflated = inflateSync(Buffer.from(text.slice(start, end), 'latin1'), { maxOutputLength: budget, finishFlush: zlibConstants.Z_SYNC_FLUSH });
      budget -= inflated.length;
      parts.push(inflated.toString('latin1'));
    } catch {
      // not zlib (an encrypted PDF's streams), or past the bound: its objects stay unread
    }
  }
  return parts.join('\n>\n');
}

/** The largest `/Count` of a `/Type /Pages` node in `text`; an indirect `/Count N G R` is resolved in `text` when `N G obj` is there. */
function pagesTreeCount(text: string): number {
  let count = 0;
  let pagesNode = false;
  let largest = 0;
  let references: string[] = [];
  const nodes: { direct: number; references: string[] }[] = [];
  const close = () => {
    if (pagesNode) nodes.push({ direct: largest, references });
    pagesNode = false;
    largest = 0;
    if (references.length > 0) references = [];
  };
  // A `>` between two matches ends a node. Found with indexOf rather than as a match of its own
  // (a match object per `>` made a file of `>` ten times slower); `nextClose` only moves forward.
  let searchedTo = 0;
  let nextClose = -2;
  for (const match of text.matchAll(/\/Type\s*\/Pages\b|\/Count\s+(\d{1,9})(?:\s+(\d{1,5})\s+R\b)?/g)) {
    if (nextClose !== -1 && nextClose < searchedTo) nextClose = text.indexOf('>', searchedTo);
    if (nextClose !== -1 && nextClose < match.index) close();
    searchedTo = match.index + match[0].length;
    if (match[2] !== undefined) references.push(`${match[1]} ${match[2]}`);
    else if (match[1] !== undefined) largest = Math.max(largest, Number(match[1]));
    else pagesNode = true;
  }
  close();
  const wanted = new Set(nodes.flatMap((node) => node.references));
  const values = new Map<string, number>();
  if (wanted.size > 0) {
    for (const match of text.matchAll(/(?<![0-9])(\d{1,9})\s+(\d{1,5})\s+obj\s*(\d{1,9})\s*endobj/g)) {
      const key = `${match[1]} ${match[2]}`;
      if (wanted.has(key)) values.set(key, Number(match[3]));
    }
  }
  for (const node of nodes) {
    count = Math.max(count, node.direct);
    for (const reference of node.references) count = Math.max(count, values.get(reference) ?? 0);
  }
  return count;
}

/** Page count and whether object streams are present, from one read of the bytes (`pdfPageCount`, `pdfProblem`). */
function pdfFacts(bytes: Uint8Array): { pages: number | undefined; objectStreams: boolean } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const objectStreams = /\/Type\s*\/ObjStm\b/.test(text);
  // Objects kept in compressed object streams (PDF 1.5+; pdf-lib's default) hold the page tree: read them too.
  const all = objectStreams ? `${text}\n>\n${objectStreamsText(text)}` : text;
  const count = pagesTreeCount(all);
  if (count > 0 && count < 100_000) return { pages: count, objectStreams };
  const pages = all.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
  return { pages: pages > 0 ? pages : undefined, objectStreams };
}

/**
 * Page count of a PDF from its page tree: the largest `/Count` of a node with `/Type /Pages`
 * (between the same two `>`; an indirect `/Count 3 0 R` is resolved when object 3 is in the bytes),
 * else the number of `/Type /Page` objects; undefined when neither is in the bytes (no PDF at all, or
 * a page tree in object streams that cannot be inflated: encrypted, another filter). Objects in
 * Flate-compressed object streams (PDF 1.5+, pdf-lib's default output) are read too, inflating at
 * most 8 MiB in all. Linear in the bytes (a regex that looked past each `/Type /Pages` for its
 * `/Count` was quadratic on a hostile file).
 */
export function pdfPageCount(bytes: Uint8Array): number | undefined {
  return pdfFacts(bytes).pages;
}

/**
 * Why bytes are not a plausible, complete PDF — or undefined when they are: they start with
 * `%PDF-` and a version, end with `%%EOF` (within the last 1 024 bytes, as readers allow: a file cut
 * short has none), and either have a page tree with at least one page (`pdfPageCount`) or keep
 * their objects in compressed object streams (`/ObjStm`, PDF 1.5+, where the page tree cannot be
 * read without inflating them). Not a parser: a PDF damaged inside may still pass; this stops the
 * common cases — a download cut short, an error page or junk that begins with `%PDF-`.
 */
export function pdfProblem(bytes: Uint8Array): string | undefined {
  return judgePdf(bytes).problem;
}

/** `pdfProblem` and `pdfPageCount` from one pass over the bytes. */
function judgePdf(bytes: Uint8Array): { problem?: string; pages?: number } {
  if (sniffMediaType(bytes) !== 'application/pdf') return { problem: 'it does not start with %PDF- and a version' };
  const tail = ascii(bytes, Math.max(0, bytes.length - PDF_EOF_WINDOW), bytes.length);
  if (!tail.includes('%%EOF')) return { problem: 'it does not end with %%EOF (cut short, or not a PDF)' };
  const { pages, objectStreams } = pdfFacts(bytes);
  if (pages !== undefined) return { pages };
  return objectStreams ? {} : { problem: 'it has no pages' };
}
