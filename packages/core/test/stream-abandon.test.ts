import { getEventListeners } from 'node:events';
import { createRuntime, defineTool, type ModelRequest, type RunEvent } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** A promise with its resolve exposed. */
const deferred = <T = void>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
};

/** A tool that hangs until its signal aborts, and reports that it saw the abort. */
const hangingTool = (entered: { resolve: () => void }, seen: { aborted: boolean; listeners: number }) => defineTool({
  name: 'hang',
  description: 'Waits for its signal',
  input: z.object({}),
  execute: (_args, ctx) => new Promise<string>((_resolve, reject) => {
    ctx.signal.addEventListener('abort', () => {
      seen.aborted = true;
      reject(new Error('aborted'));
    }, { once: true });
    entered.resolve();
  }),
});

describe('runtime.stream() abandoned by its consumer', () => {
  it('cancels the run when the consumer breaks while a tool hangs on its signal: the tool sees the abort, the run is recorded cancelled', async () => {
    const entered = deferred();
    const seen = { aborted: false, listeners: 0 };
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('hang', {}), ScriptedModel.answer('never')]), tools: [hangingTool(entered, seen)] });
    const user = new AbortController();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const timersBefore = timers();
    let timersDuring = 0;
    let runId = '';
    const consumed: RunEvent['type'][] = [];
    for await (const event of runtime.stream({ input: 'go', signal: user.signal })) {
      runId = event.runId;
      consumed.push(event.type);
      if (event.type === 'tool_started') {
        await entered.promise; // the tool is in flight and hanging
        timersDuring = timers();
        break;
      }
    }
    // `break` awaited return(): the stop is already recorded.
    expect(seen.aborted).toBe(true);
    const record = await runtime.getRun(runId);
    expect(record).toMatchObject({ status: 'stopped', stopReason: 'cancelled' });
    expect(record?.result?.stopDetail).toContain('stream consumer');
    const events = await runtime.events(runId);
    expect(events.at(-1)?.type).toBe('run_finished');
    // The hanging call got its synthetic result: the transcript stays paired.
    const toolMessage = (await runtime.messages(runId)).find((message) => message.role === 'tool');
    expect(toolMessage).toMatchObject({ role: 'tool', name: 'hang', isError: true });
    expect(String(toolMessage?.content)).toContain('tool_cancelled');
    await assertRunInvariants({ store: runtime.store, runId });
    // Nothing of the run keeps listening: the caller's signal has no listener left.
    expect(getEventListeners(user.signal, 'abort')).toHaveLength(0);
    expect(user.signal.aborted).toBe(false);
    // …and no timer of the run (its timeout, kill polling) is left behind.
    expect(timersDuring).toBeGreaterThan(timersBefore);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    expect(consumed.at(-1)).toBe('tool_started');
    await runtime.close();
  });

  it('aborts an in-flight model call when the consumer breaks during it', async () => {
    const entered = deferred();
    let modelSawAbort = false;
    const model = new ScriptedModel([(request: ModelRequest) => new Promise((_resolve, reject) => {
      request.signal.addEventListener('abort', () => {
        modelSawAbort = true;
        reject(request.signal.reason);
      }, { once: true });
      entered.resolve();
    })]);
    const runtime = createRuntime({ model });
    let runId = '';
    for await (const event of runtime.stream('go')) {
      runId = event.runId;
      if (event.type === 'model_request') {
        await entered.promise;
        break;
      }
    }
    expect(modelSawAbort).toBe(true);
    expect(await runtime.getRun(runId)).toMatchObject({ status: 'stopped', stopReason: 'cancelled' });
    await assertRunInvariants({ store: runtime.store, runId });
  });

  it('cancels on an explicit return() before any event was read; later next() calls are done', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('unused')], { whenExhausted: 'repeat_last' }) });
    const iterator = runtime.stream({ input: 'go', runId: 'abandoned-before-reading' })[Symbol.asyncIterator]();
    await expect(iterator.return!()).resolves.toEqual({ value: undefined, done: true });
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    const record = await waitFor(async () => {
      const run = await runtime.getRun('abandoned-before-reading');
      return run?.status !== 'running' ? run : undefined;
    });
    expect(record).toMatchObject({ status: 'stopped', stopReason: 'cancelled' });
    await assertRunInvariants({ store: runtime.store, runId: 'abandoned-before-reading' });
  });

  it('leaves a finished run as it is when the consumer breaks on the last event', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]) });
    let runId = '';
    for await (const event of runtime.stream('go')) {
      runId = event.runId;
      if (event.type === 'run_finished') break;
    }
    expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
  });

  it('never cancels a run it only waits for (same idempotency key), and does not wait for it', async () => {
    const entered = deferred();
    const release = deferred();
    const slow = defineTool({ name: 'slow', description: 'Waits to be released', input: z.object({}), execute: async () => { entered.resolve(); await release.promise; return 'ok'; } });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('slow', {}), ScriptedModel.answer('owner finished')]), tools: [slow] });
    const owner = runtime.run({ input: 'go', idempotencyKey: 'shared-key' });
    await entered.promise;
    const iterator = runtime.stream({ input: 'go', idempotencyKey: 'shared-key' })[Symbol.asyncIterator]();
    const pending = iterator.next();
    await iterator.return!(); // settles although the owner's run is still in flight
    await expect(pending).resolves.toMatchObject({ done: true });
    release.resolve();
    await expect(owner).resolves.toMatchObject({ stopReason: 'final_answer', output: 'owner finished' });
  });
});
