import type { StoredRunEvent } from '../events.js';
import { chainHash } from '../loop/event-log.js';

/** Outcome of `verifyAudit`. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly events: number;
  /** Whether every event carried a hash (the chain was on for the whole run). */
  readonly hashChained: boolean;
  /** First problem found: a gap or repeat in `seq`, or a broken hash link. */
  readonly problem?: { readonly seq: number; readonly kind: 'sequence_gap' | 'hash_mismatch' | 'hash_missing'; readonly message: string };
}

/**
 * Verifies an audit log: `seq` must run 1, 2, 3, … with no gap or repeat; when events
 * carry hashes, each must equal sha256(previous hash + canonical event), so an edited,
 * inserted or removed event is detected.
 */
export function verifyAuditEvents(events: readonly StoredRunEvent[]): AuditVerification {
  const hashChained = events.length > 0 && events.every((event) => typeof event.hash === 'string');
  const anyHash = events.some((event) => typeof event.hash === 'string');
  let previous: string | undefined;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.seq !== i + 1) {
      return { ok: false, events: events.length, hashChained, problem: { seq: event.seq, kind: 'sequence_gap', message: `expected seq ${i + 1}, found ${event.seq}` } };
    }
    if (anyHash) {
      if (typeof event.hash !== 'string') {
        return { ok: false, events: events.length, hashChained, problem: { seq: event.seq, kind: 'hash_missing', message: `event ${event.seq} has no hash in a hash-chained log` } };
      }
      const expected = chainHash(previous, event);
      if (expected !== event.hash) {
        return { ok: false, events: events.length, hashChained, problem: { seq: event.seq, kind: 'hash_mismatch', message: `event ${event.seq} does not match its hash: the log was edited, or an event was removed before it` } };
      }
      previous = event.hash;
    }
  }
  return { ok: true, events: events.length, hashChained };
}
