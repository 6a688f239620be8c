import { defineTool, type MemoryStore, type ModelAdapter, type RuntimeHooks, type StoredRunEvent } from '@agentrt/core';
import { checkRunInvariants } from '@agentrt/testing';
import { expect, vi } from 'vitest';
import { z } from 'zod';

/** A trivial pure tool. */
export const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  input: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

/** A tool that waits `ms` (honouring abort) and records the order it finished in. */
export function sleeper(log: string[] = []) {
  return defineTool({
    name: 'sleep',
    description: 'Waits',
    input: z.object({ ms: z.number(), tag: z.string() }),
    execute: ({ ms, tag }, ctx) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          log.push(tag);
          resolve(`slept ${tag}`);
        }, ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      }),
  });
}

/** Records every hook call. */
export function recordingHooks(calls: string[]): RuntimeHooks {
  return {
    onRunStart: () => void calls.push('onRunStart'),
    onStepStart: (c) => void calls.push(`onStepStart:${c.stepIndex}`),
    beforeModel: () => void calls.push('beforeModel'),
    afterModel: () => void calls.push('afterModel'),
    beforeTool: (call) => void calls.push(`beforeTool:${call.name}`),
    afterTool: (result) => void calls.push(`afterTool:${result.name}`),
    onStepEnd: (step) => void calls.push(`onStepEnd:${step.stepIndex}`),
    onRunEnd: (result) => void calls.push(`onRunEnd:${result.stopReason}`),
    onError: (error) => void calls.push(`onError:${error.code}`),
  };
}

/**
 * A model that calls the tool `t` forever (`args: { i: n }` on call n, ids `c<n>`), answering at
 * once; `onCall(n)` runs inside each call. `calls` counts them.
 */
export function loopingModel(onCall?: (n: number) => void): ModelAdapter & { calls: number } {
  const model = {
    provider: 'p',
    model: 'm',
    calls: 0,
    async generate() {
      model.calls++;
      onCall?.(model.calls);
      return { message: { role: 'assistant' as const, content: '', toolCalls: [{ id: `c${model.calls}`, name: 't', args: { i: model.calls } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' as const };
    },
  };
  return model;
}

/** Expects no invariant violation (RELIABILITY.md I1–I8) for the run; returns its stored events. */
export async function expectRunInvariants(store: MemoryStore, runId: string, result?: unknown): Promise<StoredRunEvent[]> {
  const report = await checkRunInvariants({ store, runId, result: result as never });
  expect(report.violations).toEqual([]);
  return store.listEvents(runId);
}

/**
 * A run that never waits on I/O (`loopingModel` with the synchronous tool `t`): far more steps
 * than it gets through before a kill lands with the event-loop turn, and all of them without it.
 */
export const STARVED_STEPS = 40_000;
export const starvedLimits = { maxSteps: STARVED_STEPS, maxToolCalls: STARVED_STEPS, maxTokens: 1e12, timeoutMs: 600_000 };
export const syncTool = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => i });

/**
 * Steps `Date.now` by the returned clock's `offset` (milliseconds; change it during a call);
 * restored by `vi.restoreAllMocks()`. The monotonic clock is left alone.
 */
export function stepWallClock(): { offset: number } {
  const clock = { offset: 0 };
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + clock.offset);
  return clock;
}
