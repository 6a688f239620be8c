import { AgentrtError } from '../errors/agentrt-error.js';
import type { ContentPart, Message, MessageContent } from '../messages.js';
import type { ModelAdapter, ModelCapabilities } from '../model.js';

/** Default size limit of one image or file part (decoded bytes). */
export const DEFAULT_MAX_PART_BYTES = 5 * 1024 * 1024;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

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
      if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) {
        return new AgentrtError('content_invalid', `${at}.data: expected standard padded base64 (A–Z, a–z, 0–9, +, /, =)`);
      }
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
    }
    if (part.filename !== undefined && (part.type !== 'file' || typeof part.filename !== 'string' || part.filename.length > 255 || /[\u0000-\u001f]/.test(part.filename))) {
      return new AgentrtError('content_invalid', `${at}.filename: expected a file name of at most 255 characters without control characters`);
    }
  }
  return undefined;
}

/** Capabilities of an adapter that declares none: text only. */
export const TEXT_ONLY: ModelCapabilities = Object.freeze({
  imageTypes: [], fileTypes: [], partsInToolResults: false, imageUrls: false, fileUrls: false, structuredOutput: false, reasoning: false,
});

const describePart = (part: ContentPart) => (part.type === 'text' ? 'text' : `${part.type} (${part.mediaType}${part.url !== undefined ? ', by url' : ''})`);

/**
 * Checks a request's messages against what the model accepts. Returns `unsupported_content`
 * naming the message, the part and the model, or undefined. Run it before the call.
 */
export function checkSupported(messages: readonly Message[], model: Pick<ModelAdapter, 'provider' | 'model' | 'capabilities'>): AgentrtError | undefined {
  const caps = model.capabilities ?? TEXT_ONLY;
  for (const [m, message] of messages.entries()) {
    if (message.role !== 'user' && message.role !== 'tool') continue;
    const content: MessageContent = message.content;
    if (typeof content === 'string') continue;
    for (const [p, part] of content.entries()) {
      if (part.type === 'text') continue;
      const accepted = part.type === 'image' ? caps.imageTypes : caps.fileTypes;
      let why: string | undefined;
      if (!accepted.includes(part.mediaType.toLowerCase())) why = `it accepts ${part.type === 'image' ? 'images' : 'files'} of ${accepted.length ? accepted.join(', ') : 'no type'}`;
      else if (message.role === 'tool' && !caps.partsInToolResults) why = 'it does not accept images or files in tool results';
      else if (part.url !== undefined && !(part.type === 'image' ? caps.imageUrls : caps.fileUrls)) why = `it accepts ${part.type === 'image' ? 'images' : 'files'} only as inline data, not by url`;
      if (why) {
        return new AgentrtError('unsupported_content', `message ${m} (${message.role}) part ${p}: ${describePart(part)} cannot be sent to ${model.provider}:${model.model}: ${why}`, {
          details: { messageIndex: m, partIndex: p, partType: part.type, mediaType: part.mediaType, provider: model.provider, model: model.model },
        });
      }
    }
  }
  return undefined;
}
