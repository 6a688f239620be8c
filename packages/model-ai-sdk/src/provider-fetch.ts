import { DEFAULT_MAX_RESPONSE_BYTES, endStreamAtDone, limitResponseBytes, resolveMaxResponseBytes } from '@agentrt/core';

/** Options of `aiSdkFetch`. */
export interface AiSdkFetchOptions {
  /** Bound of one HTTP response body in bytes (see `limitResponseBytes`). Default `DEFAULT_MAX_RESPONSE_BYTES` (64 MiB). */
  readonly maxResponseBytes?: number;
  /** Named in the error past the bound. Default `'ai-sdk'`. */
  readonly provider?: string;
  /** The `fetch` to wrap. Default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * A `fetch` for an AI SDK provider package (`createOpenAI({ fetch: aiSdkFetch() })`): the adapter
 * cannot reach the package's HTTP client, so this gives it what the native adapters have —
 * every response body bounded by `maxResponseBytes`, and an SSE stream ended (and its connection
 * closed) at `data: [DONE]`. `@ai-sdk/openai` (and the OpenAI-compatible packages) read past
 * `[DONE]` until the server closes the body and only then emit the stream's `finish`, so a server or
 * proxy that keeps the connection open after it held a finished answer until the adapter's idle
 * timeout, which fails it after its output. Other providers' streams pass unchanged.
 */
export function aiSdkFetch(options: AiSdkFetchOptions = {}): typeof fetch {
  const maxBytes = resolveMaxResponseBytes(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  const base = options.fetch ?? ((resource: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => fetch(resource, init));
  return limitResponseBytes(async (resource, init) => endStreamAtDone(await base(resource, init)), { maxBytes, provider: options.provider ?? 'ai-sdk' });
}
