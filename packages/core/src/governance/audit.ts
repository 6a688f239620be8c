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

/** Where the run's record says its log ends: `RunRecord.lastEventSeq` / `lastEventHash` (the chain head). */
export interface AuditHead {
  readonly lastEventSeq: number;
  readonly lastEventHash?: string;
}

/**
 * Verifies an audit log: `seq` must run 1, 2, 3, … with no gap or repeat; when events
 * carry hashes, each must equal sha256(previous hash + canonical event), so an edited,
 * inserted or removed event is detected. A chain alone cannot show that events were removed
 * from its *end*: pass `head` (the run record's `lastEventSeq` and `lastEventHash`, read before
 * the events) and a log that stops short of it, or whose event at that seq has another hash, is a
 * problem too (`sequence_gap` / `hash_mismatch`). Events appended after the head was read are fine.
 * An entry that is not an event object is a `sequence_gap` (never a thrown TypeError).
 */
export function verifyAuditEvents(events: readonly StoredRunEvent[], head?: AuditHead): AuditVerification {
  const isEvent = (event: unknown): event is StoredRunEvent => typeof event === 'object' && event !== null;
  const hashChained = events.length > 0 && events.every((event) => isEvent(event) && typeof event.hash === 'string');
  const anyHash = events.some((event) => isEvent(event) && typeof event.hash === 'string');
  let previous: string | undefined;
  for (let i = 0; i < events.length; i++) {
    const event: unknown = events[i];
    if (!isEvent(event) || event.seq !== i + 1) {
      const found = isEvent(event) ? JSON.stringify(event.seq) ?? 'undefined' : `no event (${event === null ? 'null' : typeof event})`;
      return { ok: false, events: events.length, hashChained, problem: { seq: i + 1, kind: 'sequence_gap', message: `expected seq ${i + 1}, found ${found}` } };
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
  if (head && Number.isSafeInteger(head.lastEventSeq) && head.lastEventSeq > events.length) {
    return { ok: false, events: events.length, hashChained, problem: { seq: events.length + 1, kind: 'sequence_gap', message: `the log ends at seq ${events.length}, but the run recorded ${head.lastEventSeq} events: events were removed from its end` } };
  }
  if (head && typeof head.lastEventHash === 'string' && head.lastEventSeq >= 1) {
    const at = events[head.lastEventSeq - 1]!;
    if (at.hash !== head.lastEventHash) {
      return { ok: false, events: events.length, hashChained, problem: { seq: head.lastEventSeq, kind: 'hash_mismatch', message: `event ${head.lastEventSeq} does not match the chain head the run recorded: the log was replaced or its end rewritten` } };
    }
  }
  return { ok: true, events: events.length, hashChained };
}
