import { AgentrtError, base64Bytes, checkContent, pdfProblem, PROVIDER_IMAGE_TYPES, sniffMediaType, type ContentPart } from '@agentrt/core';
import { jsonDepth, MAX_JSON_DEPTH } from './definitions.js';
import { charsetParameter, charsetText, xmlText } from './xml-text.js';

/** Most parts one mapped result keeps (core's limit for a tool result): adjacent text is joined first, then the rest is cut with a note. */
export const MAX_RESULT_PARTS = 256;
/** Longest URI shown in a text part (a `data:` URI can be megabytes); longer ones are cut with a note of their length. */
export const MAX_URI_CHARS = 2_048;

/** A tool result as the bridge reads it (the SDK's schema is not applied: unknown block types must not fail the call). */
export interface RawToolResult {
  readonly content?: unknown;
  readonly structuredContent?: unknown;
  readonly isError?: unknown;
}

/** Checks a value against a tool's `outputSchema`. */
export type OutputValidator = (value: unknown) => { valid: boolean; errorMessage?: string };

/** Options of the mappings. */
export interface MapOptions {
  /** Where the content came from, for error messages (`MCP tool "x" on "server"`). */
  readonly where: string;
  /** Size limit of one image or file part (decoded bytes). */
  readonly maxPartBytes: number;
  /** `text`: image and file parts become text notes (type, name, size) for models that take no media. Default `parts`. */
  readonly media?: 'parts' | 'text';
}

const invalid = (options: MapOptions, message: string) => new AgentrtError('mcp_output_invalid', `${options.where} returned ${message}`);
const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
const optionalString = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** Last path segment of a resource URI, usable as a file name (≤ 255 characters, no control characters or separators). */
function filenameOf(uri: string): string | undefined {
  let segment = uri.split(/[?#]/)[0]!.split('/').filter(Boolean).at(-1);
  if (!segment) return undefined;
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // keep the raw segment
  }
  const clean = segment.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 255);
  return clean && clean !== '.' && clean !== '..' && !/^[a-z][a-z0-9+.-]*:$/i.test(clean) ? clean : undefined;
}

/** A URI as it may appear in a text part: at most `MAX_URI_CHARS` characters, control characters replaced. */
function shownUri(uri: string): string {
  const clean = uri.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length <= MAX_URI_CHARS ? clean : `${clean.slice(0, MAX_URI_CHARS)}… (${clean.length} characters)`;
}
const shortText = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max)}…`);

/**
 * A media type as parts carry it: its essence, lower case, without parameters or spaces
 * (`IMAGE/SVG+XML; charset=utf-8` → `image/svg+xml`). Parameters say nothing a part needs, and
 * core refuses them; what is left is still checked by core (`type/subtype`).
 */
export function mediaTypeEssence(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

/**
 * The `charset` parameter a server gave with an image part's media type, which the part itself
 * no longer carries (see `mediaTypeEssence`): by RFC 7303 it decides how SVG bytes are decoded,
 * ahead of their XML declaration (`sniffImage`). Keyed by the part object this module made.
 */
const declaredCharsets = new WeakMap<ContentPart, string>();

/** Media bytes: base64 as servers send it (line breaks tolerated), as a part of the right kind. */
function mediaPart(data: string, mediaType: string, filename?: string): ContentPart {
  const clean = data.replace(/\s+/g, '');
  const type = mediaTypeEssence(mediaType);
  if (type.startsWith('image/')) {
    const part: ContentPart = { type: 'image', mediaType: type, data: clean };
    const charset = charsetParameter(mediaType);
    if (charset !== undefined) declaredCharsets.set(part, charset);
    return part;
  }
  return { type: 'file', mediaType: type, data: clean, ...(filename ? { filename } : {}) };
}

/** Media types whose contents are text: `text/*`, JSON, XML, YAML, JavaScript and their `+json`/`+xml`/`+yaml` kin (not SVG: an image, see `sniffImage`). */
const TEXTUAL = /^(text\/[a-z0-9.+-]+|application\/(json|xml|javascript|ecmascript|x-javascript|yaml|x-yaml|toml|x-sh|sql|graphql|x-ndjson|ld\+json|[a-z0-9.-]+\+(json|xml|yaml)))$/;
/** C0 controls other than tab, line feed, form feed and carriage return: such bytes are not text, whatever the label says. */
const NOT_TEXT = /[\u0000-\u0008\u000b\u000e-\u001f]/;

