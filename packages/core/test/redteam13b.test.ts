// Red team 13b: the documented journeys walked as a new user. "Two plugins registering one tool
// name is an error naming both" (docs/architecture.md, docs/plugins.md) — but when both
// registered the same tool object, or options.tools and a plugin did, the error named one
// source twice ("from plugin "other" and plugin "other"").
import { createRuntime, createRuntimeAsync, defineTool, definePlugin, TOKENS } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const registersAdd = (name: string) => definePlugin({ name, register(container) { container.register(TOKENS.Tool, { useValue: add }); } });
const model = () => new ScriptedModel([ScriptedModel.answer('ok')]);
const failure = (build: () => unknown) => {
  try {
    build();
  } catch (error) {
    return error as { code?: string; field?: string; message: string };
  }
  throw new Error('expected a config_invalid error');
};

describe('a tool name registered twice names both sources (red team 13b)', () => {
  it('two plugins registering one tool object: both plugins are named', () => {
    const error = failure(() => createRuntime({ model: model(), plugins: [registersAdd('@acme/agentrt-tools'), registersAdd('other')] }));
    expect(error).toMatchObject({ code: 'config_invalid', field: 'tools' });
    expect(error.message).toContain('(from plugin "@acme/agentrt-tools" and plugin "other")');
  });

  it('options.tools and a plugin registering the same tool object: both are named', async () => {
    const error = failure(() => createRuntime({ model: model(), tools: [add], plugins: [registersAdd('acme')] }));
    expect(error.message).toContain('(from options.tools and plugin "acme")');
    await expect(createRuntimeAsync({ model: model(), tools: [add], plugins: [registersAdd('acme')] })).rejects.toThrow('(from options.tools and plugin "acme")');
  });

  it('one runtime\'s registrations do not leak into the next runtime\'s error', () => {
    createRuntime({ model: model(), plugins: [registersAdd('first')] });
    const error = failure(() => createRuntime({ model: model(), tools: [add, add] }));
    expect(error.message).toContain('(from options.tools and options.tools)');
  });

  it('distinct tools still build, and different names under a namespace too', async () => {
    const runtime = createRuntime({ model: model(), tools: [add], plugins: [{ plugin: registersAdd('acme'), namespace: 'acme' }] });
    expect((await runtime.run('go')).stopReason).toBe('final_answer');
  });
});

// docs/architecture.md: events end "with `run_finished` or `run_paused`, which carry the
// `RunResult`". A `stream()` that only waits for an existing run (same idempotencyKey) ends with
// a synthetic `run_finished` even when that run is paused, so a consumer that shows approvals on
// `run_paused` misses them. The fix belongs in runtime/agent-runtime.ts (`stream()`: push
// `run_paused` for a paused result) — fixed there.
describe('a stream waiting for an existing paused run (red team 13b)', () => {
  it('ends with run_paused carrying the paused result, as the run\'s own stream did', async () => {
    const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({}), requiresApproval: true, execute: () => 'paid' });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}, { id: 'p1' })]), tools: [pay] });
    const lastOf = async (stream: AsyncIterable<{ type: string; result?: { status: string } }>) => {
      let last: { type: string; result?: { status: string } } | undefined;
      for await (const event of stream) last = event;
      return last;
    };
    const first = await lastOf(runtime.stream({ input: 'pay', idempotencyKey: 'k-13b' }));
    expect(first).toMatchObject({ type: 'run_paused', result: { status: 'paused' } });
    const again = await lastOf(runtime.stream({ input: 'pay', idempotencyKey: 'k-13b' }));
    expect(again).toMatchObject({ type: 'run_paused', result: { status: 'paused' } });
  });
});
