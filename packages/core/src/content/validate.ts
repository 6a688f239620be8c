import { bomEncoding, decodeWindows1252 } from './text-encoding.js';
import { AgentrtError } from '../errors/agentrt-error.js';
import type { ContentPart, Message, MessageContent } from '../messages.js';
import type { ModelAdapter, ModelCapabilities } from '../model.js';
import { imageSize, PROVIDER_IMAGE_TYPES, sniffMediaType } from './sniff.js';

/** Default size limit of one image or file part (decoded bytes). */
export const DEFAULT_MAX_PART_BYTES = 5 * 1024 * 1024;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** Longest media type accepted with its parameters (a longer value is malformed, not read). */
const MAX_MEDIA_TYPE_CHARS = 1_024;
/** RFC 9110 §5.6.6 `OWS ";" OWS [ parameter ]`, parameter = token "=" ( token / quoted-string ), at one position (sticky). */
const PARAMETER = /[ \t]*;[ \t]*(?:([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(?:([!#$%&'*+.^_`|~0-9A-Za-z-]+)|"((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*)"))?/y;

/** A media type read per RFC 9110 §8.3.1: its essence (`type/subtype`, lower case) and parameters (names lower case, the first of each kept; a Map, so `__proto__` is a name like any other). */
export interface ParsedMediaType {
  readonly essence: string;
  readonly parameters: ReadonlyMap<string, string>;
}

/**
 * Reads a media type such as `Image/PNG; charset=binary` or `text/plain;charset="ISO-8859-1"`
 * (RFC 9110 §8.3.1): type and subtype are case-insensitive, parameters follow `;` with optional
 * whitespace around it, values are tokens or quoted strings, empty parameters (`;;`) are allowed.
 * Undefined for a malformed value (no subtype, a space inside a token, a parameter without `=`,
 * an unclosed quote, characters outside the grammar) or one over 1 024 characters. Linear time.
 */
export function parseMediaType(value: string): ParsedMediaType | undefined {
  if (typeof value !== 'string' || value.length > MAX_MEDIA_TYPE_CHARS) return undefined;
  const text = value.replace(/^[ \t]+|[ \t]+$/g, '');
  const slash = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(text);
  if (!slash) return undefined;
  const essence = slash[0].toLowerCase();
  if (!MEDIA_TYPE.test(essence)) return undefined;
  const parameters = new Map<string, string>();
  let at = slash[0].length;
  while (at < text.length) {
    PARAMETER.lastIndex = at;
    const match = PARAMETER.exec(text);
    if (!match || match[0].length === 0) return undefined;
    at += match[0].length;
    if (match[1] === undefined) continue;
    const name = match[1].toLowerCase();
    const parameter = match[2] ?? match[3]!.replace(/\\(.)/g, '$1');
    if (!parameters.has(name)) parameters.set(name, parameter);
  }
  return { essence, parameters };
}

/** The decoder a text part's `charset` parameter names, `null` when it names none the runtime knows, undefined without one (UTF-8). */
function charsetDecoder(parsed: ParsedMediaType): InstanceType<typeof TextDecoder> | null | undefined {
  const label = parsed.parameters.get('charset');
  if (label === undefined || !parsed.essence.startsWith('text/')) return undefined;
  try {
    const decoder = label.length > 40 ? undefined : new TextDecoder(label.trim());
    // "replacement" (iso-2022-kr…) would turn every byte into U+FFFD: no text encoding.
    return decoder && decoder.encoding !== 'replacement' ? decoder : null;
  } catch {
    return null;
  }
}

/** Bytes as text in the decoder's encoding (a byte order mark first, as TextDecoder does; invalid bytes become U+FFFD). */
function decodeText(decoder: InstanceType<typeof TextDecoder>, bytes: Buffer): string {
  if (decoder.encoding !== 'windows-1252') return decoder.decode(bytes);
  return decodeWindows1252(bytes);
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Canonical base64 has zero bits in the unused low bits of the last character before padding,
 * so every byte string has exactly one encoding (content addressing and byte-identical resume rely on it).
 */
function canonicalPadding(data: string): boolean {
  if (data.endsWith('==')) return ALPHABET.indexOf(data[data.length - 3]!) % 16 === 0;
  if (data.endsWith('=')) return ALPHABET.indexOf(data[data.length - 2]!) % 4 === 0;
  return true;
}

/** True for standard, padded, canonical base64 (the only form parts may carry; one encoding per byte string). */
export function isCanonicalBase64(data: string): boolean {
  return data.length % 4 === 0 && BASE64.test(data) && canonicalPadding(data);
}

/** Decoded size of a base64 string (no allocation). */
export function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

/**
 * Checks one message content (a string, or parts) before it enters a run: known part types,
 * well-formed media types, exactly one of `data`/`url`, canonical base64, http(s) URLs, and the
 * size limit. Returns a typed error (`content_invalid`, `content_too_large`) or undefined.
 * `where` names the content in the message (e.g. `input.1.content`).
 */
export function checkContent(content: unknown, options: { where: string; maxPartBytes?: number }): AgentrtError | undefined {
  if (typeof content === 'string') return undefined;
  const where = options.where;
  if (!Array.isArray(content)) return new AgentrtError('content_invalid', `${where}: expected a string or an array of content parts`);
  const max = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  for (const [index, raw] of content.entries()) {
    const at = `${where}.${index}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return new AgentrtError('content_invalid', `${at}: expected a content part object`);
    const part = raw as Record<string, unknown>;
    if (part.type === 'text') {
      if (typeof part.text !== 'string') return new AgentrtError('content_invalid', `${at}.text: expected a string`);
      continue;
    }
    if (part.type !== 'image' && part.type !== 'file') {
      return new AgentrtError('content_invalid', `${at}.type: expected 'text', 'image' or 'file', got ${JSON.stringify(part.type)}`);
    }
    const parsed = typeof part.mediaType === 'string' ? parseMediaType(part.mediaType) : undefined;
    if (!parsed) return new AgentrtError('content_invalid', `${at}.mediaType: expected a media type such as "image/png" (parameters such as "; charset=utf-8" may follow), got ${typeof part.mediaType === 'string' && part.mediaType.length > 100 ? `${JSON.stringify(part.mediaType.slice(0, 100))}… (${part.mediaType.length} characters)` : JSON.stringify(part.mediaType)}`);
    const mediaType = parsed.essence;
    if (charsetDecoder(parsed) === null) return new AgentrtError('content_invalid', `${at}.mediaType: unknown charset ${JSON.stringify(parsed.parameters.get('charset')!.slice(0, 100))} (give the text's encoding, e.g. "utf-8", "iso-8859-1", "utf-16le")`);
    if (part.type === 'image' && !mediaType.startsWith('image/')) return new AgentrtError('content_invalid', `${at}.mediaType: an image part needs an image/* media type, got "${mediaType}"`);
    const hasData = part.data !== undefined;
    const hasUrl = part.url !== undefined;
    if (hasData === hasUrl) return new AgentrtError('content_invalid', `${at}: give exactly one of data (base64) or url`);
    if (hasData) {
      const data = part.data;
      if (typeof data !== 'string' || !isCanonicalBase64(data)) {
        return new AgentrtError('content_invalid', `${at}.data: expected standard padded base64 (A–Z, a–z, 0–9, +, /, =)`);
      }
      if (data.length === 0) return new AgentrtError('content_invalid', `${at}.data: empty; give the bytes of the ${part.type}`);
      const bytes = base64Bytes(data);
      if (bytes > max) return new AgentrtError('content_too_large', `${at}: ${bytes} bytes exceeds the limit of ${max} bytes per part`, { details: { bytes, limit: max } });
      // The limit holds for what is stored and sent: a text part re-encoded as UTF-8 may grow (a
      // windows-1252 "€" is one byte, three in UTF-8), so its UTF-8 size is what is checked.
      const utf8 = reencoded(data, parsed);
      if (utf8 !== undefined && utf8.length > max) {
        return new AgentrtError('content_too_large', `${at}: ${utf8.length} bytes as UTF-8 (${bytes} bytes in its charset) exceeds the limit of ${max} bytes per part`, { details: { bytes: utf8.length, limit: max } });
      }
    } else {
      let url: URL | undefined;
      try {
        url = typeof part.url === 'string' ? new URL(part.url) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return new AgentrtError('content_invalid', `${at}.url: expected an http(s) URL`);
      // The URL parser trims spaces and controls at the ends and drops tabs and newlines anywhere
      // ("https://exa\tmple.com" parses as example.com), but the part keeps the raw string, and
      // that is what a provider (or a reader of the transcript) gets: such a url is not one.
      if (/[\u0000-\u0020\u007f]/.test(part.url as string)) return new AgentrtError('content_invalid', `${at}.url: a URL holds no spaces, tabs, line breaks or control characters (percent-encode them: %20)`);
    }
    if (part.filename !== undefined && (part.type !== 'file' || typeof part.filename !== 'string' || !isPlainFileName(part.filename))) {
      return new AgentrtError('content_invalid', `${at}.filename: expected a file name (no path: no / or \\, not . or ..) of at most 255 characters, without control, bidi or invisible characters`);
    }
  }
  return undefined;
}

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and every default-ignorable code
 * point but the emoji variation selectors (U+FE00–FE0F: `❤️.png` stays a valid name) — bidi
 * embeddings/overrides/isolates and marks, zero-width and other invisible format characters, tag
 * characters (U+E0000–E007F, which spell hidden ASCII), Hangul fillers: in a file name they hide or
 * reorder what a reader sees (`invoice\u202efdp.exe`).
 */
const HIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?![\ufe00-\ufe0f])\p{Default_Ignorable_Code_Point}/u;

/** A name, not a path: 1–255 characters, no separators, not `.`/`..`, nothing hidden. */
const isPlainFileName = (name: string) =>
  name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\]/.test(name) && !HIDDEN_CHARACTERS.test(name);

/**
 * A name made into one a file part may carry (what `checkContent` accepts), or undefined when
 * nothing usable is left: path separators, control, bidi and invisible characters become `_`,
 * surrounding spaces and dots are trimmed (`..`, `.hidden.`), and the name is cut to 255
 * characters (keeping its extension, never splitting a surrogate pair). For names from a
 * Content-Disposition header, a URL or a path the model chose.
 */
export function plainFileName(raw: string): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const hidden = new RegExp(HIDDEN_CHARACTERS.source, 'gu');
  let name = raw.replace(/[/\\]/g, '_').replace(hidden, '_').replace(/^[\s.]+|[\s.]+$/gu, '');
  if (name.length > 255) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    let keep = 255 - extension.length;
    const code = name.charCodeAt(keep - 1);
    if (code >= 0xd800 && code <= 0xdbff) keep--;
    name = name.slice(0, keep) + extension;
  }
  return isPlainFileName(name) ? name : undefined;
}

/**
 * The raster image type (`image/png`, `image/jpeg`, `image/gif`, `image/webp`) that base64 data's
 * first bytes identify (`sniffMediaType`), or undefined. For adapters whose provider checks the
 * declared media type against the bytes (Anthropic answers 400 "Image does not match the provided
 * media type"): send what the bytes are rather than what a tool called them.
 */
export function sniffImageType(data: string): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | undefined {
  const sniffed = sniffMediaType(Buffer.from(data.slice(0, 24), 'base64'));
  return sniffed !== undefined && PROVIDER_IMAGE_TYPES.includes(sniffed) ? (sniffed as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp') : undefined;
}

/** Header bytes read to find an image's size (JPEG size markers may follow large metadata). */
const HEADER_BYTES = 64 * 1024;

/**
 * Width and height of a PNG, JPEG, GIF or WebP image given as base64, from its header bytes
 * (`imageSize` of its first 64 KiB); undefined for other formats or a damaged header.
 */
export function imageDimensions(base64: string): { width: number; height: number } | undefined {
  return imageSize(Buffer.from(base64.slice(0, Math.ceil(HEADER_BYTES / 3) * 4), 'base64'));
}

/** Capabilities of an adapter that declares none: text only. */
export const TEXT_ONLY: ModelCapabilities = Object.freeze({
  imageTypes: [], fileTypes: [], partsInToolResults: false, imageUrls: false, fileUrls: false, structuredOutput: false, reasoning: false,
});

/** Common wrong labels and the registered media type they mean (`image/jpg` is not registered; JPEG is `image/jpeg`). */
const MEDIA_TYPE_ALIASES: Readonly<Record<string, string>> = Object.freeze({ 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' });

/**
 * A media type as it goes on the wire: its essence (parameters dropped: `Image/PNG; charset=binary`
 * → `image/png`), lower case, and a common wrong label as the registered type it means (`image/jpg`, `image/pjpeg` → `image/jpeg`; providers document `image/jpeg`).
 * Adapters send this; `acceptsMediaType` and `normalizeContent` use it too.
 */
export function canonicalMediaType(mediaType: string): string {
  const type = parseMediaType(mediaType)?.essence ?? mediaType.toLowerCase();
  return Object.hasOwn(MEDIA_TYPE_ALIASES, type) ? MEDIA_TYPE_ALIASES[type]! : type;
}

/** True when `mediaType` (or the type it is an alias of, see `canonicalMediaType`) is in `accepted`, which may hold the wildcards `type/*` (any subtype) and `*` (anything). */
export function acceptsMediaType(accepted: readonly string[], mediaType: string): boolean {
  const type = canonicalMediaType(mediaType);
  for (const entry of accepted) {
    if (entry === type || entry === '*' || entry === '*/*') return true;
    if (entry.endsWith('/*') && type.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}

const describePart = (part: ContentPart) => (part.type === 'text' ? 'text' : `${part.type} (${part.mediaType}${part.url !== undefined ? ', by url' : ''})`);

/**
 * Checks a request's messages (from index `from`, default 0) against what the model accepts.
 * Returns `unsupported_content` naming the message, the part and the model (and, for a tool
 * result, the tool), or undefined. Run it before the call. `hintFor(toolName)` may supply a
 * sentence appended to the error for a tool result (the tool's `unsupportedContentHint`).
 */
export function checkSupported(messages: readonly Message[], model: Pick<ModelAdapter, 'provider' | 'model' | 'capabilities'>, from = 0, hintFor?: (toolName: string) => string | undefined): AgentrtError | undefined {
  const caps = model.capabilities ?? TEXT_ONLY;
  for (let m = from; m < messages.length; m++) {
    const message = messages[m]!;
    if (message.role !== 'user' && message.role !== 'tool') continue;
    const content: MessageContent = message.content;
    if (typeof content === 'string') continue;
    for (const [p, part] of content.entries()) {
      if (part.type === 'text') continue;
      const accepted = part.type === 'image' ? caps.imageTypes : caps.fileTypes;
      let why: string | undefined;
      if (!acceptsMediaType(accepted, part.mediaType)) why = `it accepts ${part.type === 'image' ? 'images' : 'files'} of ${accepted.length ? accepted.join(', ') : 'no type'}`;
      else if (message.role === 'tool' && !caps.partsInToolResults) why = 'it does not accept images or files in tool results';
      else if (part.url !== undefined && !(part.type === 'image' ? caps.imageUrls : caps.fileUrls)) why = `it accepts ${part.type === 'image' ? 'images' : 'files'} only as inline data, not by url`;
      if (why) {
        const source = message.role === 'tool' ? `tool result of "${message.name}"` : message.role;
        let hint: string | undefined;
        try {
          hint = message.role === 'tool' ? hintFor?.(message.name) : undefined;
        } catch {
          hint = undefined;
        }
        return new AgentrtError('unsupported_content', `message ${m} (${source}) part ${p}: ${describePart(part)} cannot be sent to ${model.provider}:${model.model}: ${why}${typeof hint === 'string' && hint ? `. ${hint}` : ''}`, {
          details: { messageIndex: m, partIndex: p, partType: part.type, mediaType: part.mediaType, provider: model.provider, model: model.model },
        });
      }
    }
  }
  return undefined;
}

/**
 * The rule for tool return values: a non-empty array whose every element is shaped like a
 * content part — `{ type: 'text', text: string }`, or `{ type: 'image' | 'file', mediaType: string }`
 * with a `data` or `url` field — is returned as parts (then checked like input: a malformed part
 * becomes a `content_invalid` / `content_too_large` error result). Any other value is JSON.
 */
export function isContentPartArray(value: unknown): value is ContentPart[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
    const part = item as Record<string, unknown>;
    if (part.type === 'text') {
      if (typeof part.text !== 'string') return false;
    } else if (part.type === 'image' || part.type === 'file') {
      if (typeof part.mediaType !== 'string' || (part.data === undefined && part.url === undefined)) return false;
    } else return false;
  }
  return true;
}

/**
 * The bytes of a `text/*` part in UTF-8: a `charset` parameter other than UTF-8 is honoured here
 * (the bytes are decoded with it — a byte order mark first — and re-encoded), since the part then
 * keeps only the essence of its media type and every adapter reads text parts as UTF-8.
 */
function utf8Text(data: string, mediaType: string): string {
  return reencoded(data, parseMediaType(mediaType))?.toString('base64') ?? data;
}

/**
 * The UTF-8 bytes of a `text/*` part's base64 data under its `charset` parameter, or undefined
 * when the data is sent as it is (no charset, not text, or UTF-8 — a UTF-8 byte order mark kept).
 * A byte order mark decides the encoding before the label does (as browsers decode: UTF-16BE
 * bytes with their BOM under `charset=utf-16`, or UTF-8 with its BOM under `charset=iso-8859-1`).
 */
function reencoded(data: string, parsed: ParsedMediaType | undefined): Buffer | undefined {
  const decoder = parsed ? charsetDecoder(parsed) : undefined;
  if (!decoder) return undefined;
  const bom = bomEncoding(Buffer.from(data.slice(0, 4), 'base64'));
  const encoding = bom ?? decoder.encoding;
  if (encoding === 'utf-8' && decoder.encoding === 'utf-8') return undefined;
  const bytes = Buffer.from(data, 'base64');
  return Buffer.from(encoding === decoder.encoding ? decodeText(decoder, bytes) : new TextDecoder(encoding).decode(bytes), 'utf8');
}

/**
 * A copy of content that passed `checkContent`, keeping only the known fields of each part and
 * media types as `canonicalMediaType` gives them (the essence, lower case; `image/jpg` → `image/jpeg`);
 * a `text/*` part with a `charset` parameter other than UTF-8 has its bytes re-encoded as UTF-8. A string is returned as is.
 */
export function normalizeContent(content: MessageContent): MessageContent {
  if (typeof content === 'string') return content;
  return content.map((part): ContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const source = part.data !== undefined ? { data: utf8Text(part.data, part.mediaType) } : { url: part.url! };
    const mediaType = canonicalMediaType(part.mediaType);
    if (part.type === 'image') return { type: 'image', mediaType, ...source };
    return { type: 'file', mediaType, ...source, ...(part.filename !== undefined ? { filename: part.filename } : {}) };
  });
}
