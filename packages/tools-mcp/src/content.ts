import { AgentrtError, base64Bytes, checkContent, type ContentPart } from '@agentrt/core';

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

/** Media bytes: base64 as servers send it (line breaks tolerated), as a part of the right kind. */
function mediaPart(data: string, mediaType: string, filename?: string): ContentPart {
  const clean = data.replace(/\s+/g, '');
  const type = mediaType.toLowerCase();
  if (type.startsWith('image/')) return { type: 'image', mediaType: type, data: clean };
  return { type: 'file', mediaType: type, data: clean, ...(filename ? { filename } : {}) };
}

/** One resource's contents (embedded in a result, or read with `resources/read`) as parts: text with its URI, or the URI plus an image/file part. */
export function resourceParts(raw: unknown, options: MapOptions): ContentPart[] {
  const resource = record(raw);
  const uri = resource && typeof resource.uri === 'string' ? resource.uri : undefined;
  if (!resource || uri === undefined) throw invalid(options, 'a resource without a uri');
  const mimeType = optionalString(resource.mimeType);
  const label = `[resource ${uri}${mimeType ? ` (${mimeType})` : ''}]`;
  if (typeof resource.text === 'string') return [{ type: 'text', text: `${label}\n${resource.text}` }];
  if (typeof resource.blob === 'string') {
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
      const name = optionalString(block.title) ?? optionalString(block.name) ?? block.uri;
      const mimeType = optionalString(block.mimeType);
      const description = optionalString(block.description);
      return [{ type: 'text', text: `[resource link] ${name}: ${block.uri}${mimeType ? ` (${mimeType})` : ''}${description ? ` — ${description}` : ''}` }];
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

/** Checks parts with core's rules (media types, canonical base64, size); a bad part is a typed error. */
export function checkParts(parts: readonly ContentPart[], options: MapOptions): void {
  const problem = checkContent(parts, { where: 'content', maxPartBytes: options.maxPartBytes });
  if (problem) throw new AgentrtError(problem.code, `${options.where} returned unusable content: ${problem.message}`, { ...(problem.details ? { details: problem.details } : {}) });
}

/**
 * The parts as the model gets them: with `media: 'text'` each image or file part becomes a text
 * note (`[image image/png, 120 bytes, not shown]`); then all-text content is joined into one
 * string (what text-only tools returned before), anything else stays parts.
 */
export function simplify(parts: readonly ContentPart[], media: 'parts' | 'text' = 'parts'): string | ContentPart[] {
  const shown = media === 'text' ? parts.map((part): ContentPart => (part.type === 'text' ? part : { type: 'text', text: mediaNote(part) })) : parts;
  return shown.every((part) => part.type === 'text') ? shown.map((part) => (part as { text: string }).text).join('\n') : [...shown];
}

function mediaNote(part: Exclude<ContentPart, { type: 'text' }>): string {
  const name = part.type === 'file' && part.filename ? ` "${part.filename}"` : '';
  const size = part.data !== undefined ? `${base64Bytes(part.data)} bytes` : `at ${part.url}`;
  return `[${part.type} ${part.mediaType}${name}, ${size}, not shown]`;
}

/**
 * Maps a `tools/call` result to what an agentrt tool returns: a string when every part is text,
 * otherwise `ContentPart[]`.
 * - `isError` → `mcp_tool_error` carrying the result's text.
 * - With an `outputSchema` (`validate`), `structuredContent` must be present and match it, or
 *   the call fails with `mcp_output_invalid`.
 * - `structuredContent` becomes a JSON text part when the result has no other content (a server
 *   that follows the spec also puts the JSON in a text block; it is not repeated).
 * - Image and file parts are checked with core's `checkContent` (media type, base64, size):
 *   `content_invalid` / `content_too_large` otherwise.
 */
export function mapToolResult(result: RawToolResult, options: MapOptions & { validate?: OutputValidator }): string | ContentPart[] {
  if (result.isError === true) {
    const text = errorText(result.content);
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
  checkParts(parts, options);
  return simplify(parts, options.media);
}
