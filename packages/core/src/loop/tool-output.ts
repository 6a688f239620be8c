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
  return text.slice(0, head) + marker + text.slice(text.length - (keep - head));
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
 * Redacts `text` and caps it at `maxChars` (head and tail kept, `tool_output_truncated` marker
 * between) — redacting **before** the cut, so a cut never leaves part of a secret, and redacting
 * only what can be kept (plus a margin), so megabytes of text cost no more than the cap.
 */
export function redactAndCap(text: string, maxChars: number, redactor: TextRedactor | undefined): { readonly text: string; readonly truncated: boolean; readonly originalLength: number } {
  const redact = (input: string) => (redactor ? redactor.text(input) : input);
  const margin = REDACT_MARGIN + (redactor?.longestSecret ?? 0);
  if (text.length <= maxChars + 2 * margin) {
    const redacted = redact(text);
    return redacted.length <= maxChars ? { text: redacted, truncated: false, originalLength: text.length } : { text: truncateMiddle(redacted, maxChars), truncated: true, originalLength: text.length };
  }
  const marker = markerFor(text.length - maxChars, text.length);
  const keep = Math.max(0, maxChars - marker.length);
  const headChars = Math.ceil(keep * 0.6);
  const tailChars = keep - headChars;
  const head = redact(text.slice(0, headChars + margin)).slice(0, headChars);
  const redactedTail = tailChars > 0 ? redact(text.slice(text.length - tailChars - margin)) : '';
  const tail = redactedTail.slice(redactedTail.length - tailChars);
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
          return field.slice(0, head) + markerFor(field.length - limit, field.length) + field.slice(field.length - (limit - head));
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
 * Secret-unaware: redact the result before use (`redactAndCap`).
 */
export function describeThrown(error: unknown, maxChars = 1_000_000): string {
  const bound = (text: string) => (text.length > maxChars ? `${text.slice(0, maxChars)}…` : text);
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
    return text === undefined ? String(error) : bound(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
  }, `[unserializable ${typeof error}]`);
}
