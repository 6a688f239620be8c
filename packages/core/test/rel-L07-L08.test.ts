// RELIABILITY.md L-07 and a CI-sized L-08.
// L-07: killAll with 500 active runs — all killed within 2 s, 0 model or tool calls started after
// the flag, and I1–I8 for every one of the 500 runs (load.test.ts checks the first three only).
// L-08 (nightly: 4 h, ≥ 5 runs/s, mixed faults): here ~8 s of the same mix bench/soak.mjs serves
// (tool throws, slow tools, approvals killed, run timeouts, kills mid-run), checking invariants on
// every run and that the heap after forced GCs ends near where it started.
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SlidingWindow } from '@agentrt/context';
import { createRuntime, defineTool, MemoryStore, type RunResult } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('L-07 kill under load', () => {
  it('killAll with 500 active runs: all killed within 2 s, no call starts after the flag, I1–I8 for all 500', async () => {
    const store = new MemoryStore();
    let inFlight = 0;
    let toolStarts = 0;
    const slow = defineTool({ name: 'slow', description: 's', input: z.object({ i: z.number() }), execute: (_a, ctx) => new Promise((resolve, reject) => {
      inFlight++;
      toolStarts++;
      const timer = setTimeout(resolve, 10_000);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
    }) });
    let i = 0;
    const model = new ScriptedModel([() => ScriptedModel.call('slow', { i: i++ })], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, tools: [slow], store, limits: { maxSteps: 100 } });
    const controller = new AbortController();
    const runs = Array.from({ length: 500 }, (_, r) => runtime.run({ input: 'go', runId: `l07-${r}`, signal: controller.signal }));
    await waitFor(() => inFlight === 500, { timeoutMs: 30_000, message: 'all 500 runs have a tool in flight' });
    const callsAtKill = model.calls;
    const toolsAtKill = toolStarts;
    const started = performance.now();
    await runtime.killAll('incident');
    const results = await Promise.all(runs);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(results.every((r) => r.status === 'stopped' && r.stopReason === 'killed')).toBe(true);
    expect(model.calls).toBe(callsAtKill);
    expect(toolStarts).toBe(toolsAtKill);
    for (const result of results) expect((await checkRunInvariants({ store, runId: result.runId, result })).violations, result.runId).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await runtime.clearKill();
  }, 60_000);
});

describe('L-08 soak, CI-sized', () => {
  it('~8 s of back-to-back runs with mixed faults: ≥ 5 runs/s, 0 invariant violations, heap back near its start', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapMb = () => { gc(); gc(); return process.memoryUsage().heapUsed / 2 ** 20; };
    const flaky = defineTool({
      name: 'flaky', description: 'sometimes fails, sometimes slow', input: z.object({ n: z.number() }),
      execute: async ({ n }, ctx) => {
        if (n % 7 === 0) throw new Error(`boom ${n}`);
        if (n % 11 === 0) await new Promise((resolve, reject) => { const timer = setTimeout(resolve, 50); ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true }); });
        return `${'x'.repeat(2_000)}${n}`;
      },
    });
    const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ n: z.number() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ n }) => `paid ${n}` });
    const store = new MemoryStore({ maxFinishedRuns: 200 });
    let made = 0;
    const violations: string[] = [];
    const stops = new Map<string, number>();
    const check = async (runId: string, result: RunResult<unknown>) => {
      for (const v of (await checkRunInvariants({ store, runId, result })).violations) violations.push(`${runId}: ${JSON.stringify(v)}`);
    };
    const one = async () => {
      const k = ++made;
      let step = 0;
      const model = new ScriptedModel([() => (step++ < 4 ? ScriptedModel.call(k % 13 === 0 ? 'pay' : 'flaky', { n: k * 10 + step }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
      const runtime = createRuntime({ model, tools: [flaky, pay], store, context: new SlidingWindow({ maxMessages: 6 }), limits: { maxSteps: 8, timeoutMs: k % 17 === 0 ? 30 : 10_000 } });
      const runId = `soak-${k}`;
      if (k % 19 === 0) setTimeout(() => void runtime.kill(runId, 'soak: chaos').catch(() => undefined), 5);
      let result: RunResult<unknown> = await runtime.run({ input: `go ${k}`, runId });
      if (result.status === 'paused') {
        await runtime.kill(runId, 'soak: approval not given');
        result = (await runtime.getRun(runId))?.result ?? result;
      }
      stops.set(result.stopReason, (stops.get(result.stopReason) ?? 0) + 1);
      await check(runId, result);
    };
    // Warm up, then measure.
    await Promise.all(Array.from({ length: 40 }, one));
    const before = heapMb();
    const started = performance.now();
    let finished = 0;
    const active = new Set<Promise<void>>();
    while (performance.now() - started < 8_000) {
      while (active.size < 20) {
        const done: Promise<void> = one().then(() => { finished++; }).finally(() => active.delete(done));
        active.add(done);
      }
      await Promise.race(active);
    }
    await Promise.all(active);
    const seconds = (performance.now() - started) / 1000;
    const after = heapMb();
    expect(violations).toEqual([]);
    expect(finished / seconds).toBeGreaterThanOrEqual(5);
    // Every fault of the mix happened.
    for (const reason of ['final_answer', 'killed', 'timeout']) expect(stops.get(reason) ?? 0, reason).toBeGreaterThan(0);
    expect(after - before).toBeLessThan(Math.max(10, before * 0.2));
  }, 60_000);
});
