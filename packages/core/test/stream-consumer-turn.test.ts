/**
 * A `stream()` consumer reads events asynchronously, while the loop of a fast model and a
 * synchronous tool never needs to wait. Before each step's kill check the loop gives a consumer that
 * has not caught up a bounded number of microtask turns, so what it does on reading a step's events
 * (a kill) lands before the next model call — without a timer (fake timers in a user's tests cannot
 * hold the run) and without waiting for a consumer that reads slowly or not at all.
 */
import { createRuntime, defineTool, type RunEvent } from '@agentrt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { loopingModel } from './helpers.js';

const tool = defineTool({ name: 't', description: 't', input: z.object({}).passthrough(), execute: () => 'sync' });

/** Calls `t` forever, answering at once. */

afterEach(() => {
  vi.useRealTimers();
});

describe('a stream consumer between steps', () => {
  it.each([0, 1, 4])('a kill on step %i\'s step_finished lands before the next model call', async (at) => {
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [tool], limits: { maxSteps: 50 } });
    const types: string[] = [];
    for await (const event of runtime.stream('x')) {
      types.push(event.type);
      if (event.type === 'step_finished' && event.stepIndex === at) void runtime.kill(event.runId, 'from consumer');
    }
    expect(model.calls).toBe(at + 1);
    expect(types).toContain('run_killed');
    expect(types.at(-1)).toBe('run_finished');
  });

  it('a consumer that awaits a few settled promises before its kill is waited for too', async () => {
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [tool], limits: { maxSteps: 50 } });
    for await (const event of runtime.stream('x')) {
      if (event.type === 'step_finished' && event.stepIndex === 2) {
        for (let i = 0; i < 5; i++) await Promise.resolve();
        void runtime.kill(event.runId, 'after some awaits');
      }
    }
    expect(model.calls).toBe(3);
  });

  it('a consumer that stops reading for a while does not hold the run (bounded turns)', async () => {
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [tool], limits: { maxSteps: 5 } });
    const iterator = runtime.stream('x')[Symbol.asyncIterator]();
    // Reads one event, then leaves the stream unread until the run is over (a consumer busy elsewhere).
    const first = await iterator.next();
    const runId = first.value!.runId;
    for (let turn = 0; turn < 100_000 && (await runtime.getRun(runId))?.status === 'running'; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(await runtime.getRun(runId)).toMatchObject({ status: 'stopped', stopReason: 'max_steps' });
    expect(model.calls).toBe(5);
    let last: RunEvent | undefined;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) last = next.value;
    expect(last?.type).toBe('run_finished');
  });

  it('runs to its stop under fake timers (no timer is needed to give the consumer its turn)', async () => {
    vi.useFakeTimers();
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [tool], limits: { maxSteps: 3 } });
    const types: string[] = [];
    for await (const event of runtime.stream('x')) types.push(event.type);
    expect(types.at(-1)).toBe('run_finished');
    expect(model.calls).toBe(3);
  });
});
