import { AgentrtError, createRuntime, createRuntimeAsync, defineTool, definePlugin, findPrice, idempotencyKeyFor, MemoryStore, TOKENS, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** Names that read an inherited property from a plain object (`{}`), and so once read as caps, prices or approvals. */
const HOSTILE_NAMES = ['toString', 'constructor', 'valueOf', '__proto__', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];

const counted = (name: string, runs: Map<string, number>) => defineTool({
  name,
  description: `counts calls of ${name}`,
  input: z.object({ n: z.number() }),
  execute: () => {
    runs.set(name, (runs.get(name) ?? 0) + 1);
    return 'ok';
  },
});

const lastToolMessages = (model: ScriptedModel) => model.requests.at(-1)!.messages.filter((m): m is ToolMessage => m.role === 'tool');

describe('governance: user-keyed lookups never read inherited properties', () => {
  it.each(HOSTILE_NAMES)('maxCallsPerTool { "*": 1 } caps a tool named %s', async (name) => {
    const runs = new Map<string, number>();
    const model = new ScriptedModel([ScriptedModel.call(name, { n: 1 }), ScriptedModel.call(name, { n: 2 }), ScriptedModel.call(name, { n: 3 }), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, store, tools: [counted(name, runs)], toolPolicy: { maxCallsPerTool: { '*': 1 } }, loopDetection: false }).run('go');
    expect(runs.get(name)).toBe(1);
    expect(lastToolMessages(model).map((m) => m.code ?? 'ok')).toEqual(['ok', 'tool_denied', 'tool_denied']);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('keeps an exact cap for a tool named __proto__ given as JSON (zod drops that key; the policy must not)', async () => {
    const runs = new Map<string, number>();
    const model = new ScriptedModel([ScriptedModel.call('__proto__', { n: 1 }), ScriptedModel.call('constructor', { n: 1 }), ScriptedModel.call('constructor', { n: 2 }), ScriptedModel.answer('done')]);
    const toolPolicy = JSON.parse('{"maxCallsPerTool": {"__proto__": 0, "constructor": 1}}') as { maxCallsPerTool: Record<string, number> };
    await createRuntime({ model, tools: [counted('__proto__', runs), counted('constructor', runs)], toolPolicy, loopDetection: false }).run('go');
    expect(runs.get('__proto__')).toBeUndefined();
    expect(runs.get('constructor')).toBe(1);
    expect(() => createRuntime({ model: new ScriptedModel([]), toolPolicy: JSON.parse('{"maxCallsPerTool": {"__proto__": "lots"}}') })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'toolPolicy.maxCallsPerTool.__proto__' }));
  });

  it.each(HOSTILE_NAMES)('finds no price for a model named %s (a cost cap cannot be silently disabled)', (name) => {
    expect(findPrice(Object.freeze({}), 'scripted', name)).toBeUndefined();
    expect(() => createRuntime({ model: new ScriptedModel([], { model: name }), limits: { maxCostUsd: 1 } })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'limits.maxCostUsd' }));
  });

  it('prices a model named __proto__ or constructor when the table names it, and enforces the cap', async () => {
    const pricing = JSON.parse('{"__proto__": {"input": 1000, "output": 1000}, "scripted:constructor": {"input": 1000, "output": 1000}}') as Record<string, { input: number; output: number }>;
    for (const name of ['__proto__', 'constructor']) {
      const model = new ScriptedModel([() => ScriptedModel.call('noop', {}, { usage: { inputTokens: 1000, outputTokens: 0 } })], { model: name, whenExhausted: 'cycle' });
      const noop = defineTool({ name: 'noop', description: 'does nothing', input: z.object({}), execute: () => 'ok' });
      const result = await createRuntime({ model, tools: [noop], pricing, limits: { maxCostUsd: 2.5, maxSteps: 20 }, loopDetection: false }).run('go');
      expect(result.stopReason, name).toBe('cost_budget');
      expect(result.usage.costUsd, name).toBeCloseTo(3, 9);
    }
  });
});

