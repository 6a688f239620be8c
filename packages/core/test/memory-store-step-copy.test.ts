/**
 * The step record `MemoryStore` keeps (issue 15, eighteenth pass): a direct copy for the shape core
 * commits, holding the usage of the commit's own frozen `step_finished` event. What it keeps must be
 * what a JSON round trip of the step gives, whoever holds the step afterwards (an `onStepEnd` hook,
 * the caller of `commitStep`), and reads hand out copies that can be changed freely.
 */
import { createRuntime, defineTool, MemoryStore, type StepRecord } from '@agentrt/core';
import { ScriptedModel, storeRecords } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

/** A model that calls `add` `calls` times, then answers. */
function adder(calls: number): ScriptedModel {
  return new ScriptedModel([
    ...Array.from({ length: calls }, (_, i) => ({ toolCalls: [{ id: `c${i}`, name: 'add', args: { a: i, b: 1 } }], usage: { inputTokens: 10 + i, outputTokens: 5 } })),
    { text: 'done', usage: { inputTokens: 3, outputTokens: 2 } },
  ]);
}

/** A step of the shape core's loop commits (every member, in its order). */
function coreShaped(runId: string, stepIndex: number): StepRecord {
  const step = storeRecords.step(runId, stepIndex, `c${stepIndex}`);
  return {
    runId, stepIndex, messages: step.messages, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, toolCalls: 1, toolCallsRefused: 0,
    finishReason: 'tool_calls', startedAt: step.startedAt, endedAt: step.endedAt,
  };
}

