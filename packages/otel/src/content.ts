import { digestPart, type ContentPart, type FinishReason, type Message, type MessageContent, type Redactor } from '@agentrt/core';

/** One message part in the conventions' JSON form (`gen-ai-input-messages.json`). */
type OtelPart = Record<string, unknown> & { readonly type: string };

/** One message in the conventions' JSON form. */
export interface OtelMessage {
  readonly role: string;
  readonly parts: readonly OtelPart[];
  readonly finish_reason?: string;
}

/** agentrt finish reasons in the conventions' vocabulary (`tool_calls` → `tool_call`; others as-is). */
export function finishReason(reason: FinishReason | string): string {
  return reason === 'tool_calls' ? 'tool_call' : reason;
}

const modality = (part: Exclude<ContentPart, { type: 'text' }>) => (part.type === 'image' ? 'image' : part.mediaType.startsWith('image/') ? 'image' : part.mediaType.startsWith('audio/') ? 'audio' : part.mediaType.startsWith('video/') ? 'video' : 'document');

/** Content parts: text as text, media by URL as `uri`, inline media as a digest (never its bytes). */
function contentParts(content: MessageContent): OtelPart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  return content.map((part): OtelPart => {
    if (part.type === 'text') return { type: 'text', content: part.text };
    if (part.url !== undefined) return { type: 'uri', modality: modality(part), mime_type: part.mediaType, uri: part.url };
    const digest = digestPart(part);
    return { type: 'agentrt.media_digest', modality: modality(part), mime_type: part.mediaType, sha256: digest.sha256, bytes: digest.bytes };
  });
}

/** A transcript in the conventions' input-messages form. */
export function toOtelMessages(messages: readonly Message[]): OtelMessage[] {
  return messages.map((message): OtelMessage => {
    switch (message.role) {
      case 'system':
        return { role: 'system', parts: [{ type: 'text', content: message.content }] };
      case 'user':
        return { role: 'user', parts: contentParts(message.content) };
      case 'assistant': {
        const parts: OtelPart[] = [];
        for (const reasoning of message.reasoning ?? []) parts.push({ type: 'reasoning', content: reasoning.text });
        if (message.content) parts.push({ type: 'text', content: message.content });
        for (const call of message.toolCalls ?? []) parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.args });
        return { role: 'assistant', parts };
      }
      case 'tool':
        return { role: 'tool', parts: [{ type: 'tool_call_response', id: message.toolCallId, response: typeof message.content === 'string' ? message.content : contentParts(message.content) }] };
      default:
        return { role: String((message as { role?: unknown }).role), parts: [] };
    }
  });
}

/**
 * Serializes captured content for a span attribute: redacted by the runtime's redactor, every
 * string longer than `maxChars` cut (JSON structure kept), then JSON text.
 */
export function captured(value: unknown, redactor: Redactor, maxChars: number): string {
  const redacted = redactor.value(value);
  return JSON.stringify(truncateStrings(redacted, maxChars)) ?? 'null';
}

function truncateStrings(value: unknown, maxChars: number): unknown {
  if (typeof value === 'string') return value.length > maxChars ? `${value.slice(0, maxChars)}…[truncated ${value.length - maxChars} chars]` : value;
  if (Array.isArray(value)) return value.map((item) => truncateStrings(item, maxChars));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: truncateStrings(item, maxChars), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
