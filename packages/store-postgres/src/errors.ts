import { StoreError } from '@agentrt/core';

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * True for failures where the connection, not the statement, failed: the server closed it
 * (terminated backend, shutdown, restart), it could not be opened, or it broke mid-flight.
 * Whether a write sent on it landed is unknown; the store re-sends such writes, each of which
 * recognises its own earlier landing.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (code.startsWith('08')) return true; // connection_exception class
  if (code === '57P01' || code === '57P02' || code === '57P03') return true; // admin/crash shutdown, cannot connect now
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|Query read timeout/i.test(messageOf(error));
}

/** Serialization failures and deadlocks: the transaction was rolled back whole and may simply be re-run. */
export function isTransientConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40001' || code === '40P01';
}

/**
 * Maps driver and server errors to typed store errors. The raw driver error is kept as
 * `cause` and never thrown as is.
 */
export function translate(error: unknown, operation: string): StoreError {
  if (StoreError.isInstance(error)) return error as StoreError;
  const code = codeOf(error);
  const detail = `${operation} failed (${code || (error instanceof Error ? error.name : 'error')})`;
  const message = messageOf(error);
  if (code === '57014') {
    return new StoreError('store_unavailable', `${detail}: the statement timed out or was cancelled on the server; nothing of it was written`, { cause: error, retryable: true });
  }
  if (code === '55P03' || isTransientConflict(error)) {
    return new StoreError('store_busy', `${detail}: lock contention in PostgreSQL (${message}); nothing of it was written`, { cause: error, retryable: true });
  }
  if (code === 'XX001' || code === 'XX002') return new StoreError('state_corrupt', `${detail}: PostgreSQL reports damaged data (${message})`, { cause: error });
  if (code === '42P01' || code === '42703') {
    return new StoreError('state_corrupt', `${detail}: an agentrt table or column is missing (${message}); the schema was changed outside agentrt`, { cause: error });
  }
  if (code.startsWith('28') || code === '3D000' || code === '42501') {
    return new StoreError('store_unavailable', `${detail}: ${message} (check the connection settings and privileges)`, { cause: error });
  }
  if (/Query read timeout/i.test(message)) {
    // node-postgres' `query_timeout`: the client stopped waiting, the server was not told. The
    // statement may still be running (waiting on a lock, a stalled network, a busy server) and commit later.
    return new StoreError(
      'store_unavailable',
      `${detail}: no answer from PostgreSQL within the client's query timeout; the statement may still be running on the server and commit later (outcome unknown: read the run back — resume does — before assuming it was not written)`,
      { cause: error, retryable: true },
    );
  }
  if (isConnectionFailure(error)) {
    return new StoreError('store_unavailable', `${detail}: the connection to PostgreSQL failed (${message}); the run stays resumable from its last committed step`, { cause: error, retryable: true });
  }
  return new StoreError('store_unavailable', `${detail}: ${message}`, { cause: error, retryable: true });
}
