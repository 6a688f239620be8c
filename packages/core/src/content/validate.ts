import { AgentrtError } from '../errors/agentrt-error.js';
import type { ContentPart, Message, MessageContent } from '../messages.js';
import type { ModelAdapter, ModelCapabilities } from '../model.js';

/** Default size limit of one image or file part (decoded bytes). */
export const DEFAULT_MAX_PART_BYTES = 5 * 1024 * 1024;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
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
    const mediaType = typeof part.mediaType === 'string' ? part.mediaType.toLowerCase() : undefined;
    if (!mediaType || !MEDIA_TYPE.test(mediaType)) return new AgentrtError('content_invalid', `${at}.mediaType: expected a media type such as "image/png", got ${JSON.stringify(part.mediaType)}`);
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

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The raster image type (`image/png`, `image/jpeg`, `image/gif`, `image/webp`) that base64 data's
 * first bytes identify, or undefined. For adapters whose provider checks the declared media type
 * against the bytes (Anthropic answers 400 "Image does not match the provided media type"): send
 * what the bytes are rather than what a tool called them.
 */
export function sniffImageType(data: string): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | undefined {
  const head = Buffer.from(data.slice(0, 24), 'base64');
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  const ascii = head.toString('latin1');
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'image/gif';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
/** Header bytes read to find an image's size (JPEG size markers may follow large metadata). */
const HEADER_BYTES = 64 * 1024;

/**
 * Width and height of a PNG, JPEG, GIF or WebP image from its header bytes; undefined for
 * other formats or a damaged header. Reads at most the first 64 KiB.
 */
export function imageDimensions(base64: string): { width: number; height: number } | undefined {
  const head = Buffer.from(base64.slice(0, Math.ceil(HEADER_BYTES / 3) * 4), 'base64');
  const u16be = (i: number) => head.readUInt16BE(i);
  try {
    if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.toString('latin1', 12, 16) === 'IHDR') {
      return valid(head.readUInt32BE(16), head.readUInt32BE(20));
    }
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
    if (head.length >= 4 && u16be(0) === 0xffd8) {
      let i = 2;
      while (i + 9 < head.length) {
        if (head[i] !== 0xff) return undefined;
        const marker = head[i + 1]!;
        if (marker === 0xff) {
          i++;
          continue;
        }
        // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return valid(u16be(i + 7), u16be(i + 5));
        if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
          i += 2;
          continue;
        }
        i += 2 + u16be(i + 2);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

const valid = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);

/** Capabilities of an adapter that declares none: text only. */
export const TEXT_ONLY: ModelCapabilities = Object.freeze({
  imageTypes: [], fileTypes: [], partsInToolResults: false, imageUrls: false, fileUrls: false, structuredOutput: false, reasoning: false,
});

/** True when `mediaType` is in `accepted`, which may hold the wildcards `type/*` (any subtype) and `*` (anything). */
export function acceptsMediaType(accepted: readonly string[], mediaType: string): boolean {
  const type = mediaType.toLowerCase();
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
 * A copy of content that passed `checkContent`, keeping only the known fields of each part and
 * lower-casing media types (they are case-insensitive). A string is returned as is.
 */
export function normalizeContent(content: MessageContent): MessageContent {
  if (typeof content === 'string') return content;
  return content.map((part): ContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const source = part.data !== undefined ? { data: part.data } : { url: part.url! };
    const mediaType = part.mediaType.toLowerCase();
    if (part.type === 'image') return { type: 'image', mediaType, ...source };
    return { type: 'file', mediaType, ...source, ...(part.filename !== undefined ? { filename: part.filename } : {}) };
  });
}
