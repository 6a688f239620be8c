import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, defineTool, delay, MemoryStore, timeoutSignal, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, HOSTILE_TOOL_OUTCOMES, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const TYPED = /^[a-z]+(_[a-z]+)+$/;
const toolMessages = (model: ScriptedModel, request = 1) => model.requests[request]!.messages.filter((m): m is ToolMessage => m.role === 'tool');

/** Counts uncaught exceptions and unhandled rejections while `body` runs. */
async function withoutProcessErrors<T>(body: () => Promise<T>): Promise<T> {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    const value = await body();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map(String)).toEqual([]);
    return value;
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
}

describe('red team: whatever a tool throws or returns, the run goes on with a capped, typed result', () => {
  const MAX = 1_000;
  it.each(HOSTILE_TOOL_OUTCOMES.map((outcome) => [`${outcome.kind}s ${outcome.name}`, outcome] as const))('a tool that %s', async (_label, outcome) => {
    await withoutProcessErrors(async () => {
      const store = new MemoryStore();
      const hostile = defineTool({
        name: 'hostile', description: 'misbehaves', input: z.object({}),
        execute: () => {
          const value = outcome.make();
          if (outcome.kind === 'throw') throw value;
          if (outcome.kind === 'reject') return Promise.reject(value);
          return value;
        },
      });
      const model = new ScriptedModel([ScriptedModel.call('hostile'), ScriptedModel.answer('done')]);
      const result = await createRuntime({ model, store, tools: [hostile], limits: { maxToolOutputChars: MAX } }).run('go');
      expect(result.stopReason, JSON.stringify(result.error)).toBe('final_answer');
      const [message] = toolMessages(model);
      if (outcome.kind !== 'return') expect(message!.code).toBe('tool_failed');
      if (message!.code !== undefined) expect(message!.code).toMatch(TYPED);
      expect(String(message!.content).length).toBeLessThanOrEqual(MAX);
      expect(JSON.stringify(await store.listEvents(result.runId)).length).toBeLessThan(40 * MAX);
      await assertRunInvariants({ store, runId: result.runId, result });
    });
  });
});

describe('red team: huge tool output costs bounded memory (B-09)', () => {
  it('a 100 MB string in a nested field grows peak RSS by less than 200 MB (the tool\'s own 100 MB included), capped output', () => {
    // Built code in its own process: peak RSS there is this run's alone.
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'big-output.mjs');
    const run = (name: string) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', fixture, name], { encoding: 'utf8', timeout: 120_000 }).trim().split('\n').at(-1)!) as { growthMb: number; stopReason: string; chars: number };
    for (const name of ['nested', 'objects']) {
      const outcome = run(name);
      expect(outcome.stopReason, name).toBe('final_answer');
      expect(outcome.chars, name).toBeLessThanOrEqual(32_768);
      expect(outcome.growthMb, name).toBeLessThan(200);
    }
  });
});

