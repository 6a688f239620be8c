import { z } from 'zod';
import { ModelError, type ModelErrorCode } from '../errors/model-error.js';
import { parseOptions } from '../limits.js';
import { delay } from '../util/abort.js';
import { timerMs } from '../util/time.js';
import { Redactor } from '../governance/redactor.js';
import { redactedHead } from '../loop/tool-output.js';

/** The one retry layer adapters apply (with their SDK's own retries switched off). */
export interface RetryPolicy {
  /** Total attempts including the first. Default 3. */
  readonly maxAttempts?: number;
  /** First backoff delay; doubles per attempt, full jitter. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Cap of one backoff delay. Default 8 000 ms. */
  readonly maxDelayMs?: number;
  /** A `Retry-After` longer than this is capped to it. Default 60 000 ms. */
  readonly maxRetryAfterMs?: number;
}

/** What a retry looked like (for the `model_retry` audit event). */
export interface ModelRetryInfo {
  readonly attempt: number;
  readonly code: ModelErrorCode;
  readonly status?: number;
  readonly delayMs: number;
}

const policySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(20).optional(),
  baseDelayMs: z.number().min(0).max(600_000).optional(),
  maxDelayMs: z.number().min(0).max(600_000).optional(),
  maxRetryAfterMs: z.number().min(0).max(3_600_000).optional(),
});

/** Validates a retry policy (field `retry.<name>`) and applies defaults. */
export function resolveRetryPolicy(policy: RetryPolicy | undefined): Required<RetryPolicy> {
  const parsed = parseOptions(policySchema, policy ?? {}, 'retry');
  return { maxAttempts: parsed.maxAttempts ?? 3, baseDelayMs: parsed.baseDelayMs ?? 500, maxDelayMs: parsed.maxDelayMs ?? 8_000, maxRetryAfterMs: parsed.maxRetryAfterMs ?? 60_000 };
}

/** Reads a header from a `Headers` object or a plain record, case-insensitively. */
function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  return undefined;
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three HTTP-date forms of RFC 9110 §5.6.7 (IMF-fixdate, RFC 850, asctime); nothing else is a date. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);
/** A non-negative decimal number of seconds or milliseconds (no sign, exponent, hex or blank). */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** An HTTP date as epoch milliseconds, or NaN for anything that is not one of its three forms. */
function httpDate(value: string): number {
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) return Date.parse(value);
  // asctime carries no zone but is GMT by definition (Date.parse would read it as local time).
  if (ASCTIME.test(value)) return Date.parse(`${value.replace(/ {2}/, ' ')} GMT`);
  return Number.NaN;
}

/**
 * Milliseconds to wait from `retry-after-ms`, or `retry-after` as seconds or an HTTP date.
 * Anything else — a negative or signed number, an exponent, hex, a loose date string that
 * `Date.parse` would accept (`"-5"`, `"1 2"`), an HTTP date already past (a server whose clock
 * is behind must not make every client retry at once) — gives undefined, and the caller falls
 * back to backoff. Never throws; never negative.
 */
export function parseRetryAfter(headers: unknown, now = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms')?.trim();
  if (ms !== undefined && DECIMAL.test(ms)) return Number(ms);
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (DECIMAL.test(value)) return Number(value) * 1000;
  const date = httpDate(value);
  return Number.isNaN(date) || date <= now ? undefined : date - now;
}

