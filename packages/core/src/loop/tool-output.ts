import { checkContent, isContentPartArray, normalizeContent } from '../content/validate.js';
import type { ContentPart, MessageContent } from '../messages.js';
import { headOf, tailOf } from '../util/text-cut.js';

/** Serialized tool output. */
export type OutputOutcome = { readonly ok: true; readonly text: string; readonly truncated: boolean; readonly originalLength: number } | { readonly ok: false; readonly message: string };

/** Marker inserted where output was cut. */
export const TRUNCATION_MARKER = 'tool_output_truncated';

const markerFor = (omitted: number, total: number) => `\n…[${TRUNCATION_MARKER}: ${omitted} of ${total} chars omitted]…\n`;

/** Head and tail of an over-long text with a clear marker between them. */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = markerFor(text.length - maxChars, text.length);
  const keep = Math.max(0, maxChars - marker.length);
  const head = Math.ceil(keep * 0.6);
  return headOf(text, head) + marker + tailOf(text, keep - head);
}

/**
 * Text kept beyond each cut before redacting, so that a secret crossing a cut is seen whole
 * (and redacted) rather than shown in part: longer than any credential format or PEM key a
 * redactor recognizes, plus the longest registered secret.
 */
const REDACT_MARGIN = 16_384;

/** Something that redacts text (a `Redactor`). */
export interface TextRedactor {
  text(input: string): string;
  readonly longestSecret?: number;
}

/**
 * Redacts `text` and keeps its first `maxChars` characters, redacting **before** the cut (with the
 * same margin as `redactAndCap`), so a secret crossing the cut is never shown in part.
 */
export function redactedHead(text: string, maxChars: number, redactor: TextRedactor): string {
  const margin = REDACT_MARGIN + (redactor.longestSecret ?? 0);
  const redacted = redactor.text(text.length > maxChars + margin ? text.slice(0, maxChars + margin) : text);
  return redacted.length > maxChars ? headOf(redacted, maxChars) : redacted;
}

/**
 * Redacts `text` and caps it at `maxChars` (head and tail kept, `tool_output_truncated` marker
 * between) — redacting **before** the cut, so a cut never leaves part of a secret, and redacting
 * only what can be kept (plus a margin), so megabytes of text cost no more than the cap.
 */
export function redactAndCap(text: string, maxChars: number, redactor: TextRedactor | undefined): { readonly text: string; readonly truncated: boolean; readonly originalLength: number } {
  const margin = REDACT_MARGIN + (redactor?.longestSecret ?? 0);
  if (text.length <= maxChars + 2 * margin) {
    const redacted = redactor ? redactor.text(text) : text;
    return redacted.length <= maxChars ? { text: redacted, truncated: false, originalLength: text.length } : { text: truncateMiddle(redacted, maxChars), truncated: true, originalLength: text.length };
  }
  const marker = markerFor(text.length - maxChars, text.length);
  const keep = Math.max(0, maxChars - marker.length);
  const headChars = Math.ceil(keep * 0.6);
  const tailChars = keep - headChars;
  const redact = (input: string) => (redactor ? redactor.text(input) : input);
  const head = headOf(redact(text.slice(0, headChars + margin)), headChars);
  const redactedTail = tailChars > 0 ? redact(text.slice(text.length - tailChars - margin)) : '';
  const tail = tailOf(redactedTail, tailChars);
  return { text: head + marker + tail, truncated: true, originalLength: text.length };
}

/** Runs `read` and returns its value, or `fallback` when reading throws (getters, proxies). */
function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Turns a tool's return value into text for the model: strings as-is, binary as a size note,
 * everything else as JSON. BigInt, cycles, throwing getters and proxies cannot be serialized and
 * fail (→ `tool_failed`); this function itself never throws. The text is not cut to `maxChars`
 * here (pass it through `redactAndCap`), but a string inside a JSON value longer than the cap
 * and both redaction margins is cut in its middle while it is serialized (`truncated`), so a
 * 100 MB field is never copied into a 100 MB JSON text only to be cut afterwards.
 */
export function serializeToolOutput(value: unknown, maxChars = Number.POSITIVE_INFINITY): OutputOutcome {
  try {
    let text: string;
    let truncated = false;
    if (typeof value === 'string') text = value;
    else if (value === undefined) text = '';
    // A number, boolean or null holds no string to cut: its JSON without the replacer (a much faster path).
    else if (value === null || typeof value === 'number' || typeof value === 'boolean') text = JSON.stringify(value);
    else if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      text = `[binary data: ${value.byteLength} bytes, not shown]`;
    } else {
      // Cut points stay outside what redactAndCap keeps and redacts (its head, tail and margins).
      const limit = maxChars + 4 * REDACT_MARGIN;
      const replacer = Number.isFinite(limit)
        ? (_key: string, field: unknown) => {
          if (typeof field !== 'string' || field.length <= limit) return field;
          truncated = true;
          const head = Math.ceil(limit * 0.6);
          return headOf(field, head) + markerFor(field.length - limit, field.length) + tailOf(field, limit - head);
        }
        : undefined;
      text = JSON.stringify(value, replacer) ?? String(value);
    }
    return { ok: true, text, truncated, originalLength: text.length };
  } catch (error) {
    return { ok: false, message: `tool output could not be serialized to JSON (${describeThrown(error)})` };
  }
}