describe('red team: model-controlled arguments cannot break the loop', () => {
  it('arguments nested 100 000 levels deep (as an adapter parses them) become tool_args_invalid; the run continues and stores', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const cyclic: Record<string, unknown> = { q: 'x' };
    cyclic.self = cyclic;
    const store = new MemoryStore();
    let ran = 0;
    const echo = defineTool({ name: 'echo', description: 'echoes', input: z.object({}).passthrough(), sideEffects: 'idempotent', execute: () => ++ran });
    const model = new ScriptedModel([ScriptedModel.parallel([{ name: 'echo', args: deep, id: 'd1' }, { name: 'echo', args: cyclic, id: 'd2' }, { name: 'echo', args: { fine: true }, id: 'd3' }]), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, store, tools: [echo] }).run('go');
    expect(result.stopReason, JSON.stringify(result.error)).toBe('final_answer');
    const messages = toolMessages(model);
    expect(messages.map((m) => m.code ?? 'ok')).toEqual(['tool_args_invalid', 'tool_args_invalid', 'ok']);
    expect(ran).toBe(1);
    // The transcript holds something every serializer can write.
    expect(() => JSON.stringify(model.requests[1]!.messages)).not.toThrow();
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('thousands of parallel calls in one response over maxToolCalls: bounded time and memory, the cap holds', async () => {
    const store = new MemoryStore();
    let ran = 0;
    const noop = defineTool({ name: 'noop', description: 'counts', input: z.object({ i: z.number() }), execute: () => ++ran });
    const calls = Array.from({ length: 20_000 }, (_, i) => ({ name: 'noop', args: { i }, id: `p${i}` }));
    const model = new ScriptedModel([ScriptedModel.parallel(calls), ScriptedModel.answer('done')]);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const result = await createRuntime({ model, store, tools: [noop], limits: { maxToolCalls: 5 } }).run('go');
    expect(result.stopReason).toBe('max_tool_calls');
    expect(ran).toBe(5);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(400 * 2 ** 20);
  });
});

describe('red team: hostile plugin code fails closed with a typed outcome', () => {
  it('a hook that throws a revoked proxy, a null-prototype object or a throwing getter ends the run with hook_failed, recorded', async () => {
    const makers: (() => unknown)[] = [
      () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
      () => Object.create(null),
      () => ({ get message() { throw new Error('getter'); } }),
    ];
    for (const make of makers) {
      const store = new MemoryStore();
      const noop = defineTool({ name: 'noop', description: 'does nothing', input: z.object({}), execute: () => 'ok' });
      const model = new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]);
      const result = await createRuntime({ model, store, tools: [noop], hooks: [{ beforeTool: () => { throw make(); } }] }).run('go');
      expect(result.error?.code).toBe('hook_failed');
      expect((await store.getRun(result.runId))?.status).toBe('failed');
      await assertRunInvariants({ store, runId: result.runId, result });
    }
  });

  it('an approval rule that throws asks a human (fails closed) instead of failing the run', async () => {
    let ran = 0;
    const guarded = defineTool({ name: 'guarded', description: 'approval rule throws', input: z.object({}), requiresApproval: () => { throw new Error('rule broke'); }, execute: () => ++ran });
    const model = new ScriptedModel([ScriptedModel.call('guarded', {}, { id: 'g1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [guarded] });
    const paused = await runtime.run('go');
    expect(paused.status).toBe('paused');
    expect(ran).toBe(0);
    const done = await runtime.resume(paused.runId, { approvals: { g1: 'approve' } });
    expect(done.stopReason).toBe('final_answer');
    expect(ran).toBe(1);
  });

  it('a schema whose refinement throws rejects the arguments (tool_args_invalid) instead of failing the run', async () => {
    let ran = 0;
    const refined = defineTool({ name: 'refined', description: 'refine throws', input: z.object({ a: z.string() }).refine(() => { throw new Error('refine broke'); }), execute: () => ++ran });
    const model = new ScriptedModel([ScriptedModel.call('refined', { a: 'x' }), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, tools: [refined] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(toolMessages(model)[0]!.code).toBe('tool_args_invalid');
    expect(ran).toBe(0);
  });
});

describe('red team: run options', () => {
  it('metadata that cannot be stored (nested 100 000 levels, cyclic, BigInt) is config_invalid before any run is recorded', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const metadata of [{ deep }, { cyclic }, { big: 10n }]) {
      const store = new MemoryStore();
      const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('x')]), store });
      await expect(runtime.run({ input: 'go', runId: 'meta-1', metadata })).rejects.toMatchObject({ code: 'config_invalid' });
      expect(await store.getRun('meta-1')).toBeUndefined();
    }
  });

  it('an initial transcript that breaks tool pairing (orphaned result, unanswered call) is config_invalid, never sent to a provider', async () => {
    const transcripts = [
      [{ role: 'user', content: 'hi' }, { role: 'tool', toolCallId: 'x', name: 'y', content: 'orphan' }],
      [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'zz', args: {} }] }],
      [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'zz', args: {} }, { id: 'c1', name: 'zz', args: {} }] }, { role: 'tool', toolCallId: 'c1', name: 'zz', content: 'r' }],
    ] as const;
    for (const input of transcripts) {
      const model = new ScriptedModel([ScriptedModel.answer('ok')]);
      const store = new MemoryStore();
      await expect(createRuntime({ model, store }).run({ input: input as never, runId: 'pairing-1' }), JSON.stringify(input)).rejects.toMatchObject({ code: 'config_invalid', field: 'run.input' });
      expect(model.calls).toBe(0);
      expect(await store.getRun('pairing-1')).toBeUndefined();
    }
    // A well-paired transcript (a finished tool exchange) is accepted.
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const paired = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'zz', args: {} }] }, { role: 'tool', toolCallId: 'c1', name: 'zz', content: 'r' }] as const;
    expect((await createRuntime({ model }).run({ input: paired as never })).stopReason).toBe('final_answer');
  });

  it('model-chosen keys __proto__, constructor and prototype in arguments never pollute a prototype', async () => {
    const received: unknown[] = [];
    const spy = defineTool({ name: 'spy', description: 'records args', input: z.object({}).passthrough(), execute: (args) => { received.push(args); return 'ok'; } });
    const raw = '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": true}, "a": {"__proto__": {"polluted": true}}}';
    const model = new ScriptedModel([ScriptedModel.parallel([{ name: 'spy', args: raw, id: 's1' }, { name: 'spy', args: JSON.parse(raw) as unknown, id: 's2' }]), ScriptedModel.answer('done')]);
    await createRuntime({ model, tools: [spy], loopDetection: false }).run('go');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    for (const args of received) {
      expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
      expect((args as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it.each([
    ['empty', ''], ['a leading space', ' noop'], ['a trailing space', 'noop '], ['upper case', 'NOOP'], ['a Cyrillic look-alike', 'n\u043eop'],
    ['a zero-width joiner', 'no\u200dop'], ['__proto__', '__proto__'], ['constructor', 'constructor'], ['toString', 'toString'], ['1 MB long', 'n'.repeat(2 ** 20)],
  ])('a model-chosen tool name that is %s is tool_not_found (exact match), capped, and the run goes on', async (_label, name) => {
    let ran = 0;
    const noop = defineTool({ name: 'noop', description: 'does nothing', input: z.object({}), execute: () => ++ran });
    const model = new ScriptedModel([{ toolCalls: [{ name, args: {}, id: 'h1' }] }, ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [noop], limits: { maxToolOutputChars: 1_000 } }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(ran).toBe(0);
    const [message] = toolMessages(model);
    expect(message!.code).toBe('tool_not_found');
    expect(String(message!.content).length).toBeLessThanOrEqual(1_000);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it.each([['__proto__'], ['constructor'], ['a\nb'], ['\u0000'], ['x'.repeat(100_000)], [42], [null], [{}]])('a model-chosen call id %j is kept as data (or replaced when not a string); the call runs once', async (id) => {
    let ran = 0;
    const once = defineTool({ name: 'once', description: 'counts', input: z.object({}), sideEffects: 'idempotent', execute: () => ++ran });
    const model = new ScriptedModel([{ toolCalls: [{ name: 'once', args: {}, id: id as string }] }, ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [once] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(ran).toBe(1);
    await assertRunInvariants({ store, runId: result.runId, result });
  });
});

describe('red team: very long timeouts are long, not immediate', () => {
  // setTimeout fires after 1 ms for delays beyond 2^31 - 1 ms (about 24.8 days): a "practically no
  // timeout" setting must not turn into an instant one.
  const LONG = 3_000_000_000;

  it('a tool with timeoutMs beyond 2^31 ms finishes instead of timing out at once', async () => {
    const slow = defineTool({ name: 'slow', description: 'waits 50 ms', input: z.object({}), timeoutMs: LONG, execute: () => new Promise((resolve) => setTimeout(() => resolve('done'), 50)) });
    const model = new ScriptedModel([ScriptedModel.call('slow'), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [slow] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(toolMessages(model)[0]!.content).toBe('done');
  });

  it('a run with limits.timeoutMs beyond 2^31 ms runs to its answer', async () => {
    const model = new ScriptedModel([{ text: 'ok', delayMs: 50 }]);
    const result = await createRuntime({ model, limits: { timeoutMs: LONG } }).run('go');
    expect(result.stopReason).toBe('final_answer');
  });

  it('timeoutSignal (adapters\' per-call timeout) and delay do not fire early', async () => {
    const timer = timeoutSignal(new AbortController().signal, LONG, 'test');
    const controller = new AbortController();
    const waited = delay(LONG, controller.signal).then(() => 'fired', () => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(timer.timedOut()).toBe(false);
    expect(timer.signal.aborted).toBe(false);
    timer.clear();
    controller.abort(new Error('done waiting'));
    expect(await waited).toBe('aborted');
  });
});
