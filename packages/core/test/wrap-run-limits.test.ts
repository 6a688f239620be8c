import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, MemoryStore, type RunResult, type RuntimeHooks } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

/** A `wrapRun` hook whose promise never settles, before or after calling `next()`. */
const hangBefore = (entered: () => void, later?: { next?: () => Promise<RunResult<unknown>> }): RuntimeHooks => ({
  wrapRun: (_info, next) => {
    if (later) later.next = next;
    entered();
    return new Promise(() => undefined);
  },
});

function signalled(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

describe('wrapRun hooks are held to the run limits', () => {
  it('a wrapRun hook that never calls next() is abandoned at the run deadline: the run ends timeout, recorded, the model never called', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('never')]);
    const entered = signalled();
    const runtime = createRuntime({ model, store, limits: { timeoutMs: 200 }, hooks: [hangBefore(entered.fire)] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout', steps: 0 });
    expect(model.calls).toBe(0);
    expect((await store.getRun(result.runId))?.result?.stopReason).toBe('timeout');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a kill abandons a wrapRun hook that has not called next(); a next() called afterwards does not start the drive', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('never')]);
    const entered = signalled();
    const later: { next?: () => Promise<RunResult<unknown>> } = {};
    const runtime = createRuntime({ model, store, hooks: [hangBefore(entered.fire, later)] });
    const running = runtime.run({ input: 'go', runId: 'wrap-kill' });
    await entered.promise;
    await runtime.kill('wrap-kill', 'operator stop');
    const result = await running;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    await expect(later.next!()).rejects.toBeDefined();
    expect(model.calls).toBe(0);
    expect((await store.getRun('wrap-kill'))?.result?.stopReason).toBe('killed');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a caller cancellation abandons a wrapRun hook that has not called next()', async () => {
    const store = new MemoryStore();
    const entered = signalled();
    const controller = new AbortController();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('never')]), store, hooks: [hangBefore(entered.fire)] });
    const running = runtime.run({ input: 'go', signal: controller.signal });
    await entered.promise;
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'cancelled' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a wrapRun hook that hangs after next() does not hold the caller past the run deadline: the recorded outcome is returned', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('hi')]),
      store,
      limits: { timeoutMs: 300 },
      hooks: [{ wrapRun: async (_info, next) => { await next(); await new Promise(() => undefined); } }],
    });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'hi' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a wrapRun hook that finishes its own work after next() is still waited for (spans end before run() returns)', async () => {
    const log: string[] = [];
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('hi')]),
      store: new MemoryStore(),
      hooks: [{
        wrapRun: async (_info, next) => {
          const result = await next();
          await new Promise((resolve) => setTimeout(resolve, 20));
          log.push(`flushed:${result.stopReason}`);
        },
      }],
    });
    const result = await runtime.run('go');
    log.push('returned');
    expect(result.stopReason).toBe('final_answer');
    expect(log).toEqual(['flushed:final_answer', 'returned']);
  });
  // The deadline is what abandons such a hook: it must hold the process while it waits (a script
  // whose only pending work is the run exited with code 13, the run never settled nor recorded).
  it('a wrapRun hook that never calls next() and holds no handle still ends at the deadline in a process with nothing else to do', () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'hung-hook.mjs');
    const child = spawnSync(process.execPath, [fixture, 'wrapRun'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(child.stdout.trim().split('\n').at(-1)!)).toEqual({ status: 'stopped', stopReason: 'timeout' });
  });
  // The same for anything else the loop awaits: a hook, the model, the finalize call (its grace
  // is its deadline). Before, the run's own deadline timer did not hold the process either.
  it.each(['onStepStart', 'beforeModel', 'model'])('a %s that never settles and holds no handle ends the run at its deadline in a process with nothing else to do', (kind) => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'hung-hook.mjs');
    const child = spawnSync(process.execPath, [fixture, kind], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(child.stdout.trim().split('\n').at(-1)!)).toEqual({ status: 'stopped', stopReason: 'timeout' });
  });
  it('a finalize call that never settles and holds no handle ends at its grace, the run keeping its stop', () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'hung-hook.mjs');
    const child = spawnSync(process.execPath, [fixture, 'finalize'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(child.stdout.trim().split('\n').at(-1)!)).toEqual({ status: 'stopped', stopReason: 'max_steps' });
  });
});
