import { createRuntime, defineTool } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempStores } from './temp-stores.js';

const { fresh, open } = tempStores('agentrt-sqlite-kill-');

/** A tool that waits 10 s on its signal, counting starts, aborts and natural ends. */
function holdTool() {
  const state = { started: 0, aborted: 0, finished: 0 };
  const tool = defineTool({
    name: 'hold', description: 'Waits on its abort signal', input: z.object({ n: z.number() }),
    execute: (_args, ctx) => new Promise<string>((resolve, reject) => {
      state.started++;
      const timer = setTimeout(() => { state.finished++; resolve('held'); }, 10_000);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); state.aborted++; reject(new Error('aborted')); }, { once: true });
    }),
  });
  return { tool, state };
}

describe('SqliteStore: kills reach calls in flight (polled, killPollMs)', () => {
  it('a kill through another handle on the file aborts the tool in flight within killPollMs', async () => {
    const path = fresh();
    const { tool, state } = holdTool();
    const driver = createRuntime({ model: new ScriptedModel([ScriptedModel.call('hold', { n: 1 })]), tools: [tool], store: open(path), killPollMs: 100 });
    const operator = createRuntime({ model: new ScriptedModel([]), store: open(path) });
    const running = driver.run({ input: 'go', runId: 'sqlite-hold' });
    await waitFor(() => state.started === 1, { message: 'the tool started' });
    const killedAt = performance.now();
    await operator.kill('sqlite-hold', 'operator');
    const result = await running;
    const latency = performance.now() - killedAt;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'operator', steps: 1 });
    expect(state).toMatchObject({ aborted: 1, finished: 0 });
    expect(latency).toBeLessThan(10_000);
    const store = open(path);
    expect((await store.loadSteps('sqlite-hold'))[0]?.messages[1]).toMatchObject({ code: 'tool_cancelled' });
    await assertRunInvariants({ store, runId: 'sqlite-hold', result });
  });

  it('killAll through another handle aborts the tools in flight of every run on the file', async () => {
    const path = fresh();
    const { tool, state } = holdTool();
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('hold', { n: i })], { whenExhausted: 'cycle' });
    const driver = createRuntime({ model, tools: [tool], store: open(path), killPollMs: 100 });
    const operator = createRuntime({ model: new ScriptedModel([]), store: open(path) });
    const runs = Array.from({ length: 3 }, (_, i) => driver.run({ input: 'go', runId: `sqlite-all-${i}` }));
    await waitFor(() => state.started === 3, { message: 'three tools started' });
    await operator.killAll('incident');
    try {
      const results = await Promise.all(runs);
      expect(results.map((r) => r.stopReason)).toEqual(['killed', 'killed', 'killed']);
      expect(state).toMatchObject({ aborted: 3, finished: 0 });
    } finally {
      await operator.clearKill();
    }
  });

  it('reads the flag only at the loop checks when calls finish within killPollMs', async () => {
    const store = open(fresh());
    let reads = 0;
    const getKillFlag = store.getKillFlag.bind(store);
    store.getKillFlag = (runId) => (reads++, getKillFlag(runId));
    const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ n: z.number() }), execute: ({ n }) => n });
    const model = new ScriptedModel([(_, i) => (i < 9 ? ScriptedModel.call('echo', { n: i }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [echo], store, killPollMs: 60_000, limits: { maxSteps: 12 } }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 10, toolCalls: 9 });
    expect(reads).toBe(10 + 9);
  });
});
