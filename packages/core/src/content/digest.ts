import { createHash } from 'node:crypto';
import type { ContentPart, MediaDigest, MessageContent, RecordedContent, TextPart } from '../messages.js';

/** sha256 hex of the bytes a base64 string encodes, and their count. */
export function digestBase64(data: string): { sha256: string; bytes: number } {
  const bytes = Buffer.from(data, 'base64');
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
}

/** A media part as events record it: hash and size, never the bytes. */
export function digestPart(part: Exclude<ContentPart, TextPart>): MediaDigest {
  return {
    type: part.type,
    mediaType: part.mediaType,
    ...(part.data !== undefined ? digestBase64(part.data) : {}),
    ...(part.url !== undefined ? { url: part.url } : {}),
    ...(part.type === 'file' && part.filename !== undefined ? { filename: part.filename } : {}),
  };
}

/** Message content as events and the audit log record it (text unchanged, media parts digested). */
export function recordContent(content: MessageContent): RecordedContent {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part : digestPart(part)));
}
