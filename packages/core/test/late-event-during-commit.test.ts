/**
 * Events emitted while a store write is in flight are not lost. A tool that ignores its abort
 * settles while the killed step's commit is being written: its `late_result_discarded` event is
 * emitted then. The list of events handed to the store must not grow under it (a durable store
 * serializes the list when called), and the count marked written must be the count handed over:
 * else the late event was marked written without being stored, the terminal record found a gap in
 * the log (`run_conflict`) and the run stayed `running` forever (invariant I1).
 */
import { createRuntime, defineTool, MemoryStore, type RunEvent, type StateStore } from '@agentrt/core';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants } from './helpers.js';

describe('an event emitted while a step write is in flight', () => {
  it('is written with the terminal record; the run records its kill (I1 holds)', async () => {
    let settleTool!: (value: string) => void;
    let toolStarted = false;
    const stubborn = defineTool({
      name: 'stubborn', description: 's', input: z.object({}),
      execute: () => {
        toolStarted = true;
        return new Promise<string>((resolve) => (settleTool = resolve));
      },
    });
    const base = new MemoryStore();
    let release!: () => void;
    let handed: readonly unknown[] | undefined;
    let handedLength = 0;
    const store: StateStore = new Proxy(base, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'commitStep') return typeof value === 'function' ? value.bind(target) : value;
        return async (input: Parameters<StateStore['commitStep']>[0]) => {
          // As a durable store does: the events are serialized when the call is made, written later.
          handed = input.events;
          handedLength = input.events.length;
          const snapshot = { ...input, events: structuredClone([...input.events]) };
          await new Promise<void>((resolve) => (release = resolve));
          return target.commitStep(snapshot);
        };
      },
    });
    let lateSeen = false;
    const onEvent = (event: RunEvent) => {
      if (event.type === 'late_result_discarded') lateSeen = true;
    };
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('stubborn', {})]), tools: [stubborn], store, hooks: [{ onEvent }] });
    const running = runtime.run({ input: 'go', runId: 'late-1' });
    await waitFor(() => toolStarted, { timeoutMs: 5_000, message: 'the tool is in flight' });
    const killed = runtime.kill('late-1', 'stop');
    await waitFor(() => handed !== undefined, { timeoutMs: 5_000, message: 'the killed step is being committed' });
    // The late result lands while the commit is in flight.
    settleTool('done late');
    await waitFor(() => lateSeen, { timeoutMs: 5_000, message: 'the late result to be discarded' });
    // The list the store was handed did not grow under it.
    expect(handed!.length).toBe(handedLength);
    release();
    const result = await running;
    await killed;
    expect(result.stopReason).toBe('killed');
    expect((await base.getRun('late-1'))?.status).toBe('stopped');
    const events = await expectRunInvariants(base, 'late-1', result);
    expect(events.some((e) => e.type === 'late_result_discarded')).toBe(true);
  });
});
