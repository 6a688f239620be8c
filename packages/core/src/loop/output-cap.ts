import type { ContentPart, MessageContent, ToolMessage } from '../messages.js';
import { TRUNCATION_MARKER, truncateMiddle } from './tool-output.js';

/**
 * Caps the text of tool-message content at `maxChars` (head and tail kept, with a
 * `tool_output_truncated` marker). Text parts of multi-part content share the budget in
 * proportion to their length; image and file parts are left to the content-size checks.
 */
export function capContent(content: MessageContent, maxChars: number): { content: MessageContent; truncated: boolean } {
  if (typeof content === 'string') return content.length > maxChars ? { content: truncateMiddle(content, maxChars), truncated: true } : { content, truncated: false };
  if (!Array.isArray(content)) return { content, truncated: false };
  const total = content.reduce((sum, part) => sum + (part?.type === 'text' && typeof part.text === 'string' ? part.text.length : 0), 0);
  if (total <= maxChars) return { content, truncated: false };
  const capped: ContentPart[] = content.map((part) => {
    if (part?.type !== 'text' || typeof part.text !== 'string') return part;
    const share = Math.max(1, Math.floor((maxChars * part.text.length) / total));
    return part.text.length > share ? { ...part, text: truncateMiddle(part.text, share) } : part;
  });
  return { content: capped, truncated: true };
}

/**
 * Applies `maxToolOutputChars` to any tool result — returned, thrown, a typed tool error, a
 * rejection, a result replaced by an `afterTool` hook, one replayed from the ledger — so no path
 * puts more into the transcript, the ledger or the audit log. An error keeps its code; a
 * successful result that was cut gets `code: 'tool_output_truncated'`.
 */
export function capToolMessage(message: ToolMessage, maxChars: number): ToolMessage {
  // Text within the cap (the common result) is kept as it is, without an outcome object.
  if (typeof message.content === 'string' && message.content.length <= maxChars) return message;
  const { content, truncated } = capContent(message.content, maxChars);
  if (!truncated) return message;
  return { ...message, content, ...(message.isError || message.code ? {} : { code: TRUNCATION_MARKER }) };
}