/** Maps an HTTP status (and the provider's message) to a typed model error code; a status below 400 (an unreadable success) is `model_unavailable`. */
export function modelErrorCodeForStatus(status: number, message = ''): ModelErrorCode {
  // A success status with an error means the body could not be read (an HTML page, cut JSON):
  // the provider did not refuse the request, so it is never `model_bad_request`.
  if (status < 400) return 'model_unavailable';
  // The statuses that say what happened come first: a 429 whose text mentions tokens ("too many
  // tokens per minute") is a rate limit to wait out, not a context overflow to give up on.
  if (status === 401 || status === 403) return 'model_auth';
  if (status === 408) return 'model_timeout';
  if (status === 429) return 'model_rate_limited';
  if (status === 409 || status >= 500) return 'model_unavailable';
  if (status === 413) return 'context_overflow';
  if (/context[ _-]?(length|window)|too many tokens|prompt is too long|maximum context|exceeds? the (model'?s? )?(context|maximum)/i.test(message)) return 'context_overflow';
  return 'model_bad_request';
}

/** Codes worth another attempt (408, 409, 429, 5xx, timeouts, connection failures). */
export function isRetryableModelCode(code: ModelErrorCode): boolean {
  return code === 'model_rate_limited' || code === 'model_unavailable' || code === 'model_timeout';
}

/** The built-in detectors (no registered secrets), for cuts made before the runtime's redactor sees the text. */
let builtIn: Redactor | undefined;

/**
 * Builds the typed error for an HTTP failure. `retryAfterMs` is kept in `details` for the retry loop.
 */
export function modelHttpError(input: { status: number; message: string; headers?: unknown; provider: string; cause?: unknown }): ModelError {
  const code = modelErrorCodeForStatus(input.status, input.message);
  const retryAfterMs = parseRetryAfter(input.headers);
  // Cut at 2,000 characters after the built-in detectors ran, so a credential the provider echoes
  // across the cut is never kept in part (the runtime redacts the message again, with its own secrets).
  builtIn ??= new Redactor();
  return new ModelError(code, redactedHead(`${input.provider} answered ${input.status}: ${input.message}`, 2000, builtIn), {
    status: input.status,
    retryable: isRetryableModelCode(code),
    cause: input.cause,
    details: retryAfterMs === undefined ? {} : { retryAfterMs },
  });
}

/** Marks an error as happening after output became visible in a stream: it is never retried. */
export function streamInterrupted(provider: string, cause: unknown): ModelError {
  // A typed cause keeps its details (e.g. `maxResponseBytes` of a response over its bound).
  const details = ModelError.isInstance(cause) ? cause.details : undefined;
  return new ModelError('model_unavailable', `${provider} stream broke after output was received: ${cause instanceof Error ? cause.message : String(cause)}`, {
    cause, retryable: true, details: { ...details, afterVisibleOutput: true },
  });
}

/**
 * Whether a wait of `delayMs` from now ends at or after `deadline` (epoch milliseconds, see
 * `ModelRequest.deadline`). A deadline that is not a number, or NaN, is no deadline; one already
 * past leaves room for no wait at all.
 */
function endsAfter(deadline: number | undefined, delayMs: number): boolean {
  return typeof deadline === 'number' && !Number.isNaN(deadline) && Date.now() + delayMs >= deadline;
}


/**
 * The wait for a `Retry-After`: at least what the provider asked, plus a jitter of up to
 * `min(baseDelayMs, retryAfter / 2)`, so the many calls a 429 storm answered with the same
 * `Retry-After` do not come back in one burst; never more than `maxRetryAfterMs` (a capped wait
 * is spread below the cap instead).
 */
function retryAfterDelay(retryAfterMs: number, policy: Required<RetryPolicy>): number {
  const wait = Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const spread = Math.random() * Math.min(policy.baseDelayMs, wait / 2);
  return retryAfterMs < policy.maxRetryAfterMs ? Math.min(policy.maxRetryAfterMs, wait + spread) : wait - spread;
}

/**
 * Runs a model call with the retry policy: bounded attempts, `Retry-After` honoured (capped, jittered upward),
 * otherwise exponential backoff with full jitter; no retry of non-retryable codes, of a call
 * aborted by the caller, or of a stream that already produced visible output.
 * `call` must throw `ModelError`s (use `modelHttpError`).
 *
 * With a `deadline` (pass `request.deadline`), a wait that would end at or after it is not
 * started: the call fails at once with the error that asked for the wait (e.g. the provider's
 * `model_rate_limited`, still retryable, `details.retryAfterMs` kept and `details.deadlineMs` set),
 * so the run ends with that cause rather than with a timeout while asleep.
 */
export async function withModelRetry<T>(input: {
  policy: Required<RetryPolicy>;
  signal: AbortSignal;
  /** When the caller stops waiting, in epoch milliseconds (`ModelRequest.deadline`). */
  deadline?: number | undefined;
  onRetry?: ((info: ModelRetryInfo) => void) | undefined;
  call: (attempt: number) => Promise<T>;
}): Promise<T> {
  const { policy, signal } = input;
  for (let attempt = 1; ; attempt++) {
    try {
      return await input.call(attempt);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!ModelError.isInstance(error)) throw error;
      const typed = error as ModelError;
      const final = attempt >= policy.maxAttempts || !typed.retryable || typed.details?.afterVisibleOutput === true;
      if (final) throw typed;
      const delayMs = Math.round(typeof typed.details?.retryAfterMs === 'number'
        ? retryAfterDelay(typed.details.retryAfterMs, policy)
        : Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
      if (endsAfter(input.deadline, delayMs)) {
        throw new ModelError(typed.code, `${typed.message} (not retried: a wait of ${delayMs} ms would end after the call's deadline)`, {
          ...(typed.status !== undefined ? { status: typed.status } : {}),
          retryable: typed.retryable,
          cause: typed.cause,
          details: { ...typed.details, deadlineMs: input.deadline },
        });
      }
      input.onRetry?.({ attempt, code: typed.code, ...(typed.status !== undefined ? { status: typed.status } : {}), delayMs });
      await delay(delayMs, signal);
    }
  }
}

/**
 * A signal that aborts with `model_timeout` after `ms` without progress, or when `parent` aborts.
 * `touch()` restarts the clock (call it on every streamed chunk: an idle timeout). Call `clear()` when done.
 */
export function timeoutSignal(parent: AbortSignal, ms: number, provider: string): { signal: AbortSignal; timedOut: () => boolean; touch: () => void; clear: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const fire = () => {
    timedOut = true;
    controller.abort(new ModelError('model_timeout', `${provider} did not answer within ${ms} ms`, { retryable: true }));
  };
  let timer = setTimeout(fire, timerMs(ms));
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    touch: () => {
      if (timedOut || controller.signal.aborted) return;
      clearTimeout(timer);
      timer = setTimeout(fire, timerMs(ms));
    },
    clear: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The first `ModelError` in an error's `cause` chain (at most 8 deep; a throwing getter ends the
 * walk): what an SDK wrapped, e.g. a `limitResponseBytes` failure inside its connection error.
 */
export function modelErrorCause(error: unknown): ModelError | undefined {
  let current = error;
  for (let depth = 0; depth < 8; depth++) {
    try {
      if (typeof current !== 'object' || current === null) return undefined;
      current = (current as { cause?: unknown }).cause;
    } catch {
      return undefined;
    }
    if (ModelError.isInstance(current)) return current as ModelError;
  }
  return undefined;
}

/**
 * Turns whatever a provider SDK threw into a typed `ModelError` (duck-typed: `status` or
 * `status_code`, `headers`, `message`, and the SDKs' connection/timeout/abort error names).
 * `timedOut` tells whether the adapter's own per-call timeout fired.
 */
export function classifyModelFailure(input: { error: unknown; provider: string; timedOut: boolean }): ModelError {
  const { error, provider } = input;
  if (ModelError.isInstance(error)) return error as ModelError;
  // An SDK that wraps what our own fetch wrapper threw (e.g. a response over `maxResponseBytes`
  // inside an `APIConnectionError`): the typed error is the cause, and it wins.
  const typed = modelErrorCause(error);
  if (typed) return typed;
  const e = error as { status?: unknown; status_code?: unknown; headers?: unknown; message?: unknown; name?: unknown; error?: unknown; cause?: unknown } | undefined;
  const name = typeof e?.name === 'string' ? e.name : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (input.timedOut || /Timeout/i.test(name)) {
    return new ModelError('model_timeout', `${provider} did not answer in time`, { retryable: true, cause: error });
  }
  const status = typeof e?.status === 'number' ? e.status : typeof e?.status_code === 'number' ? e.status_code : undefined;
  if (status !== undefined) {
    const detail = typeof e?.error === 'object' && e.error !== null && typeof (e.error as { message?: unknown }).message === 'string'
      ? (e.error as { error?: { message?: string }; message: string }).error?.message ?? (e.error as { message: string }).message
      : message;
    return modelHttpError({ status, message: detail, headers: e?.headers, provider, cause: error });
  }
  return new ModelError('model_unavailable', `${provider} could not be reached: ${message}`, { retryable: true, cause: error });
}

/**
 * One attempt of a model call under the adapter's own timeout (for streams an idle timeout:
 * call `touch()` on every chunk). A caller abort passes through unchanged; any other failure
 * becomes a typed `ModelError` (`model_timeout` when this timeout fired).
 */
export async function modelAttempt<T>(input: {
  signal: AbortSignal;
  timeoutMs: number;
  provider: string;
  run: (attempt: { signal: AbortSignal; touch: () => void }) => Promise<T>;
}): Promise<T> {
  const timer = timeoutSignal(input.signal, input.timeoutMs, input.provider);
  try {
    return await input.run({ signal: timer.signal, touch: timer.touch });
  } catch (error) {
    if (input.signal.aborted) throw input.signal.reason;
    throw classifyModelFailure({ error, provider: input.provider, timedOut: timer.timedOut() });
  } finally {
    timer.clear();
  }
}
