import { MemoryStore, createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Mutation-testing gap (m16i): loop detection counts identical calls *in a row* (docs/governance.md "Loop detection").

describe('loop detection counts consecutive identical calls only (m16i)', () => {
  it('two calls alternating, each repeated far more than the threshold but never twice in a row: no loop_warning, no loop_detected', async () => {
    const search = defineTool({ name: 'search', description: 'Searches', input: z.object({ q: z.string() }), execute: ({ q }) => `nothing for ${q}` });
    const steps = Array.from({ length: 8 }, (_, i) => ScriptedModel.call('search', { q: i % 2 === 0 ? 'cats' : 'dogs' }));
    const model = new ScriptedModel([...steps, ScriptedModel.answer('gave up')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [search], loopDetection: { threshold: 3 }, limits: { maxSteps: 20 } }).run('find');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 8, output: 'gave up' });
    const events = await store.listEvents(result.runId);
    expect(events.filter((event) => event.type === 'loop_warning')).toHaveLength(0);
  });

  it('a different call in between resets the count: A A B A A is no loop at threshold 3, A A A is a warning', async () => {
    const search = defineTool({ name: 'search', description: 'Searches', input: z.object({ q: z.string() }), execute: () => 'nothing' });
    const a = ScriptedModel.call('search', { q: 'a' });
    const b = ScriptedModel.call('search', { q: 'b' });
    const model = new ScriptedModel([a, a, b, a, a, ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [search], loopDetection: { threshold: 3 }, limits: { maxSteps: 20 } }).run('find');
    expect(result.stopReason).toBe('final_answer');
    expect((await store.listEvents(result.runId)).filter((event) => event.type === 'loop_warning')).toHaveLength(0);
  });
});