describe('MemoryStore: the step it keeps', () => {
  it('an onStepEnd hook that changes the step it is given changes neither the stored step nor the events', async () => {
    const store = new MemoryStore();
    const seen: string[] = [];
    const runtime = createRuntime({
      model: adder(3),
      tools: [add],
      store,
      hooks: [{
        onStepEnd: (step) => {
          seen.push(JSON.stringify(step));
          const writable = step as { -readonly [K in keyof StepRecord]: StepRecord[K] } & { usage: { inputTokens: number; costUsd: number } };
          writable.usage.inputTokens = 999_999;
          writable.usage.costUsd = 42;
          const result = step.messages[1] as { content: unknown } | undefined;
          if (result) result.content = 'tampered';
          (step.messages as unknown[]).push({ role: 'user', content: 'injected' });
          writable.finishReason = 'stop';
        },
      }],
    });
    const result = await runtime.run('go');
    expect(result.status).toBe('completed');
    const steps = await store.loadSteps(result.runId);
    expect(steps).toHaveLength(4);
    // Members, their order and values as the hook was handed them, before it changed anything.
    expect(steps.map((step) => JSON.stringify(step))).toEqual(seen);
    expect(steps[1]!.usage).toEqual({ inputTokens: 11, outputTokens: 5, costUsd: 0 });
    expect(steps[1]!.messages[1]).toMatchObject({ role: 'tool', content: '2' });
    const events = await store.listEvents(result.runId);
    const finished = events.filter((event) => event.type === 'step_finished') as unknown as { usage: unknown }[];
    expect(finished.map((event) => event.usage)).toEqual(steps.map((step) => step.usage));
    // The run's totals are what the steps spent (the hook's edit counted nowhere).
    expect(result.usage.inputTokens).toBe(10 + 11 + 12 + 3);
  });

  it('reads hand out plain copies: changing one changes neither the store nor the next read', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({ model: adder(2), tools: [add], store }).run('go');
    const [first] = await store.loadSteps(result.runId);
    expect(Object.isFrozen(first!.usage)).toBe(false);
    (first!.usage as { inputTokens: number }).inputTokens = -1;
    const events = await store.listEvents(result.runId);
    const event = events.find((e) => e.type === 'step_finished') as unknown as { usage: { inputTokens: number } };
    expect(Object.isFrozen(event.usage)).toBe(false);
    event.usage.inputTokens = -2;
    const [again] = await store.loadSteps(result.runId);
    expect(again!.usage.inputTokens).toBe(10);
    const eventAgain = (await store.listEvents(result.runId)).find((e) => e.type === 'step_finished') as unknown as { usage: { inputTokens: number } };
    expect(eventAgain.usage.inputTokens).toBe(10);
  });

  it('a step given to commitStep directly is kept as a JSON round trip of it, whatever its caller does with it afterwards', async () => {
    const store = new MemoryStore();
    await store.createRun(storeRecords.run('r1'));
    const step = coreShaped('r1', 0);
    (step as { toolCallsRefused: number }).toolCallsRefused = -0;
    (step.messages[1] as { content: unknown }).content = [{ type: 'text', text: 'x', extra: undefined, when: new Date(0) }];
    const expected = JSON.stringify(step);
    await store.commitStep({ runId: 'r1', step, events: [], usageDelta: step.usage });
    (step.usage as { inputTokens: number }).inputTokens = 7;
    (step.messages[0] as { content: string }).content = 'changed';
    ((step.messages[0] as unknown as { toolCalls: { args: Record<string, unknown> }[] }).toolCalls[0]!.args).x = 1;
    const [kept] = await store.loadSteps('r1');
    expect(JSON.stringify(kept)).toBe(expected);
    expect(Object.is(kept!.toolCallsRefused, 0)).toBe(true);
  });

  it('other shapes (no toolCallsRefused, a contextState, members in another order, usage members undefined) keep the general copy', async () => {
    const store = new MemoryStore();
    await store.createRun(storeRecords.run('r1'));
    const { toolCallsRefused: _refused, ...withoutRefused } = coreShaped('r1', 0);
    const shapes: StepRecord[] = [
      withoutRefused,
      { ...coreShaped('r1', 1), contextState: { summary: 's', n: Number.NaN } },
      (({ usage, runId, ...rest }) => ({ usage, ...rest, runId }))(coreShaped('r1', 2)),
      { ...coreShaped('r1', 3), usage: { inputTokens: 1, outputTokens: 1, costUsd: 0, extra: undefined } as StepRecord['usage'] },
    ];
    for (const step of shapes) await store.commitStep({ runId: 'r1', step, events: [], usageDelta: { inputTokens: 1, outputTokens: 1, costUsd: 0 } });
    const kept = await store.loadSteps('r1');
    expect(kept.map((step) => JSON.stringify(step))).toEqual(shapes.map((step) => JSON.stringify(step)));
    expect(kept[1]!.contextState).toEqual({ summary: 's', n: null });
  });

  it('what JSON cannot hold is refused as before, naming the path; the depth limit counts the step as level 1', async () => {
    const store = new MemoryStore();
    await store.createRun(storeRecords.run('r1'));
    const bad = coreShaped('r1', 0);
    (bad.messages[1] as { content: unknown }).content = [{ type: 'text', text: 'x', n: 1n }];
    await expect(store.commitStep({ runId: 'r1', step: bad, events: [], usageDelta: bad.usage })).rejects.toMatchObject({ code: 'config_invalid', field: 'input.step.messages[1].content[0].n' });
    // step (1) → messages (2) → a message (3) → its content: 997 nested arrays reach level 1,000.
    const nested = (levels: number): unknown => {
      let value: unknown = [];
      for (let i = 1; i < levels; i++) value = [value];
      return value;
    };
    const deep = coreShaped('r1', 0);
    (deep.messages[1] as { content: unknown }).content = nested(998);
    await expect(store.commitStep({ runId: 'r1', step: deep, events: [], usageDelta: deep.usage })).rejects.toMatchObject({ code: 'config_invalid' });
    expect(await store.loadSteps('r1')).toEqual([]);
    const fits = coreShaped('r1', 0);
    (fits.messages[1] as { content: unknown }).content = nested(997);
    await store.commitStep({ runId: 'r1', step: fits, events: [], usageDelta: fits.usage });
    expect(JSON.stringify(await store.loadSteps('r1'))).toBe(JSON.stringify([fits]));
  });

  it('a lease, a run and a result that JSON cannot hold are refused naming the same fields as before, keeping nothing', async () => {
    const store = new MemoryStore();
    await expect(store.createRun({ ...storeRecords.run('r0'), metadata: { n: 1n } as never })).rejects.toMatchObject({ code: 'config_invalid', field: 'run.metadata.n' });
    expect(await store.getRun('r0')).toBeUndefined();
    await store.createRun({ ...storeRecords.run('r1'), metadata: { when: new Date(0), gone: undefined } as never });
    expect((await store.getRun('r1'))!.metadata).toEqual({ when: '1970-01-01T00:00:00.000Z' });
    const lease = (await store.acquireLease({ runId: 'r1', owner: 'me', ttlMs: 60_000 }))!;
    const step = coreShaped('r1', 0);
    const commit = (bad: unknown) => store.commitStep({ runId: 'r1', step, events: [], usageDelta: step.usage, lease: bad as never });
    await expect(commit(null)).rejects.toMatchObject({ code: 'config_invalid', field: 'input.lease' });
    await expect(commit({ ...lease, owner: '' })).rejects.toMatchObject({ code: 'config_invalid', field: 'input.lease.owner' });
    await expect(commit({ ...lease, owner: 7 })).rejects.toMatchObject({ code: 'config_invalid', field: 'input.lease.owner' });
    await expect(commit({ ...lease, epoch: 1.5 })).rejects.toMatchObject({ code: 'config_invalid', field: 'input.lease.epoch' });
    await expect(commit({ ...lease, runId: 'r2' })).rejects.toMatchObject({ code: 'config_invalid', field: 'input.lease.runId' });
    await expect(commit({ ...lease, epoch: lease.epoch + 1 })).rejects.toMatchObject({ code: 'lease_lost' });
    await commit(lease);
    const finish = (result: unknown) => store.finishRun({ runId: 'r1', result: result as never, events: [], lease });
    await expect(finish({ status: 'completed', stopReason: 'final_answer', output: { n: 2n } })).rejects.toMatchObject({ code: 'config_invalid', field: 'input.result.output.n' });
    expect((await store.getRun('r1'))!.status).toBe('running');
    const given = { status: 'completed', stopReason: 'final_answer', output: { at: new Date(0), list: [Number.NaN] } };
    const back = await finish(given);
    given.output.list.push(1);
    expect(back).toEqual(JSON.parse(JSON.stringify({ ...given, output: { ...given.output, list: [Number.NaN] } })));
    expect((await store.getRun('r1'))!.result).toEqual(back);
  });
});