/**
 * A blob of a textual media type as its text: canonical base64 of text in the media type's
 * `charset` (UTF-8 without one; a byte order mark wins and is dropped), at most `maxPartBytes`,
 * without control characters — or undefined (it stays a file part, checked by core as before).
 * Most models take no `text/plain` file part, and every model takes text: a text resource a
 * server sends as a blob is still text.
 */
function blobText(blob: string, mimeType: string, maxPartBytes: number): string | undefined {
  if (!TEXTUAL.test(mediaTypeEssence(mimeType))) return undefined;
  const clean = blob.replace(/\s+/g, '');
  if (clean.length > Math.ceil(maxPartBytes / 3) * 4) return undefined;
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.toString('base64') !== clean) return undefined;
  const text = charsetText(bytes, charsetParameter(mimeType));
  return text === undefined || NOT_TEXT.test(text) ? undefined : text;
}

/**
 * One resource's contents (embedded in a result, or read with `resources/read`) as parts: text
 * with its URI (also a blob of a textual media type that is UTF-8 text), or the URI plus an
 * image/file part.
 */
export function resourceParts(raw: unknown, options: MapOptions): ContentPart[] {
  const resource = record(raw);
  const uri = resource && typeof resource.uri === 'string' ? resource.uri : undefined;
  if (!resource || uri === undefined) throw invalid(options, 'a resource without a uri');
  const mimeType = optionalString(resource.mimeType);
  const label = `[resource ${shownUri(uri)}${mimeType ? ` (${shortText(mimeType, 255)})` : ''}]`;
  if (typeof resource.text === 'string') return [{ type: 'text', text: `${label}\n${resource.text}` }];
  if (typeof resource.blob === 'string') {
    const text = mimeType ? blobText(resource.blob, mimeType, options.maxPartBytes) : undefined;
    if (text !== undefined) return [{ type: 'text', text: `${label}\n${text}` }];
    const filename = filenameOf(uri);
    return [{ type: 'text', text: label }, mediaPart(resource.blob, mimeType ?? 'application/octet-stream', filename)];
  }
  throw invalid(options, `resource ${JSON.stringify(uri)} with neither text nor blob`);
}

/**
 * One MCP content block as content parts: text as text; image as an image part (or a file part
 * when its media type is not `image/*`); audio as a file part with its `audio/*` media type;
 * an embedded resource as text with its URI (text resources) or the URI plus an image/file part
 * (blob resources); a resource link as a text line with its URI, name, media type and description.
 * An unknown block type becomes a short text note rather than failing the call.
 */
export function blockParts(raw: unknown, options: MapOptions): ContentPart[] {
  const block = record(raw);
  if (!block || typeof block.type !== 'string') throw invalid(options, 'a content block without a type');
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw invalid(options, 'a text block without text');
      return [{ type: 'text', text: block.text }];
    case 'image':
    case 'audio': {
      if (typeof block.data !== 'string' || typeof block.mimeType !== 'string') throw invalid(options, `an ${block.type} block without data or mimeType`);
      return [mediaPart(block.data, block.mimeType)];
    }
    case 'resource':
      return resourceParts(block.resource, options);
    case 'resource_link': {
      if (typeof block.uri !== 'string') throw invalid(options, 'a resource link without a uri');
      const name = shortText(optionalString(block.title) ?? optionalString(block.name) ?? shownUri(block.uri), 256);
      const mimeType = optionalString(block.mimeType);
      const description = optionalString(block.description);
      return [{ type: 'text', text: `[resource link] ${name}: ${shownUri(block.uri)}${mimeType ? ` (${shortText(mimeType, 255)})` : ''}${description ? ` — ${shortText(description, 2_000)}` : ''}` }];
    }
    default:
      return [{ type: 'text', text: `[unsupported MCP content type ${JSON.stringify(block.type.slice(0, 40))}]` }];
  }
}