describe('idempotency keys', () => {
  it('are unambiguous: run "a" + call "b:c" and run "a:b" + call "c" get different keys', async () => {
    const keys: string[] = [];
    const record = defineTool({ name: 'record', description: 'records its key', input: z.object({}), sideEffects: 'idempotent', execute: (_args, ctx) => { keys.push(ctx.idempotencyKey); return 'ok'; } });
    for (const [runId, callId] of [['a', 'b:c'], ['a:b', 'c']] as const) {
      const model = new ScriptedModel([ScriptedModel.call('record', {}, { id: callId }), ScriptedModel.answer('done')]);
      await createRuntime({ model, tools: [record] }).run({ input: 'go', runId });
    }
    expect(keys).toEqual(['a:b:c', '["a:b","c"]']);
    expect(new Set(keys).size).toBe(2);
  });

  it('keep the earlier form for run ids without a colon (every generated id), so older runs resume with the same key', async () => {
    const keys: string[] = [];
    const record = defineTool({ name: 'record', description: 'records its key', input: z.object({}), sideEffects: 'idempotent', execute: (_args, ctx) => { keys.push(ctx.idempotencyKey); return 'ok'; } });
    const model = new ScriptedModel([ScriptedModel.call('record', {}, { id: 'call_7' }), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, tools: [record] }).run('go');
    expect(keys).toEqual([`${result.runId}:call_7`]);
    expect(idempotencyKeyFor('run-1.x_y', 'call:with:colons')).toBe('run-1.x_y:call:with:colons');
  });

  it('never collide over an adversarial set of run ids and call ids', () => {
    const parts = ['a', 'b', 'a:b', 'b:c', ':', '::', 'a:', ':a', '["a', 'b"]', '"', '[', ']', ',', '","', 'a","b', ''];
    const runIds = ['a', 'a:b', 'a:', ':a', 'x.y', 'x-y', 'x_y', 'a:b:c'];
    const seen = new Map<string, string>();
    for (const runId of runIds) {
      for (const callId of parts) {
        const key = idempotencyKeyFor(runId, callId);
        const pair = JSON.stringify([runId, callId]);
        expect(seen.get(key) ?? pair, `${pair} collides`).toBe(pair);
        seen.set(key, pair);
      }
    }
  });
});

