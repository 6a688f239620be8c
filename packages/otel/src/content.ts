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

/** Default bound of one captured content attribute, in characters of its JSON text (`maxContentTotalChars`). */
export const DEFAULT_MAX_CONTENT_TOTAL_CHARS = 262_144;

/** Part type of the marker that stands for the messages left out of a captured transcript. */
export const TRUNCATED_PART = 'agentrt.truncated';

/** Room kept for the marker message when messages are left out (its JSON is far shorter). */
const MARKER_RESERVE = 300;

/**
 * Serializes captured content for a span attribute: redacted by the runtime's redactor, every
 * string longer than `maxChars` cut (JSON structure kept), then JSON text of at most
 * `maxTotalChars` characters:
 * - a list (a transcript) keeps its first element and as many of its last elements as fit; the
 *   ones left out are replaced by one marker message whose part has type `agentrt.truncated`
 *   (`omitted_messages`, `max_total_chars`). Only kept elements are redacted and serialized, so
 *   a 10 000-message history costs what fits, not the whole history;
 * - any other value over the bound becomes `{"agentrt.truncated": {…}, "preview": "<the JSON text, cut>"}`.
 * The result is always valid JSON.
 */
export function captured(value: unknown, redactor: Redactor, maxChars: number, maxTotalChars = DEFAULT_MAX_CONTENT_TOTAL_CHARS): string {
  const one = (item: unknown) => JSON.stringify(truncateStrings(redactor.value(item), maxChars)) ?? 'null';
  if (Array.isArray(value)) return capturedList(value, one, maxTotalChars);
  const text = one(value);
  return text.length <= maxTotalChars ? text : preview(text, maxTotalChars);
}

function capturedList(list: readonly unknown[], one: (item: unknown) => string, maxTotalChars: number): string {
  const kept: string[] = [];
  let used = 2; // the brackets
  let last = list.length - 1;
  // From the end: the latest messages are the ones a reader of a long run's span needs.
  for (; last >= 0; last--) {
    const text = one(list[last]);
    const length = text.length + (kept.length > 0 ? 1 : 0);
    if (used + length > maxTotalChars) break;
    kept.push(text);
    used += length;
  }
  if (last < 0) return `[${kept.reverse().join(',')}]`;
  // Something is left out. The first element (the system prompt, the task) stays when it takes at
  // most half the bound; room is made for it and the marker by leaving out the oldest kept ones.
  let head: string | undefined;
  if (last > 0) {
    const first = one(list[0]);
    if (first.length + 1 <= maxTotalChars / 2) head = first;
  }
  const needed = 1 + MARKER_RESERVE + (head === undefined ? 0 : head.length + 1);
  while (kept.length > 0 && used + needed > maxTotalChars) {
    used -= kept.pop()!.length + (kept.length > 0 ? 1 : 0);
    last++;
  }
  // Elements 0..last are left out (1..last when the first stays).
  const omitted = head === undefined ? last + 1 : last;
  const marker = JSON.stringify({
    role: 'system',
    parts: [{ type: TRUNCATED_PART, content: `[${omitted} of ${list.length} messages left out: captured content is capped at ${maxTotalChars} characters]`, omitted_messages: omitted, max_total_chars: maxTotalChars }],
  });
  const items = [...(head === undefined ? [] : [head]), marker, ...kept.reverse()];
  return `[${items.join(',')}]`;
}

/** An object holding the start of `text` as a string, its JSON at most `maxTotalChars` long. */
function preview(text: string, maxTotalChars: number): string {
  const wrap = (cut: string) => JSON.stringify({ [TRUNCATED_PART]: { chars: text.length, max_total_chars: maxTotalChars }, preview: cut });
  let keep = Math.max(0, maxTotalChars - MARKER_RESERVE);
  let out = wrap(text.slice(0, keep));
  // Escaping (quotes, backslashes, controls) can lengthen the preview: cut until it fits.
  while (out.length > maxTotalChars && keep > 0) {
    keep = Math.max(0, keep - (out.length - maxTotalChars) - 16);
    out = wrap(text.slice(0, keep));
  }
  return out;
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