/** Text of a result for an error message: its text blocks, or the other blocks' types. */
function errorText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((block) => {
    const item = record(block);
    return item?.type === 'text' && typeof item.text === 'string' ? item.text : `[${String(item?.type ?? 'malformed')} content]`;
  }).join('\n');
}

/** Media types a raster image may be declared as here: the formats every provider takes (`PROVIDER_IMAGE_TYPES`), and `image/jpg`. */
const SNIFFED = new Set([...PROVIDER_IMAGE_TYPES, 'image/jpg']);
const SVG = 'image/svg+xml';

/** The raster format the bytes are (core's `sniffMediaType`), when it is one every provider takes, or undefined. */
const rasterType = (data: string): string | undefined => {
  const sniffed = sniffMediaType(Buffer.from(data.slice(0, 24), 'base64'));
  return sniffed !== undefined && PROVIDER_IMAGE_TYPES.includes(sniffed) ? sniffed : undefined;
};

/** How far past the prolog (XML declaration, comments, doctype — of any length) an `<svg` element is looked for. */
const SVG_PRESCAN_CHARS = 4_096;

/**
 * The bytes as SVG markup — XML text (decoded as RFC 7303 says: byte order mark, then the media
 * type's `charset` parameter, then the XML declaration's `encoding`, else UTF-8; see `xmlText` —
 * bytes invalid in it, or an unknown encoding, refuse it) that starts with `<` and has an `<svg`
 * element near the start — or undefined.
 */
function svgMarkup(data: string, charset?: string): string | undefined {
  const text = xmlText(Buffer.from(data, 'base64'), charset);
  if (text === undefined) return undefined;
  const start = text.trimStart();
  if (!start.startsWith('<')) return undefined;
  const from = afterProlog(start);
  return /<svg[\s>/]/i.test(start.slice(from, from + SVG_PRESCAN_CHARS)) ? text : undefined;
}

/**
 * Where the first element of XML text starts: after its prolog — XML declaration and processing
 * instructions, comments, a doctype (with its internal subset) and whitespace — of any length (a
 * generated SVG may carry a long licence comment). Linear; an unterminated construct ends the text.
 */
function afterProlog(text: string): number {
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
    const close = text.startsWith('<?', at) ? '?>' : text.startsWith('<!--', at) ? '-->' : /^<!doctype/i.test(text.slice(at, at + 9)) ? '>' : undefined;
    if (close === undefined) return at;
    if (close === '>') {
      // A doctype's internal subset ([…]) may hold '>' (entity and element declarations).
      const end = text.indexOf('>', at);
      if (end === -1) return text.length;
      // Searched only between the doctype's start and that '>': a run of doctypes stays linear.
      const inside = text.slice(at, end).indexOf('[');
      if (inside !== -1) {
        const bracket = at + inside;
        const subsetEnd = text.indexOf(']', bracket);
        if (subsetEnd === -1) return text.length;
        const after = text.indexOf('>', subsetEnd);
        if (after === -1) return text.length;
        at = after + 1;
        continue;
      }
      at = end + 1;
      continue;
    }
    const end = text.indexOf(close, at + 2);
    if (end === -1) return text.length;
    at = end + close.length;
  }
}

/**
 * What an image part becomes, judged by its bytes (a server's media type is a claim):
 * - declared PNG, JPEG, GIF or WebP: must hold one of these — another of them is relabelled with
 *   its real type (providers refuse a mismatch), anything else (SVG markup too) is `content_invalid`;
 * - declared SVG: SVG is markup with active content (scripts, external references) that no
 *   provider takes as an image, so the model gets it as a text part — a label with its size, then
 *   the markup. SVG bytes that are really PNG, JPEG, GIF or WebP are that image (relabelled);
 *   anything else (binary, compressed `svgz`) is `content_invalid`;
 * - any other declared image type that holds SVG markup is `content_invalid` (a lie that would
 *   smuggle SVG past the rule above); otherwise it is passed on as declared.
 */
