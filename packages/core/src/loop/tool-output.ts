import { checkContent, isContentPartArray, normalizeContent } from '../content/validate.js';
import type { ContentPart, MessageContent } from '../messages.js';

/** Serialized tool output. */
export type OutputOutcome = { readonly ok: true; readonly text: string; readonly truncated: boolean; readonly originalLength: number } | { readonly ok: false; readonly message: string };

/** Marker inserted where output was cut. */
export const TRUNCATION_MARKER = 'tool_output_truncated';

/** Head and tail of an over-long text with a clear marker between them. */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = `\n…[${TRUNCATION_MARKER}: ${text.length - maxChars} of ${text.length} chars omitted]…\n`;
  const keep = Math.max(0, maxChars - marker.length);
  const head = Math.ceil(keep * 0.6);
  return text.slice(0, head) + marker + text.slice(text.length - (keep - head));
}

/**
 * Turns a tool's return value into text for the model: strings as-is, binary as a size note,
 * everything else as JSON. BigInt and cycles cannot be serialized and fail (→ `tool_failed`).
 * Output over `maxChars` keeps its head and tail with a `tool_output_truncated` marker.
 */
export function serializeToolOutput(value: unknown, maxChars: number): OutputOutcome {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) text = '';
  else if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    text = `[binary data: ${value.byteLength} bytes, not shown]`;
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch (error) {
      return { ok: false, message: `tool output could not be serialized to JSON (${(error as Error).message})` };
    }
  }
  const truncated = text.length > maxChars;
  return { ok: true, text: truncated ? truncateMiddle(text, maxChars) : text, truncated, originalLength: text.length };
}

/** A bounded, secret-unaware description of anything thrown (no stack). Redact the result before use. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  if (error === null || error === undefined) return String(error);
  try {
    const text = JSON.stringify(error);
    return text === undefined ? String(error) : text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  } catch {
    return `[unserializable ${typeof error}]`;
  }
}

/** At most this many parts in one tool result. */
export const MAX_TOOL_RESULT_PARTS = 256;

/** A tool's return value as message content. */
export type ToolContentOutcome =
  | { readonly ok: true; readonly content: MessageContent; readonly truncated: boolean }
  | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * Turns a tool's return value into message content: a content-part array (see
 * `isContentPartArray`) stays parts — checked like run input (`content_invalid`,
 * `content_too_large`), its text parts sharing the `maxChars` budget and redacted by `redact`
 * (never the base64 data); anything else is serialized to text as by `serializeToolOutput`.
 */
export function toolOutputContent(value: unknown, options: { maxChars: number; maxPartBytes: number; redact?: (text: string) => string }): ToolContentOutcome {
  try {
    return contentOf(value, options);
  } catch (error) {
    // A hostile value (a throwing getter, a revoked proxy) fails the call, never the run.
    return { ok: false, code: 'tool_failed', message: `tool output could not be read (${describeThrown(error)})` };
  }
}

function contentOf(value: unknown, options: { maxChars: number; maxPartBytes: number; redact?: (text: string) => string }): ToolContentOutcome {
  if (!isContentPartArray(value)) {
    const serialized = serializeToolOutput(value, options.maxChars);
    if (!serialized.ok) return { ok: false, code: 'tool_failed', message: serialized.message };
    return { ok: true, content: options.redact ? options.redact(serialized.text) : serialized.text, truncated: serialized.truncated };
  }
  if (value.length > MAX_TOOL_RESULT_PARTS) return { ok: false, code: 'content_invalid', message: `the tool returned ${value.length} content parts; at most ${MAX_TOOL_RESULT_PARTS} are allowed` };
  const problem = checkContent(value, { where: 'output', maxPartBytes: options.maxPartBytes });
  if (problem) return { ok: false, code: problem.code, message: problem.message };
  const parts = normalizeContent(value) as ContentPart[];
  const lengths = parts.map((part) => (part.type === 'text' ? part.text.length : 0));
  const allowed = shareBudget(lengths, options.maxChars);
  let truncated = false;
  const content = parts.map((part, index): ContentPart => {
    if (part.type !== 'text') return part;
    let text = part.text;
    if (text.length > allowed[index]!) {
      const cut = truncateMiddle(text, allowed[index]!);
      if (cut.length < text.length) {
        text = cut;
        truncated = true;
      }
    }
    if (options.redact) text = options.redact(text);
    return text === part.text ? part : { type: 'text', text };
  });
  return { ok: true, content, truncated };
}

/**
 * Splits a character budget over texts of the given lengths: texts shorter than an even share
 * keep their length, the others split what is left evenly. Sums to at most `budget`.
 */
export function shareBudget(lengths: readonly number[], budget: number): number[] {
  const order = lengths.map((length, index) => ({ length, index })).filter((item) => item.length > 0).sort((a, b) => a.length - b.length);
  const out = lengths.map(() => 0);
  let left = budget;
  order.forEach((item, i) => {
    const share = Math.floor(left / (order.length - i));
    out[item.index] = Math.min(item.length, share);
    left -= out[item.index]!;
  });
  return out;
}
