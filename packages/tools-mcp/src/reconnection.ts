import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Shortest wait before the SDK resumes an event stream the server ended (whatever its `retry:` field asks). */
export const MIN_RECONNECT_MS = 1_000;
/** Longest wait before resuming (a `retry:` of an hour must not hold a timer, and the host process, that long). */
export const MAX_RECONNECT_MS = 5_000;
/** Failed resumption attempts in a row before the SDK gives up on a stream (the call then times out). */
export const MAX_RECONNECT_ATTEMPTS = 2;

/** The parts of the SDK's transport (1.32) that resume event streams. */
interface ResumingTransport {
  _scheduleReconnection?: (options: unknown, attemptCount?: number) => void;
  _startOrAuthSse?: (options: unknown) => Promise<void>;
  _serverRetryMs?: unknown;
}

/**
 * Bounds how the SDK's Streamable HTTP transport resumes an event stream the server ended before
 * answering (`GET` with `Last-Event-ID`). The SDK waits as long as the server's `retry:` field
 * says — `retry: 0` on a stream the server ends at once makes it reconnect in a tight loop for as
 * long as the connection lives — and keeps one timer per transport, so with two streams resuming
 * at once `close()` clears only the last: the other (up to the server's `retry:`, an hour if it
 * likes) keeps the host process alive and reconnects after the bridge was closed. Here the wait
 * is clamped to `MIN_RECONNECT_MS`–`MAX_RECONNECT_MS`, every timer is kept and cleared on
 * `close()`, and nothing is resumed once the transport is closed.
 */
export function boundReconnection(transport: StreamableHTTPClientTransport): void {
  const internals = transport as unknown as ResumingTransport;
  const start = internals._startOrAuthSse;
  if (typeof internals._scheduleReconnection !== 'function' || typeof start !== 'function') {
    throw new Error('the MCP SDK\'s StreamableHTTPClientTransport no longer resumes streams through _scheduleReconnection/_startOrAuthSse: update boundReconnection');
  }
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;
  const schedule = (options: unknown, attempt = 0): void => {
    if (closed) return;
    if (attempt >= MAX_RECONNECT_ATTEMPTS) {
      transport.onerror?.(new Error(`Maximum reconnection attempts (${MAX_RECONNECT_ATTEMPTS}) exceeded.`));
      return;
    }
    const asked = internals._serverRetryMs;
    const wanted = typeof asked === 'number' && Number.isFinite(asked) ? asked : MIN_RECONNECT_MS * 2 ** attempt;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      start.call(transport, options).catch((error: unknown) => {
        if (closed) return;
        transport.onerror?.(new Error(`Failed to reconnect SSE stream: ${error instanceof Error ? error.message : String(error)}`));
        schedule(options, attempt + 1);
      });
    }, Math.min(MAX_RECONNECT_MS, Math.max(MIN_RECONNECT_MS, wanted)));
    timers.add(timer);
  };
  internals._scheduleReconnection = schedule;
  const close = transport.close.bind(transport);
  transport.close = async () => {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await close();
  };
}
