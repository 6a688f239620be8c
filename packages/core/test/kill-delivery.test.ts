import { createRuntime, defineTool, MemoryStore, type ModelRequest, type StateStore } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * A store that cannot push kills (like SqliteStore, or a third-party store without
 * `subscribeKills`): the MemoryStore with its push hidden, counting `getKillFlag` reads.
 */
function pollOnly(inner = new MemoryStore()): { store: StateStore; reads: () => number } {
  let reads = 0;
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'subscribeKills') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'getKillFlag') return (runId: string) => (reads++, target.getKillFlag(runId));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as StateStore;
  return { store, reads: () => reads };
}

/** A tool that waits 10 s on its signal; records when it started and when its signal aborted. */
function holdTool() {
  const state = { started: 0, aborted: 0, abortedAt: 0, finished: 0 };
  const tool = defineTool({
    name: 'hold', description: 'Waits on its abort signal', input: z.object({ n: z.number() }),
    execute: (_args, ctx) => new Promise<string>((resolve, reject) => {
      state.started++;
      const timer = setTimeout(() => { state.finished++; resolve('held to the end'); }, 10_000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        state.aborted++;
        state.abortedAt = performance.now();
        reject(new Error('aborted'));
      }, { once: true });
    }),
  });
  return { tool, state };
}

const holdModel = () => new ScriptedModel([(_, i) => ScriptedModel.call('hold', { n: i })], { whenExhausted: 'cycle' });

describe('kill delivery to in-flight calls', () => {
  it('a store without push: a kill from another runtime aborts an in-flight tool within killPollMs', async () => {
    const { store } = pollOnly();
    const { tool, state } = holdTool();
    const a = createRuntime({ model: holdModel(), tools: [tool], store, killPollMs: 50 });
    const b = createRuntime({ model: new ScriptedModel([]), store });
    const running = a.run({ input: 'go', runId: 'poll-kill' });
    await waitFor(() => state.started === 1, { message: 'the tool started' });
    const killedAt = performance.now();
    await b.kill('poll-kill', 'from b');
    const result = await running;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'from b', steps: 1 });
    expect(state).toMatchObject({ started: 1, aborted: 1, finished: 0 });
    // Delivered by polling, not by the tool ending on its own after 10 s.
    expect(state.abortedAt - killedAt).toBeLessThan(5_000);
    const step = (await store.loadSteps('poll-kill'))[0]!;
    expect(step.messages[1]).toMatchObject({ role: 'tool', code: 'tool_cancelled' });
    expect((await store.listEvents('poll-kill')).filter((e) => e.type === 'run_killed')).toMatchObject([{ reason: 'from b', scope: 'run' }]);
    await assertRunInvariants({ store, runId: 'poll-kill', result });
  });

  it('a store without push: a kill aborts an in-flight model call through its signal', async () => {
    const { store } = pollOnly();
    let aborted = 0;
    const model = new ScriptedModel([(request: ModelRequest) => new Promise((_, reject) => {
      request.signal?.addEventListener('abort', () => { aborted++; reject(new Error('aborted')); }, { once: true });
    })]);
    const a = createRuntime({ model, store, killPollMs: 50 });
    const running = a.run({ input: 'go', runId: 'poll-kill-model' });
    await waitFor(() => model.calls === 1, { message: 'the model call started' });
    await createRuntime({ model: new ScriptedModel([]), store }).kill('poll-kill-model', 'too slow');
    const result = await running;
    expect(result).toMatchObject({ stopReason: 'killed', stopDetail: 'too slow', steps: 0 });
    expect(aborted).toBe(1);
    await assertRunInvariants({ store, runId: 'poll-kill-model', result });
  });

  it('a store without push: killAll from another runtime aborts the in-flight calls of every run', async () => {
    const { store } = pollOnly();
    const { tool, state } = holdTool();
    const a = createRuntime({ model: holdModel(), tools: [tool], store, killPollMs: 50 });
    const runs = Array.from({ length: 5 }, (_, i) => a.run({ input: 'go', runId: `poll-all-${i}` }));
    await waitFor(() => state.started === 5, { message: 'five tools started' });
    const operator = createRuntime({ model: new ScriptedModel([]), store });
    await operator.killAll('incident');
    try {
      const results = await Promise.all(runs);
      expect(results.map((r) => r.stopReason)).toEqual(Array(5).fill('killed'));
      expect(state).toMatchObject({ aborted: 5, finished: 0 });
      expect((await store.listEvents('poll-all-0')).filter((e) => e.type === 'run_killed')).toMatchObject([{ reason: 'incident', scope: 'all' }]);
      for (const result of results) await assertRunInvariants({ store, runId: result.runId, result });
    } finally {
      await operator.clearKill();
    }
  });

  it('no extra kill-flag reads when calls finish within killPollMs, and none at all while idle', async () => {
    const { store, reads } = pollOnly();
    const add = defineTool({ name: 'add', description: 'a', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 });
    const model = new ScriptedModel([(_, i) => (i < 19 ? ScriptedModel.call('add', { a: i }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, tools: [add], store, killPollMs: 60_000, loopDetection: false, limits: { maxSteps: 25 } });
    const result = await runtime.run('count');
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 20, toolCalls: 19 });
    // Exactly the loop's own checks: one before each model call and one before each tool call.
    expect(reads()).toBe(20 + 19);
  });

  it('polls only while a call is in flight: a slow call is polled, an idle runtime reads nothing', async () => {
    const { store, reads } = pollOnly();
    let readsDuringCall = 0;
    // The tool finishes once the poller has read the flag twice while it was in flight.
    const observed = defineTool({ name: 'observed', description: 'o', input: z.object({}), execute: async () => {
      const before = reads();
      await waitFor(() => reads() >= before + 2, { message: 'two polls during the call' });
      readsDuringCall = reads() - before;
      return 'seen';
    } });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('observed'), ScriptedModel.answer('ok')]), tools: [observed], store, killPollMs: 20 });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(readsDuringCall).toBeGreaterThanOrEqual(2);
    const after = reads();
    // Timers fire in deadline order: any poll due within 10 intervals has run before this one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads()).toBe(after);
  });

  it('a store that pushes (MemoryStore): a kill from another runtime aborts the in-flight tool without polling', async () => {
    const store = new MemoryStore();
    const { tool, state } = holdTool();
    const a = createRuntime({ model: holdModel(), tools: [tool], store, killPollMs: 60_000 });
    const running = a.run({ input: 'go', runId: 'push-kill' });
    await waitFor(() => state.started === 1, { message: 'the tool started' });
    await createRuntime({ model: new ScriptedModel([]), store }).kill('push-kill', 'pushed');
    const result = await running;
    expect(result).toMatchObject({ stopReason: 'killed', stopDetail: 'pushed', steps: 1 });
    expect(state).toMatchObject({ aborted: 1, finished: 0 });
    await assertRunInvariants({ store, runId: 'push-kill', result });
  });

  it.each([[5], [0], [1.5], [60_001], ['250']])('refuses killPollMs %j with a ConfigError naming the field', (value) => {
    expect(() => createRuntime({ model: new ScriptedModel([]), killPollMs: value as number })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'killPollMs' }));
  });

  it('defaults killPollMs to 250 ms', () => {
    expect(createRuntime({ model: new ScriptedModel([]) }).config.killPollMs).toBe(250);
  });
});
