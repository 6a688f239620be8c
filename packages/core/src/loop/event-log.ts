import type { RunEvent, RunEventInput, StoredRunEvent } from '../events.js';
import { Redactor } from '../governance/redactor.js';
import { canonicalJson, sha256 } from '../util/canonical-json.js';
import { nowIso } from '../util/time.js';
import { deepFreeze, jsonCopy, markFrozenList } from '../util/json-copy.js';

/** Event types whose fields are all runtime-generated (no model, tool or user text): nothing to redact. */
const RUNTIME_ONLY = new Set<string>(['step_started', 'model_request', 'step_finished']);
/**
 * Event types every caller emits as a fresh literal it never touches again (the hot events of a
 * step that carry model or tool values): redacted in place (`Redactor.eventInPlace`), no top-level copy.
 */
const OWNED_INPUT = new Set<string>(['model_response', 'tool_started', 'tool_finished']);

/**
 * The fields `emit` stamps, which the loop's hot event literals end with as placeholders (`runId:
 * '', at: '', seq: 0`, in that order, after every field of the event): the stamps then fill fields
 * the literal already has, so the event keeps all its fields in the object itself instead of
 * growing a property array as it is stamped (one object fewer per event; the same keys in the same
 * order). Placeholders are never redacted and never reach an event: `emit` overwrites them.
 */
export interface EventSlots {
  runId?: string;
  at?: string;
  seq?: number;
}

/** Receives every event as it happens (the `stream()` consumer). */
export type EventListener = (event: RunEvent) => void;

/** A listener feeding an asynchronous reader (`stream()`), which says whether that reader has caught up. */
export type ConsumerListener = EventListener & { caughtUp?: () => boolean };

/**
 * Stamps a run's events (time, seq, optional hash chain), redacts them before anyone
 * sees them, and buffers persisted ones until the next store write succeeds.
 */
export class EventLog {
  private seq: number;
  private hash: string | undefined;
  /** Deep-frozen events only: marked, so the memory store keeps them without copying. */
  private pending: StoredRunEvent[] = markFrozenList([]);
  /**
   * `pending` was handed to a store write (`unwritten`): it must not change under that write (a
   * store may read it when it writes, after other events were emitted), so the next emit before
   * `markWritten` continues a copy of it.
   */
  private lent = false;

  constructor(
    private readonly runId: string,
    head: { seq: number; hash: string | undefined },
    private readonly redactor: Redactor,
    hashChain: boolean,
    private listener: EventListener | undefined,
    /** Sees every persisted event too (the `onEvent` hooks); never transient ones. */
    private readonly observer?: EventListener,
  ) {
    this.seq = head.seq;
    this.hash = head.hash;
    // A log keeps the mode it began with, whichever runtime appends to it (one resuming or killing
    // the run may be configured otherwise): a chained log is continued, an unchained one stays so.
    this.hashChain = head.seq > 0 ? head.hash !== undefined : hashChain;
  }

  /** Whether this log's events are hash-chained (`audit.hashChain` of the runtime that began it). */
  private readonly hashChain: boolean;

  setListener(listener: EventListener | undefined): void {
    this.listener = listener;
  }

  /**
   * A `stream()` consumer receives this run's events and has not caught up with them yet (it has
   * not finished with the last one it read).
   */
  get consumerBehind(): boolean {
    const caughtUp = (this.listener as ConsumerListener | undefined)?.caughtUp;
    return caughtUp !== undefined && !caughtUp();
  }

  /** Emits and buffers a persisted event, stamped now (or `at`: a `nowIso()` the caller has just read). */
  emit(input: RunEventInput & EventSlots, at?: string): StoredRunEvent {
    // Redaction returns a fresh copy; the stamped fields are runtime-generated and need none,
    // and so do events made only of counters, ids and registered tool names.
    // One walk makes the event: a copy (redacted, unless it is runtime-made) whose nested objects
    // are frozen as they are built; the stamped fields need no redaction.
    const event = RUNTIME_ONLY.has(input.type) ? runtimeEvent(input) : this.redacted(input);
    event.runId = this.runId;
    event.at = at ?? nowIso();
    event.seq = ++this.seq;
    if (this.hashChain) event.hash = this.hash = chainHash(this.hash, event as unknown as StoredRunEvent);
    // Frozen: the object a stream consumer or an onEvent hook receives is the one persisted, so
    // nobody who is handed an event can change (or un-redact) the audit log.
    const stored = Object.freeze(event) as unknown as StoredRunEvent;
    if (this.lent) {
      this.pending = markFrozenList(this.pending.slice());
      this.lent = false;
    }
    this.pending.push(stored);
    this.listener?.(stored);
    this.observer?.(stored);
    return stored;
  }