/**
 * A description of anything thrown (no stack), bounded by `maxChars` when given. Never throws,
 * whatever was thrown (revoked proxies, throwing getters, objects without a prototype).
 * Redact the result before use (`redactAndCap`); pass the redactor too when the text may be cut,
 * so that the cut is made in redacted text.
 */
export function describeThrown(error: unknown, maxChars = 1_000_000, redactor?: TextRedactor): string {
  // With a redactor, text is redacted before it is cut (a secret crossing a cut is never kept in part).
  const cut = (text: string, max: number) => (text.length <= max ? text : `${redactor ? redactedHead(text, max, redactor) : headOf(text, max)}…`);
  const bound = (text: string) => cut(text, maxChars);
  if (typeof error === 'string') return bound(error);
  if (error === null || error === undefined) return String(error);
  if (typeof error !== 'object' && typeof error !== 'function') return safely(() => String(error), `[${typeof error}]`);
  const isError = safely(() => error instanceof Error, false);
  if (isError) {
    const message = safely(() => (error as Error).message, undefined);
    if (typeof message === 'string' && message !== '') return bound(message);
    const name = safely(() => (error as Error).name, undefined);
    return typeof name === 'string' && name !== '' ? bound(name) : 'Error';
  }
  return safely(() => {
    const text = JSON.stringify(error);
    return text === undefined ? String(error) : bound(cut(text, 1000));
  }, `[unserializable ${typeof error}]`);
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
 * `content_too_large`), its text parts sharing the `maxChars` budget and redacted by `redactor`
 * before they are cut (never the base64 data); anything else is serialized to text as by
 * `serializeToolOutput` and then redacted and capped by `redactAndCap`.
 */
export function toolOutputContent(value: unknown, options: { maxChars: number; maxPartBytes: number; redactor?: TextRedactor | undefined }): ToolContentOutcome {
  try {
    return contentOf(value, options);
  } catch (error) {
    // A hostile value (a throwing getter, a revoked proxy) fails the call, never the run.
    return { ok: false, code: 'tool_failed', message: `tool output could not be read (${describeThrown(error)})` };
  }
}

function contentOf(value: unknown, options: { maxChars: number; maxPartBytes: number; redactor?: TextRedactor | undefined }): ToolContentOutcome {
  // A text, number, boolean, null or nothing (the common answers): its text as `serializeToolOutput`
  // writes it, redacted; within the cap once redacted it is the content, as `redactAndCap` would
  // give it (no outcome objects on the way). Anything longer takes the general path below.
  const primitive = typeof value === 'string' ? value : value === undefined ? '' : value === null || typeof value === 'number' || typeof value === 'boolean' ? JSON.stringify(value) : undefined;
  if (primitive !== undefined && primitive.length <= options.maxChars) {
    const redacted = options.redactor ? options.redactor.text(primitive) : primitive;
    if (redacted.length <= options.maxChars) return { ok: true, content: redacted, truncated: false };
  }
  if (!isContentPartArray(value)) {
    const serialized = serializeToolOutput(value, options.maxChars);
    if (!serialized.ok) return { ok: false, code: 'tool_failed', message: serialized.message };
    // Redacted before it is cut (a cut never shows part of a secret), and only what is kept.
    const capped = redactAndCap(serialized.text, options.maxChars, options.redactor);
    return { ok: true, content: capped.text, truncated: capped.truncated || serialized.truncated };
  }
  if (value.length > MAX_TOOL_RESULT_PARTS) return { ok: false, code: 'content_invalid', message: `the tool returned ${value.length} content parts; at most ${MAX_TOOL_RESULT_PARTS} are allowed` };
  const problem = checkContent(value, { where: 'output', maxPartBytes: options.maxPartBytes });
  if (problem) return { ok: false, code: problem.code, message: problem.message };
  const parts = normalizeContent(value) as ContentPart[];
  const lengths = parts.map((part) => (part.type === 'text' ? part.text.length : 0));
  const allowed = shareBudget(lengths, options.maxChars);
  let truncated = false;
  const content = parts.map((part, index): ContentPart => {
    // A file name is text the tool controls, like its text parts: redacted too (base64 data never is).
    if (part.type === 'file' && part.filename !== undefined && options.redactor) {
      const filename = options.redactor.text(part.filename);
      return filename === part.filename ? part : { ...part, filename };
    }
    if (part.type !== 'text') return part;
    // Redacted before it is cut to its share of the budget, like any other tool text.
    const capped = redactAndCap(part.text, allowed[index]!, options.redactor);
    let text = capped.text;
    if (capped.truncated && text.length >= part.text.length) text = options.redactor ? options.redactor.text(part.text) : part.text; // a marker longer than the text: keep the text
    else if (capped.truncated) truncated = true;
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
