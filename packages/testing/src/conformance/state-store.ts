import { AgentrtError, KILL_ALL_SCOPE, MAX_STORE_ID_LENGTH, MAX_STORED_DEPTH, type ContentPart, type Message, type NewRunRecord, type RunResult, type StateStore, type StepRecord, type StoredRunEvent } from '@agentrt/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';

/** Options of `describeStateStore`. */
export interface StateStoreSuiteOptions {
  /** Suite title. */
  readonly name: string;
  /** A fresh, empty store per test. */
  create(): StateStore | Promise<StateStore>;
  /** Cleanup after each test (close connections, delete files). Default: `store.close()`. */
  destroy?(store: StateStore): void | Promise<void>;
  /**
   * Deletes every media blob `store` keeps for `runId` behind its back, as a damaged or partially
   * restored store would have lost them (SQL `DELETE`, Redis `DEL`). Give it when the store keeps
   * media apart from its records (`extractBlobs`): the missing-media cases then run. A store
   * keeping media inline in its records (`MemoryStore`) cannot lose them apart and omits it.
   */
  dropBlobs?(store: StateStore, runId: string): void | Promise<void>;
  /**
   * Overwrites the stored record of `runId` behind the store's back with text that does not
   * parse (SQL `UPDATE … SET static = '{not json'`, Redis `HSET run:<id> static …`), as a damaged
   * store would hold it. Give it for a durable store: the case checking that such a record is
   * `state_corrupt` naming the run — in `getRun` and in `listRuns`, which fails rather than skip
   * it — then runs.
   */
  corruptRun?(store: StateStore, runId: string): void | Promise<void>;
}

let counter = 0;
const newRun = (overrides: Partial<NewRunRecord> = {}): NewRunRecord => ({
  runId: `conf-${process.pid}-${Date.now()}-${++counter}`,
  input: [{ role: 'user', content: 'hello' }],
  inputFingerprint: 'fp-input',
  toolsFingerprint: 'fp-tools',
  createdAt: new Date().toISOString(),
  ...overrides,
});
const usage = (n: number) => ({ inputTokens: n, outputTokens: n, costUsd: n / 1000 });
const step = (runId: string, stepIndex: number): StepRecord => ({
  runId,
  stepIndex,
  messages: [
    { role: 'assistant', content: '', toolCalls: [{ id: `c${stepIndex}`, name: 'echo', args: { n: stepIndex } }] },
    { role: 'tool', toolCallId: `c${stepIndex}`, name: 'echo', content: String(stepIndex) },
  ],
  usage: usage(stepIndex + 1),
  toolCalls: 1,
  finishReason: 'tool_calls',
  startedAt: new Date().toISOString(),
  endedAt: new Date().toISOString(),
});
const event = (runId: string, seq: number, type: 'step_started' = 'step_started'): StoredRunEvent => ({ type, runId, at: new Date().toISOString(), seq, stepIndex: seq });
const result = (runId: string, overrides: Partial<RunResult<unknown>> = {}): RunResult<unknown> => ({
  runId, status: 'completed', stopReason: 'final_answer', output: 'done', steps: 0, toolCalls: 0,
  usage: usage(0), startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), ...overrides,
});
/** Deterministic base64 of `size` bytes (canonical, so stores may content-address it). */
const media = (size: number, seed: number) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed + 11) % 256;
  return bytes.toString('base64');
};
const BIG = media(6000, 7);
const OTHER = media(3000, 13);
const SMALL = media(48, 3);
const partsInput: Message[] = [
  { role: 'system', content: 'look closely' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'compare these' },
      { type: 'image', mediaType: 'image/png', data: BIG },
      { type: 'image', mediaType: 'image/jpeg', data: SMALL },
      { type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' },
      { type: 'file', mediaType: 'application/pdf', data: OTHER, filename: 'report.pdf' },
    ],
  },
];
const partsStep = (runId: string, stepIndex: number, image: string): StepRecord => ({
  ...step(runId, stepIndex),
  messages: [
    {
      role: 'assistant', content: '', toolCalls: [{ id: `s${stepIndex}`, name: 'shot', args: { type: 'image', mediaType: 'image/png', blob: 'f'.repeat(64), data: `${'A'.repeat(2000)}!` } }],
      reasoning: [{ text: `thinking ${stepIndex}`, providerData: { anthropic: { signature: `sig-${stepIndex}-${'x'.repeat(2000)}` } } }, { text: 'no signature' }],
    },
    { role: 'tool', toolCallId: `s${stepIndex}`, name: 'shot', content: [{ type: 'text', text: 'the screen' }, { type: 'image', mediaType: 'image/png', data: image }] },
  ],
});
/** The `index`th part of the user message of a parts input. */
const contentAt = (input: Message[], index: number) => (input[1]!.content as readonly unknown[])[index];
const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

/**
 * The `StateStore` conformance suite. Every first-party store passes it; run it for your own:
 *
 * @example
 * ```ts
 * describeStateStore({ name: 'MyStore', create: () => new MyStore(), destroy: (s) => s.close?.() });
 * ```
 */
