import { AgentrtError, createRuntime, defineTool, type RunResult, type StateStore, type ToolMessage } from '@agentrt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertRunInvariants } from '../invariants.js';
import { seededRandom } from '../random.js';
import { ScriptedModel } from '../scripted-model.js';
import { waitFor } from '../wait-for.js';
import { dyingStore } from './dying-store.js';

/** Options of `describeConcurrentRuns`. */
export interface ConcurrentRunsSuiteOptions {
  /** Suite title. */
  readonly name: string;
  /** A fresh, empty store per test. */
  create(): StateStore | Promise<StateStore>;
  /** Cleanup after each test (close connections, delete files). Default: `store.close()`. */
  destroy?(store: StateStore): void | Promise<void>;
  /** Concurrent runs (default 200, RELIABILITY L-01). */
  readonly runs?: number;
  /** Steps per run, the last one a final answer (default 20). */
  readonly steps?: number;
}

let counter = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Run ids as an application names them: a long shared prefix (tenant, job) and a short suffix, so
 * a store that keys runs by a cut id (a 36-character uuid column) or matches ids as prefixes
 * (`LIKE 'id%'`, `KEYS id*`: `…-1` is a prefix of `…-10`) mixes runs up.
 */
const batchId = (what: string) => `tenant-7c9e6679-7425-40de-944b-e07fc1f90ae7:${what}-${process.pid}-${++counter}:run`;

/**
 * RELIABILITY L-01 on a store: many concurrent runs in one process, each a scripted multi-step run
 * whose tool answers after a random 0–50 ms. Every run must end `final_answer` with its own step
 * and tool-call counts, every tool call must see its own run's id and arguments (no cross-run
 * contamination: each result the model is sent names its run), each run's stored steps must be its
 * own, `listRuns` must list every run, and every run must satisfy the invariants I1–I8 as stored.
 * Run ids share a long prefix. Also, on one store at once: a kill of one run set through another
 * runtime stops that run only; concurrent `run()` calls with one idempotency key make one run; two
 * runtimes resuming one paused run drive it once; the parallel calls of one step each keep their
 * ledger entry, so a crash before the commit re-runs none of them.
 */