function sniffImage(part: ContentPart, index: number, options: MapOptions): ContentPart {
  if (part.type !== 'image' || part.data === undefined) return part;
  const refuse = (what: string) => new AgentrtError('content_invalid', `${options.where} returned unusable content: part ${index} is declared ${part.mediaType} but its bytes are ${what}`);
  if (SNIFFED.has(part.mediaType)) {
    const actual = rasterType(part.data);
    if (!actual) throw refuse('not a PNG, JPEG, GIF or WebP image');
    return actual === part.mediaType ? part : { ...part, mediaType: actual };
  }
  if (part.mediaType === SVG) {
    const actual = rasterType(part.data);
    if (actual) return { ...part, mediaType: actual };
    const markup = svgMarkup(part.data, declaredCharsets.get(part));
    if (markup === undefined) throw refuse('neither SVG markup (text in the encoding it declares, UTF-8 by default, with an <svg> element) nor a PNG, JPEG, GIF or WebP image');
    return { type: 'text', text: `[image ${SVG}, ${base64Bytes(part.data)} bytes, shown as its SVG markup: models take PNG, JPEG, GIF and WebP images only]\n${markup}` };
  }
  // Under any charset the server named, or none: SVG smuggled under another image type in either reading is refused.
  const charset = declaredCharsets.get(part);
  if (svgMarkup(part.data) !== undefined || (charset !== undefined && svgMarkup(part.data, charset) !== undefined)) throw refuse(`SVG markup (send SVG as ${SVG})`);
  return part;
}

/**
 * Checks parts with core's rules (media types, canonical base64, size) and that declared
 * images are images; a bad part is a typed error. Returns the parts: mislabelled images
 * relabelled, SVG images as text parts holding their markup (see `sniffImage`).
 */
export function checkParts(parts: readonly ContentPart[], options: MapOptions): ContentPart[] {
  const problem = checkContent(parts, { where: 'content', maxPartBytes: options.maxPartBytes });
  if (problem) throw new AgentrtError(problem.code, `${options.where} returned unusable content: ${problem.message}`, { ...(problem.details ? { details: problem.details } : {}) });
  return parts.map((part, index) => completePdf(sniffImage(part, index, options)));
}

/**
 * A PDF file part as it may reach a provider: only a plausible, complete PDF (core's
 * `pdfProblem`: `%PDF-`, `%%EOF` at the end, pages) stays a file part; anything else declared
 * `application/pdf` (cut short, an error page, junk) becomes a text note — a provider refuses such
 * a part with a 400, and the part would stay in the transcript and fail every later request.
 */
function completePdf(part: ContentPart): ContentPart {
  if (part.type !== 'file' || part.data === undefined || part.mediaType !== 'application/pdf') return part;
  const problem = pdfProblem(Buffer.from(part.data, 'base64'));
  if (problem === undefined) return part;
  const name = part.filename ? ` "${part.filename}"` : '';
  return { type: 'text', text: `[file application/pdf${name}, ${base64Bytes(part.data)} bytes: not a complete PDF (${problem}), not shown]` };
}

/** Past `MAX_RESULT_PARTS` parts: adjacent text parts joined (one line break between them), and if still too many, the rest replaced by a note. */
function compact(parts: readonly ContentPart[]): ContentPart[] {
  if (parts.length <= MAX_RESULT_PARTS) return [...parts];
  const joined: ContentPart[] = [];
  for (const part of parts) {
    const previous = joined.at(-1);
    if (part.type === 'text' && previous?.type === 'text') joined[joined.length - 1] = { type: 'text', text: `${previous.text}\n${part.text}` };
    else joined.push(part);
  }
  if (joined.length <= MAX_RESULT_PARTS) return joined;
  const kept = joined.slice(0, MAX_RESULT_PARTS - 1);
  return [...kept, { type: 'text', text: `[${joined.length - kept.length} more content parts omitted: at most ${MAX_RESULT_PARTS} parts per result]` }];
}

