/**
 * A tool call's `durationMs` is measured on the monotonic clock (RELIABILITY.md F-50/F-51:
 * "durations use the monotonic clock"): a wall-clock step while the tool runs (NTP, a VM resumed,
 * an operator setting the time) neither inflates a 0 ms call to an hour nor shrinks a 40 ms call to 0.
 * The events' `at` stamps stay wall-clock time.
 */
import { createRuntime, defineTool, MemoryStore, type RuntimeHooks, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { stepWallClock } from './helpers.js';

const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

async function durationOf(execute: () => unknown, hooks: RuntimeHooks[] = []): Promise<{ durationMs: number; code?: string }> {
  const store = new MemoryStore();
  const tool = defineTool({ name: 't', description: 't', input: z.object({}).passthrough(), execute: execute as never });
  const model = new ScriptedModel([{ text: '', toolCalls: [{ id: 'c1', name: 't', args: {} }] }, { text: 'done' }]);
  const result = await createRuntime({ model, tools: [tool], store, hooks }).run('go');
  const finished = (await store.listEvents(result.runId)).find((e) => e.type === 'tool_finished') as Extract<StoredRunEvent, { type: 'tool_finished' }>;
  return finished;
}

const hooked: RuntimeHooks[] = [{ afterTool: (r) => r }];

describe('tool durationMs across a wall-clock step', () => {
  it.each([['no hooks', []], ['with hooks', hooked]] as const)('a synchronous call during which the wall clock jumps an hour ahead lasts about 0 ms (%s)', async (_name, hooks) => {
    const clock = stepWallClock();
    const { durationMs } = await durationOf(() => {
      clock.offset += HOUR;
      return 'r';
    }, [...hooks]);
    expect(durationMs).toBeLessThan(1_000);
  });

  it.each([['no hooks', []], ['with hooks', hooked]] as const)('a 40 ms call during which the wall clock steps an hour back lasts about 40 ms, not 0 (%s)', async (_name, hooks) => {
    const clock = stepWallClock();
    const { durationMs } = await durationOf(() => {
      clock.offset -= HOUR;
      return new Promise((resolve) => setTimeout(() => resolve('r'), 40));
    }, [...hooks]);
    expect(durationMs).toBeGreaterThanOrEqual(30);
    expect(durationMs).toBeLessThan(1_000);
  });

  it('a call that fails the run (a wrapToolCall hook throws after the tool) is timed on the monotonic clock too', async () => {
    const clock = stepWallClock();
    const { durationMs } = await durationOf(() => {
      clock.offset += HOUR;
      return 'r';
    }, [{ wrapToolCall: async (_c, _x, next) => { await next(); throw new Error('wrapper failed'); } }]);
    expect(durationMs).toBeLessThan(1_000);
  });

  it('a call cut short by a kill is timed on the monotonic clock too', async () => {
    const clock = stepWallClock();
    const store = new MemoryStore();
    let runtime!: ReturnType<typeof createRuntime>;
    const tool = defineTool({
      name: 't', description: 't', input: z.object({}).passthrough(),
      execute: (_args, ctx) => {
        clock.offset += HOUR;
        void runtime.kill(ctx.runId, 'stop');
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('late')));
      },
    });
    const model = new ScriptedModel([{ text: '', toolCalls: [{ id: 'c1', name: 't', args: {} }] }, { text: 'done' }]);
    runtime = createRuntime({ model, tools: [tool], store });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('killed');
    const finished = (await store.listEvents(result.runId)).find((e) => e.type === 'tool_finished') as Extract<StoredRunEvent, { type: 'tool_finished' }>;
    expect(finished.durationMs).toBeLessThan(1_000);
  });
});