export function describeStateStore(options: StateStoreSuiteOptions): void {
  describe(`StateStore conformance: ${options.name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      if (options.destroy) await options.destroy(store);
      else await store.close?.();
    });

    it('creates, reads and lists runs, newest first', async () => {
      const a = newRun();
      const b = newRun({ metadata: { team: 'x' } });
      const created = await store.createRun(a);
      expect(created.created).toBe(true);
      expect(created.run).toMatchObject({ runId: a.runId, status: 'running', stepCount: 0, toolCalls: 0, lastEventSeq: 0 });
      await store.createRun(b);
      expect((await store.getRun(b.runId))?.metadata).toEqual({ team: 'x' });
      expect(await store.getRun('nope')).toBeUndefined();
      const listed = await store.listRuns();
      expect(listed.map((r) => r.runId).indexOf(b.runId)).toBeLessThan(listed.map((r) => r.runId).indexOf(a.runId));
      expect((await store.listRuns({ limit: 1 })).length).toBe(1);
    });

    it('refuses a second run with the same id (run_conflict)', async () => {
      const a = newRun();
      await store.createRun(a);
      expect(await codeOf(store.createRun(a))).toBe('run_conflict');
    });

    it('returns the existing run for a reused idempotency key', async () => {
      const key = `key-${counter}`;
      const first = await store.createRun(newRun({ idempotencyKey: key }));
      const second = await store.createRun(newRun({ idempotencyKey: key }));
      expect(second.created).toBe(false);
      expect(second.run.runId).toBe(first.run.runId);
    });

    it('commits steps in order with their events and counters, and loads them back', async () => {
      const run = newRun();
      await store.createRun(run);
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [event(run.runId, 1), event(run.runId, 2)], usageDelta: usage(1) });
      await store.commitStep({ runId: run.runId, step: step(run.runId, 1), events: [event(run.runId, 3)], usageDelta: usage(2) });
      const record = await store.getRun(run.runId);
      expect(record).toMatchObject({ stepCount: 2, toolCalls: 2, lastEventSeq: 3 });
      expect(record?.usage.inputTokens).toBe(3);
      const steps = await store.loadSteps(run.runId);
      expect(steps.map((s) => s.stepIndex)).toEqual([0, 1]);
      expect(steps[1]!.messages).toEqual(step(run.runId, 1).messages);
      expect((await store.loadSteps(run.runId, { fromIndex: 1 })).map((s) => s.stepIndex)).toEqual([1]);
      expect((await store.listEvents(run.runId)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.listEvents(run.runId, { afterSeq: 1, limit: 1 })).map((e) => e.seq)).toEqual([2]);
    });

    it('counts tool calls within the cap and refused ones apart (toolCallsRefused, 0 until a step refuses one)', async () => {
      const run = newRun();
      const created = await store.createRun(run);
      expect(created.run.toolCallsRefused ?? 0).toBe(0);
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [event(run.runId, 1)], usageDelta: usage(1) });
      expect(await store.getRun(run.runId)).toMatchObject({ toolCalls: 1, toolCallsRefused: 0 });
      const refusing: StepRecord = {
        ...step(run.runId, 1),
        messages: [
          { role: 'assistant', content: '', toolCalls: [{ id: 'r1', name: 'echo', args: {} }, { id: 'r2', name: 'echo', args: {} }, { id: 'r3', name: 'echo', args: {} }] },
          { role: 'tool', toolCallId: 'r1', name: 'echo', content: '1' },
          { role: 'tool', toolCallId: 'r2', name: 'echo', content: 'tool_denied: over the cap', isError: true, code: 'tool_denied' },
          { role: 'tool', toolCallId: 'r3', name: 'echo', content: 'tool_denied: over the cap', isError: true, code: 'tool_denied' },
        ],
        toolCalls: 1,
        toolCallsRefused: 2,
      };
      await store.commitStep({ runId: run.runId, step: refusing, events: [event(run.runId, 2)], usageDelta: usage(2) });
      expect(await store.getRun(run.runId)).toMatchObject({ stepCount: 2, toolCalls: 2, toolCallsRefused: 2 });
      expect((await store.loadSteps(run.runId))[1]).toMatchObject({ toolCalls: 1, toolCallsRefused: 2 });
      // A re-sent identical commit adds nothing.
      await store.commitStep({ runId: run.runId, step: refusing, events: [event(run.runId, 2)], usageDelta: usage(2) }).catch(() => undefined);
      expect(await store.getRun(run.runId)).toMatchObject({ toolCalls: 2, toolCallsRefused: 2 });
    });

    it('refuses an out-of-order step and writes nothing of it (atomic)', async () => {
      const run = newRun();
      await store.createRun(run);
      expect(await codeOf(store.commitStep({ runId: run.runId, step: step(run.runId, 1), events: [event(run.runId, 1)], usageDelta: usage(1) }))).toBe('run_conflict');
      // A step whose events do not continue the log is refused whole, step included.
      expect(await codeOf(store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [event(run.runId, 5)], usageDelta: usage(1) }))).toBe('run_conflict');
      expect(await store.loadSteps(run.runId)).toEqual([]);
      expect(await store.listEvents(run.runId)).toEqual([]);
      expect((await store.getRun(run.runId))?.stepCount).toBe(0);
    });

    it('lets exactly one of two different concurrent commits of the same step win', async () => {
      const run = newRun();
      await store.createRun(run);
      const other = { ...step(run.runId, 0), endedAt: new Date(Date.now() + 1000).toISOString() };
      const outcomes = await Promise.allSettled([
        store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [event(run.runId, 1)], usageDelta: usage(1) }),
        store.commitStep({ runId: run.runId, step: other, events: [event(run.runId, 1)], usageDelta: usage(1) }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(1);
      expect((await store.loadSteps(run.runId)).length).toBe(1);
      expect((await store.listEvents(run.runId)).length).toBe(1);
    });

    it('refuses a second commit of a committed step (run_conflict), even byte for byte the same, and applies nothing of it', async () => {
      const run = newRun();
      await store.createRun(run);
      const commit = { runId: run.runId, step: step(run.runId, 0), events: [event(run.runId, 1)], usageDelta: usage(1) };
      await store.commitStep(commit);
      // Two calls with the very same step (as two commits within one millisecond make) are two
      // calls: only a store's own re-send of one call (after a lost reply) may be acknowledged.
      expect(await codeOf(store.commitStep(commit))).toBe('run_conflict');
      expect(await codeOf(store.commitStep({ ...commit, step: { ...commit.step }, events: [] }))).toBe('run_conflict');
      const record = await store.getRun(run.runId);
      expect(record).toMatchObject({ stepCount: 1, toolCalls: 1, lastEventSeq: 1 });
      expect(record?.usage.inputTokens).toBe(1);
      expect(await store.loadSteps(run.runId)).toHaveLength(1);
    });

    it('keeps events append-only with contiguous sequence numbers', async () => {
      const run = newRun();
      await store.createRun(run);
      const first = event(run.runId, 1);
      await store.appendEvents(run.runId, [first]);
      // A second call with the very same event (byte for byte, as two calls within one millisecond
      // make) is a conflict, not a re-send: only a store's own retry of one call may be acknowledged.
      expect(await codeOf(store.appendEvents(run.runId, [{ ...first }]))).toBe('run_conflict');
      expect(await codeOf(store.appendEvents(run.runId, [event(run.runId, 1)]))).toBe('run_conflict');
      expect(await codeOf(store.appendEvents(run.runId, [event(run.runId, 3)]))).toBe('run_conflict');
      await store.appendEvents(run.runId, [event(run.runId, 2)]);
      expect((await store.listEvents(run.runId)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('persists a pending decision and clears it on commit', async () => {
      const run = newRun();
      await store.createRun(run);
      const decision = { stepIndex: 0, message: step(run.runId, 0).messages[0] as never, usage: usage(1), finishReason: 'tool_calls' as const, startedAt: new Date().toISOString() };
      await store.saveDecision({ runId: run.runId, decision });
      expect((await store.getRun(run.runId))?.pendingStep).toEqual(decision);
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1) });
      expect((await store.getRun(run.runId))?.pendingStep).toBeUndefined();
    });

    it('records exactly one terminal result; a second finish returns the first', async () => {
      const run = newRun();
      await store.createRun(run);
      const first = await store.finishRun({ runId: run.runId, result: result(run.runId), events: [event(run.runId, 1)] });
      expect(first.stopReason).toBe('final_answer');
      const second = await store.finishRun({ runId: run.runId, result: result(run.runId, { status: 'stopped', stopReason: 'killed' }), events: [] });
      expect(second.stopReason).toBe('final_answer');
      const record = await store.getRun(run.runId);
      expect(record?.status).toBe('completed');
      expect(record?.result?.stopReason).toBe('final_answer');
      expect(await codeOf(store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1) }))).toBe('run_conflict');
    });

    it('pauses and resumes a run; reopens a failed run only when its error is retryable', async () => {
      const run = newRun();
      await store.createRun(run);
      await store.updateRun({ runId: run.runId, status: 'paused', result: result(run.runId, { status: 'paused', stopReason: 'awaiting_approval' }) });
      expect((await store.getRun(run.runId))?.status).toBe('paused');
      await store.updateRun({ runId: run.runId, status: 'running' });
      await store.finishRun({ runId: run.runId, result: result(run.runId, { status: 'failed', stopReason: 'error', error: { code: 'model_rate_limited', message: '429', retryable: true } }), events: [] });
      await store.updateRun({ runId: run.runId, status: 'running' });
      expect((await store.getRun(run.runId))?.status).toBe('running');
      const other = newRun();
      await store.createRun(other);
      await store.finishRun({ runId: other.runId, result: result(other.runId, { status: 'failed', stopReason: 'error', error: { code: 'model_auth', message: '401' } }), events: [] });
      expect(await codeOf(store.updateRun({ runId: other.runId, status: 'running' }))).toBe('run_conflict');
    });

    it('keeps a tool ledger: intent, then one completion that is never overwritten', async () => {
      const run = newRun();
      await store.createRun(run);
      const base = { runId: run.runId, toolCallId: 'c1', stepIndex: 0, name: 'pay', argsFingerprint: 'fp', sideEffects: 'non-idempotent' as const };
      await store.recordToolIntent({ ...base, startedAt: new Date().toISOString() });
      expect((await store.getToolLedger(run.runId))[0]).toMatchObject({ toolCallId: 'c1', status: 'started' });
      const done = { role: 'tool' as const, toolCallId: 'c1', name: 'pay', content: 'ok' };
      await store.recordToolResult({ ...base, result: done, completedAt: new Date().toISOString() });
      await store.recordToolResult({ ...base, result: { ...done, content: 'second' }, completedAt: new Date().toISOString() });
      const ledger = await store.getToolLedger(run.runId, { stepIndex: 0 });
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ status: 'completed', result: { content: 'ok' } });
      expect(await store.getToolLedger(run.runId, { stepIndex: 1 })).toEqual([]);
    });

    it('lists the ledger in step order, then in the order calls were first recorded — also for parallel calls recorded within one millisecond', async () => {
      const run = newRun();
      await store.createRun(run);
      // One timestamp for all: parallel calls of a step are recorded back to back, well within a millisecond.
      const at = new Date().toISOString();
      const call = (toolCallId: string, stepIndex: number, sideEffects: 'non-idempotent' | 'idempotent') => ({ runId: run.runId, toolCallId, stepIndex, name: 'tool', argsFingerprint: `fp-${toolCallId}`, sideEffects });
      const result = (toolCallId: string) => ({ role: 'tool' as const, toolCallId, name: 'tool', content: toolCallId });
      // Step 0: intents of non-idempotent calls (ids out of any sorted order), their results in reverse order.
      const intents = ['m', 'b', 'x', 'a', 'k', 'c', 'z', 'd'];
      for (const id of intents) await store.recordToolIntent({ ...call(id, 0, 'non-idempotent'), startedAt: at });
      for (const id of [...intents].reverse()) await store.recordToolResult({ ...call(id, 0, 'non-idempotent'), result: result(id), completedAt: at });
      // Step 1: results of idempotent calls without intents, back to back.
      const results = ['r9', 'r1', 'r5', 'r0', 'r7', 'r3'];
      for (const id of results) await store.recordToolResult({ ...call(id, 1, 'idempotent'), result: result(id), completedAt: at });
      // A late step-0 entry, recorded after step 1's: listed with step 0, after its other calls.
      await store.recordToolIntent({ ...call('late', 0, 'non-idempotent'), startedAt: at });
      // Step 2: both kinds interleaved, as parallel calls of mixed tools record them.
      await store.recordToolResult({ ...call('p1', 2, 'idempotent'), result: result('p1'), completedAt: at });
      await store.recordToolIntent({ ...call('n1', 2, 'non-idempotent'), startedAt: at });
      await store.recordToolResult({ ...call('p2', 2, 'idempotent'), result: result('p2'), completedAt: at });
      await store.recordToolResult({ ...call('n1', 2, 'non-idempotent'), result: result('n1'), completedAt: at });
      await store.recordToolResult({ ...call('p3', 2, 'idempotent'), result: result('p3'), completedAt: at });
      const mixed = ['p1', 'n1', 'p2', 'p3'];
      const ids = (entries: readonly { toolCallId: string }[]) => entries.map((entry) => entry.toolCallId);
      expect(ids(await store.getToolLedger(run.runId))).toEqual([...intents, 'late', ...results, ...mixed]);
      expect(ids(await store.getToolLedger(run.runId, { stepIndex: 0 }))).toEqual([...intents, 'late']);
      expect(ids(await store.getToolLedger(run.runId, { stepIndex: 1 }))).toEqual(results);
      // Committing (which writes results some stores hold back until then) keeps the order.
      await store.recordToolResult({ ...call('p4', 2, 'idempotent'), result: result('p4'), completedAt: at });
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1) });
      expect(ids(await store.getToolLedger(run.runId))).toEqual([...intents, 'late', ...results, ...mixed, 'p4']);
      expect(ids(await store.getToolLedger(run.runId, { stepIndex: 2 }))).toEqual([...mixed, 'p4']);
    });

    it('sets, reads and clears kill flags for one run and for all', async () => {
      await store.setKillFlag({ scope: 'run-a', reason: 'stop a', at: new Date().toISOString() });
      expect((await store.getKillFlag('run-a'))?.reason).toBe('stop a');
      expect(await store.getKillFlag('run-b')).toBeUndefined();
      await store.setKillFlag({ scope: KILL_ALL_SCOPE, reason: 'incident', at: new Date().toISOString() });
      expect((await store.getKillFlag('run-b'))?.reason).toBe('incident');
      await store.clearKillFlag();
      expect(await store.getKillFlag('run-b')).toBeUndefined();
      expect((await store.getKillFlag('run-a'))?.reason).toBe('stop a');
      await store.clearKillFlag('run-a');
      expect(await store.getKillFlag('run-a')).toBeUndefined();
    });

    it('grants one lease at a time and fences commits of a lost lease (lease_lost)', async () => {
      const run = newRun();
      await store.createRun(run);
      const a = await store.acquireLease({ runId: run.runId, owner: 'a', ttlMs: 60_000 });
      expect(a).toBeDefined();
      expect(await store.acquireLease({ runId: run.runId, owner: 'b', ttlMs: 60_000 })).toBeUndefined();
      expect(await store.renewLease(a!, 60_000)).toBeDefined();
      await store.releaseLease(a!);
      const b = await store.acquireLease({ runId: run.runId, owner: 'b', ttlMs: 60_000 });
      expect(b!.epoch).toBeGreaterThan(a!.epoch);
      expect(await store.renewLease(a!, 60_000)).toBeUndefined();
      expect(await codeOf(store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1), lease: a! }))).toBe('lease_lost');
      expect(await codeOf(store.finishRun({ runId: run.runId, result: result(run.runId), events: [], lease: a! }))).toBe('lease_lost');
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1), lease: b! });
      expect((await store.getRun(run.runId))?.stepCount).toBe(1);
    });

    it('fences every write of a run, not only commits: a stale owner\'s decision, events, status, intent and non-idempotent result are lease_lost and land nowhere', async () => {
      const run = newRun();
      await store.createRun(run);
      const stale = (await store.acquireLease({ runId: run.runId, owner: 'a', ttlMs: 60_000 }))!;
      await store.releaseLease(stale);
      const current = (await store.acquireLease({ runId: run.runId, owner: 'b', ttlMs: 60_000 }))!;
      const now = new Date().toISOString();
      const decision = { stepIndex: 0, message: step(run.runId, 0).messages[0] as never, usage: usage(1), finishReason: 'tool_calls' as const, startedAt: now };
      const entry = { runId: run.runId, toolCallId: 'c0', stepIndex: 0, name: 'lookup', argsFingerprint: 'fp', sideEffects: 'non-idempotent' as const, startedAt: now };
      const toolResult = { ...entry, result: { role: 'tool' as const, toolCallId: 'c0', name: 'lookup', content: 'stale' }, completedAt: now };
      expect({
        saveDecision: await codeOf(store.saveDecision({ runId: run.runId, decision, lease: stale })),
        appendEvents: await codeOf(store.appendEvents(run.runId, [event(run.runId, 1)], { lease: stale })),
        updateRun: await codeOf(store.updateRun({ runId: run.runId, status: 'paused', result: result(run.runId, { status: 'paused', stopReason: 'awaiting_approval' }), lease: stale })),
        recordToolIntent: await codeOf(store.recordToolIntent(entry, { lease: stale })),
        recordToolResult: await codeOf(store.recordToolResult(toolResult, { lease: stale })),
      }).toEqual({ saveDecision: 'lease_lost', appendEvents: 'lease_lost', updateRun: 'lease_lost', recordToolIntent: 'lease_lost', recordToolResult: 'lease_lost' });
      const record = await store.getRun(run.runId);
      expect({ status: record?.status, pendingStep: record?.pendingStep, lastEventSeq: record?.lastEventSeq, usage: record?.usage }).toEqual({ status: 'running', pendingStep: undefined, lastEventSeq: 0, usage: usage(0) });
      expect(await store.listEvents(run.runId)).toEqual([]);
      expect(await store.getToolLedger(run.runId)).toEqual([]);
      // The current owner's writes go through.
      await store.recordToolIntent(entry, { lease: current });
      await store.saveDecision({ runId: run.runId, decision, lease: current });
      expect((await store.getRun(run.runId))?.pendingStep).toEqual(decision);
    });

    it('lets a new owner take an expired lease', async () => {
      const run = newRun();
      await store.createRun(run);
      const a = await store.acquireLease({ runId: run.runId, owner: 'a', ttlMs: 100 });
      const b = await waitFor(() => store.acquireLease({ runId: run.runId, owner: 'b', ttlMs: 60_000 }), { timeoutMs: 10_000, message: "b takes a's lapsed lease" });
      expect(b.epoch).toBeGreaterThan(a!.epoch);
    });

    it('hands out copies: mutating a returned record does not change the store', async () => {
      const run = newRun();
      await store.createRun(run);
      const record = await store.getRun(run.runId);
      (record as { status: string }).status = 'completed';
      (record!.input as unknown[]).push({ role: 'user', content: 'injected' });
      const again = await store.getRun(run.runId);
      expect(again?.status).toBe('running');
      expect(again?.input).toHaveLength(1);
    });

    it('keeps content parts and reasoning exactly in the input, steps, decisions and the ledger', async () => {
      const run = newRun({ input: partsInput });
      await store.createRun(run);
      expect((await store.getRun(run.runId))?.input).toEqual(partsInput);
      const decision = { stepIndex: 0, message: partsStep(run.runId, 0, BIG).messages[0] as never, usage: usage(1), finishReason: 'tool_calls' as const, startedAt: new Date().toISOString() };
      await store.saveDecision({ runId: run.runId, decision });
      expect((await store.getRun(run.runId))?.pendingStep).toEqual(decision);
      const toolResult = partsStep(run.runId, 0, BIG).messages[1] as Extract<Message, { role: 'tool' }>;
      await store.recordToolResult({ runId: run.runId, toolCallId: 's0', stepIndex: 0, name: 'shot', argsFingerprint: 'fp', sideEffects: 'idempotent', result: toolResult, completedAt: new Date().toISOString() });
      // The same image again in the next step (stored once by content-addressing stores), then another one.
      await store.commitStep({ runId: run.runId, step: partsStep(run.runId, 0, BIG), events: [], usageDelta: usage(1) });
      await store.commitStep({ runId: run.runId, step: partsStep(run.runId, 1, OTHER), events: [], usageDelta: usage(1) });
      const steps = await store.loadSteps(run.runId);
      expect(steps.map((s) => s.messages)).toEqual([partsStep(run.runId, 0, BIG).messages, partsStep(run.runId, 1, OTHER).messages]);
      expect((await store.loadSteps(run.runId, { fromIndex: 1 }))[0]!.messages).toEqual(partsStep(run.runId, 1, OTHER).messages);
      expect((await store.getToolLedger(run.runId))[0]?.result).toEqual(toolResult);
      expect((await store.listRuns()).find((r) => r.runId === run.runId)?.input).toEqual(partsInput);
    });

    it('hands out copies of parts: mutating them does not change the store', async () => {
      const run = newRun({ input: partsInput });
      await store.createRun(run);
      const record = await store.getRun(run.runId);
      ((record!.input[1]!.content as ContentPart[])[1] as { data: string }).data = 'AAAA';
      (record!.input[1]!.content as ContentPart[] as unknown[]).push({ type: 'text', text: 'injected' });
      expect((await store.getRun(run.runId))?.input).toEqual(partsInput);
    });

    it('keeps a structured output spec on the run and an object output in the result', async () => {
      const structuredOutput = { spec: { name: 'weather', schema: { type: 'object', properties: { tempC: { type: 'number' } }, required: ['tempC'], additionalProperties: false } }, maxRepairs: 2 };
      const run = newRun({ structuredOutput });
      await store.createRun(run);
      expect((await store.getRun(run.runId))?.structuredOutput).toEqual(structuredOutput);
      const output = { tempC: 18, tags: ['a', 'b'], nested: { ok: true } };
      await store.finishRun({ runId: run.runId, result: result(run.runId, { output }), events: [] });
      expect((await store.getRun(run.runId))?.result?.output).toEqual(output);
    });

    it('hands back values as a JSON round trip does: an own __proto__ key stays own data (no prototype changes), -0 is 0, undefined/NaN in arrays are null, a Date is its text', async () => {
      // Tool args, tool results, metadata and outputs are data a model or a user controls.
      const hostile = (): Record<string, unknown> => {
        const value = JSON.parse('{"__proto__":{"polluted":true,"toString":1},"constructor":{"prototype":{"polluted":true}},"a":[1,{"__proto__":{"deep":true}}]}') as Record<string, unknown>;
        Object.assign(value, { zero: -0, list: [1, undefined, -0, Number.NaN, Infinity, () => 1], when: new Date(0), gone: undefined, nested: { zero: -0, gone: undefined } });
        return value;
      };
      const expected = JSON.parse(JSON.stringify(hostile())) as Record<string, unknown>;
      const sameAsJson = (value: unknown) => {
        expect(value).toEqual(expected);
        const record = value as Record<string, unknown>;
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        expect(Object.keys(record)).toEqual(Object.keys(expected));
        expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toEqual({ polluted: true, toString: 1 });
        expect(Object.getPrototypeOf((record.a as unknown[])[1])).toBe(Object.prototype);
        expect(Object.prototype.hasOwnProperty.call((record.a as unknown[])[1], '__proto__')).toBe(true);
        expect(Object.is(record.zero, 0)).toBe(true);
        expect(Object.is((record.list as unknown[])[2], 0)).toBe(true);
        expect((record.list as unknown[]).length).toBe(6);
      };
      const run = newRun({ metadata: hostile() });
      await store.createRun(run);
      const args = hostile();
      const assistant = { role: 'assistant' as const, content: '', toolCalls: [{ id: 'h1', name: 'echo', args }] };
      // With a large image beside it, so stores that keep media apart rebuild the message on read.
      const toolResult = { role: 'tool' as const, toolCallId: 'h1', name: 'echo', content: [{ type: 'text' as const, text: 'r', ...hostile() }, { type: 'image' as const, mediaType: 'image/png', data: BIG }] };
      await store.saveDecision({ runId: run.runId, decision: { stepIndex: 0, message: assistant, usage: usage(1), finishReason: 'tool_calls', startedAt: new Date().toISOString() } });
      sameAsJson((await store.getRun(run.runId))?.pendingStep?.message.toolCalls?.[0]?.args);
      const call = { runId: run.runId, toolCallId: 'h1', stepIndex: 0, name: 'echo', argsFingerprint: 'fp', sideEffects: 'idempotent' as const };
      await store.recordToolResult({ ...call, result: toolResult, completedAt: new Date().toISOString() });
      await store.commitStep({ runId: run.runId, step: { ...step(run.runId, 0), messages: [assistant, toolResult] }, events: [{ ...event(run.runId, 1), args: hostile() } as StoredRunEvent], usageDelta: usage(1) });
      await store.finishRun({ runId: run.runId, result: result(run.runId, { output: hostile() }), events: [] });
      const record = await store.getRun(run.runId);
      sameAsJson(record?.metadata);
      sameAsJson(record?.result?.output);
      sameAsJson((await store.listRuns()).find((r) => r.runId === run.runId)?.metadata);
      const [stored] = await store.loadSteps(run.runId);
      sameAsJson((stored!.messages[0] as typeof assistant).toolCalls[0]!.args);
      const { type: _type, text: _text, ...part } = (stored!.messages[1] as unknown as { content: Record<string, unknown>[] }).content[0]!;
      sameAsJson(part);
      const [entry] = await store.getToolLedger(run.runId);
      const { type: _t, text: _x, ...ledgerPart } = (entry!.result!.content as unknown as Record<string, unknown>[])[0]!;
      sameAsJson(ledgerPart);
      sameAsJson(((await store.listEvents(run.runId))[0] as unknown as { args: unknown }).args);
      expect((({}) as Record<string, unknown>).polluted).toBeUndefined();
      expect((({}) as Record<string, unknown>).deep).toBeUndefined();
    });

    it('keeps ids with separators, wildcards and prototype names apart: each reads back its own run, ledger entry and kill flag', async () => {
      const base = `h${counter++}-`;
      const suffixes = ['__proto__', 'constructor', 'hasOwnProperty', ':', '\u0000', '/', '%', '_', '*', '?', '[', '\n', 'caf\u00e9', 'cafe\u0301', '\u{1F600}'];
      const runIds = [...suffixes.map((suffix) => `${base}${suffix}`), `${base}${'x'.repeat(1000)}`];
      const ledgerIds = [...suffixes, 'x'.repeat(10_000)];
      for (const [index, runId] of runIds.entries()) {
        expect((await store.createRun(newRun({ runId, idempotencyKey: `k${runId}`, metadata: { index } }))).created).toBe(true);
      }
      const ledgerRun = newRun();
      await store.createRun(ledgerRun);
      for (const [index, suffix] of ledgerIds.entries()) {
        const call = { runId: ledgerRun.runId, toolCallId: suffix, stepIndex: 0, name: `tool${index}`, argsFingerprint: `fp${index}`, sideEffects: 'non-idempotent' as const };
        await store.recordToolIntent({ ...call, startedAt: new Date().toISOString() });
        await store.recordToolResult({ ...call, result: { role: 'tool', toolCallId: suffix, name: `tool${index}`, content: String(index) }, completedAt: new Date().toISOString() });
      }
      for (const [index, runId] of runIds.entries()) {
        const run = await store.getRun(runId);
        expect(run?.runId).toBe(runId);
        expect(run?.metadata).toEqual({ index });
        const again = await store.createRun(newRun({ idempotencyKey: `k${runId}` }));
        expect(again.created).toBe(false);
        expect(again.run.runId).toBe(runId);
      }
      const listed = new Set((await store.listRuns()).map((run) => run.runId));
      for (const runId of runIds) expect(listed.has(runId)).toBe(true);
      const ledger = await store.getToolLedger(ledgerRun.runId);
      expect(ledger).toHaveLength(ledgerIds.length);
      for (const [index, suffix] of ledgerIds.entries()) expect(ledger.find((entry) => entry.toolCallId === suffix)?.result?.content).toBe(String(index));
      await store.setKillFlag({ scope: `${base}%`, reason: 'percent', at: new Date().toISOString() });
      await store.setKillFlag({ scope: `${base}__proto__`, reason: 'proto', at: new Date().toISOString() });
      expect((await store.getKillFlag(`${base}%`))?.reason).toBe('percent');
      expect((await store.getKillFlag(`${base}__proto__`))?.reason).toBe('proto');
      for (const suffix of ['_', '*', 'constructor', 'hasOwnProperty', '?']) expect(await store.getKillFlag(`${base}${suffix}`)).toBeUndefined();
    });

    it('refuses ids no store can keep apart (config_invalid), writing nothing: lone surrogates, empty, too long, "*" as a run id', async () => {
      const run = newRun();
      await store.createRun(run);
      const bad = ['x\ud800', 'x\udc00', '', 'y'.repeat(MAX_STORE_ID_LENGTH + 1)];
      for (const id of [...bad, KILL_ALL_SCOPE]) expect(await codeOf(store.createRun(newRun({ runId: id })))).toBe('config_invalid');
      for (const id of bad) {
        expect(await codeOf(store.createRun(newRun({ idempotencyKey: id })))).toBe('config_invalid');
        expect(await codeOf(store.getRun(id))).toBe('config_invalid');
        expect(await codeOf(store.setKillFlag({ scope: id, reason: 'r', at: new Date().toISOString() }))).toBe('config_invalid');
        expect(await codeOf(store.getKillFlag(id))).toBe('config_invalid');
        expect(await codeOf(store.acquireLease({ runId: run.runId, owner: id, ttlMs: 60_000 }))).toBe('config_invalid');
      }
      // A tool call id is the model's choice, kept as data whatever its length; only ill-formed or empty ones are refused.
      for (const id of bad.slice(0, 3)) {
        const call = { runId: run.runId, toolCallId: id, stepIndex: 0, name: 'echo', argsFingerprint: 'fp', sideEffects: 'non-idempotent' as const };
        expect(await codeOf(store.recordToolIntent({ ...call, startedAt: new Date().toISOString() }))).toBe('config_invalid');
        expect(await codeOf(store.recordToolResult({ ...call, result: { role: 'tool', toolCallId: id, name: 'echo', content: 'x' }, completedAt: new Date().toISOString() }))).toBe('config_invalid');
      }
      expect(await store.getKillFlag(run.runId)).toBeUndefined();
      expect((await store.listRuns()).map((r) => r.runId)).toEqual([run.runId]);
      const longCall = 'c'.repeat(20_000);
      await store.recordToolResult({ runId: run.runId, toolCallId: longCall, stepIndex: 0, name: 'echo', argsFingerprint: 'fp', sideEffects: 'non-idempotent', result: { role: 'tool', toolCallId: longCall, name: 'echo', content: 'long' }, completedAt: new Date().toISOString() });
      expect((await store.getToolLedger(run.runId)).map((entry) => entry.toolCallId)).toEqual([longCall]);
      // The longest accepted id works.
      const longest = `${run.runId}-${'z'.repeat(MAX_STORE_ID_LENGTH - run.runId.length - 1)}`;
      await store.createRun(newRun({ runId: longest }));
      await store.setKillFlag({ scope: longest, reason: 'long', at: new Date().toISOString() });
      expect((await store.getKillFlag(longest))?.reason).toBe('long');
    });

    it('bounds loadSteps with limit: at most that many steps from fromIndex; 0 reads none; a huge limit, or one past the end, reads to the last; bad values are config_invalid naming limit', async () => {
      const base = `steps${counter++}`;
      // Run ids with separators: a store keying steps by text must not read another run's steps.
      const runs = [`${base}:a`, `${base}:a:`, `${base}/a`, `${base}*`];
      for (const runId of runs) {
        await store.createRun(newRun({ runId }));
        for (let i = 0; i < 5; i++) await store.commitStep({ runId, step: step(runId, i), events: [], usageDelta: usage(1) });
      }
      const indexes = async (runId: string, options: { fromIndex?: number; limit?: number }) => (await store.loadSteps(runId, options)).map((s) => [s.runId, s.stepIndex]);
      for (const runId of runs) {
        expect(await indexes(runId, { fromIndex: 1, limit: 2 })).toEqual([[runId, 1], [runId, 2]]);
        expect(await indexes(runId, { limit: 1 })).toEqual([[runId, 0]]);
        expect(await indexes(runId, { fromIndex: 4, limit: 1 })).toEqual([[runId, 4]]);
        expect(await indexes(runId, { fromIndex: 3, limit: 10 })).toEqual([[runId, 3], [runId, 4]]);
        expect(await indexes(runId, { fromIndex: 5, limit: 1 })).toEqual([]);
        expect(await store.loadSteps(runId, { limit: 0 })).toEqual([]);
        expect(await store.loadSteps(runId, { fromIndex: 2, limit: 0 })).toEqual([]);
        for (const big of [Infinity, 1e18, 2 ** 31, 2 ** 31 - 2]) {
          expect(await indexes(runId, { fromIndex: 2, limit: big })).toEqual([[runId, 2], [runId, 3], [runId, 4]]);
          expect(await store.loadSteps(runId, { fromIndex: big, limit: big })).toEqual([]);
        }
      }
      for (const bad of [-1, 1.5, Number.NaN, -Infinity, '1' as unknown as number, null as unknown as number]) {
        const error = await store.loadSteps(runs[0]!, { limit: bad }).then(() => undefined, (e: unknown) => e);
        expect(AgentrtError.isInstance(error) && error.code, String(bad)).toBe('config_invalid');
        expect(((error as AgentrtError).details as { field?: unknown } | undefined)?.field, String(bad)).toBe('limit');
      }
      // An unknown run is still run_not_found, whatever the bound.
      expect(await codeOf(store.loadSteps(`${base}:nope`, { limit: 0 }))).toBe('run_not_found');
      expect(await codeOf(store.loadSteps(`${base}:nope`, { fromIndex: 1, limit: 1 }))).toBe('run_not_found');
    });

    if (options.corruptRun) it('a run record that does not parse is state_corrupt naming the run, in getRun and in listRuns (which fails rather than skip it); the other runs still read', async () => {
      const base = `damaged${counter++}`;
      const [before, damaged, after] = [newRun({ runId: `${base}:a` }), newRun({ runId: `${base}:damaged` }), newRun({ runId: `${base}:c` })];
      for (const run of [before, damaged, after]) await store.createRun(run);
      await options.corruptRun!(store, damaged.runId);
      for (const read of [() => store.getRun(damaged.runId), () => store.listRuns(), () => store.listRuns({ status: 'running' })]) {
        const error = await read().then(() => undefined, (caught: unknown) => caught);
        expect(error).toMatchObject({ code: 'state_corrupt' });
        expect((error as Error).message).toContain(damaged.runId);
      }
      expect((await store.getRun(before.runId))?.runId).toBe(before.runId);
      expect((await store.getRun(after.runId))?.runId).toBe(after.runId);
    });

    // Only for a store that keeps media apart (a case skipped would read as not passed in reports).
    if (options.dropBlobs) it('lists every run when one lost its media blobs: that run is listed with mediaMissing and marked parts (never data), getRun/loadSteps of it stay state_corrupt, the others read whole', async () => {
      const base = `lost${counter++}`;
      const lost = newRun({ runId: `${base}:lost`, input: partsInput });
      // A run whose id starts like the damaged one's (separators): its blobs must stay.
      const near = newRun({ runId: `${base}:lost:`, input: partsInput });
      const plain = newRun({ runId: `${base}:plain` });
      for (const run of [lost, near, plain]) await store.createRun(run);
      await store.commitStep({ runId: near.runId, step: partsStep(near.runId, 0, BIG), events: [], usageDelta: usage(1) });
      for (const run of [lost, near, plain]) await store.updateRun({ runId: run.runId, status: 'paused' });
      await options.dropBlobs!(store, lost.runId);
      const listed = await store.listRuns({ status: 'paused' });
      expect(listed.map((r) => r.runId).sort()).toEqual([lost.runId, near.runId, plain.runId].sort());
      expect((await store.listRuns()).map((r) => r.runId)).toContain(lost.runId);
      // Within a limit too: the damaged run counts as one listed run.
      expect((await store.listRuns({ limit: 3 })).map((r) => r.runId).sort()).toEqual([lost.runId, near.runId, plain.runId].sort());
      const damaged = listed.find((r) => r.runId === lost.runId)!;
      expect(damaged).toMatchObject({ status: 'paused', stepCount: 0, inputFingerprint: lost.inputFingerprint });
      expect([...damaged.mediaMissing!].sort()).toHaveLength(2);
      const parts = damaged.input[1]!.content as unknown as readonly Record<string, unknown>[];
      // Large parts (kept as blobs) are marked, with no data; small inline and url parts are as written.
      expect(parts[0]).toEqual({ type: 'text', text: 'compare these' });
      expect(parts[1]).toEqual({ type: 'image', mediaType: 'image/png', blob: expect.stringMatching(/^[0-9a-f]{64}$/), missing: true });
      expect(parts[2]).toEqual(contentAt(partsInput, 2));
      expect(parts[3]).toEqual(contentAt(partsInput, 3));
      expect(parts[4]).toEqual({ type: 'file', mediaType: 'application/pdf', filename: 'report.pdf', blob: expect.stringMatching(/^[0-9a-f]{64}$/), missing: true });
      expect([parts[1]!.blob, parts[4]!.blob].sort()).toEqual([...damaged.mediaMissing!].sort());
      for (const part of parts) expect('data' in part && part.missing === true).toBe(false);
      expect(await codeOf(store.getRun(lost.runId))).toBe('state_corrupt');
      // The others are whole, and say nothing is missing.
      for (const run of [near, plain]) {
        const record = listed.find((r) => r.runId === run.runId)!;
        expect(record.mediaMissing).toBeUndefined();
        expect(record.input).toEqual(run.input);
        expect((await store.getRun(run.runId))?.input).toEqual(run.input);
      }
      expect((await store.loadSteps(near.runId))[0]!.messages).toEqual(partsStep(near.runId, 0, BIG).messages);
      // The damaged run can still be finished (a kill): the result is written, the run reads as state_corrupt still.
      await store.finishRun({ runId: lost.runId, result: result(lost.runId, { status: 'stopped', stopReason: 'killed' }), events: [] });
      expect((await store.listRuns({ status: 'stopped' })).map((r) => [r.runId, r.mediaMissing?.length])).toEqual([[lost.runId, 2]]);
      expect(await codeOf(store.getRun(lost.runId))).toBe('state_corrupt');
    });

    if (options.dropBlobs) it('a step whose blob is missing is state_corrupt in loadSteps — also within a limit that reaches it — while steps before it read whole', async () => {
      const run = newRun({ runId: `steplost${counter++}/x` });
      await store.createRun(run);
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1) });
      await store.commitStep({ runId: run.runId, step: partsStep(run.runId, 1, OTHER), events: [], usageDelta: usage(1) });
      await options.dropBlobs!(store, run.runId);
      expect(await codeOf(store.loadSteps(run.runId))).toBe('state_corrupt');
      expect(await codeOf(store.loadSteps(run.runId, { fromIndex: 1, limit: 1 }))).toBe('state_corrupt');
      expect((await store.loadSteps(run.runId, { limit: 1 })).map((s) => s.stepIndex)).toEqual([0]);
      // The run record holds no media: getRun and listRuns are whole.
      expect((await store.getRun(run.runId))?.stepCount).toBe(2);
      expect((await store.listRuns()).find((r) => r.runId === run.runId)?.mediaMissing).toBeUndefined();
    });

    it('reads paging arguments alike: negative, fractional or NaN is config_invalid, 0 reads nothing, Infinity or a huge value everything', async () => {
      const run = newRun();
      await store.createRun(run);
      await store.createRun(newRun());
      for (let i = 0; i < 3; i++) await store.commitStep({ runId: run.runId, step: step(run.runId, i), events: [event(run.runId, i + 1)], usageDelta: usage(1) });
      for (const bad of [-1, 1.5, Number.NaN, -Infinity, '1' as unknown as number]) {
        expect(await codeOf(store.listRuns({ limit: bad }))).toBe('config_invalid');
        expect(await codeOf(store.listEvents(run.runId, { afterSeq: bad }))).toBe('config_invalid');
        expect(await codeOf(store.listEvents(run.runId, { limit: bad }))).toBe('config_invalid');
        expect(await codeOf(store.loadSteps(run.runId, { fromIndex: bad }))).toBe('config_invalid');
        expect(await codeOf(store.getToolLedger(run.runId, { stepIndex: bad }))).toBe('config_invalid');
      }
      expect(await store.listRuns({ limit: 0 })).toEqual([]);
      expect(await store.listEvents(run.runId, { limit: 0 })).toEqual([]);
      for (const big of [Infinity, 1e18, 2 ** 31]) {
        expect(await store.listRuns({ limit: big })).toHaveLength(2);
        expect((await store.listEvents(run.runId, { limit: big })).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(await store.listEvents(run.runId, { afterSeq: big })).toEqual([]);
        expect(await store.loadSteps(run.runId, { fromIndex: big })).toEqual([]);
      }
      expect((await store.loadSteps(run.runId, { fromIndex: 2 })).map((s) => s.stepIndex)).toEqual([2]);
      expect((await store.listEvents(run.runId, { afterSeq: 1, limit: 1 })).map((e) => e.seq)).toEqual([2]);
    });

    it('refuses a null, array or primitive where an options or input object goes (config_invalid naming the field), as it refuses null for one option; writes nothing', async () => {
      const run = newRun();
      await store.createRun(run);
      const id = run.runId;
      const at = new Date().toISOString();
      const call = { runId: id, toolCallId: 'c1', stepIndex: 0, name: 'echo', argsFingerprint: 'fp', sideEffects: 'non-idempotent' as const };
      const toolResult = { role: 'tool' as const, toolCallId: 'c1', name: 'echo', content: 'x' };
      const fieldOf = async (promise: Promise<unknown>): Promise<string | undefined> => {
        try {
          await promise;
          return 'resolved';
        } catch (error) {
          return AgentrtError.isInstance(error) && error.code === 'config_invalid' ? String((error.details as { field?: unknown } | undefined)?.field) : `not config_invalid: ${String(error)}`;
        }
      };
      const any = <T>(value: unknown) => value as T;
      for (const bad of [null, [], 'x', 7, true]) {
        // Optional options objects: undefined means none; anything but an object is refused.
        expect(await fieldOf(store.listRuns(any(bad)))).toBe('query');
        expect(await fieldOf(store.listEvents(id, any(bad)))).toBe('options');
        expect(await fieldOf(store.loadSteps(id, any(bad)))).toBe('options');
        expect(await fieldOf(store.getToolLedger(id, any(bad)))).toBe('options');
        expect(await fieldOf(store.appendEvents(id, [event(id, 1)], any(bad)))).toBe('options');
        expect(await fieldOf(store.recordToolIntent({ ...call, startedAt: at }, any(bad)))).toBe('options');
        expect(await fieldOf(store.recordToolResult({ ...call, result: toolResult, completedAt: at }, any(bad)))).toBe('options');
        // Required objects.
        expect(await fieldOf(store.createRun(any(bad)))).toBe('run');
        expect(await fieldOf(store.saveDecision(any(bad)))).toBe('input');
        expect(await fieldOf(store.saveDecision({ runId: id, decision: any(bad) }))).toBe('input.decision');
        expect(await fieldOf(store.commitStep(any(bad)))).toBe('input');
        expect(await fieldOf(store.commitStep({ runId: id, step: any(bad), events: [], usageDelta: usage(1) }))).toBe('input.step');
        expect(await fieldOf(store.commitStep({ runId: id, step: step(id, 0), events: [], usageDelta: usage(1), lease: any(bad) }))).toBe('input.lease');
        expect(await fieldOf(store.updateRun(any(bad)))).toBe('input');
        expect(await fieldOf(store.updateRun({ runId: id, status: 'paused', result: any(bad) }))).toBe('input.result');
        expect(await fieldOf(store.finishRun(any(bad)))).toBe('input');
        expect(await fieldOf(store.finishRun({ runId: id, result: any(bad), events: [] }))).toBe('input.result');
        expect(await fieldOf(store.recordToolIntent(any(bad)))).toBe('entry');
        expect(await fieldOf(store.recordToolResult(any(bad)))).toBe('input');
        expect(await fieldOf(store.recordToolResult({ ...call, result: any(bad), completedAt: at }))).toBe('input.result');
        expect(await fieldOf(store.setKillFlag(any(bad)))).toBe('flag');
        expect(await fieldOf(store.acquireLease(any(bad)))).toBe('input');
        expect(await fieldOf(store.renewLease(any(bad), 60_000))).toBe('lease');
        expect(await fieldOf(store.releaseLease(any(bad)))).toBe('lease');
      }
      // Event lists: an array of event objects.
      for (const bad of [null, {}, 'x', [null], [event(id, 1), 5]]) {
        const field = Array.isArray(bad) ? `[${bad.indexOf(bad.find((e) => e === null || typeof e !== 'object'))}]` : '';
        expect(await fieldOf(store.appendEvents(id, any(bad)))).toBe(`events${field}`);
        expect(await fieldOf(store.commitStep({ runId: id, step: step(id, 0), events: any(bad), usageDelta: usage(1) }))).toBe(`input.events${field}`);
        expect(await fieldOf(store.finishRun({ runId: id, result: result(id), events: any(bad) }))).toBe(`input.events${field}`);
      }
      // Statuses outside the contract: a run made "completed" by updateRun would have no result.
      for (const bad of ['completed', 'failed', 'bogus', null, {}]) expect(await fieldOf(store.updateRun({ runId: id, status: any(bad) }))).toBe('input.status');
      for (const bad of ['running', 'paused', 'bogus', undefined]) expect(await fieldOf(store.finishRun({ runId: id, result: result(id, { status: any(bad) }), events: [] }))).toBe('input.result.status');
      for (const bad of ['bogus', {}, 1]) expect(await fieldOf(store.listRuns({ status: any(bad) }))).toBe('query.status');
      // A lease that is not one (no owner, no integer epoch) never switches fencing off.
      for (const bad of [{}, { owner: 'a' }, { owner: '', epoch: 1 }, { owner: 'a', epoch: '1' }]) {
        expect(await fieldOf(store.commitStep({ runId: id, step: step(id, 0), events: [], usageDelta: usage(1), lease: any(bad) }))).toMatch(/^input\.lease/);
        expect(await fieldOf(store.appendEvents(id, [event(id, 1)], { lease: any(bad) }))).toMatch(/^options\.lease/);
      }
      // Nothing of it was written; undefined still means "no options".
      const stored = await store.getRun(id);
      expect(stored).toMatchObject({ status: 'running', stepCount: 0, lastEventSeq: 0 });
      expect(stored?.pendingStep).toBeUndefined();
      expect(await store.getToolLedger(id, undefined)).toEqual([]);
      expect(await store.listEvents(id, undefined)).toEqual([]);
      expect(await store.loadSteps(id, undefined)).toEqual([]);
      expect((await store.listRuns(undefined)).map((r) => r.runId)).toEqual([id]);
      expect(await store.getKillFlag(id)).toBeUndefined();
      expect(await store.acquireLease({ runId: id, owner: 'a', ttlMs: 60_000 })).toBeDefined();
    });

    it('refuses usage it cannot add up exactly (NaN, Infinity, fractional or unsafe token counts) and a lease ttl that is not a positive integer', async () => {
      const run = newRun();
      await store.createRun(run);
      const bads = [
        { inputTokens: Number.NaN, outputTokens: 1, costUsd: 0 },
        { inputTokens: 1.5, outputTokens: 1, costUsd: 0 },
        { inputTokens: 1, outputTokens: 2 ** 53 + 2, costUsd: 0 },
        { inputTokens: -1, outputTokens: 1, costUsd: 0 },
        { inputTokens: 1, outputTokens: 1, costUsd: Infinity },
        { inputTokens: 1, outputTokens: 1, costUsd: Number.NaN },
      ];
      for (const bad of bads) {
        expect(await codeOf(store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: bad }))).toBe('config_invalid');
        expect(await codeOf(store.commitStep({ runId: run.runId, step: { ...step(run.runId, 0), usage: bad }, events: [], usageDelta: usage(1) }))).toBe('config_invalid');
        const decision = { stepIndex: 0, message: step(run.runId, 0).messages[0] as never, usage: bad, finishReason: 'tool_calls' as const, startedAt: new Date().toISOString() };
        expect(await codeOf(store.saveDecision({ runId: run.runId, decision }))).toBe('config_invalid');
      }
      const stored = await store.getRun(run.runId);
      expect(stored).toMatchObject({ stepCount: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } });
      expect(stored?.pendingStep).toBeUndefined();
      for (const ttlMs of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 31]) expect(await codeOf(store.acquireLease({ runId: run.runId, owner: 'a', ttlMs }))).toBe('config_invalid');
      const lease = await store.acquireLease({ runId: run.runId, owner: 'a', ttlMs: 60_000 });
      expect(await codeOf(store.renewLease(lease!, Number.NaN))).toBe('config_invalid');
      expect(await store.acquireLease({ runId: run.runId, owner: 'b', ttlMs: 60_000 })).toBeUndefined();
    });

    it('refuses step counters that are not non-negative integers, a ledger step index that is not an integer from 0, and a createdAt, kill flag reason/time or ledger time that is not text (config_invalid naming it); keeps a kill flag as its scope, reason and time', async () => {
      const run = newRun();
      await store.createRun(run);
      for (const [field, bad] of [['step.toolCalls', { toolCalls: 1.5 }], ['step.toolCalls', { toolCalls: -1 }], ['step.toolCalls', { toolCalls: undefined }], ['step.toolCallsRefused', { toolCallsRefused: 0.5 }]] as const) {
        const error = await store.commitStep({ runId: run.runId, step: { ...step(run.runId, 0), ...bad } as StepRecord, events: [], usageDelta: usage(1) }).then(() => undefined, (e: unknown) => e);
        expect(AgentrtError.isInstance(error) ? [error.code, (error as { field?: string }).field] : error).toEqual(['config_invalid', field]);
      }
      expect(await store.getRun(run.runId)).toMatchObject({ stepCount: 0, toolCalls: 0 });
      for (const createdAt of [undefined, null, 5]) expect(await codeOf(store.createRun(newRun({ createdAt: createdAt as never })))).toBe('config_invalid');
      expect(await codeOf(store.setKillFlag({ scope: run.runId, reason: Number.NaN as never, at: new Date().toISOString() }))).toBe('config_invalid');
      expect(await codeOf(store.setKillFlag({ scope: run.runId, reason: 'r', at: 5 as never }))).toBe('config_invalid');
      expect((await store.listRuns()).map((r) => r.runId)).toEqual([run.runId]);
      expect(await store.getKillFlag(run.runId)).toBeUndefined();
      await store.setKillFlag({ scope: run.runId, reason: 'r', at: '2026-01-01T00:00:00.000Z', extra: 1 } as never);
      expect(await store.getKillFlag(run.runId)).toEqual({ scope: run.runId, reason: 'r', at: '2026-01-01T00:00:00.000Z' });
      // Ledger entries: a step index that is an integer from 0, times that are text.
      const call = { runId: run.runId, toolCallId: 'c', stepIndex: 0, name: 'echo', argsFingerprint: 'fp' };
      for (const stepIndex of ['0', 1.5, -1, 2 ** 31] as never[]) {
        expect(await codeOf(store.recordToolIntent({ ...call, stepIndex, sideEffects: 'non-idempotent', startedAt: new Date().toISOString() }))).toBe('config_invalid');
        for (const sideEffects of ['non-idempotent', 'idempotent'] as const) {
          expect(await codeOf(store.recordToolResult({ ...call, stepIndex, sideEffects, completedAt: new Date().toISOString(), result: { role: 'tool', toolCallId: 'c', name: 'echo', content: 'x' } }))).toBe('config_invalid');
        }
      }
      expect(await codeOf(store.recordToolIntent({ ...call, sideEffects: 'non-idempotent', startedAt: 5 as never }))).toBe('config_invalid');
      expect(await codeOf(store.recordToolResult({ ...call, sideEffects: 'idempotent', completedAt: undefined as never, result: { role: 'tool', toolCallId: 'c', name: 'echo', content: 'x' } }))).toBe('config_invalid');
      expect(await store.getToolLedger(run.runId)).toEqual([]);
    });

    it('refuses an event batch whose own seqs do not count up by one (run_conflict), writing nothing of the call', async () => {
      const run = newRun();
      await store.createRun(run);
      const id = run.runId;
      for (const seqs of [[1, 1], [1, 3], [2, 1], ['1'], [1.5], [2 ** 31], [-1, 0]] as unknown[][]) {
        const events = seqs.map((seq) => ({ ...event(id, 1), seq }) as StoredRunEvent);
        expect(await codeOf(store.appendEvents(id, events))).toBe('run_conflict');
        expect(await codeOf(store.commitStep({ runId: id, step: step(id, 0), events, usageDelta: usage(1) }))).toBe('run_conflict');
        expect(await codeOf(store.updateRun({ runId: id, status: 'running', events }))).toBe('run_conflict');
        expect(await codeOf(store.finishRun({ runId: id, result: result(id), events }))).toBe('run_conflict');
      }
      expect(await store.getRun(id)).toMatchObject({ status: 'running', stepCount: 0, lastEventSeq: 0 });
      expect(await store.listEvents(id)).toEqual([]);
    });

    it('refuses a step, event or write lease that names another run (config_invalid naming it), writing nothing of the call', async () => {
      const a = newRun();
      const b = newRun();
      await store.createRun(a);
      await store.createRun(b);
      const leaseA = (await store.acquireLease({ runId: a.runId, owner: 'same-owner', ttlMs: 60_000 }))!;
      const leaseB = (await store.acquireLease({ runId: b.runId, owner: 'same-owner', ttlMs: 60_000 }))!;
      const fieldOf = async (promise: Promise<unknown>): Promise<string | undefined> => {
        try {
          await promise;
          return undefined;
        } catch (error) {
          return AgentrtError.isInstance(error) ? `${error.code} ${(error as { field?: string }).field ?? ''}` : `untyped: ${String(error)}`;
        }
      };
      expect(await fieldOf(store.commitStep({ runId: a.runId, step: step(b.runId, 0), events: [], usageDelta: usage(1), lease: leaseA }))).toBe('config_invalid step.runId');
      expect(await fieldOf(store.commitStep({ runId: a.runId, step: step(a.runId, 0), events: [event(b.runId, 1)], usageDelta: usage(1), lease: leaseA }))).toBe('config_invalid input.events[0].runId');
      expect(await fieldOf(store.commitStep({ runId: a.runId, step: step(a.runId, 0), events: [], usageDelta: usage(1), lease: leaseB }))).toBe('config_invalid input.lease.runId');
      expect(await fieldOf(store.appendEvents(a.runId, [event(b.runId, 1)]))).toBe('config_invalid events[0].runId');
      expect(await fieldOf(store.updateRun({ runId: a.runId, status: 'paused', events: [event(b.runId, 1)] }))).toBe('config_invalid input.events[0].runId');
      expect(await fieldOf(store.finishRun({ runId: a.runId, result: result(a.runId), events: [], lease: leaseB }))).toBe('config_invalid input.lease.runId');
      expect(await store.getRun(a.runId)).toMatchObject({ status: 'running', stepCount: 0, lastEventSeq: 0 });
      expect(await store.listEvents(a.runId)).toEqual([]);
      expect(await store.loadSteps(a.runId)).toEqual([]);
      // The run's own records go in.
      await store.commitStep({ runId: a.runId, step: step(a.runId, 0), events: [event(a.runId, 1)], usageDelta: usage(1), lease: leaseA });
      expect(await store.getRun(a.runId)).toMatchObject({ stepCount: 1, lastEventSeq: 1 });
    });

    it('refuses a value JSON cannot hold (BigInt, cycle, nesting past MAX_STORED_DEPTH, a throwing toJSON) with config_invalid naming its path, and writes nothing of the call', async () => {
      const run = newRun();
      await store.createRun(run);
      const id = run.runId;
      const at = new Date().toISOString();
      const nested = (levels: number): unknown => {
        let value: unknown = 'leaf';
        for (let i = 0; i < levels; i++) value = [value];
        return value;
      };
      const cyclic = () => {
        const value: Record<string, unknown> = { a: 1 };
        value.self = { back: value };
        return value;
      };
      const bads: [string, () => unknown][] = [
        ['a BigInt', () => 10n],
        ['a BigInt in an array', () => [1, 2n]],
        ['a cycle', cyclic],
        ['nesting past the limit', () => nested(MAX_STORED_DEPTH)],
        ['nesting far past the limit', () => nested(200_000)],
        ['a throwing toJSON', () => ({ toJSON: () => { throw new Error('unreadable'); } })],
      ];
      const fieldOf = async (promise: Promise<unknown>): Promise<string> => {
        try {
          await promise;
          return 'resolved';
        } catch (error) {
          return AgentrtError.isInstance(error) && error.code === 'config_invalid' ? String((error.details as { field?: unknown } | undefined)?.field) : `not config_invalid: ${String(error).slice(0, 200)}`;
        }
      };
      const expectField = async (label: string, promise: Promise<unknown>, prefix: string) => {
        const field = await fieldOf(promise);
        expect(field.startsWith(prefix), `${label}: field ${field.slice(0, 200)} should start with ${prefix}`).toBe(true);
      };
      const call = { runId: id, toolCallId: 'c1', stepIndex: 0, name: 'echo', argsFingerprint: 'fp', sideEffects: 'non-idempotent' as const };
      const good = step(id, 0);
      for (const [label, make] of bads) {
        await expectField(label, store.createRun(newRun({ metadata: { ok: 1, bad: make() } })), 'run.metadata.bad');
        const decision = { stepIndex: 0, message: { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c1', name: 'echo', args: { bad: make() } }] }, usage: usage(1), finishReason: 'tool_calls' as const, startedAt: at };
        await expectField(label, store.saveDecision({ runId: id, decision }), 'input.decision.message.toolCalls[0].args.bad');
        const badTool = { role: 'tool', toolCallId: 'c0', name: 'echo', content: [{ type: 'text', text: 'r', bad: make() }] } as unknown as Message;
        await expectField(label, store.commitStep({ runId: id, step: { ...good, messages: [good.messages[0]!, badTool] }, events: [event(id, 1)], usageDelta: usage(1) }), 'input.step.messages[1].content[0].bad');
        // A bad event after a good one: neither the step nor the first event is kept.
        await expectField(label, store.commitStep({ runId: id, step: good, events: [event(id, 1), { ...event(id, 2), bad: make() } as unknown as StoredRunEvent], usageDelta: usage(1) }), 'input.events[1].bad');
        await expectField(label, store.appendEvents(id, [event(id, 1), { ...event(id, 2), bad: make() } as unknown as StoredRunEvent]), 'events[1].bad');
        await expectField(label, store.updateRun({ runId: id, status: 'paused', result: result(id, { status: 'paused', stopReason: 'awaiting_approval', output: { bad: make() } }), events: [event(id, 1)] }), 'input.result.output.bad');
        await expectField(label, store.finishRun({ runId: id, result: result(id, { output: { bad: make() } }), events: [event(id, 1)] }), 'input.result.output.bad');
        await expectField(label, store.recordToolIntent({ ...call, startedAt: at, bad: make() } as never), 'entry.bad');
        await expectField(label, store.recordToolResult({ ...call, result: { role: 'tool', toolCallId: 'c1', name: 'echo', content: [{ type: 'text', text: 'x', bad: make() } as never] }, completedAt: at }), 'input.result.content[0].bad');
        await expectField(label, store.setKillFlag({ scope: id, reason: 'r', at, bad: make() } as never), 'flag.bad');
      }
      // Nothing of any refused call was written.
      const stored = await store.getRun(id);
      expect(stored).toMatchObject({ status: 'running', stepCount: 0, lastEventSeq: 0, toolCalls: 0 });
      expect(stored?.pendingStep).toBeUndefined();
      expect(stored?.result).toBeUndefined();
      expect((await store.listRuns()).map((r) => r.runId)).toEqual([id]);
      expect(await store.loadSteps(id)).toEqual([]);
      expect(await store.listEvents(id)).toEqual([]);
      expect(await store.getToolLedger(id)).toEqual([]);
      expect(await store.getKillFlag(id)).toBeUndefined();
      // The run goes on: the same writes with JSON values succeed.
      await store.commitStep({ runId: id, step: good, events: [event(id, 1)], usageDelta: usage(1) });
      expect((await store.getRun(id))?.stepCount).toBe(1);
    });

    it('keeps values nested up to MAX_STORED_DEPTH, shared (acyclic) values, and drops functions, symbols and undefined as a JSON round trip does', async () => {
      const nested = (levels: number): unknown => {
        let value: unknown = 'leaf';
        for (let i = 0; i < levels; i++) value = [value];
        return value;
      };
      const shared = { n: 1 };
      const key = Symbol('key');
      // The run record is level 1, metadata 2, so the innermost array of `deep` is level MAX_STORED_DEPTH.
      const metadata = { deep: nested(MAX_STORED_DEPTH - 2), shared: [shared, { again: shared }], fn: () => 1, sym: Symbol('s'), list: [() => 1, Symbol('t'), undefined], [key]: 1 };
      const run = newRun({ metadata });
      await store.createRun(run);
      const expected = JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
      expect(JSON.stringify((await store.getRun(run.runId))?.metadata)).toBe(JSON.stringify(expected));
      expect((await store.getRun(run.runId))?.metadata).toEqual({ deep: expected.deep, shared: [{ n: 1 }, { again: { n: 1 } }], list: [null, null, null] });
    });

    // Red team 15d: faults of a third-party store the cases above let through (each one a mutant
    // of MemoryStore in packages/testing/test/redteam15d.test.ts that now fails this suite).
    it('keeps the events of every write (appendEvents, commitStep, updateRun, finishRun) in one log, lastEventSeq following each, and a paused run\'s result', async () => {
      const run = newRun();
      await store.createRun(run);
      const id = run.runId;
      const seqOf = async () => (await store.getRun(id))?.lastEventSeq;
      await store.appendEvents(id, [event(id, 1)]);
      expect(await seqOf()).toBe(1);
      await store.commitStep({ runId: id, step: step(id, 0), events: [event(id, 2)], usageDelta: usage(1) });
      expect(await seqOf()).toBe(2);
      const paused = result(id, { status: 'paused', stopReason: 'awaiting_approval', output: undefined });
      await store.updateRun({ runId: id, status: 'paused', result: paused, events: [event(id, 3)] });
      const record = await store.getRun(id);
      expect({ status: record?.status, lastEventSeq: record?.lastEventSeq, stopReason: record?.result?.stopReason }).toEqual({ status: 'paused', lastEventSeq: 3, stopReason: 'awaiting_approval' });
      expect((await store.listRuns({ status: 'paused' })).find((r) => r.runId === id)?.result?.stopReason).toBe('awaiting_approval');
      await store.updateRun({ runId: id, status: 'running', events: [event(id, 4)] });
      expect(await seqOf()).toBe(4);
      await store.finishRun({ runId: id, result: result(id), events: [event(id, 5), event(id, 6)] });
      expect(await seqOf()).toBe(6);
      expect((await store.listEvents(id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await store.listEvents(id, { afterSeq: 4 })).map((e) => e.seq)).toEqual([5, 6]);
    });

    it('finishes a paused run (a kill while it waits for approval), with its events', async () => {
      const run = newRun();
      await store.createRun(run);
      const id = run.runId;
      await store.updateRun({ runId: id, status: 'paused', result: result(id, { status: 'paused', stopReason: 'awaiting_approval' }), events: [event(id, 1)] });
      const finished = await store.finishRun({ runId: id, result: result(id, { status: 'stopped', stopReason: 'killed' }), events: [event(id, 2)] });
      expect(finished.stopReason).toBe('killed');
      expect(await store.getRun(id)).toMatchObject({ status: 'stopped', lastEventSeq: 2, result: { stopReason: 'killed' } });
      expect((await store.listEvents(id)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('never reopens a completed or stopped run: updateRun is run_conflict and changes nothing', async () => {
      for (const outcome of [result('', {}), result('', { status: 'stopped', stopReason: 'killed' }), result('', { status: 'failed', stopReason: 'error', error: { code: 'tool_failed', message: 'no', retryable: false } })]) {
        const run = newRun();
        await store.createRun(run);
        await store.finishRun({ runId: run.runId, result: { ...outcome, runId: run.runId }, events: [] });
        for (const status of ['running', 'paused'] as const) expect(await codeOf(store.updateRun({ runId: run.runId, status }))).toBe('run_conflict');
        expect(await store.getRun(run.runId)).toMatchObject({ status: outcome.status, result: { stopReason: outcome.stopReason } });
      }
    });

    it('adds up every usage field of every step (input and output tokens, cost) on the run, in getRun and listRuns', async () => {
      const run = newRun();
      await store.createRun(run);
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: { inputTokens: 10, outputTokens: 3, costUsd: 0.25 } });
      await store.commitStep({ runId: run.runId, step: step(run.runId, 1), events: [], usageDelta: { inputTokens: 5, outputTokens: 7, costUsd: 0.5 } });
      const expected = { inputTokens: 15, outputTokens: 10, costUsd: 0.75 };
      expect((await store.getRun(run.runId))?.usage).toEqual(expected);
      expect((await store.listRuns()).find((r) => r.runId === run.runId)?.usage).toEqual(expected);
    });

    it('lists runs by status: only the runs in that status, newest first, within the limit', async () => {
      const make = async () => (await store.createRun(newRun())).run.runId;
      const running = await make();
      const pausedOld = await make();
      const done = await make();
      const pausedNew = await make();
      for (const id of [pausedOld, pausedNew]) await store.updateRun({ runId: id, status: 'paused', result: result(id, { status: 'paused', stopReason: 'awaiting_approval' }) });
      await store.finishRun({ runId: done, result: result(done), events: [] });
      const ids = async (status: 'running' | 'paused' | 'completed' | 'failed', limit?: number) => (await store.listRuns({ status, ...(limit === undefined ? {} : { limit }) })).map((r) => r.runId);
      expect(await ids('paused')).toEqual([pausedNew, pausedOld]);
      expect(await ids('paused', 1)).toEqual([pausedNew]);
      expect(await ids('running')).toEqual([running]);
      expect(await ids('completed')).toEqual([done]);
      expect(await ids('failed')).toEqual([]);
    });

    it('a stale owner\'s releaseLease leaves the current lease held (no-op), and its holder keeps writing', async () => {
      const run = newRun();
      await store.createRun(run);
      const stale = (await store.acquireLease({ runId: run.runId, owner: 'a', ttlMs: 60_000 }))!;
      await store.releaseLease(stale);
      const current = (await store.acquireLease({ runId: run.runId, owner: 'b', ttlMs: 60_000 }))!;
      await store.releaseLease(stale);
      expect(await store.acquireLease({ runId: run.runId, owner: 'c', ttlMs: 60_000 })).toBeUndefined();
      expect(await store.renewLease(current, 60_000)).toBeDefined();
      await store.commitStep({ runId: run.runId, step: step(run.runId, 0), events: [], usageDelta: usage(1), lease: current });
      expect((await store.getRun(run.runId))?.stepCount).toBe(1);
    });

    it('answers a run\'s own kill flag before the incident stop (its reason is the one that applies)', async () => {
      const run = newRun();
      await store.createRun(run);
      await store.setKillFlag({ scope: run.runId, reason: 'own', at: new Date().toISOString() });
      await store.setKillFlag({ scope: KILL_ALL_SCOPE, reason: 'incident', at: new Date().toISOString() });
      expect(await store.getKillFlag(run.runId)).toMatchObject({ scope: run.runId, reason: 'own' });
      expect(await store.getKillFlag(`${run.runId}-other`)).toMatchObject({ scope: KILL_ALL_SCOPE, reason: 'incident' });
      await store.clearKillFlag(run.runId);
      expect(await store.getKillFlag(run.runId)).toMatchObject({ reason: 'incident' });
    });

    it('keeps a completed ledger entry completed when an intent for the same call arrives late', async () => {
      const run = newRun();
      await store.createRun(run);
      const call = { runId: run.runId, toolCallId: 'c1', stepIndex: 0, name: 'pay', argsFingerprint: 'fp', sideEffects: 'non-idempotent' as const };
      await store.recordToolIntent({ ...call, startedAt: new Date().toISOString() });
      await store.recordToolResult({ ...call, result: { role: 'tool', toolCallId: 'c1', name: 'pay', content: 'paid' }, completedAt: new Date().toISOString() });
      await store.recordToolIntent({ ...call, startedAt: new Date().toISOString() });
      const ledger = await store.getToolLedger(run.runId);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ status: 'completed', result: { content: 'paid' } });
    });

    it('hands out copies from every read and keeps copies of what it is given: no caller mutation, before or after, reaches the store', async () => {
      const run = newRun({ metadata: { tag: 'm' } });
      const id = run.runId;
      const pristineInput = structuredClone(run.input);
      await store.createRun(run);
      (run.input as Message[]).push({ role: 'user', content: 'changed after createRun' });
      (run.metadata as Record<string, unknown>).tag = 'changed';
      const given = step(id, 0);
      const givenEvent = { ...event(id, 1), note: { text: 'kept' } } as unknown as StoredRunEvent;
      await store.commitStep({ runId: id, step: given, events: [givenEvent], usageDelta: usage(1) });
      (given.messages as Message[]).push({ role: 'user', content: 'changed after commitStep' });
      ((givenEvent as unknown as { note: { text: string } }).note).text = 'changed after commit';
      const call = { runId: id, toolCallId: 'c1', stepIndex: 1, name: 'echo', argsFingerprint: 'fp', sideEffects: 'idempotent' as const };
      const toolResult = { role: 'tool' as const, toolCallId: 'c1', name: 'echo', content: 'r' };
      await store.recordToolResult({ ...call, result: toolResult, completedAt: new Date().toISOString() });
      toolResult.content = 'changed after recordToolResult';
      const flag = { scope: id, reason: 'r', at: new Date().toISOString() };
      await store.setKillFlag(flag);
      flag.reason = 'changed after setKillFlag';
      const check = async (when: string) => {
        const got = await store.getRun(id);
        expect(got?.input, when).toEqual(pristineInput);
        expect(got?.metadata, when).toEqual({ tag: 'm' });
        expect((await store.listRuns()).find((r) => r.runId === id)?.input, when).toEqual(pristineInput);
        expect((await store.loadSteps(id))[0]?.messages, when).toEqual(step(id, 0).messages);
        expect((await store.listEvents(id))[0], when).toMatchObject({ seq: 1, type: 'step_started', note: { text: 'kept' } });
        expect((await store.getToolLedger(id))[0]?.result?.content, when).toBe('r');
        expect((await store.getKillFlag(id))?.reason, when).toBe('r');
      };
      await check('after the callers changed what they gave');
      // Every read, changed in place by its caller, then read again.
      const listed = (await store.listRuns()).find((r) => r.runId === id)!;
      (listed.input as Message[]).push({ role: 'user', content: 'x' });
      (listed as { metadata: unknown }).metadata = { tag: 'x' };
      const steps = await store.loadSteps(id);
      (steps[0]!.messages as Message[]).push({ role: 'user', content: 'x' });
      (steps[0]!.messages[1] as { content: string }).content = 'x';
      const events = await store.listEvents(id);
      (events[0] as { type: string }).type = 'x';
      ((events[0] as unknown as { note: { text: string } }).note).text = 'x';
      const ledger = await store.getToolLedger(id);
      (ledger[0]!.result as { content: string }).content = 'x';
      const killFlag = await store.getKillFlag(id);
      (killFlag as { reason: string }).reason = 'x';
      await check('after the readers changed what they got');
    });

    it('reports an unknown run as run_not_found on writes', async () => {
      expect(await codeOf(store.commitStep({ runId: 'missing-run', step: step('missing-run', 0), events: [], usageDelta: usage(1) }))).toBe('run_not_found');
      expect(await codeOf(store.acquireLease({ runId: 'missing-run', owner: 'a', ttlMs: 60_000 }))).toBe('run_not_found');
    });

    it('answers a lease on an unknown run as not held: renewLease is undefined, releaseLease a no-op', async () => {
      const lease = { runId: 'missing-run', owner: 'a', epoch: 1, expiresAt: Date.now() + 60_000 };
      expect(await store.renewLease(lease, 60_000)).toBeUndefined();
      await expect(store.releaseLease(lease)).resolves.toBeUndefined();
    });
  });
}
