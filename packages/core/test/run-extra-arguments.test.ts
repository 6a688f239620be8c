/**
 * `run`, `stream` and `resume` take their options in one object. Untyped code calling
 * `run('go', { runId, signal })` used to run with those options silently dropped — a random run id,
 * a signal nobody listened to — so a cancel or a kill by that id never landed. It is refused with
 * `config_invalid` before any run is created.
 */
import { ConfigError, createRuntime, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

function setup() {
  const store = new MemoryStore();
  const runtime = createRuntime({ model: new ScriptedModel([{ text: 'hi' }, { text: 'again' }]), store });
  return { store, runtime: runtime as unknown as { run(...args: unknown[]): Promise<{ runId: string }>; stream(...args: unknown[]): AsyncIterable<unknown>; resume(...args: unknown[]): Promise<unknown> } };
}

describe('arguments past the options object', () => {
  it('run(input, options) is config_invalid and creates no run', async () => {
    const { store, runtime } = setup();
    const error = await runtime.run('go', { runId: 'mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('config_invalid');
    expect((error as ConfigError).field).toBe('run');
    expect((error as Error).message).toContain('run({ input, ...options })');
    expect(await store.listRuns()).toEqual([]);
  });

  it('stream(input, options) fails the iteration with config_invalid and creates no run', async () => {
    const { store, runtime } = setup();
    const read = async () => {
      for await (const _event of runtime.stream('go', { runId: 'mine' })) void _event;
    };
    await expect(read()).rejects.toMatchObject({ code: 'config_invalid', field: 'stream' });
    expect(await store.listRuns()).toEqual([]);
  });

  it('resume(runId, options, extra) is config_invalid', async () => {
    const { runtime } = setup();
    const { runId } = await runtime.run('go');
    await expect(runtime.resume(runId, {}, { approvals: {} })).rejects.toMatchObject({ code: 'config_invalid', field: 'resume' });
  });

  it('a forwarded undefined is let through, and the one-object forms work', async () => {
    const { runtime } = setup();
    const first = await runtime.run('go', undefined);
    expect(first.runId).toMatch(/./);
    const named = await runtime.run({ input: 'go', runId: 'named-1' });
    expect(named.runId).toBe('named-1');
    await expect(runtime.resume('named-1', undefined, undefined)).resolves.toMatchObject({ runId: 'named-1' });
  });
});
