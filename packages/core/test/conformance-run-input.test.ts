/**
 * DESIGN.md: `run(input | { input, runId?, idempotencyKey?, signal?, metadata? })` and `stream(...)`.
 * `input` is a string or a whole initial transcript (`Message[]`, see `RunOptions.input`), so the
 * short form takes either. It used to accept only a string: `run([...messages])` was refused with
 * `config_invalid` (field `run`), although `run({ input: [...messages] })` ran (conformance audit).
 */
import { createRuntime, MemoryStore, type Message, type RunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const transcript: Message[] = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hi' },
];

describe('run(input) takes every form of input (DESIGN: run(input | { input, ... }))', () => {
  it('the object form runs a transcript (the contract the short form must match)', async () => {
    const model = new ScriptedModel([{ text: 'hello' }]);
    const result = await createRuntime({ model, store: new MemoryStore() }).run({ input: transcript });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'hello' });
    expect(model.requests[0]!.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('run(messages) runs the transcript as run({ input: messages }) does', async () => {
    const model = new ScriptedModel([{ text: 'hello' }]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store }).run(transcript as never);
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'hello' });
    expect(model.requests[0]!.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('stream(messages) yields the run, the last event carrying the result', async () => {
    const model = new ScriptedModel([{ text: 'hello' }]);
    const events: RunEvent[] = [];
    for await (const event of createRuntime({ model }).stream(transcript as never)) events.push(event);
    const last = events.at(-1);
    expect(last?.type).toBe('run_finished');
    expect(last?.type === 'run_finished' && last.result.output).toBe('hello');
  });
});

describe('a transcript short form carries no options', () => {
  it('options hung on the array are config_invalid naming them, not ignored; nothing is created', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'hello' }]), store });
    const withRunId = Object.assign([...transcript], { runId: 'mine' });
    await expect(runtime.run(withRunId as never)).rejects.toMatchObject({ code: 'config_invalid', field: 'run.runId' });
    const read = async () => {
      for await (const _event of runtime.stream(Object.assign([...transcript], { signal: new AbortController().signal }) as never)) void _event;
    };
    await expect(read()).rejects.toMatchObject({ code: 'config_invalid', field: 'stream.signal' });
    expect(await store.listRuns()).toEqual([]);
    // A sparse or frozen transcript has no such keys.
    expect((await runtime.run(Object.freeze([...transcript]) as never)).stopReason).toBe('final_answer');
  });
});
