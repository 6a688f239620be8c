import type { StoredRunEvent } from '../events.js';
import { ConfigError } from '../errors/config-error.js';
import { StoreError } from '../errors/store-error.js';
import { addUsage, emptyUsage } from '../messages.js';
import type { RunStatus } from '../result.js';
import { nowIso } from '../util/time.js';
import { isFrozenList, jsonCopy as copy, jsonCopySharing } from '../util/json-copy.js';
import { checkStorable, checkStorableList, MAX_STORED_DEPTH, storableCopy } from './storable-value.js';
import {
  checkLeaseTtl, checkNewRunId, checkStoreEvents, checkStoreId, checkStoreLease, checkStoreObject, checkStoreStatus, checkStoreIndex, checkStoreStep, checkStoreText, checkStoreUsage, checkStoreWrite,
  checkToolCallId, readStoreOptions, readStorePage,
} from './store-input.js';
import {
  KILL_ALL_SCOPE, type KillFlag, type Lease, type NewRunRecord, type RunRecord, type StateStore, type StepRecord,
  type ToolLedgerEntry, type WriteOptions,
} from './state-store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface RunSlot {
  run: RunRecord;
  steps: StepRecord[];
  events: StoredRunEvent[];
  /** Made on the first ledger write (a run whose tools have no side effects never needs one). */
  ledger: Map<string, ToolLedgerEntry> | undefined;
  lease: { owner: string; epoch: number; expiresAt: number } | undefined;
  epoch: number;
}

/** Options of `MemoryStore`: how long finished runs are kept. */
export interface MemoryStoreOptions {
  /**
   * Most finished runs (completed, stopped or failed) kept; once more have finished, the oldest
   * finished ones are dropped with their steps, events, ledger and kill flag. Running and paused
   * runs are never dropped. Default 10 000; `Infinity` keeps every run.
   */
  readonly maxFinishedRuns?: number;
  /** Finished runs older than this many milliseconds (since they finished) are dropped too. Default: no age limit. */
  readonly finishedRunTtlMs?: number;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Settled answers shared by every call that has nothing to hand out (no copy to make): the hot
 * methods complete synchronously and return a promise without an async function around them
 * (a throw still becomes a rejection).
 */
const DONE: Promise<void> = Promise.resolve();

/**
 * True for the settled answer a `MemoryStore` write that completed synchronously returns: core's
 * loop then goes on without awaiting it (an await suspends its caller and saves its frame, even for
 * a settled promise). Any other promise — a failed write's rejection, another store's — is awaited.
 * @internal
 */
export const isDoneWrite = (written: Promise<void>): boolean => written === DONE;
const NO_FLAG: Promise<undefined> = Promise.resolve(undefined);
const NO_LEASE: Promise<undefined> = Promise.resolve(undefined);

/**
 * A copy of a record this store made itself (with `jsonCopy`, so: a plain object with no symbol
 * keys): what `jsonCopy` gives, with the top level cloned by a spread (one shape copy instead of
 * a property added at a time). A member `undefined` or named `__proto__` takes the general copy.
 */
function copyOut<T extends object>(record: T): T {
  const out = { ...record } as Record<string, unknown>;
  for (const key in out) {
    if (!hasOwn.call(out, key)) continue;
    const value = out[key];
    if (value === undefined || key === '__proto__') return copy(record);
    if (value !== null && typeof value === 'object') out[key] = copy(value);
  }
  return out as T;
}

/** Finished runs a `MemoryStore` keeps by default. */
export const DEFAULT_MAX_FINISHED_RUNS = 10_000;

/**
 * A `StateStore` in process memory. Complete and conformance-tested, but nothing
 * survives the process: use it for tests, demos and single-process runs that need
 * no resume after a crash. Records are copied on the way in and out, so callers
 * can never mutate stored state (events core emitted are deep-frozen and kept as they are).
 *
 * Memory stays bounded in a long-lived process: only the newest `maxFinishedRuns` finished runs
 * (10 000 by default) are kept, and with `finishedRunTtlMs` none older than that; a dropped run
 * reads as unknown (`getRun` → undefined). Running and paused runs are always kept.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxFinishedRuns: 1_000, finishedRunTtlMs: 3_600_000 });
 * ```
 */
export class MemoryStore implements StateStore {
  private readonly maxFinished: number;
  private readonly ttlMs: number;
  /** Finished runs, with when they finished (ms since the epoch). */
  private readonly finished = new Map<string, number>();
  /**
   * The order runs finished in: `finishOrder[i]` finished at `finishTimes[i]`, the oldest at
   * `finishHead`. An entry whose run is no longer in `finished` at that time (reopened, finished
   * again, dropped) is stale and skipped. A queue, not the map's own order: dropping the oldest
   * entry of a `Map` over and over leaves deleted slots at its front that every later walk from
   * the start steps over again, so each eviction cost thousands of steps once 10 000 runs had finished.
   */
  private finishOrder: string[] = [];
  private finishTimes: number[] = [];
  private finishHead = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxFinishedRuns ?? DEFAULT_MAX_FINISHED_RUNS;
    if (typeof max !== 'number' || Number.isNaN(max) || max < 0 || (Number.isFinite(max) && !Number.isInteger(max))) {
      throw new ConfigError('maxFinishedRuns', 'expected a non-negative integer or Infinity');
    }
    const ttl = options.finishedRunTtlMs ?? Infinity;
    if (typeof ttl !== 'number' || Number.isNaN(ttl) || ttl <= 0) throw new ConfigError('finishedRunTtlMs', 'expected a positive number of milliseconds');
    this.maxFinished = max;
    this.ttlMs = ttl;
  }