export function describeConcurrentRuns(options: ConcurrentRunsSuiteOptions): void {
  const runs = options.runs ?? 200;
  const steps = options.steps ?? 20;
  describe(`concurrent runs: ${options.name} (L-01)`, () => {
    const opened: StateStore[] = [];
    const open = async () => {
      const store = await options.create();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await (options.destroy ? options.destroy(store) : store.close?.());
    });

    it(`${runs} concurrent ${steps}-step runs with 0–50 ms tools all finish, each tool call seeing its own run`, async () => {
      const store = await open();
      const random = seededRandom(20_260_101 + counter);
      const batch = batchId('l01');
      const seen: string[] = [];
      const whoami = defineTool({
        name: 'whoami',
        description: 'Answers with the run it was called from, after a random delay',
        input: z.object({ run: z.string(), step: z.number().int() }),
        sideEffects: 'idempotent',
        execute: async ({ run, step }, ctx) => {
          await sleep(Math.floor(random() * 51));
          if (ctx.runId !== run) seen.push(`${run} called from ${ctx.runId}`);
          return `${ctx.runId}:${step}`;
        },
      });
      const outcomes = await Promise.all(Array.from({ length: runs }, async (_, r) => {
        const runId = `${batch}-${r}`;
        let step = 0;
        const model = new ScriptedModel([() => (step < steps - 1 ? ScriptedModel.call('whoami', { run: runId, step: step++ }) : ScriptedModel.answer(`done ${runId}`))], { whenExhausted: 'cycle' });
        const runtime = createRuntime({ model, tools: [whoami], store, loopDetection: false, limits: { maxSteps: steps + 5, timeoutMs: 300_000 } });
        const result = await runtime.run({ input: `run ${r}`, runId });
        return { result, model, runId };
      }));
      expect(seen).toEqual([]);
      const own = (runId: string) => Array.from({ length: steps - 1 }, (_, i) => `${runId}:${i}`);
      for (const { result, model, runId } of outcomes) {
        expect(result, runId).toMatchObject({ runId, stopReason: 'final_answer', steps, toolCalls: steps - 1, output: `done ${runId}` });
        const contents = model.requests.at(-1)!.messages.filter((m) => m.role === 'tool').map((m) => (m as ToolMessage).content as string);
        expect(contents).toEqual(own(runId));
      }
      // Read back: each run's steps are its own (what a resume would build its transcript from).
      for (const { runId } of outcomes) {
        const stored = await store.loadSteps(runId);
        expect(stored.map((step) => step.runId), runId).toEqual(Array.from({ length: steps }, () => runId));
        expect(stored.flatMap((step) => step.messages).filter((m) => m.role === 'tool').map((m) => (m as ToolMessage).content), runId).toEqual(own(runId));
      }
      // Runs created at the same moment are all listed (no index entry lost to a concurrent write).
      const listed = (await store.listRuns({ status: 'completed' })).map((run) => run.runId).filter((runId) => runId.startsWith(batch));
      expect(listed.sort()).toEqual(outcomes.map(({ runId }) => runId).sort());
      for (const { result } of outcomes) await assertRunInvariants({ store, runId: result.runId, result });
    }, 240_000);

    it('a kill of one run, set through another runtime on the store, stops that run only while 11 others go on', async () => {
      const store = await open();
      const batch = batchId('kill');
      // `…-1` is the victim; `…-10` and `…-11` start with its id.
      const ids = Array.from({ length: 12 }, (_, r) => `${batch}-${r}`);
      const victim = ids[1]!;
      const calls = new Map<string, number>();
      let released = false;
      const ended = new Set<string>();
      const hold = defineTool({ name: 'hold', description: 'Holds the run a moment', input: z.object({}), execute: async (_args, ctx) => {
        await sleep(5 + (ctx.stepIndex % 4) * 5);
        return `held ${ctx.runId}`;
      } });
      const driven = ids.map((runId) => {
        const model = new ScriptedModel([() => {
          calls.set(runId, (calls.get(runId) ?? 0) + 1);
          return released ? ScriptedModel.answer(`done ${runId}`) : ScriptedModel.call('hold', {});
        }], { whenExhausted: 'cycle' });
        const run = createRuntime({ model, tools: [hold], store, loopDetection: false, limits: { maxSteps: 100_000, timeoutMs: 120_000 } }).run({ input: 'hold on', runId });
        void run.finally(() => ended.add(runId)).catch(() => undefined);
        return run;
      });
      const count = (runId: string) => calls.get(runId) ?? 0;
      await waitFor(() => ended.size > 0 || ids.every((runId) => count(runId) >= 2), { timeoutMs: 30_000, message: 'every run under way' });
      expect([...ended], 'runs that ended before the kill').toEqual([]);
      await createRuntime({ model: new ScriptedModel([]), store }).kill(victim, 'stop this one');
      expect(await driven[1]).toMatchObject({ runId: victim, status: 'stopped', stopReason: 'killed' });
      // The others keep going for a while after the kill (several more model calls each), then answer.
      const atKill = new Map(ids.map((runId) => [runId, count(runId)]));
      // (or until one of them ended: then it was stopped too, and the check below says so at once)
      await waitFor(() => ended.size > 1 || ids.every((runId) => runId === victim || count(runId) >= atKill.get(runId)! + 4), { timeoutMs: 30_000, message: 'the other runs going on after the kill' });
      released = true;
      const results = await Promise.all(driven);
      for (const [r, result] of results.entries()) {
        if (r !== 1) expect(result, ids[r]).toMatchObject({ runId: ids[r], stopReason: 'final_answer', output: `done ${ids[r]}` });
        await assertRunInvariants({ store, runId: ids[r]!, result });
      }
      expect((await store.getKillFlag(victim))?.reason).toBe('stop this one');
      for (const runId of ids) if (runId !== victim) expect(await store.getKillFlag(runId), runId).toBeUndefined();
    }, 120_000);

    it('8 concurrent run() calls with one idempotency key make one run: its tool runs once and every caller gets its result', async () => {
      const store = await open();
      const key = `${batchId('idempotent')}-key`;
      let executed = 0;
      const once = defineTool({ name: 'once', description: 'Must run once', input: z.object({}), sideEffects: 'non-idempotent', execute: async () => {
        executed++;
        await sleep(20);
        return 'done';
      } });
      const results = await Promise.all(Array.from({ length: 8 }, () => {
        const model = new ScriptedModel([ScriptedModel.call('once', {}), ScriptedModel.answer('did it once')]);
        return createRuntime({ model, tools: [once], store }).run({ input: 'do it once', idempotencyKey: key });
      }));
      expect(executed).toBe(1);
      expect(new Set(results.map((result) => result.runId)).size).toBe(1);
      for (const result of results) expect(result).toMatchObject({ stopReason: 'final_answer', output: 'did it once' });
      expect((await store.listRuns()).filter((run) => run.idempotencyKey === key).map((run) => run.runId)).toEqual([results[0]!.runId]);
      await assertRunInvariants({ store, runId: results[0]!.runId, result: results[0]! });
    });

    it('two runtimes resuming one paused run at once: one lease, one drive — the approved call runs once, the other caller gets the result or run_conflict', async () => {
      const store = await open();
      let paid = 0;
      const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: async ({ cents }) => {
        paid++;
        await sleep(20);
        return `paid ${cents}`;
      } });
      const runId = `${batchId('resume')}-0`;
      const paused = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', { cents: 5 }, { id: 'pay-1' })]), tools: [pay], store }).run({ input: 'pay', runId });
      expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
      const settled = await Promise.allSettled([0, 1].map(() => {
        const model = new ScriptedModel([ScriptedModel.answer('paid once')], { whenExhausted: 'cycle' });
        return createRuntime({ model, tools: [pay], store }).resume(runId, { approvals: { 'pay-1': 'approve' } });
      }));
      expect(paid).toBe(1);
      const done = settled.filter((outcome): outcome is PromiseFulfilledResult<RunResult<string>> => outcome.status === 'fulfilled').map((outcome) => outcome.value);
      expect(done.length).toBeGreaterThan(0);
      for (const result of done) expect(result).toMatchObject({ runId, stopReason: 'final_answer', output: 'paid once' });
      // A second owner shows as a fencing error (`lease_lost`) of the loser: only run_conflict (the lease is held) is expected.
      for (const outcome of settled) if (outcome.status === 'rejected') expect(AgentrtError.isInstance(outcome.reason) ? outcome.reason.code : String(outcome.reason)).toBe('run_conflict');
      await assertRunInvariants({ store, runId, result: done[0]! });
    });

    it('8 parallel idempotent calls of one step each keep their ledger entry: after a crash before the commit, resume runs none again', async () => {
      const store = await open();
      const random = seededRandom(20_260_216 + counter);
      const executed = new Map<number, number>();
      const slow = defineTool({ name: 'slow', description: 'Answers after 0–50 ms', input: z.object({ i: z.number() }), sideEffects: 'idempotent', execute: async ({ i }) => {
        await sleep(Math.floor(random() * 51));
        executed.set(i, (executed.get(i) ?? 0) + 1);
        return `slow ${i}`;
      } });
      const indexes = [0, 1, 2, 3, 4, 5, 6, 7];
      const runId = `${batchId('ledger')}-0`;
      // The process dies as it commits the step: every call has finished and recorded its result.
      const dying = dyingStore(store, (method) => method === 'commitStep');
      const model = new ScriptedModel([ScriptedModel.parallel(indexes.map((i) => ({ name: 'slow', args: { i } }))), ScriptedModel.answer('lost with the process')]);
      await createRuntime({ model, tools: [slow], store: dying, leaseTtlMs: 200 }).run({ input: 'eight at once', runId }).catch(() => undefined);
      expect([...executed.values()]).toEqual(indexes.map(() => 1));
      const ledger = await store.getToolLedger(runId);
      expect(ledger.map((entry) => `${entry.status} ${String(entry.result?.content)}`).sort()).toEqual(indexes.map((i) => `completed slow ${i}`).sort());
      const resumed = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('all eight')]), tools: [slow], store, leaseTtlMs: 200 }).resume(runId, { waitForLeaseMs: 10_000 });
      expect(resumed).toMatchObject({ stopReason: 'final_answer', output: 'all eight', steps: 2, toolCalls: 8 });
      expect([...executed.entries()].sort(([a], [b]) => a - b)).toEqual(indexes.map((i) => [i, 1]));
      await assertRunInvariants({ store, runId, result: resumed });
    });
  });
}