describe('maxToolOutputChars caps every tool result path', () => {
  const MAX = 1_000;
  const HUGE = 'E'.repeat(2 * 2 ** 20);
  const run = async (tool: ReturnType<typeof defineTool>, extra: Parameters<typeof createRuntime>[0] = {}) => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call(tool.name, {}), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, store, tools: [tool], limits: { maxToolOutputChars: MAX }, ...extra }).run('go');
    const message = lastToolMessages(model)[0]!;
    const steps = await store.loadSteps(result.runId);
    const stored = JSON.stringify(steps);
    const events = JSON.stringify(await store.listEvents(result.runId));
    return { message, stored, events };
  };
  const expectCapped = (outcome: Awaited<ReturnType<typeof run>>, code: string) => {
    expect(outcome.message.code).toBe(code);
    expect(String(outcome.message.content).length).toBeLessThanOrEqual(MAX);
    expect(String(outcome.message.content)).toContain('tool_output_truncated');
    expect(outcome.stored.length).toBeLessThan(20 * MAX);
    expect(outcome.events.length).toBeLessThan(20 * MAX);
  };

  it('a thrown Error with a 2 MB message', async () => {
    expectCapped(await run(defineTool({ name: 'boom', description: 'throws', input: z.object({}), execute: () => { throw new Error(HUGE); } })), 'tool_failed');
  });

  it('a typed AgentrtError (keeps its code), like an MCP isError result', async () => {
    expectCapped(await run(defineTool({ name: 'mcp_like', description: 'throws typed', input: z.object({}), execute: () => { throw new AgentrtError('mcp_tool_error', HUGE); } })), 'mcp_tool_error');
  });

  it('a rejection with a non-Error value', async () => {
    expectCapped(await run(defineTool({ name: 'rejects', description: 'rejects', input: z.object({}), execute: () => Promise.reject({ detail: HUGE }) })), 'tool_failed');
  });

  it('a result replaced by an afterTool hook', async () => {
    const tool = defineTool({ name: 'small', description: 'returns little', input: z.object({}), execute: () => 'tiny' });
    const outcome = await run(tool, { hooks: [{ afterTool: (result) => ({ ...result, content: HUGE }) }] });
    expectCapped(outcome, 'tool_output_truncated');
  });

  it('an error result an afterTool hook makes huge, and a denial reason from a beforeTool hook', async () => {
    const tool = defineTool({ name: 'small', description: 'returns little', input: z.object({}), execute: () => 'tiny' });
    expectCapped(await run(tool, { hooks: [{ afterTool: (result) => ({ ...result, content: HUGE, isError: true, code: 'custom_error' }) }] }), 'custom_error');
    expectCapped(await run(tool, { hooks: [{ beforeTool: () => ({ deny: HUGE }) }] }), 'tool_denied');
  });

  it('multi-part content (text parts share the budget)', async () => {
    const tool = defineTool({ name: 'small', description: 'returns little', input: z.object({}), execute: () => 'tiny' });
    const outcome = await run(tool, { hooks: [{ afterTool: (result) => ({ ...result, content: [{ type: 'text', text: HUGE }, { type: 'text', text: HUGE }] }) }] });
    const parts = outcome.message.content as readonly { text: string }[];
    expect(parts.reduce((sum, p) => sum + p.text.length, 0)).toBeLessThanOrEqual(MAX);
    expect(outcome.message.code).toBe('tool_output_truncated');
  });

  it('a result replayed from the ledger on resume', async () => {
    const store = new MemoryStore();
    const big = defineTool({ name: 'big', description: 'returns a lot', input: z.object({}), sideEffects: 'idempotent', execute: () => 'B'.repeat(50_000) });
    const guarded = defineTool({ name: 'guarded', description: 'needs approval', input: z.object({}), requiresApproval: true, execute: () => 'ran' });
    const script = () => new ScriptedModel([ScriptedModel.parallel([{ name: 'big', args: {}, id: 'c1' }, { name: 'guarded', args: {}, id: 'c2' }]), ScriptedModel.answer('done')]);
    const first = await createRuntime({ model: script(), store, tools: [big, guarded], limits: { maxToolOutputChars: 100_000 } }).run('go');
    expect(first.status).toBe('paused');
    expect(JSON.stringify(await store.getToolLedger(first.runId)).length).toBeGreaterThan(50_000);
    const model = new ScriptedModel([ScriptedModel.answer('done')]);
    const done = await createRuntime({ model, store, tools: [big, guarded], limits: { maxToolOutputChars: MAX } }).resume(first.runId, { approvals: { c2: 'approve' } });
    expect(done.stopReason).toBe('final_answer');
    const replayed = lastToolMessages(model).find((m) => m.toolCallId === 'c1')!;
    expect(String(replayed.content).length).toBeLessThanOrEqual(MAX);
    expect(replayed.code).toBe('tool_output_truncated');
  });
});

