import { ConfigError } from '../errors/config-error.js';
import { ModelError } from '../errors/model-error.js';

/**
 * Default bound of one model response body: 64 MiB. Far above any real answer (a streamed
 * 128k-token OpenAI completion is about 40 MB of SSE), yet finite: a provider or proxy that
 * answers with an endless body cannot exhaust the process's memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * The longest line a streamed body (`text/event-stream`, NDJSON) may carry: 8 MiB, or
 * `maxResponseBytes` when that is smaller. The SDKs' line parsers keep an unfinished line in
 * memory and re-scan it on every chunk (the `ollama` client's costs time quadratic in its length),
 * so a line without an end is refused long before the total bound.
 */
export const MAX_STREAM_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Validates an adapter's `maxResponseBytes` option (default `DEFAULT_MAX_RESPONSE_BYTES`): an
 * integer from 1 024 up to `Number.MAX_SAFE_INTEGER`. Anything else is a `ConfigError` naming `field`.
 */
export function resolveMaxResponseBytes(value: unknown, field = 'maxResponseBytes'): number {
  if (value === undefined) return DEFAULT_MAX_RESPONSE_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1024) {
    throw new ConfigError(field, `must be an integer number of bytes of at least 1024 (default ${DEFAULT_MAX_RESPONSE_BYTES}), got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

/**
 * The error for a response over its bound: `model_unavailable` (the answer could not be read
 * within the bound), retryable like any unreadable answer — and, as always, never retried once a
 * stream produced visible output. `details.maxResponseBytes` carries the bound.
 */
export function responseTooLarge(input: { provider: string; maxBytes: number; line?: boolean }): ModelError {
  const what = input.line
    ? `a stream line longer than ${Math.min(input.maxBytes, MAX_STREAM_LINE_BYTES)} bytes`
    : `a response body larger than maxResponseBytes (${input.maxBytes} bytes)`;
  return new ModelError('model_unavailable', `${input.provider} sent ${what}; the response was cut off unread`, {
    retryable: true,
    details: { maxResponseBytes: input.maxBytes, responseTooLarge: input.line ? 'line' : 'body' },
  });
}

const STREAM_PIECE_BYTES = 4 * 1024;
const STREAMED = /^\s*(?:text\/event-stream|application\/(?:x-)?ndjson|application\/jsonl|application\/x-jsonlines)\s*(?:;|$)/i;
/** Statuses whose response has no body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The index after the last line break (`\n` or `\r`) in a chunk, or -1 when it has none. */
function afterLastBreak(chunk: Uint8Array): number {
  const at = Math.max(chunk.lastIndexOf(10), chunk.lastIndexOf(13));
  return at < 0 ? -1 : at + 1;
}

/**
 * A response whose body is counted as it is read: past `maxBytes` (decoded bytes, so a
 * compressed bomb counts at its real size), or, for a streamed content type, past a line of
 * `MAX_STREAM_LINE_BYTES` without a break, the body errors with `responseTooLarge` and the
 * underlying connection is cancelled. A `Content-Length` above the bound (on an uncompressed body)
 * fails at the first read, without reading; a smaller one is not trusted, the bytes are counted.
 */
export function limitResponse(response: Response, input: { maxBytes: number; provider: string }): Response {
  const source = response.body;
  if (!source || NULL_BODY.has(response.status)) return response;
  const maxBytes = input.maxBytes;
  const contentType = response.headers.get('content-type') ?? '';
  const maxLine = STREAMED.test(contentType) ? Math.min(maxBytes, MAX_STREAM_LINE_BYTES) : Infinity;
  const declared = response.headers.get('content-encoding') ? undefined : response.headers.get('content-length');
  const tooLong = declared !== null && declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes;
  const reader = source.getReader();
  let total = 0;
  let line = 0;
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: ModelError) => {
    controller.error(error);
    // Closes the connection: the provider may keep sending, nobody reads it any more.
    reader.cancel(error).catch(() => undefined);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (tooLong) return fail(controller, responseTooLarge({ provider: input.provider, maxBytes }));
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        controller.error(error);
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      const chunk = next.value;
      total += chunk.byteLength;
      if (total > maxBytes) return fail(controller, responseTooLarge({ provider: input.provider, maxBytes }));
      if (maxLine === Infinity) return controller.enqueue(chunk);
      const after = afterLastBreak(chunk);
      line = after < 0 ? line + chunk.byteLength : chunk.byteLength - after;
      if (line > maxLine) return fail(controller, responseTooLarge({ provider: input.provider, maxBytes, line: true }));
      // A chunk with line breaks goes on in pieces of at most STREAM_PIECE_BYTES (views, not
      // copies): the SDKs' SSE readers copy the rest of a chunk once per event in it, which costs
      // time quadratic in the chunk's size when a server packs thousands of tiny events into one.
      // A chunk without a break (a long line) goes on whole: those readers copy the unfinished
      // line once per chunk, so smaller pieces would cost more there.
      if (after < 0 || chunk.byteLength <= STREAM_PIECE_BYTES) return controller.enqueue(chunk);
      for (let at = 0; at < chunk.byteLength; at += STREAM_PIECE_BYTES) controller.enqueue(chunk.subarray(at, at + STREAM_PIECE_BYTES));
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  const limited = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  // Kept for SDK logs and error messages (a constructed Response has an empty url).
  Object.defineProperty(limited, 'url', { value: response.url });
  return limited;
}

/**
 * Wraps a `fetch` so that every response body is bounded (see `limitResponse`). The three SDK
 * adapters install it themselves (`maxResponseBytes`); for an AI SDK provider package, pass it as
 * the provider's `fetch`, since `AiSdkModel` cannot reach the package's HTTP client.
 *
 * @example
 * ```ts
 * const openai = createOpenAI({ fetch: limitResponseBytes(fetch, { maxBytes: 16 * 1024 * 1024, provider: 'openai' }) });
 * ```
 */
export function limitResponseBytes(fetchImpl: typeof fetch, input: { maxBytes: number; provider: string }): typeof fetch {
  const maxBytes = resolveMaxResponseBytes(input?.maxBytes, 'maxBytes');
  const provider = typeof input.provider === 'string' && input.provider ? input.provider : 'the model provider';
  return (async (resource: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => limitResponse(await fetchImpl(resource, init), { maxBytes, provider })) as typeof fetch;
}
