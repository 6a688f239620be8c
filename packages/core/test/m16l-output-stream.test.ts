import { createRuntime, defineTool, MemoryStore, type RunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// Structured-output and stream() promises (DESIGN.md, docs/messages.md) that no test checked (m16l mutation testing).

const Answer = z.object({ n: z.number() });

describe('maxOutputRepairs per run', () => {
  it('overrides the runtime default also when the schema comes from createRuntime({ output })', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('not json')]);
    const runtime = createRuntime({ model, output: Answer, maxOutputRepairs: 5 });
    const result = await runtime.run({ input: 'x', maxOutputRepairs: 0 });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'output_invalid' });
    expect(model.calls).toBe(1);
  });
});

describe('structured output parsing', () => {
  it('drops __proto__ keys of the answer (docs/messages.md), also under a schema that keeps unknown keys', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('{"n": 1, "__proto__": {"admin": true}, "extra": "kept"}')]);
    const result = await createRuntime({ model }).run({ input: 'x', output: z.looseObject({ n: z.number() }) });
    expect(result.stopReason).toBe('final_answer');
    const output = result.output as Record<string, unknown>;
    expect(Object.keys(output).sort()).toEqual(['extra', 'n']);
    expect(Object.hasOwn(output, '__proto__')).toBe(false);
    expect(output.admin).toBeUndefined();
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
  });
});

describe('stream()', () => {
  it('yields every persisted event in seq order, and the last event carries the result', async () => {
    const echo = defineTool({ name: 'echo', description: 'Echoes', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'echo', args: { text: 'a' } }, { name: 'echo', args: { text: 'b' } }]),
      ScriptedModel.call('echo', { text: 'c' }),
      ScriptedModel.answer('{"n": 3}'),
    ]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, tools: [echo], store, output: Answer });
    const seen: RunEvent[] = [];
    for await (const event of runtime.stream({ input: 'go', runId: 'm16l-stream' })) seen.push(event);
    const last = seen.at(-1)!;
    expect(last.type).toBe('run_finished');
    const result = (last as Extract<RunEvent, { type: 'run_finished' }>).result;
    expect(result).toMatchObject({ runId: 'm16l-stream', status: 'completed', stopReason: 'final_answer', output: { n: 3 }, steps: 3, toolCalls: 3 });
    const persisted = await runtime.events('m16l-stream');
    const streamed = seen.filter((event) => 'seq' in event && typeof (event as { seq?: unknown }).seq === 'number');
    expect(streamed.map((event) => (event as { seq: number }).seq)).toEqual(persisted.map((event) => event.seq));
    expect(streamed.map((event) => event.type)).toEqual(persisted.map((event) => event.type));
  });
});