describe('policy patterns cannot be dodged by a plugin namespace', () => {
  const fsLike = definePlugin({
    name: 'fs-like',
    register(container) {
      for (const name of ['read_file', 'write_file']) {
        container.register(TOKENS.Tool, { useValue: defineTool({ name, description: `${name} of the fake pack`, input: z.object({}), execute: () => `${name} ran` }) });
      }
    },
  });
  const runWith = async (toolPolicy: Parameters<typeof createRuntime>[0]['toolPolicy'], calls: string[]) => {
    const model = new ScriptedModel([...calls.map((name) => ScriptedModel.call(name)), ScriptedModel.answer('done')]);
    const runtime = await createRuntimeAsync({ model, plugins: [{ plugin: fsLike, namespace: 'fs' }], toolPolicy, loopDetection: false });
    await runtime.run('go');
    return { advertised: model.requests[0]!.tools.map((t) => t.name), codes: model.requests.slice(1).map((r) => (r.messages.at(-1) as ToolMessage).code ?? 'ok') };
  };

  it('deny: ["write_file"] denies fs__write_file (not advertised, refused when called)', async () => {
    const { advertised, codes } = await runWith({ deny: ['write_file'] }, ['fs__write_file', 'fs__read_file']);
    expect(advertised).toEqual(['fs__read_file']);
    expect(codes).toEqual(['tool_denied', 'ok']);
  });

  it('allow and maxCallsPerTool match the original name too; namespaced patterns keep working', async () => {
    expect((await runWith({ allow: ['read_file'] }, ['fs__write_file', 'fs__read_file'])).codes).toEqual(['tool_denied', 'ok']);
    expect((await runWith({ deny: ['*_file'] }, ['fs__read_file'])).codes).toEqual(['tool_denied']);
    expect((await runWith({ deny: ['fs__write_*'] }, ['fs__write_file', 'fs__read_file'])).codes).toEqual(['tool_denied', 'ok']);
    expect((await runWith({ maxCallsPerTool: { write_file: 1 } }, ['fs__write_file', 'fs__write_file', 'fs__read_file'])).codes).toEqual(['ok', 'tool_denied', 'ok']);
    expect((await runWith({ maxCallsPerTool: { 'write_*': 0 } }, ['fs__write_file'])).codes).toEqual(['tool_denied']);
  });
});

describe('stores and approvals keep hostile keys as data', () => {
  it('MemoryStore round-trips tool-call args with an own "__proto__" key without changing any prototype', async () => {
    const store = new MemoryStore();
    const args = JSON.parse('{"__proto__": {"toString": 1, "polluted": true}, "a": 1, "b": 2}') as Record<string, unknown>;
    const model = new ScriptedModel([{ toolCalls: [{ name: 'add', args, id: 'c1' }] }, ScriptedModel.answer('done')]);
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), sideEffects: 'idempotent', execute: ({ a, b }) => a + b });
    const result = await createRuntime({ model, store, tools: [add] }).run('go');
    const stored = (await store.loadSteps(result.runId))[0]!.messages[0] as unknown as { toolCalls: { args: Record<string, unknown> }[] };
    const storedArgs = stored.toolCalls[0]!.args;
    expect(Object.getPrototypeOf(storedArgs)).toBe(Object.prototype);
    expect(Object.keys(storedArgs).sort()).toEqual(['__proto__', 'a', 'b']);
    expect(String(storedArgs)).toBe('[object Object]');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('binds an approval only to an own entry: a pending call id named "constructor" or "__proto__" is approved only when named', async () => {
    for (const id of ['constructor', '__proto__', 'toString']) {
      const store = new MemoryStore();
      let ran = 0;
      const guarded = defineTool({ name: 'guarded', description: 'needs approval', input: z.object({}), requiresApproval: true, execute: () => { ran++; return 'ran'; } });
      const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('guarded', {}, { id }), ScriptedModel.answer('done')]), store, tools: [guarded] });
      const paused = await runtime.run('go');
      expect((await runtime.resume(paused.runId, { approvals: {} })).status, id).toBe('paused');
      const approvals = JSON.parse(`{${JSON.stringify(id)}: "approve"}`) as Record<string, 'approve'>;
      expect((await runtime.resume(paused.runId, { approvals })).stopReason, id).toBe('final_answer');
      expect(ran, id).toBe(1);
    }
  });
});
