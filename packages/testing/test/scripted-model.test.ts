import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

describe('ScriptedModel', () => {
  it('throws script_exhausted on an unexpected call and reports leftover steps', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('one'), ScriptedModel.answer('two')]);
    await createRuntime({ model }).run('x');
    expect(() => model.assertDone()).toThrow(expect.objectContaining({ code: 'script_leftover' }));
    await model.generate({ messages: [], tools: [], signal: new AbortController().signal });
    await expect(model.generate({ messages: [], tools: [], signal: new AbortController().signal })).rejects.toMatchObject({ code: 'script_exhausted' });
  });

  it('accepts { steps } options, full responses, and arguments/input aliases', async () => {
    const model = new ScriptedModel({
      steps: [
        { toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] },
        { toolCalls: [{ name: 'add', input: { a: 3, b: 4 } }] },
        { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
      ],
      model: 'custom',
    });
    const result = await createRuntime({ model, tools: [add] }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'done', toolCalls: 2 });
    expect(model.model).toBe('custom');
    expect(model.requests[2]!.messages.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual(['3', '7']);
  });

  it('streams text deltas', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('a fairly long answer text')]);
    const events = [];
    for await (const event of model.stream({ messages: [], tools: [], signal: new AbortController().signal })) events.push(event);
    expect(events.filter((e) => e.type === 'text_delta').length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatchObject({ type: 'response' });
  });
});
