import { ModelError, modelErrorCause, modelHttpError } from '@agentrt/core';

type ErrorLike = { name?: unknown; message?: unknown; statusCode?: unknown; responseHeaders?: unknown; responseBody?: unknown; data?: unknown; isRetryable?: unknown; cause?: unknown };

// Errors the provider packages raise while building a request: the same request fails again.
const REFUSED = new Set(['AI_UnsupportedFunctionalityError', 'AI_InvalidPromptError', 'AI_InvalidArgumentError', 'AI_TooManyEmbeddingValuesForCallError']);
// A response the provider package could not read: another attempt may get a good one.
const BAD_RESPONSE = new Set(['AI_JSONParseError', 'AI_TypeValidationError', 'AI_InvalidResponseDataError', 'AI_EmptyResponseBodyError']);

/** The provider's own error message from an `APICallError` (`data.error.message`, or the message). */
function apiMessage(error: ErrorLike): string {
  const data = error.data as { error?: { message?: unknown }; message?: unknown } | undefined;
  if (typeof data?.error?.message === 'string') return data.error.message;
  if (typeof data?.message === 'string') return data.message;
  return typeof error.message === 'string' ? error.message : 'request failed';
}

/**
 * An error from an AI SDK provider package → agentrt's typed `ModelError` (errors are recognised
 * by their `name`, e.g. `AI_APICallError`, so any copy of `@ai-sdk/provider` works):
 *
 * - `APICallError` with a status → by status like every adapter (429 `model_rate_limited` with
 *   its `Retry-After` / `retry-after-ms`, 5xx and 409 `model_unavailable`, 408 `model_timeout`,
 *   401/403 `model_auth`, other 4xx `model_bad_request`, a context-length message
 *   `context_overflow`); without a status (connection failure) → `model_unavailable`, retryable;
 * - a request the package refused to build (`UnsupportedFunctionalityError`, `InvalidPromptError`,
 *   `InvalidArgumentError`) → `model_bad_request`, not retried;
 * - a missing API key (`LoadAPIKeyError`, `LoadSettingError`) → `model_auth`, not retried;
 * - a response it could not parse → `model_unavailable`, retryable.
 *
 * Anything else is returned unchanged (core's `modelAttempt` classifies it).
 */
export function fromAiSdkError(error: unknown, label: string): unknown {
  if (typeof error !== 'object' || error === null || ModelError.isInstance(error)) return error;
  // What a `limitResponseBytes` fetch threw, wrapped by the provider package (an `APICallError`
  // "Failed to process successful response" with status 200): the typed cause is the error.
  const typed = modelErrorCause(error);
  if (typed) return typed;
  const e = error as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (name === 'AI_APICallError' || name === 'AI_RetryError') {
    if (typeof e.statusCode === 'number') return modelHttpError({ status: e.statusCode, message: apiMessage(e), headers: e.responseHeaders, provider: label, cause: error });
    return new ModelError('model_unavailable', `${label} could not be reached: ${message}`.slice(0, 2000), { retryable: true, cause: error });
  }
  if (REFUSED.has(name)) return new ModelError('model_bad_request', `${label} refused to build the request: ${message}`.slice(0, 2000), { retryable: false, cause: error, details: { aiSdkError: name } });
  if (name === 'AI_LoadAPIKeyError' || name === 'AI_LoadSettingError') return new ModelError('model_auth', `${label}: ${message}`.slice(0, 2000), { retryable: false, cause: error, details: { aiSdkError: name } });
  if (BAD_RESPONSE.has(name)) return new ModelError('model_unavailable', `${label} sent a response that could not be read: ${message}`.slice(0, 2000), { retryable: true, cause: error, details: { aiSdkError: name } });
  return error;
}

/**
 * An `error` part of a stream → a typed error: an `APICallError` as above; a provider error
 * event (e.g. Anthropic's `overloaded_error`, OpenAI's `server_error` chunk) → `model_unavailable`,
 * retryable (never retried once output was seen).
 */
export function fromStreamError(error: unknown, label: string): unknown {
  const mapped = fromAiSdkError(error, label);
  if (ModelError.isInstance(mapped)) return mapped;
  const body = error as { message?: unknown; type?: unknown; error?: { message?: unknown; type?: unknown } } | undefined;
  const detail = typeof body?.error?.message === 'string' ? body.error.message : typeof body?.message === 'string' ? body.message : JSON.stringify(error) ?? String(error);
  const type = typeof body?.error?.type === 'string' ? body.error.type : typeof body?.type === 'string' ? body.type : undefined;
  return new ModelError('model_unavailable', `${label} stream reported an error${type ? ` (${type})` : ''}: ${detail}`.slice(0, 2000), { retryable: true, cause: error });
}