  private readonly runs = new Map<string, RunSlot>();
  private readonly byKey = new Map<string, string>();
  private readonly kills = new Map<string, KillFlag>();
  private readonly killListeners = new Set<(flag: KillFlag) => void>();
  private closed = false;

  createRun(input: NewRunRecord): Promise<{ run: RunRecord; created: boolean }> {
    try {
      return Promise.resolve(this.createRunNow(input));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private createRunNow(input: NewRunRecord): { run: RunRecord; created: boolean } {
    this.open();
    checkStoreObject('run', input);
    checkNewRunId(input.runId);
    checkStoreText('run.createdAt', input.createdAt);
    if (input.idempotencyKey !== undefined) checkStoreId('idempotencyKey', input.idempotencyKey);
    // Checked for what JSON cannot hold while it is copied (one walk, no second check walk).
    const kept = storableCopy('run', input);
    this.evict();
    if (input.idempotencyKey !== undefined) {
      const existing = this.byKey.get(input.idempotencyKey);
      if (existing) return { run: copyOut(this.slot(existing).run), created: false };
    }
    if (this.runs.has(input.runId)) throw new StoreError('run_conflict', `run ${input.runId} already exists`);
    const run = kept as Mutable<RunRecord>;
    run.status = 'running';
    run.updatedAt = input.createdAt;
    run.stepCount = 0;
    run.usage = emptyUsage();
    run.toolCalls = 0;
    run.toolCallsRefused = 0;
    run.lastEventSeq = 0;
    this.runs.set(run.runId, { run, steps: [], events: [], ledger: undefined, lease: undefined, epoch: 0 });
    if (input.idempotencyKey !== undefined) this.byKey.set(input.idempotencyKey, run.runId);
    return { run: copyOut(run), created: true };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    this.open();
    checkStoreId('runId', runId);
    const slot = this.runs.get(runId);
    return slot ? copyOut(slot.run) : undefined;
  }

  async listRuns(options?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    this.open();
    const query = readStoreOptions('query', options);
    if (query.status !== undefined) checkStoreStatus('query.status', query.status, 'any');
    const limit = readStorePage('limit', query.limit, 'limit');
    const out: RunRecord[] = [];
    const slots = [...this.runs.values()].reverse();
    if (limit === 0) return out;
    for (const slot of slots) {
      if (query.status && slot.run.status !== query.status) continue;
      out.push(copyOut(slot.run));
      if (limit !== undefined && out.length >= limit) break;
    }
    return out;
  }

  saveDecision(input: { runId: string; decision: RunRecord['pendingStep'] & object } & WriteOptions): Promise<void> {
    try {
      this.saveDecisionNow(input);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private saveDecisionNow(input: { runId: string; decision: RunRecord['pendingStep'] & object } & WriteOptions): void {
    checkStoreWrite('input', input);
    checkStoreObject('input.decision', input.decision);
    const slot = this.writable(input.runId, input.lease);
    checkStoreUsage('decision.usage', input.decision.usage);
    // Checked for what JSON cannot hold while it is copied (one walk).
    const decision = storableCopy('input.decision', input.decision);
    if (input.decision.stepIndex !== slot.run.stepCount) {
      throw new StoreError('run_conflict', `decision for step ${input.decision.stepIndex} but run ${input.runId} has ${slot.run.stepCount} committed steps`);
    }
    // The record is this store's own (every read hands out a copy): updated in place, once per effectful step.
    const run = slot.run as Mutable<RunRecord>;
    run.pendingStep = decision;
    run.updatedAt = nowIso();
  }

  commitStep(input: { runId: string; step: StepRecord; events: readonly StoredRunEvent[]; usageDelta: RunRecord['usage'] } & WriteOptions): Promise<void> {
    try {
      this.commitStepNow(input);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private commitStepNow(input: { runId: string; step: StepRecord; events: readonly StoredRunEvent[]; usageDelta: RunRecord['usage'] } & WriteOptions): void {
    checkStoreWrite('input', input);
    checkStoreObject('input.step', input.step);
    checkStoreEvents('input.events', input.events, input.runId);
    const slot = this.writable(input.runId, input.lease);
    checkStoreUsage('usageDelta', input.usageDelta);
    checkStoreStep('step', input.step, input.runId);
    if (input.step.stepIndex !== slot.run.stepCount) {
      throw new StoreError('run_conflict', `step ${input.step.stepIndex} does not follow the ${slot.run.stepCount} committed steps of run ${input.runId}`);
    }
    this.checkEvents(slot, input.events);
    // Checked for what JSON cannot hold while it is copied (one walk), before anything is kept.
    const step = keptStep(input.step, input.events);
    checkStorableEvents('input.events', input.events);
    slot.steps.push(step);
    this.pushEvents(slot, input.events);
    // The record is this store's own (every read hands out a copy): updated in place, the hottest write of a run.
    const run = slot.run as Mutable<RunRecord>;
    if (run.pendingStep !== undefined) delete run.pendingStep;
    run.stepCount = run.stepCount + 1;
    run.toolCalls = run.toolCalls + input.step.toolCalls;
    run.toolCallsRefused = (run.toolCallsRefused ?? 0) + (input.step.toolCallsRefused ?? 0);
    addUsage(run.usage, input.usageDelta);
    run.updatedAt = nowIso();
    run.lastEventSeq = slot.events.length;
    const hash = slot.events.at(-1)?.hash;
    if (hash) run.lastEventHash = hash;
  }

  async loadSteps(runId: string, options?: { fromIndex?: number; limit?: number }): Promise<StepRecord[]> {
    const slot = this.slot(runId);
    const paging = readStoreOptions('options', options);
    const from = readStorePage('fromIndex', paging.fromIndex, 'index') ?? 0;
    const limit = readStorePage('limit', paging.limit, 'limit');
    return copy(slot.steps.slice(from, limit === undefined ? undefined : from + limit));
  }

  async updateRun(input: { runId: string; status: 'running' | 'paused'; result?: RunRecord['result']; events?: readonly StoredRunEvent[] } & WriteOptions): Promise<void> {
    checkStoreWrite('input', input);
    checkStoreStatus('input.status', input.status, 'open');
    if (input.result !== undefined) checkStoreObject('input.result', input.result);
    if (input.events !== undefined) checkStoreEvents('input.events', input.events, input.runId);
    const slot = this.slot(input.runId);
    this.checkLease(slot, input.lease);
    const from = slot.run.status;
    const reopen = from === 'failed' && input.status === 'running' && slot.run.result?.error?.retryable === true;
    if (from !== 'running' && from !== 'paused' && !reopen) {
      throw new StoreError('run_conflict', `run ${input.runId} is ${from}; it cannot become ${input.status}`);
    }
    this.checkEvents(slot, input.events ?? []);
    if (input.result !== undefined) checkStorable('input.result', input.result);
    checkStorableEvents('input.events', input.events ?? []);
    this.pushEvents(slot, input.events ?? []);
    const { result: _old, ...rest } = slot.run;
    // A retryable failure reopened: running again, no longer a finished run to evict.
    this.finished.delete(input.runId);
    slot.run = {
      ...rest,
      status: input.status,
      ...(input.result ? { result: copy(input.result) } : {}),
      updatedAt: nowIso(),
      lastEventSeq: slot.events.length,
      ...(slot.events.at(-1)?.hash ? { lastEventHash: slot.events.at(-1)!.hash! } : {}),
    };
  }

  finishRun(input: { runId: string; result: NonNullable<RunRecord['result']>; events: readonly StoredRunEvent[] } & WriteOptions): Promise<NonNullable<RunRecord['result']>> {
    try {
      return Promise.resolve(this.finishRunNow(input));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private finishRunNow(input: { runId: string; result: NonNullable<RunRecord['result']>; events: readonly StoredRunEvent[] } & WriteOptions): NonNullable<RunRecord['result']> {
    checkStoreWrite('input', input);
    checkStoreObject('input.result', input.result);
    checkStoreStatus('input.result.status', input.result.status, 'terminal');
    checkStoreEvents('input.events', input.events, input.runId);
    const slot = this.slot(input.runId);
    if (slot.run.status !== 'running' && slot.run.status !== 'paused') return copyOut(slot.run.result!);
    this.checkLease(slot, input.lease);
    this.checkEvents(slot, input.events);
    // Checked for what JSON cannot hold while it is copied (one walk), before anything is kept.
    const result = storableCopy('input.result', input.result);
    checkStorableEvents('input.events', input.events);
    this.pushEvents(slot, input.events);
    // The record is this store's own (every read hands out a copy): updated in place, as by commitStep.
    const run = slot.run as Mutable<RunRecord>;
    const status: RunStatus = input.result.status;
    run.status = status;
    run.result = result;
    run.updatedAt = nowIso();
    run.lastEventSeq = slot.events.length;
    const hash = slot.events.length > 0 ? slot.events[slot.events.length - 1]!.hash : undefined;
    if (hash) run.lastEventHash = hash;
    slot.lease = undefined;
    if ((status as string) !== 'running' && status !== 'paused') {
      this.noteFinished(input.runId);
      this.evict();
    }
    return copyOut(result);
  }

  /** Records that `runId` finished now (the newest finished run). */
  private noteFinished(runId: string): void {
    const at = Date.now();
    this.finished.set(runId, at);
    // Nothing is ever dropped: no order to keep.
    if (this.maxFinished === Infinity && this.ttlMs === Infinity) return;
    this.finishOrder.push(runId);
    this.finishTimes.push(at);
    // Runs reopened and finished again over and over leave stale entries behind while nothing is
    // dropped: once they are most of the queue it is rebuilt from the live ones (oldest first still).
    const queued = this.finishOrder.length - this.finishHead;
    if (queued > 2 * this.finished.size + 1024) {
      const order: string[] = [];
      const times: number[] = [];
      for (let i = this.finishHead; i < this.finishOrder.length; i++) {
        const id = this.finishOrder[i]!;
        if (this.finished.get(id) !== this.finishTimes[i]) continue;
        order.push(id);
        times.push(this.finishTimes[i]!);
      }
      this.finishOrder = order;
      this.finishTimes = times;
      this.finishHead = 0;
    }
  }

  /** Drops the oldest finished runs beyond `maxFinishedRuns`, and those finished longer ago than `finishedRunTtlMs`. */
  private evict(): void {
    // Nothing to drop (the usual case): no walk over the finished runs.
    if (this.finished.size <= this.maxFinished && this.ttlMs === Infinity) return;
    const now = Date.now();
    const order = this.finishOrder;
    const times = this.finishTimes;
    let head = this.finishHead;
    while (head < order.length) {
      const runId = order[head]!;
      const finishedAt = times[head]!;
      // Stale: the run reopened, or finished again later (its newer entry counts), or was dropped.
      if (this.finished.get(runId) !== finishedAt) {
        head++;
        continue;
      }
      if (this.finished.size <= this.maxFinished && now - finishedAt <= this.ttlMs) break;
      head++;
      this.finished.delete(runId);
      const slot = this.runs.get(runId);
      // Only a run that is still finished is dropped (a reopened one left the list when it reopened).
      if (!slot || slot.run.status === 'running' || slot.run.status === 'paused') continue;
      this.runs.delete(runId);
      const key = slot.run.idempotencyKey;
      if (key !== undefined && this.byKey.get(key) === runId) this.byKey.delete(key);
      this.kills.delete(runId);
    }
    // The consumed front is cut off once it is most of the queue (amortized O(1) per finished run).
    if (head > 1024 && head * 2 > order.length) {
      this.finishOrder = order.slice(head);
      this.finishTimes = times.slice(head);
      head = 0;
    }
    this.finishHead = head;
  }

  async appendEvents(runId: string, events: readonly StoredRunEvent[], options?: WriteOptions): Promise<void> {
    const slot = this.slot(runId);
    checkStoreEvents('events', events, runId);
    this.checkLease(slot, readStoreOptions('options', options).lease);
    this.checkEvents(slot, events);
    checkStorableEvents('events', events);
    this.pushEvents(slot, events);
    slot.run = {
      ...slot.run,
      lastEventSeq: slot.events.length,
      ...(slot.events.at(-1)?.hash ? { lastEventHash: slot.events.at(-1)!.hash! } : {}),
    };
  }

  async listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredRunEvent[]> {
    this.open();
    checkStoreId('runId', runId);
    const paging = readStoreOptions('options', options);
    const from = readStorePage('afterSeq', paging.afterSeq, 'index') ?? 0;
    const limit = readStorePage('limit', paging.limit, 'limit');
    const slot = this.runs.get(runId);
    if (!slot) return [];
    return copy(slot.events.slice(from, limit === undefined ? undefined : from + limit));
  }

  async recordToolIntent(entry: Omit<ToolLedgerEntry, 'status' | 'result' | 'completedAt'>, options?: WriteOptions): Promise<void> {
    checkStoreObject('entry', entry);
    const slot = this.slot(entry.runId);
    checkToolCallId(entry.toolCallId);
    checkStoreIndex('entry.stepIndex', entry.stepIndex);
    checkStoreText('entry.startedAt', entry.startedAt);
    this.checkLease(slot, readStoreOptions('options', options).lease);
    checkStorable('entry', entry);
    const ledger = (slot.ledger ??= new Map());
    if (ledger.has(entry.toolCallId)) return;
    ledger.set(entry.toolCallId, { ...copy(entry), status: 'started' });
  }

  async recordToolResult(input: Parameters<StateStore['recordToolResult']>[0], options?: WriteOptions): Promise<void> {
    checkStoreObject('input', input);
    checkStoreObject('input.result', input.result);
    const slot = this.slot(input.runId);
    checkToolCallId(input.toolCallId);
    checkStoreIndex('input.stepIndex', input.stepIndex);
    checkStoreText('input.completedAt', input.completedAt);
    this.checkLease(slot, readStoreOptions('options', options).lease);
    checkStorable('input', input);
    const ledger = (slot.ledger ??= new Map());
    const existing = ledger.get(input.toolCallId);
    if (existing?.status === 'completed') return;
    ledger.set(input.toolCallId, {
      runId: input.runId,
      toolCallId: input.toolCallId,
      stepIndex: input.stepIndex,
      name: input.name,
      argsFingerprint: input.argsFingerprint,
      sideEffects: input.sideEffects,
      status: 'completed',
      result: copy(input.result),
      startedAt: existing?.startedAt ?? input.completedAt,
      completedAt: input.completedAt,
    });
  }

  async getToolLedger(runId: string, options?: { stepIndex?: number }): Promise<ToolLedgerEntry[]> {
    this.open();
    checkStoreId('runId', runId);
    const stepIndex = readStorePage('stepIndex', readStoreOptions('options', options).stepIndex, 'index');
    const slot = this.runs.get(runId);
    if (!slot?.ledger) return [];
    // Step order, then the order calls were first recorded (the map's insertion order; the sort is stable).
    const entries = [...slot.ledger.values()].filter((entry) => stepIndex === undefined || entry.stepIndex === stepIndex);
    return copy(stepIndex === undefined ? entries.sort((a, b) => a.stepIndex - b.stepIndex) : entries);
  }

  async setKillFlag(flag: KillFlag): Promise<void> {
    this.open();
    checkStoreObject('flag', flag);
    checkStoreId('scope', flag.scope);
    checkStoreText('flag.reason', flag.reason);
    checkStoreText('flag.at', flag.at);
    checkStorable('flag', flag);
    // A flag is its scope, reason and time, as the durable stores keep it (columns): other members are not kept.
    const kept: KillFlag = { scope: flag.scope, reason: flag.reason, at: flag.at };
    this.kills.set(flag.scope, kept);
    for (const listener of this.killListeners) listener({ ...kept });
  }

  subscribeKills(listener: (flag: KillFlag) => void): () => void {
    this.killListeners.add(listener);
    return () => this.killListeners.delete(listener);
  }

  async clearKillFlag(scope: string = KILL_ALL_SCOPE): Promise<void> {
    this.open();
    checkStoreId('scope', scope);
    this.kills.delete(scope);
  }

  getKillFlag(runId: string): Promise<KillFlag | undefined> {
    try {
      const flag = this.killFlagNow(runId);
      // Read before every model call: no flag (the usual answer) is one shared settled promise.
      return flag ? Promise.resolve(copy(flag)) : NO_FLAG;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The kill flag of `runId` as stored (not a copy): what `getKillFlag` answers, without a promise. */
  private killFlagNow(runId: string): KillFlag | undefined {
    this.open();
    checkStoreId('runId', runId);
    return this.kills.size === 0 ? undefined : (this.kills.get(runId) ?? this.kills.get(KILL_ALL_SCOPE));
  }

  acquireLease(input: { runId: string; owner: string; ttlMs: number }): Promise<Lease | undefined> {
    try {
      checkStoreObject('input', input);
      const slot = this.slot(input.runId);
      checkStoreId('owner', input.owner);
      checkLeaseTtl(input.ttlMs);
      const now = Date.now();
      if (slot.lease && slot.lease.expiresAt > now && slot.lease.owner !== input.owner) return NO_LEASE;
      const epoch = ++slot.epoch;
      const expiresAt = now + input.ttlMs;
      slot.lease = { owner: input.owner, epoch, expiresAt };
      return Promise.resolve({ runId: input.runId, owner: input.owner, epoch, expiresAt });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    this.open();
    checkStoreLease('lease', lease);
    checkStoreId('runId', lease.runId);
    checkLeaseTtl(ttlMs);
    // A lease on a run this store does not hold (never created, or dropped by retention) is not held: undefined, as in every store.
    const slot = this.runs.get(lease.runId);
    if (!slot?.lease || slot.lease.epoch !== lease.epoch || slot.lease.owner !== lease.owner) return undefined;
    slot.lease = { ...slot.lease, expiresAt: Date.now() + ttlMs };
    return { runId: lease.runId, ...slot.lease };
  }

  releaseLease(lease: Lease): Promise<void> {
    try {
      checkStoreLease('lease', lease);
      const slot = this.runs.get(lease.runId);
      if (slot?.lease && slot.lease.epoch === lease.epoch) slot.lease = undefined;
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new StoreError('store_unavailable', 'the memory store is closed');
  }

  private slot(runId: string): RunSlot {
    this.open();
    checkStoreId('runId', runId);
    const slot = this.runs.get(runId);
    if (!slot) throw new StoreError('run_not_found', `run ${runId} does not exist`);
    return slot;
  }

  private writable(runId: string, lease: Lease | undefined): RunSlot {
    const slot = this.slot(runId);
    this.checkLease(slot, lease);
    if (slot.run.status !== 'running') throw new StoreError('run_conflict', `run ${runId} is ${slot.run.status}; steps can only be committed while running`);
    return slot;
  }

  /** Fencing: a write carrying a lease must carry the current epoch. */
  private checkLease(slot: RunSlot, lease: Lease | undefined): void {
    if (!lease) return;
    if (slot.epoch !== lease.epoch || !slot.lease || slot.lease.owner !== lease.owner) {
      throw new StoreError('lease_lost', `lease epoch ${lease.epoch} on run ${lease.runId} is no longer current (now ${slot.epoch})`);
    }
  }

  private checkEvents(slot: RunSlot, events: readonly StoredRunEvent[]): void {
    let expected = slot.events.length + 1;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (event.seq !== expected) throw new StoreError('run_conflict', `event seq ${event.seq} does not follow ${expected - 1} in run ${slot.run.runId}`);
      expected++;
    }
  }

  private pushEvents(slot: RunSlot, events: readonly StoredRunEvent[]): void {
    // Events core's own log emitted are deep-frozen already: nobody can change them, so they are kept as they are.
    const kept = slot.events;
    if (isFrozenList(events)) for (let i = 0; i < events.length; i++) kept.push(events[i]!);
    else for (let i = 0; i < events.length; i++) kept.push(copy(events[i]!));
  }
}

/** The members of the step record core's loop commits, in its order: a record of exactly this shape takes `keptStep`'s direct copy. */
const STEP_KEYS = ['runId', 'stepIndex', 'messages', 'usage', 'toolCalls', 'toolCallsRefused', 'finishReason', 'startedAt', 'endedAt'] as const;

/** A number as a JSON round trip gives it (-0 is 0; NaN and ±Infinity never reach here: the fast path takes integers only). */
const jsonInt = (value: number): number => (value === 0 ? 0 : value);

/**
 * The copy of `step` this store keeps: what `storableCopy('input.step', step)` gives (the same
 * members, order and values; the same error for what JSON cannot hold), made for the step record
 * core's loop commits without a property added at a time (the record is one object with its
 * members in place, no separate property array), and holding its usage as the frozen object of
 * the commit's own `step_finished` event when the two are equal (core's deep-frozen events are
 * kept uncopied already: the step then costs no second copy of it). Any other shape takes
 * `storableCopy`.
 */
function keptStep(step: StepRecord, events: readonly StoredRunEvent[]): StepRecord {
  if (Object.getPrototypeOf(step) !== Object.prototype) return storableCopy('input.step', step);
  let at = 0;
  for (const key in step) {
    if (!hasOwn.call(step, key)) continue;
    if (key !== STEP_KEYS[at]) return storableCopy('input.step', step);
    at++;
  }
  if (at !== STEP_KEYS.length) return storableCopy('input.step', step);
  const { runId, stepIndex, toolCalls, toolCallsRefused, finishReason, startedAt, endedAt } = step;
  // Checked by the caller already (`checkStoreStep`): the run id, the index and the counts; the texts are checked here.
  if (typeof finishReason !== 'string' || typeof startedAt !== 'string' || typeof endedAt !== 'string' || typeof toolCallsRefused !== 'number') {
    return storableCopy('input.step', step);
  }
  let messages: readonly unknown[];
  let usage: StepRecord['usage'];
  try {
    // Members are level 2 of the record.
    messages = jsonCopySharing(step.messages, MAX_STORED_DEPTH - 1);
    usage = eventUsage(step, events) ?? jsonCopySharing(step.usage, MAX_STORED_DEPTH - 1);
  } catch {
    // The general walk throws the error naming the offending path.
    return storableCopy('input.step', step);
  }
  return {
    runId,
    stepIndex: jsonInt(stepIndex),
    messages: messages as StepRecord['messages'],
    usage,
    toolCalls: jsonInt(toolCalls),
    toolCallsRefused: jsonInt(toolCallsRefused),
    finishReason,
    startedAt,
    endedAt,
  };
}

/**
 * The usage of the commit's `step_finished` event for `step`, when it is a deep-frozen event core's
 * own log made (a `markFrozenList` list) and its usage is what a copy of `step.usage` would be: a
 * frozen plain object with the same members in the same order, each a string, boolean, null or
 * finite number (not -0) equal to the step's. Undefined otherwise (the caller copies).
 */
function eventUsage(step: StepRecord, events: readonly StoredRunEvent[]): StepRecord['usage'] | undefined {
  if (events.length === 0 || !isFrozenList(events)) return undefined;
  const last = events[events.length - 1]! as unknown as { type: string; usage?: unknown; stepIndex?: unknown };
  if (last.type !== 'step_finished' || last.stepIndex !== step.stepIndex) return undefined;
  const shared = last.usage as Record<string, unknown> | null | undefined;
  const own = step.usage as unknown as Record<string, unknown>;
  if (shared === null || typeof shared !== 'object' || !Object.isFrozen(shared) || Object.getPrototypeOf(shared) !== Object.prototype) return undefined;
  if (own === null || typeof own !== 'object' || Object.getPrototypeOf(own) !== Object.prototype) return undefined;
  let count = 0;
  for (const key in own) {
    if (!hasOwn.call(own, key)) continue;
    count++;
    const value = own[key];
    if (!jsonExactPrimitive(value) || !hasOwn.call(shared, key) || shared[key] !== value) return undefined;
  }
  // The same members in the same order (a handful: compared pairwise, no key arrays made).
  let index = 0;
  for (const key in shared) {
    if (!hasOwn.call(shared, key)) continue;
    let at = 0;
    let same = false;
    for (const ownKey in own) {
      if (!hasOwn.call(own, ownKey)) continue;
      if (at++ === index) {
        same = ownKey === key;
        break;
      }
    }
    if (!same) return undefined;
    index++;
  }
  return index === count ? (shared as unknown as StepRecord['usage']) : undefined;
}

/** A value a JSON round trip gives back as it is: a string, boolean, null or finite number other than -0. */
function jsonExactPrimitive(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  return value === null || typeof value === 'string' || typeof value === 'boolean';
}

/**
 * `checkStorableList` for events, except a list core's own event log deep-froze (`markFrozenList`):
 * those are kept uncopied, built by core from values it checked, and a walk over them would cost
 * the hot commit path a second pass.
 */
function checkStorableEvents(field: string, events: readonly StoredRunEvent[]): void {
  if (!isFrozenList(events)) checkStorableList(field, events);
}

const memoryGetKillFlag = MemoryStore.prototype.getKillFlag;
const memoryKillFlagNow = (MemoryStore.prototype as unknown as { killFlagNow(runId: string): KillFlag | undefined }).killFlagNow;

/**
 * Internal (not exported from the package): the kill flag of `runId`, read synchronously when the
 * store is a `MemoryStore` whose `getKillFlag` is its own (no subclass override, no proxy trap in
 * between) — a promise and a microtask hop fewer per check on the hot path; from any other store,
 * its `getKillFlag` answer as a native promise (a plain value outside the contract still works, as
 * with `await`). A synchronous flag must only be read, never kept.
 */
export function readKillFlag(store: StateStore, runId: string): KillFlag | undefined | Promise<KillFlag | undefined> {
  if (store instanceof MemoryStore && store.getKillFlag === memoryGetKillFlag) return memoryKillFlagNow.call(store, runId);
  return Promise.resolve(store.getKillFlag(runId));
}
