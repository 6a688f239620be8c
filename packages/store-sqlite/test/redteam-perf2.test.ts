// Red team of 3743ffb (kill-flag reads before model and tool calls without the async helper; lease
// renewed only when due) on SQLite: the run is driven through one connection, the kill is
// committed through another (a second runtime on the same file), at the last moment before a call.
// The poller is set far away (killPollMs 60 s) so only the loop's own reads can stop the run.
import { createRuntime, defineTool, type RuntimeHooks } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempStores } from './temp-stores.js';

const { fresh, open } = tempStores('agentrt-sqlite-rt-perf2-');

function setup(hooks: (operator: ReturnType<typeof createRuntime>) => RuntimeHooks = () => ({}), toolKills = false) {
  const path = fresh();
  const operator = createRuntime({ model: new ScriptedModel([]), store: open(path) });
  const counts = { model: 0, tool: 0 };
  const tool = defineTool({
    name: 't', description: 't', input: z.object({ n: z.number() }),
    execute: (_args, ctx) => {
      counts.tool++;
      // Committed through the other connection before this synchronous tool returns.
      if (toolKills) void operator.kill(ctx.runId, 'killed by the first tool call');
      return 'r';
    },
  });
  const store = open(path);
  const make = (steps: ConstructorParameters<typeof ScriptedModel>[0]) =>
    createRuntime({ model: new ScriptedModel(steps), tools: [tool], store, killPollMs: 60_000, limits: { toolConcurrency: 1 }, hooks: [hooks(operator)] });
  return { operator, counts, make, store };
}

describe('SqliteStore red team (perf2): a kill committed by another connection right before a call', () => {
  it('while the model answers: none of its tool calls runs, no further model call', async () => {
    let operatorRef: ReturnType<typeof createRuntime> | undefined;
    const { counts, make, store, operator } = setup();
    operatorRef = operator;
    const runtime = make([
      async () => {
        counts.model++;
        await operatorRef!.kill('rt-sqlite-1', 'while the model answered');
        return { toolCalls: [{ name: 't', args: { n: 1 } }, { name: 't', args: { n: 2 } }] };
      },
      () => (counts.model++, { text: 'done' }),
    ]);
    const result = await runtime.run({ input: 'go', runId: 'rt-sqlite-1' });
    expect(result.stopReason).toBe('killed');
    expect(counts).toEqual({ model: 1, tool: 0 });
    await assertRunInvariants({ store, runId: 'rt-sqlite-1', result });
  });

  it('by the first of two sequential tool calls (synchronous tool): the second does not run', async () => {
    const { counts, make, store } = setup(undefined, true);
    const runtime = make([() => (counts.model++, { toolCalls: [{ name: 't', args: { n: 1 } }, { name: 't', args: { n: 2 } }] }), () => (counts.model++, { text: 'done' })]);
    const result = await runtime.run({ input: 'go', runId: 'rt-sqlite-2' });
    expect(result.stopReason).toBe('killed');
    expect(counts).toEqual({ model: 1, tool: 1 });
    await assertRunInvariants({ store, runId: 'rt-sqlite-2', result });
  });

  it('in onStepEnd (kill) and in afterTool (killAll): the next model call is not made', async () => {
    for (const where of ['onStepEnd', 'afterTool'] as const) {
      const { counts, make, operator } = setup((op) => (where === 'onStepEnd'
        ? { onStepEnd: async (_s, ctx) => { await op.kill(ctx.runId, 'at step end'); } }
        : { afterTool: async () => { await op.killAll('incident'); } }));
      const runtime = make([() => (counts.model++, { toolCalls: [{ name: 't', args: { n: 1 } }] }), () => (counts.model++, { text: 'done' })]);
      const result = await runtime.run({ input: 'go', runId: `rt-sqlite-3-${where}` });
      expect({ where, stop: result.stopReason, ...counts }).toEqual({ where, stop: 'killed', model: 1, tool: 1 });
      await operator.clearKill();
    }
  });

  it('a run longer than its lease TTL keeps its lease (renewed when due): the other connection cannot resume it meanwhile', async () => {
    const path = fresh();
    const tool = defineTool({ name: 'wait', description: 'wait', input: z.object({ n: z.number() }), execute: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 40)) });
    const other = createRuntime({ model: new ScriptedModel([]), tools: [tool], store: open(path), leaseTtlMs: 400, limits: { maxSteps: 30 } });
    let takeover: unknown = 'not tried';
    const started = performance.now();
    const steps = Array.from({ length: 14 }, (_, n) => async () => {
      if (n === 12) {
        expect(performance.now() - started).toBeGreaterThan(400);
        takeover = await other.resume('rt-sqlite-lease').then((r) => `took over: ${r.stopReason}`, (error: { code?: string }) => error.code);
      }
      return ScriptedModel.call('wait', { n });
    });
    const runtime = createRuntime({ model: new ScriptedModel([...steps, { text: 'done' }]), tools: [tool], store: open(path), leaseTtlMs: 400, limits: { maxSteps: 30 } });
    const result = await runtime.run({ input: 'go', runId: 'rt-sqlite-lease' });
    expect(result.stopReason).toBe('final_answer');
    expect(takeover).toBe('run_conflict');
  });
});