  /**
   * A redacted copy of `input`, frozen below the top level (a redactor whose `value` was replaced is honoured).
   * The event's `type` is the runtime's own name (one of a fixed set), never data: a user `keys` or
   * `patterns` rule matching `type` or an event type name must not blank or rename it (stream
   * consumers and the audit log read it), so it is kept as given, first.
   */
  private redacted(given: RunEventInput & EventSlots): Record<string, unknown> {
    const redactor = this.redactor;
    const type = given.type;
    if (redactor.value === Redactor.prototype.value && OWNED_INPUT.has(type)) {
      const event = redactor.eventInPlace(given as unknown as Record<string, unknown>);
      if (event !== undefined) {
        event.type = type;
        return event;
      }
    }
    // A copy: the placeholders of the stamped fields (if any) are not part of what is redacted.
    const { type: _type, ...input } = withoutSlots(given) as unknown as Record<string, unknown>;
    if (redactor.value === Redactor.prototype.value) return { type, ...redactor.eventCopy(input) };
    const event: Record<string, unknown> = { type, ...(redactor.value(input) as Record<string, unknown>) };
    for (const key of Object.keys(event)) deepFreeze(event[key]);
    return event;
  }

  /** Emits an event that is not persisted (e.g. streaming text deltas). */
  emitTransient(input: RunEventInput): void {
    if (!this.listener) return;
    const { type, ...rest } = input as unknown as Record<string, unknown>;
    this.listener(deepFreeze({ type, ...(this.redactor.value({ ...rest, runId: this.runId, at: nowIso() }) as Record<string, unknown>) }) as unknown as RunEvent);
  }

  /**
   * Events waiting for the next write, for a store write: the list does not change afterwards
   * (events emitted meanwhile join a copy), so its length is what the write was given.
   */
  get unwritten(): readonly StoredRunEvent[] {
    this.lent = true;
    return this.pending;
  }

  /** Call after a successful write of the first `count` unwritten events (the length of the list that write was given). */
  markWritten(count: number): void {
    this.pending = markFrozenList(this.pending.slice(count));
    this.lent = false;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `input` without the placeholders of the stamped fields (`EventSlots`), for a redacted copy. */
function withoutSlots(input: RunEventInput & EventSlots): RunEventInput {
  if (!hasOwn.call(input, 'runId') && !hasOwn.call(input, 'at') && !hasOwn.call(input, 'seq')) return input;
  const { runId: _runId, at: _at, seq: _seq, ...rest } = input as RunEventInput & Required<EventSlots>;
  return rest as RunEventInput;
}

/**
 * A runtime-made event (counters, ids, registered tool names) ready for stamping: the loop builds
 * these inputs as fresh literals it never touches again, so the input itself becomes the event
 * (nested objects replaced by frozen copies, `undefined` members dropped).
 */
function runtimeEvent(input: RunEventInput): Record<string, unknown> {
  const own = input as unknown as Record<string, unknown>;
  for (const key in own) {
    if (!hasOwn.call(own, key)) continue;
    const value = own[key];
    // Rare (an optional field left undefined): the event keeps no such member.
    if (value === undefined) delete own[key];
    else if (value !== null && typeof value === 'object' && !isFrozenFlatArray(value)) own[key] = frozenCopy(value);
  }
  return own;
}

/** A frozen copy of JSON-shaped data (`deepFreeze(jsonCopy(value))`); a flat object of primitives (usage totals) in one pass. */
function frozenCopy(value: object): unknown {
  if (Array.isArray(value)) return deepFreeze(jsonCopy(value));
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__' || (child !== null && typeof child === 'object')) return deepFreeze(jsonCopy(value));
    if (child !== undefined) out[key] = child;
  }
  return Object.freeze(out);
}

/** A frozen array of primitives (e.g. the advertised tool names): immutable all the way down, so an event may hold it as it is. */
function isFrozenFlatArray(value: object): boolean {
  if (!Array.isArray(value) || !Object.isFrozen(value)) return false;
  const items = value as unknown[];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item !== null && (typeof item === 'object' || typeof item === 'function')) return false;
  }
  return true;
}

/** Hash of one audit event chained to the previous hash. */
export function chainHash(previous: string | undefined, event: RunEvent): string {
  const { hash: _ignored, ...rest } = event as RunEvent & { hash?: string };
  return sha256(`${previous ?? ''}\n${canonicalJson(rest)}`);
}
