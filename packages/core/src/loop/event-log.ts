import type { RunEvent, RunEventInput, StoredRunEvent } from '../events.js';
import type { Redactor } from '../governance/redactor.js';
import { canonicalJson, sha256 } from '../util/canonical-json.js';
import { nowIso } from '../util/time.js';

/** Receives every event as it happens (the `stream()` consumer). */
export type EventListener = (event: RunEvent) => void;

/**
 * Stamps a run's events (time, seq, optional hash chain), redacts them before anyone
 * sees them, and buffers persisted ones until the next store write succeeds.
 */
export class EventLog {
  private seq: number;
  private hash: string | undefined;
  private pending: StoredRunEvent[] = [];

  constructor(
    private readonly runId: string,
    head: { seq: number; hash: string | undefined },
    private readonly redactor: Redactor,
    private readonly hashChain: boolean,
    private listener: EventListener | undefined,
  ) {
    this.seq = head.seq;
    this.hash = head.hash;
  }

  setListener(listener: EventListener | undefined): void {
    this.listener = listener;
  }

  /** Emits and buffers a persisted event. */
  emit(input: RunEventInput): StoredRunEvent {
    const base = this.redactor.value({ ...input, runId: this.runId, at: nowIso(), seq: ++this.seq }) as StoredRunEvent;
    const event = this.hashChain ? ({ ...base, hash: (this.hash = chainHash(this.hash, base)) } as StoredRunEvent) : base;
    this.pending.push(event);
    this.listener?.(event);
    return event;
  }

  /** Emits an event that is not persisted (e.g. streaming text deltas). */
  emitTransient(input: RunEventInput): void {
    if (!this.listener) return;
    this.listener(this.redactor.value({ ...input, runId: this.runId, at: nowIso() }) as RunEvent);
  }

  /** Events waiting for the next write. */
  get unwritten(): readonly StoredRunEvent[] {
    return this.pending;
  }

  /** Call after a successful write of the first `count` unwritten events. */
  markWritten(count: number): void {
    this.pending = this.pending.slice(count);
  }
}

/** Hash of one audit event chained to the previous hash. */
export function chainHash(previous: string | undefined, event: RunEvent): string {
  const { hash: _ignored, ...rest } = event as RunEvent & { hash?: string };
  return sha256(`${previous ?? ''}\n${canonicalJson(rest)}`);
}