/**
 * The parts as the model gets them: with `media: 'text'` each image or file part becomes a text
 * note (`[image image/png, 120 bytes, not shown]`); then all-text content is joined into one
 * string (what text-only tools returned before), anything else stays parts.
 */
export function simplify(parts: readonly ContentPart[], media: 'parts' | 'text' = 'parts'): string | ContentPart[] {
  const shown = media === 'text' ? parts.map((part): ContentPart => (part.type === 'text' ? part : { type: 'text', text: mediaNote(part) })) : parts;
  return shown.every((part) => part.type === 'text') ? shown.map((part) => (part as { text: string }).text).join('\n') : compact(shown);
}

function mediaNote(part: Exclude<ContentPart, { type: 'text' }>): string {
  const name = part.type === 'file' && part.filename ? ` "${part.filename}"` : '';
  const size = part.data !== undefined ? `${base64Bytes(part.data)} bytes` : `at ${part.url}`;
  return `[${part.type} ${part.mediaType}${name}, ${size}, not shown]`;
}

/**
 * Maps a `tools/call` result to what an agentrt tool returns: a string when every part is text,
 * otherwise `ContentPart[]`.
 * - `isError` → `mcp_tool_error` carrying the result's text; an `isError` that is not a boolean
 *   (`"true"`, `1`) → `mcp_output_invalid` (null is read as absent).
 * - With an `outputSchema` (`validate`), `structuredContent` must be present and match it, or
 *   the call fails with `mcp_output_invalid`.
 * - `structuredContent` becomes a JSON text part when the result has no other content (a server
 *   that follows the spec also puts the JSON in a text block; it is not repeated).
 * - Image and file parts are checked with core's `checkContent` (media type, base64, size):
 *   `content_invalid` / `content_too_large` otherwise.
 */
export function mapToolResult(result: RawToolResult, options: MapOptions & { validate?: OutputValidator }): string | ContentPart[] {
  // Nothing below may recurse into a hostile nesting (JSON.parse accepts any depth; JSON.stringify and validators do not).
  if (jsonDepth(result, MAX_JSON_DEPTH + 4) > MAX_JSON_DEPTH + 4) throw invalid(options, `a result nested more than ${MAX_JSON_DEPTH} levels deep`);
  // The spec's `isError` is a boolean: `"true"` or `1` would otherwise pass a failure off as a result.
  if (result.isError !== undefined && result.isError !== null && typeof result.isError !== 'boolean') throw invalid(options, `isError that is not a boolean (${typeof result.isError})`);
  if (result.isError === true) {
    const text = shortText(errorText(result.content), 8_192);
    throw new AgentrtError('mcp_tool_error', text || `${options.where} reported an error`);
  }
  if (result.content !== undefined && !Array.isArray(result.content)) throw invalid(options, 'content that is not an array');
  const structured = result.structuredContent;
  if (structured !== undefined && !record(structured)) throw invalid(options, 'structuredContent that is not an object');
  if (options.validate) {
    if (structured === undefined) throw invalid(options, 'no structuredContent although the tool declares an outputSchema');
    let verdict: { valid: boolean; errorMessage?: string };
    try {
      verdict = options.validate(structured);
    } catch (error) {
      throw invalid(options, `structuredContent that could not be checked against its outputSchema (${(error as Error).message})`);
    }
    if (!verdict.valid) throw invalid(options, `structuredContent that does not match its outputSchema: ${verdict.errorMessage ?? 'invalid'}`);
  }
  const parts = ((result.content as unknown[] | undefined) ?? []).flatMap((block) => blockParts(block, options));
  if (parts.length === 0 && structured !== undefined) parts.push({ type: 'text', text: JSON.stringify(structured) });
  return simplify(checkParts(parts, options), options.media);
}
