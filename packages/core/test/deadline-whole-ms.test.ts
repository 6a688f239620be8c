import { createRuntime, defineTool, MemoryStore, type ContextPrepareContext, type Message } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// The run's deadline (`ContextPrepareContext.deadline`, `ModelRequest.deadline`) is epoch
// milliseconds, never earlier than the run's start plus `limits.timeoutMs`. The loop derives it
// from `Date.now()` (whole ms, rounded down) minus the monotonic time already spent (fractional):
// unrounded, a run started within the millisecond `Date.now()` read before it saw a deadline up
// to 1 ms before `before + timeoutMs` (it failed 3 of 4 runs in a warm, shared test process).

const add = defineTool({ name: 'add', description: 'add', input: z.object({ a: z.number() }), execute: ({ a }) => String(a + 1) });

describe('the run deadline', () => {
  it('is a whole millisecond, not before the start + timeoutMs, for the context strategy and every model request', async () => {
    for (let round = 0; round < 20; round++) {
      const seen: number[] = [];
      const model = new ScriptedModel([() => ScriptedModel.call('add', { a: 1 }), () => ScriptedModel.call('add', { a: 2 }), () => ScriptedModel.answer('done')]);
      const before = Date.now();
      const result = await createRuntime({
        model,
        tools: [add],
        store: new MemoryStore(),
        limits: { timeoutMs: 60_000 },
        context: {
          name: 'watch',
          prepare(messages: readonly Message[], context: ContextPrepareContext) {
            if (context.deadline !== undefined) seen.push(context.deadline);
            return messages;
          },
        },
      }).run('go');
      const after = Date.now();
      expect(result.stopReason).toBe('final_answer');
      const deadlines = [...seen, ...model.requests.map((request) => request.deadline!)];
      expect(deadlines.length).toBeGreaterThanOrEqual(6);
      for (const deadline of deadlines) {
        expect(Number.isInteger(deadline), `deadline ${deadline}`).toBe(true);
        expect(deadline).toBeGreaterThanOrEqual(before + 60_000);
        expect(deadline).toBeLessThanOrEqual(after + 60_000);
      }
    }
  });
});
