/**
 * A step's `durationMs` (its `step_finished` event) is measured on the monotonic clock, like a tool
 * call's (RELIABILITY.md F-50/F-51): a wall-clock step during the step (NTP, a VM resumed, an
 * operator setting the time) neither makes an instant step last an hour nor a 40 ms step last 0.
 * The steps' `startedAt`/`endedAt` and the events' `at` stay wall-clock time.
 */
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type StoredRunEvent } from '@agentrt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { stepWallClock } from './helpers.js';

const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

const tool = defineTool({ name: 't', description: 't', input: z.object({}).passthrough(), execute: () => 'r' });

/** Calls `t` once, then answers; `during` runs inside every model call. */
function model(during: () => unknown): ModelAdapter {
  let calls = 0;
  return {
    provider: 'p',
    model: 'm',
    async generate(request) {
      calls++;
      await during();
      const answer = calls === 1 && request.tools?.length ? { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c1', name: 't', args: {} }] } : { role: 'assistant' as const, content: 'done' };
      return { message: answer, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: answer.toolCalls ? ('tool_calls' as const) : ('stop' as const) };
    },
  };
}

async function stepDurations(during: () => unknown, limits?: Record<string, unknown>): Promise<Array<Extract<StoredRunEvent, { type: 'step_finished' }>>> {
  const store = new MemoryStore();
  const result = await createRuntime({ model: model(during), tools: [tool], store, ...(limits ? { limits } : {}) }).run('go');
  const events = await store.listEvents(result.runId);
  return events.filter((e): e is Extract<StoredRunEvent, { type: 'step_finished' }> => e.type === 'step_finished');
}

describe('step durationMs across a wall-clock step', () => {
  it('a step during which the wall clock jumps an hour ahead lasts about 0 ms, not an hour', async () => {
    const clock = stepWallClock();
    const steps = await stepDurations(() => {
      clock.offset += HOUR;
    });
    expect(steps).toHaveLength(2);
    for (const step of steps) expect(step.durationMs).toBeLessThan(1_000);
  });

  it('a 40 ms step during which the wall clock steps an hour back lasts about 40 ms, not 0', async () => {
    const clock = stepWallClock();
    const steps = await stepDurations(() => {
      clock.offset -= HOUR;
      return new Promise((resolve) => setTimeout(resolve, 40));
    });
    expect(steps).toHaveLength(2);
    for (const step of steps) {
      expect(step.durationMs).toBeGreaterThanOrEqual(30);
      expect(step.durationMs).toBeLessThan(HOUR);
    }
  });

  it('the finalize step (limits.finalize after max_steps) is timed on the monotonic clock too', async () => {
    const clock = stepWallClock();
    const steps = await stepDurations(() => {
      clock.offset += HOUR;
    }, { maxSteps: 1, finalize: true });
    const finalizeStep = steps.find((s) => s.finalize);
    expect(finalizeStep).toBeDefined();
    expect(finalizeStep!.durationMs).toBeLessThan(1_000);
  });

  it('the steps keep wall-clock stamps', async () => {
    const before = Date.now();
    const steps = await stepDurations(() => undefined);
    for (const step of steps) expect(Date.parse(step.at)).toBeGreaterThanOrEqual(before - 1);
  });
});
