import { bomEncoding, decodeWindows1252 } from '@agentrt/core';
import { TextDecoder } from 'node:util';
import { attributesOf } from './html-text.js';

/** Longest charset label looked up (the longest WHATWG label is 19 characters); longer ones are unknown. */
const MAX_LABEL_CHARS = 40;
/** How far into an HTML or XML body a `<meta charset>` or an XML `encoding` is looked for (the HTML prescan's 1 024 bytes). */
const PRESCAN_BYTES = 1_024;

/** A decoded body and the encoding it was decoded with (a WHATWG encoding name such as `utf-8` or `shift_jis`). */
export interface DecodedBody {
  readonly text: string;
  readonly charset: string;
}

/**
 * The decoder for a charset label, or undefined for a label that is unknown, unsupported or not
 * a plain token. `TextDecoder` resolves labels as browsers do (WHATWG Encoding: `iso-8859-1`,
 * `latin1` and `ascii` are windows-1252, `utf-16` is UTF-16LE) and throws for anything else —
 * including `utf-7` and the `replacement` labels (`iso-2022-kr`, …), which are never honoured.
 */
function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (label === undefined || label.length === 0 || label.length > MAX_LABEL_CHARS || !/^[A-Za-z0-9._:+-]+$/.test(label)) return undefined;
  try {
    return new TextDecoder(label);
  } catch {
    return undefined;
  }
}

/** The `charset` parameter of a Content-Type value (the first one; quotes removed), or undefined. */
export function charsetParameter(contentType: string | undefined): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const value = parameter.slice(equals + 1).trim();
    return value.startsWith('"') ? value.slice(1, value.indexOf('"', 1) === -1 ? undefined : value.indexOf('"', 1)).trim() : value;
  }
  return undefined;
}

const essenceOf = (contentType: string | undefined) => (typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : '');
const isHtml = (essence: string) => essence === 'text/html' || essence === 'application/xhtml+xml';
const isXml = (essence: string) => essence === 'text/xml' || essence === 'application/xml' || essence.endsWith('+xml');


/** The `charset=` inside a meta `content` value (`text/html; charset=shift_jis`). */
const CONTENT_CHARSET = /\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:+-]{1,64})/i;

/**
 * The label the first declaring `<meta>` of an HTML head names, as the HTML prescan reads it:
 * comments are skipped (a commented-out meta declares nothing); a meta declares with a `charset`
 * attribute, or with `http-equiv="Content-Type"` and a `content` naming `charset=` — a `content`
 * that merely mentions "charset=" (a description) declares nothing.
 */
function metaCharset(head: string): string | undefined {
  const text = head.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ');
  for (const tag of text.matchAll(/<meta(?=[\s/>])([^>]*)/gi)) {
    const attributes = attributesOf(tag[0]);
    const charset = attributes.get('charset')?.trim();
    if (charset !== undefined && /^[A-Za-z0-9._:+-]{1,64}$/.test(charset)) return charset;
    if (attributes.get('http-equiv')?.trim().toLowerCase() === 'content-type') {
      const label = CONTENT_CHARSET.exec(attributes.get('content') ?? '')?.[1];
      if (label !== undefined) return label;
    }
  }
  return undefined;
}

/**
 * The label an HTML `<meta charset=…>` / `<meta http-equiv … content="…; charset=…">` or an XML
 * declaration's `encoding="…"` names in the first 1 024 bytes (read as windows-1252, so every byte
 * is one character and nothing can fail). A simplified prescan: the first match wins.
 */
function declaredInBody(bytes: Uint8Array, essence: string): string | undefined {
  const html = isHtml(essence);
  if (!html && !isXml(essence)) return undefined;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PRESCAN_BYTES)).toString('latin1');
  const xmlDeclared = essence === 'text/html' ? undefined : /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:+-]{1,64})["']/i.exec(head)?.[1];
  // XHTML (application/xhtml+xml) is XML: its declaration counts first, then a meta.
  const found = xmlDeclared ?? (html ? metaCharset(head) : undefined);
  if (found === undefined) return undefined;
  // An ASCII-compatible prescan cannot have read a UTF-16 document: HTML says such a meta means UTF-8.
  const decoder = decoderFor(found);
  return decoder && decoder.encoding.startsWith('utf-16') ? 'utf-8' : found;
}

/**
 * Decodes a response body to text with the charset it declares: a byte order mark first (as
 * browsers do), then the Content-Type `charset` parameter, then — for HTML and XML without one —
 * a `<meta charset>` or XML `encoding` in the first 1 024 bytes, else UTF-8. A label that is
 * unknown, unsupported or hostile (`__proto__`, `utf-7`, 10 000 characters) falls back to UTF-8;
 * invalid bytes become U+FFFD; nothing here throws. When the body was cut at the byte cap
 * (`truncated`), a multi-byte character cut in half at the end is dropped rather than shown as
 * replacement characters.
 */
export function decodeBody(bytes: Uint8Array, contentType: string | undefined, truncated: boolean): DecodedBody {
  const bom = bomEncoding(bytes);
  const decoder = (bom ? new TextDecoder(bom) : undefined)
    ?? decoderFor(charsetParameter(contentType))
    ?? decoderFor(declaredInBody(bytes, essenceOf(contentType)))
    ?? new TextDecoder('utf-8');
  // A single-byte encoding: every byte is a character, nothing can be cut in half.
  if (decoder.encoding === 'windows-1252') return { text: decodeWindows1252(bytes), charset: decoder.encoding };
  // stream: true keeps an incomplete sequence at the end back instead of emitting U+FFFD for it.
  return { text: decoder.decode(bytes, { stream: truncated }), charset: decoder.encoding };
}
