import { createRuntime, defineTool, type StateStore, type ToolMessage } from '@agentrt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertRunInvariants } from '../invariants.js';
import { seededRandom } from '../random.js';
import { ScriptedModel } from '../scripted-model.js';

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

/**
 * RELIABILITY L-01 on a store: many concurrent runs in one process, each a scripted multi-step run
 * whose tool answers after a random 0–50 ms. Every run must end `final_answer` with its own step
 * and tool-call counts, every tool call must see its own run's id and arguments (no cross-run
 * contamination: each result the model is sent names its run), and every run must satisfy the
 * invariants I1–I8 as stored.
 */
export function describeConcurrentRuns(options: ConcurrentRunsSuiteOptions): void {
  const runs = options.runs ?? 200;
  const steps = options.steps ?? 20;
  describe(`concurrent runs: ${options.name} (L-01)`, () => {
    const opened: StateStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await (options.destroy ? options.destroy(store) : store.close?.());
    });

    it(`${runs} concurrent ${steps}-step runs with 0–50 ms tools all finish, each tool call seeing its own run`, async () => {
      const store = await options.create();
      opened.push(store);
      const random = seededRandom(20_260_101 + counter);
      const batch = `l01-${process.pid}-${++counter}`;
      const seen: string[] = [];
      const whoami = defineTool({
        name: 'whoami',
        description: 'Answers with the run it was called from, after a random delay',
        input: z.object({ run: z.string(), step: z.number().int() }),
        sideEffects: 'idempotent',
        execute: async ({ run, step }, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 51)));
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
      for (const { result, model, runId } of outcomes) {
        expect(result, runId).toMatchObject({ runId, stopReason: 'final_answer', steps, toolCalls: steps - 1, output: `done ${runId}` });
        const contents = model.requests.at(-1)!.messages.filter((m) => m.role === 'tool').map((m) => (m as ToolMessage).content as string);
        expect(contents).toEqual(Array.from({ length: steps - 1 }, (_, i) => `${runId}:${i}`));
      }
      for (const { result } of outcomes) await assertRunInvariants({ store, runId: result.runId, result });
    }, 240_000);
  });
}
