import { AgentrtError, createRuntime, defineTool, MemoryStore, ModelError, type RunEvent, type RunResult, type StoredRunEvent, type UserMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const Weather = z.object({ city: z.string(), tempC: z.number(), conditions: z.enum(['sunny', 'cloudy', 'rain']) });
type Weather = z.infer<typeof Weather>;
const paris: Weather = { city: 'Paris', tempC: 18, conditions: 'cloudy' };
const codeOf = async (fn: () => unknown) => {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    return AgentrtError.isInstance(error) ? `${error.code}${'field' in error ? `:${String(error.field)}` : ''}` : `untyped: ${String(error)}`;
  }
};
const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];

describe('structured output', () => {
  it('returns the parsed, typed value and asks the model for the schema on every call', async () => {
    const store = new MemoryStore();
    const lookup = defineTool({ name: 'lookup', description: 'weather lookup', input: z.object({ city: z.string() }), execute: () => '18°C, cloudy' });
    const model = new ScriptedModel([ScriptedModel.call('lookup', { city: 'Paris' }), ScriptedModel.json(paris)]);
    const runtime = createRuntime({ model, store, tools: [lookup] });
    const result = await runtime.run({ input: 'Weather in Paris?', output: Weather });
    expectTypeOf(result).toEqualTypeOf<RunResult<Weather>>();
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: paris, steps: 2 });
    for (const request of model.requests) {
      expect(request.output?.name).toBe('output');
      expect(request.output?.schema).toEqual({
        type: 'object',
        properties: { city: { type: 'string' }, tempC: { type: 'number' }, conditions: { type: 'string', enum: ['sunny', 'cloudy', 'rain'] } },
        required: ['city', 'tempC', 'conditions'],
        additionalProperties: false,
      });
    }
    expect((await store.getRun(result.runId))?.result?.output).toEqual(paris);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('names the schema from its title and passes its description', async () => {
    const model = new ScriptedModel([ScriptedModel.json(paris)]);
    await createRuntime({ model }).run({ input: 'x', output: Weather.meta({ title: 'weather_report', description: 'The weather now' }) });
    expect(model.requests[0]!.output).toMatchObject({ name: 'weather_report', description: 'The weather now' });
  });

  it('tolerates one surrounding ```json fence, and nothing more', async () => {
    const fenced = new ScriptedModel([ScriptedModel.answer('```json\n' + JSON.stringify(paris) + '\n```')]);
    expect((await createRuntime({ model: fenced }).run({ input: 'x', output: Weather })).output).toEqual(paris);
    const prose = new ScriptedModel([ScriptedModel.answer('Here you go:\n```json\n' + JSON.stringify(paris) + '\n```')], {});
    const failed = await createRuntime({ model: prose, maxOutputRepairs: 0 }).run({ input: 'x', output: Weather });
    expect(failed.stopReason).toBe('output_invalid');
  });

  it('feeds a failed answer back with its validation problems; a repair that succeeds completes the run', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.json({ city: 'Paris', tempC: 'warm', conditions: 'foggy' }),
      ScriptedModel.json(paris),
    ]);
    const result = await createRuntime({ model, store }).run({ input: 'Weather in Paris?', output: Weather });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: paris, steps: 2 });
    const feedback = model.requests[1]!.messages.at(-1) as UserMessage;
    expect(feedback.role).toBe('user');
    expect(feedback.content).toContain('tempC:');
    expect(feedback.content).toContain('conditions:');
    expect(feedback.content).toContain('"additionalProperties":false');
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages.map((m) => m.role)).toEqual(['assistant', 'user']);
    expect(steps[1]!.messages.map((m) => m.role)).toEqual(['assistant']);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('stops with output_invalid after maxOutputRepairs failed repairs (default 2), keeping every answer', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('not json'), ScriptedModel.json({ city: 1 }), ScriptedModel.json([])]);
    const result = await createRuntime({ model, store }).run({ input: 'Weather?', output: Weather });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'output_invalid', steps: 3, error: { code: 'output_invalid' } });
    expect(result.output).toBeUndefined();
    expect(result.error?.message).toContain('after 2 repair(s)');
    expect(model.calls).toBe(3);
    const steps = await store.loadSteps(result.runId);
    expect(steps.map((s) => s.messages.length)).toEqual([2, 2, 1]);
    expect(steps[2]!.messages[0]).toMatchObject({ role: 'assistant', content: '[]' });
    const events = await store.listEvents(result.runId);
    expect(only(events, 'run_finished')[0]!.result.stopReason).toBe('output_invalid');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('honours maxOutputRepairs per run and as a runtime default, and validates it', async () => {
    const none = new ScriptedModel([ScriptedModel.answer('nope')]);
    expect((await createRuntime({ model: none, maxOutputRepairs: 5 }).run({ input: 'x', output: Weather, maxOutputRepairs: 0 })).stopReason).toBe('output_invalid');
    const one = new ScriptedModel([ScriptedModel.answer('nope'), ScriptedModel.answer('nope')]);
    expect((await createRuntime({ model: one, maxOutputRepairs: 1 }).run({ input: 'x', output: Weather })).stopReason).toBe('output_invalid');
    expect(one.calls).toBe(2);
    expect(await codeOf(() => createRuntime({ model: none, maxOutputRepairs: 11 }))).toBe('config_invalid:maxOutputRepairs');
    expect(await codeOf(() => createRuntime({ model: new ScriptedModel([]) }).run({ input: 'x', output: Weather, maxOutputRepairs: -1 }))).toBe('config_invalid:run.maxOutputRepairs');
  });

  it('counts repairs as steps: maxSteps still applies', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('nope'), ScriptedModel.answer('nope')]);
    const result = await createRuntime({ model, limits: { maxSteps: 2 }, maxOutputRepairs: 5 }).run({ input: 'x', output: Weather });
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 2 });
    expect(result.output).toBeUndefined();
  });

  it('accepts only object schemas, naming the field', async () => {
    const model = new ScriptedModel([]);
    expect(await codeOf(() => createRuntime({ model, output: z.string() }))).toBe('config_invalid:output');
    expect(await codeOf(() => createRuntime({ model, output: 'not a schema' as never }))).toBe('config_invalid:output');
    expect(await codeOf(() => createRuntime({ model }).run({ input: 'x', output: z.array(z.number()) }))).toBe('config_invalid:run.output');
    expect(await codeOf(() => createRuntime({ model }).run({ input: 'x', output: z.object({ when: z.date() }) }))).toBe('config_invalid:run.output');
  });

  it('uses the runtime default output for every run, typed', async () => {
    const model = new ScriptedModel([ScriptedModel.json(paris)]);
    const runtime = createRuntime({ model, output: Weather });
    const result = await runtime.run('Weather in Paris?');
    expectTypeOf(result.output).toEqualTypeOf<Weather | undefined>();
    expect(result.output).toEqual(paris);
    const text = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('hi')]) });
    expectTypeOf((await text.run('x')).output).toEqualTypeOf<string | undefined>();
  });

  it('runs tools when the structured answer comes with tool calls, validating only the final answer', async () => {
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({}), execute: () => 'e' });
    const model = new ScriptedModel([{ text: 'not json yet', toolCalls: [{ name: 'echo' }] }, ScriptedModel.json(paris)]);
    const result = await createRuntime({ model, tools: [echo] }).run({ input: 'x', output: Weather });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: paris, steps: 2 });
  });

  it('returns the value zod produced (transforms applied) and stores its JSON form', async () => {
    const store = new MemoryStore();
    const Dated = z.object({ when: z.string().transform((s) => new Date(s)) });
    const model = new ScriptedModel([ScriptedModel.json({ when: '2026-01-02T03:04:05.000Z' })]);
    const result = await createRuntime({ model, store }).run({ input: 'x', output: Dated });
    expect(result.output?.when).toBeInstanceOf(Date);
    expect(model.requests[0]!.output?.schema).toMatchObject({ type: 'object', properties: { when: { type: 'string' } } });
    expect((await store.getRun(result.runId))?.result?.output).toEqual({ when: '2026-01-02T03:04:05.000Z' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('drops __proto__ keys from the answer', async () => {
    const Loose = z.object({ a: z.number() }).catchall(z.unknown());
    const model = new ScriptedModel([ScriptedModel.answer('{"a":1,"__proto__":{"polluted":true}}')]);
    const result = await createRuntime({ model }).run({ input: 'x', output: Loose });
    expect(result.output).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('streams a structured run; the final event carries the value', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('bad'), ScriptedModel.json(paris)]);
    const events: RunEvent[] = [];
    for await (const event of createRuntime({ model, output: Weather }).stream('Weather?')) events.push(event);
    const last = events.at(-1)!;
    expect(last.type === 'run_finished' && last.result).toMatchObject({ stopReason: 'final_answer', output: paris, steps: 2 });
  });

  it('resumes a paused structured run with the same schema; another schema or none is resume_mismatch', async () => {
    const store = new MemoryStore();
    const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), requiresApproval: true, execute: () => 'paid' });
    const model = new ScriptedModel([ScriptedModel.call('pay', {}, { id: 'p1' }), ScriptedModel.answer('oops'), ScriptedModel.json(paris)]);
    const runtime = createRuntime({ model, store, tools: [pay] });
    const paused = await runtime.run({ input: 'x', output: Weather });
    expect(paused.stopReason).toBe('awaiting_approval');
    expect(await codeOf(() => runtime.resume(paused.runId, { approvals: { p1: 'approve' } }))).toBe('resume_mismatch');
    expect(await codeOf(() => runtime.resume(paused.runId, { approvals: { p1: 'approve' }, output: Weather.extend({ extra: z.string() }) }))).toBe('resume_mismatch');
    const done = await runtime.resume(paused.runId, { approvals: { p1: 'approve' }, output: Weather });
    expectTypeOf(done.output).toEqualTypeOf<Weather | undefined>();
    expect(done).toMatchObject({ stopReason: 'final_answer', output: paris, steps: 3 });
    await assertRunInvariants({ store, runId: done.runId, result: done });
  });

  it('refuses an output schema when resuming a run started without one', async () => {
    const store = new MemoryStore();
    const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), requiresApproval: true, execute: () => 'paid' });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}, { id: 'p1' })]), store, tools: [pay] });
    const paused = await runtime.run('x');
    expect(await codeOf(() => runtime.resume(paused.runId, { output: Weather }))).toBe('resume_mismatch');
  });

  it('counts repairs already in the history when a run is resumed in another runtime', async () => {
    const store = new MemoryStore();
    const first = new ScriptedModel([ScriptedModel.answer('nope'), { error: new ModelError('model_rate_limited', '429', { retryable: true }) }]);
    const failed = await createRuntime({ model: first, store, maxOutputRepairs: 1 }).run({ input: 'x', output: Weather });
    expect(failed).toMatchObject({ stopReason: 'error', steps: 1, error: { code: 'model_rate_limited', retryable: true } });
    const second = new ScriptedModel([ScriptedModel.answer('still nope')]);
    const done = await createRuntime({ model: second, store, maxOutputRepairs: 1 }).resume(failed.runId, { output: Weather });
    expect(done).toMatchObject({ stopReason: 'output_invalid', steps: 2 });
    expect(second.calls).toBe(1);
    await assertRunInvariants({ store, runId: done.runId, result: done });
  });

  it('gives the same idempotency key with a different output schema an idempotency_conflict', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.json(paris)]) });
    await runtime.run({ input: 'x', output: Weather, idempotencyKey: 'k1' });
    expect(await codeOf(() => runtime.run({ input: 'x', idempotencyKey: 'k1' }))).toBe('idempotency_conflict');
    const again = await runtime.run({ input: 'x', output: Weather, idempotencyKey: 'k1' });
    expect(again.output).toEqual(paris);
  });
});
