// Red team of the run-overhead pass (5e039ab..80e4083): synchronous kill-flag reads, the reused
// context of built-in stop policies, the allocation-free pairing check, the reused redaction walker,
// tools and model calls without promises, options without zod, MemoryStore hot methods without
// async frames. Public API only. Each attack was also run against a build of 5e039ab; the tests
// named "regression:" pin what both versions do, the others name a difference that was a bug.
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  builtInStopPolicies, ConfigError, createRuntime, defineTool, findPairingViolations, MemoryStore, ModelError, Redactor, REDACTED,
  type KillFlag, type Message, type ModelAdapter, type ModelResponse, type RunEvent, type RunResult, type StateStore, type StopCheckContext, type StopPolicy,
} from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const usage = { inputTokens: 1, outputTokens: 1 };
const final = (text = 'done'): ModelResponse => ({ message: { role: 'assistant', content: text }, usage, finishReason: 'stop' });
const callsOf = (...calls: [id: string, name: string, args?: object][]): ModelResponse => ({
  message: { role: 'assistant', content: '', toolCalls: calls.map(([id, name, args]) => ({ id, name, args: JSON.stringify(args ?? {}) })) },
  usage,
  finishReason: 'tool_calls',
});
/** A model answering `steps` in order, then the last one forever. */
function script(steps: readonly (ModelResponse | (() => ModelResponse | Promise<ModelResponse>))[]): ModelAdapter & { calls: number } {
  const model = {
    provider: 'p', model: 'm', calls: 0,
    generate: async () => {
      const step = steps[Math.min(model.calls++, steps.length - 1)]!;
      return typeof step === 'function' ? step() : step;
    },
  };
  return model;
}
/** A model that asks for one new tool call per step, forever. */
function looping(name = 't'): ModelAdapter & { calls: number } {
  const model = {
    provider: 'p', model: 'm', calls: 0,
    generate: async () => {
      model.calls++;
      return callsOf([`c${model.calls}`, name, { i: model.calls }]);
    },
  };
  return model;
}
const anyTool = (name: string, execute: (args: Record<string, unknown>, ctx: { runId: string; signal: AbortSignal }) => unknown, extra: object = {}) =>
  defineTool({ name, description: name, input: z.object({}).passthrough(), execute, ...extra });

function gcFn(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
async function collected(ref: WeakRef<object>): Promise<boolean> {
  const gc = gcFn();
  for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return ref.deref() === undefined;
}

// -------------------------------------------------------------------------------------------------
describe('bugs found (failing before the fix in this branch)', () => {
  it('run() of an array carrying an `input` property is refused as zod refuses it (field "run"), not run', async () => {
    // 5e039ab: ConfigError "run" (zod: expected object, received array). 80e4083: the quick path took
    // any object, so the array ran as a text run.
    const runtime = createRuntime({ model: script([final()]) });
    const options = Object.assign([] as unknown[], { input: 'hi' });
    await expect(runtime.run(options as never)).rejects.toMatchObject({ code: 'config_invalid', field: 'run' });
    expect(await runtime.listRuns()).toHaveLength(0);
  });

  it('findPairingViolations: a non-array toolCalls does not hide the orphaned results after it', () => {
    // 5e039ab: ["tool result x at 1 does not follow its call"]. 80e4083: [] — the fast path added
    // `calls.length` (undefined) to the index, which became NaN and ended the scan.
    const transcript = [
      { role: 'assistant', content: '', toolCalls: {} },
      { role: 'tool', toolCallId: 'x', name: 'n', content: 'c' },
    ] as unknown as Message[];
    expect(findPairingViolations(transcript)).toEqual(['tool result x at 1 does not follow its call']);
  });

  describe('policies from builtInStopPolicies() given by the user are the user\'s own', () => {
    it('one whose check a user made async does not stop the policies after it from being asked', async () => {
      // 80e4083 took every instance builtInStopPolicies() made for a synchronous built-in: an async
      // answer (a promise) counted as a decision, and the user's own policy after it was never asked.
      const [finalAnswer] = builtInStopPolicies();
      const original = finalAnswer!.check.bind(finalAnswer);
      finalAnswer!.check = async (ctx: StopCheckContext) => original(ctx); // e.g. a logging wrapper
      let asked = 0;
      const mine: StopPolicy = { name: 'mine', check: (ctx) => (asked++, ctx.phase === 'before_model' ? { reason: 'policy_violation', detail: 'mine' } : undefined) };
      const result = await createRuntime({ model: script([final()]), stopPolicies: [finalAnswer!, mine] }).run('hi');
      expect(asked).toBe(1);
      expect(result).toMatchObject({ stopReason: 'policy_violation', stopDetail: 'mine' });
    });

    it('one a user wrapped sees a fresh context per check, never changed after it returned', async () => {
      const [finalAnswer] = builtInStopPolicies();
      const original = finalAnswer!.check.bind(finalAnswer);
      const seen: { ctx: StopCheckContext; phase: string; steps: number; inputTokens: number; last: unknown }[] = [];
      finalAnswer!.check = (ctx: StopCheckContext) => {
        seen.push({ ctx, phase: ctx.phase, steps: ctx.steps, inputTokens: ctx.usage.inputTokens, last: ctx.lastMessage });
        return original(ctx);
      };
      const tool = anyTool('t', () => 'r');
      await createRuntime({ model: script([callsOf(['a', 't']), final('bye')]), tools: [tool], stopPolicies: [finalAnswer!] }).run('hi');
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(new Set(seen.map((s) => s.ctx)).size).toBe(seen.length);
      for (const s of seen) {
        expect(s.ctx.phase).toBe(s.phase);
        expect(s.ctx.steps).toBe(s.steps);
        expect(s.ctx.usage.inputTokens).toBe(s.inputTokens);
        expect(s.ctx.lastMessage).toBe(s.last);
      }
      // The step that asked for a tool: its context still holds that message after the run.
      expect(seen.find((s) => s.phase === 'after_step')!.ctx.lastMessage).toMatchObject({ toolCalls: [{ id: 'a' }] });
    });

    it('one a user changed cannot write the run\'s live usage (its context holds a copy): the token budget still holds', async () => {
      // 80e4083 gave it the run's own usage object: zeroing it let the run spend 400 tokens of a 150 budget.
      const [, , , tokenBudget] = builtInStopPolicies();
      tokenBudget!.check = (ctx: StopCheckContext) => {
        const u = ctx.usage as { inputTokens: number; outputTokens: number };
        u.inputTokens = 0;
        u.outputTokens = 0;
        return undefined;
      };
      const model = { provider: 'p', model: 'm', generate: async () => ({ ...callsOf([`c${Math.random()}`, 'nope']), usage: { inputTokens: 50, outputTokens: 50 } }) };
      const result = await createRuntime({ model, stopPolicies: [tokenBudget!], limits: { maxTokens: 150, maxSteps: 10 } }).run('hi');
      expect(result.stopReason).toBe('token_budget');
      expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(250);
    });
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: kill flags read synchronously or through the store', () => {
  const flag = (scope: string, reason = 'stop'): KillFlag => ({ scope, reason, at: new Date().toISOString() });

  it('a store made with Object.create(memoryStore) is read like the store itself', async () => {
    const inner = new MemoryStore();
    const store = Object.create(inner) as MemoryStore;
    const tool = anyTool('t', () => 'r');
    const runtime = createRuntime({ model: looping(), tools: [tool], store, limits: { maxSteps: 50 } });
    await inner.setKillFlag(flag('pre-o'));
    const result = await runtime.run({ input: 'x', runId: 'pre-o' });
    expect(result.stopReason).toBe('killed');
    expect(result.steps).toBe(0);
  });

  it('a getKillFlag put on a MemoryStore instance is asked before every model and tool call', async () => {
    const store = new MemoryStore();
    const asked: string[] = [];
    let killAt = Infinity;
    store.getKillFlag = async (runId: string) => {
      asked.push(runId);
      return asked.length >= killAt ? flag(runId, 'own getter') : undefined;
    };
    const tool = anyTool('t', () => 'r');
    const runtime = createRuntime({ model: looping(), tools: [tool], store, limits: { maxSteps: 5 } });
    const free = await runtime.run('x');
    expect(free.stopReason).toBe('max_steps');
    // 5 model calls + 5 tool calls at least (the poller may add reads while a call is in flight).
    expect(asked.length).toBeGreaterThanOrEqual(10);
    asked.length = 0;
    killAt = 4;
    const killed = await runtime.run('x');
    expect(killed.stopReason).toBe('killed');
    expect(killed.stopDetail ?? '').toContain('own getter');
  });

  it('a custom store (not a MemoryStore) delegating to one is honoured: flag set between steps stops before the next call', async () => {
    const inner = new MemoryStore();
    let reads = 0;
    const store: StateStore = new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === 'getKillFlag') return (runId: string) => (reads++, inner.getKillFlag(runId));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let executed = 0;
    const tool = anyTool('t', () => {
      executed++;
      if (executed === 2) void inner.setKillFlag(flag('custom', 'between steps'));
      return 'r';
    });
    const model = looping();
    const result = await createRuntime({ model, tools: [tool], store, limits: { maxSteps: 20 } }).run({ input: 'x', runId: 'custom' });
    expect(result.stopReason).toBe('killed');
    expect(executed).toBe(2);
    expect(model.calls).toBe(2);
    expect(reads).toBeGreaterThanOrEqual(4);
  });

  it('killAll stops many concurrent runs before their next call; clearKill lets new runs finish', async () => {
    const store = new MemoryStore();
    let started = 0;
    let killed = false;
    let afterKill = 0;
    const tool = anyTool('t', async () => {
      if (killed) afterKill++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return 'r';
    });
    const model: ModelAdapter = {
      provider: 'p', model: 'm',
      generate: async () => {
        if (killed) afterKill++;
        started++;
        // Fresh arguments every call: on a busy machine a run may get a few steps ahead of the
        // others, and identical calls would end it with loop_detected instead of the kill.
        return callsOf([`c${started}`, 't', { n: started }]);
      },
    };
    const runtime = createRuntime({ model, tools: [tool], store, limits: { maxSteps: 1000 } });
    const runs = Array.from({ length: 40 }, (_, i) => runtime.run({ input: 'x', runId: `many-${i}` }));
    while (started < 80) await new Promise((resolve) => setTimeout(resolve, 1));
    const killing = runtime.killAll('incident');
    killed = true;
    await killing;
    const results = await Promise.all(runs);
    expect(results.every((r) => r.stopReason === 'killed')).toBe(true);
    expect(afterKill).toBe(0);
    killed = false;
    const blocked = await createRuntime({ model: script([final()]), store }).run('y');
    expect(blocked.stopReason).toBe('killed');
    await runtime.clearKill();
    expect((await createRuntime({ model: script([final()]), store }).run('z')).stopReason).toBe('final_answer');
  });

  it('a kill from an onEvent hook at tool_finished lands before the next model call', async () => {
    const model = looping();
    let runtime!: ReturnType<typeof createRuntime>;
    const tool = anyTool('t', () => 'sync');
    runtime = createRuntime({
      model, tools: [tool], limits: { maxSteps: 20 },
      hooks: [{ onEvent: (e: RunEvent) => void (e.type === 'tool_finished' && runtime.kill(e.runId, 'from hook')) }],
    });
    const result = await runtime.run('x');
    expect(result.stopReason).toBe('killed');
    expect(model.calls).toBe(1);
    expect(result.steps).toBe(1);
  });

  it('a kill from a stream consumer between steps lands before the next model call, and the stream ends with it', async () => {
    const model = looping();
    const runtime = createRuntime({ model, tools: [anyTool('t', () => 'sync')], limits: { maxSteps: 20 } });
    const types: string[] = [];
    for await (const event of runtime.stream('x')) {
      types.push(event.type);
      if (event.type === 'step_finished' && event.stepIndex === 1) void runtime.kill(event.runId, 'from consumer');
    }
    expect(types.at(-1)).toBe('run_finished');
    expect(types).toContain('run_killed');
    expect(model.calls).toBeLessThanOrEqual(3);
  });

  it('a store closed mid-run fails the run with store_unavailable, as the awaited read did', async () => {
    const store = new MemoryStore();
    const tool = anyTool('t', () => (void store.close(), 'r'));
    const outcome = await createRuntime({ model: looping(), tools: [tool], store }).run('x').then((r: RunResult) => r.error?.code ?? r.stopReason, (e: { code?: string }) => e.code);
    expect(outcome).toBe('store_unavailable');
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: stop policies', () => {
  it('user policies get a fresh context per check, a copy of usage, and are asked in order (async ones awaited)', async () => {
    const order: string[] = [];
    const contexts: StopCheckContext[] = [];
    const snapshots: string[] = [];
    const a: StopPolicy = { name: 'a', check: async (ctx) => {
      order.push(`a:${ctx.phase}`);
      contexts.push(ctx);
      snapshots.push(JSON.stringify(ctx));
      (ctx.usage as { inputTokens: number }).inputTokens = 1e9; // must not reach the run
      return undefined;
    } };
    const b: StopPolicy = { name: 'b', check: (ctx) => void order.push(`b:${ctx.phase}:${ctx.usage.inputTokens}`) };
    const result = await createRuntime({ model: script([callsOf(['x', 't']), final()]), tools: [anyTool('t', () => 'r')], stopPolicies: [a, b], limits: { maxTokens: 10_000 } }).run('hi');
    expect(result.stopReason).toBe('final_answer');
    expect(result.usage.inputTokens).toBe(2);
    // b sees the context a changed (they share one per check, as before) but never the run's own usage.
    expect(order).toEqual(['a:before_model', 'b:before_model:1000000000', 'a:after_step', 'b:after_step:1000000000', 'a:before_model', 'b:before_model:1000000000']);
    expect(new Set(contexts).size).toBe(contexts.length);
    contexts.forEach((ctx, i) => {
      const then = JSON.parse(snapshots[i]!) as StopCheckContext;
      expect({ phase: ctx.phase, steps: ctx.steps, toolCalls: ctx.toolCalls, lastMessage: ctx.lastMessage && JSON.parse(JSON.stringify(ctx.lastMessage)) })
        .toEqual({ phase: then.phase, steps: then.steps, toolCalls: then.toolCalls, lastMessage: then.lastMessage });
    });
  });

  it('a built-in stop still fires with user policies around it, sync or async, and a throwing user policy is hook_failed', async () => {
    const spy: StopPolicy = { name: 'spy', check: async () => undefined };
    const capped = await createRuntime({ model: looping(), tools: [anyTool('t', () => 'r')], stopPolicies: [spy], limits: { maxSteps: 3 } }).run('x');
    expect(capped).toMatchObject({ stopReason: 'max_steps', steps: 3 });
    const thrower: StopPolicy = { name: 'thrower', check: () => { throw new Error('nope'); } };
    const failed = await createRuntime({ model: script([final()]), stopPolicies: [thrower] }).run('x');
    expect(failed.error).toMatchObject({ code: 'hook_failed' });
    expect(failed.error?.message).toContain('stopPolicy:thrower');
  });

  it('many concurrent runs: each user policy context carries its own run id, steps and metadata', async () => {
    const bad: string[] = [];
    const policy: StopPolicy = {
      name: 'check',
      check: async (ctx) => {
        const expected = ctx.metadata.id;
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (ctx.runId !== `conc-${String(expected)}` || ctx.metadata.id !== expected) bad.push(`${ctx.runId}/${String(expected)}`);
        return undefined;
      },
    };
    const runtime = createRuntime({ model: looping(), tools: [anyTool('t', () => 'r')], stopPolicies: [policy], limits: { maxSteps: 4 } });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => runtime.run({ input: 'x', runId: `conc-${i}`, metadata: { id: i } })));
    expect(results.every((r) => r.stopReason === 'max_steps' && r.steps === 4)).toBe(true);
    expect(bad).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: findPairingViolations fast path agrees with the full check', () => {
  const a = (...ids: string[]): Message => ({ role: 'assistant', content: '', toolCalls: ids.map((id) => ({ id, name: 'n', args: '{}' })) });
  const t = (id: string): Message => ({ role: 'tool', toolCallId: id, name: 'n', content: 'c' });
  const u: Message = { role: 'user', content: 'u' };
  const cases: [string, Message[], string[]][] = [
    ['well formed', [u, a('1', '2'), t('1'), t('2'), a(), u], []],
    ['nine calls (past the fast path cap)', [a(...'123456789'.split('')), ...'123456789'.split('').map(t)], []],
    ['results out of order', [a('1', '2'), t('2'), t('1')], ['tool call 1 (message 0) has no result directly after it', 'extra tool result 2 at 1', 'extra tool result 1 at 2']],
    ['extra result', [a('1'), t('1'), t('1')], ['extra tool result 1 at 2']],
    ['repeated id', [a('1', '1'), t('1'), t('1')], ['assistant message at 0 repeats a tool call id']],
    ['result first', [t('1'), a('1'), t('1')], ['tool result 1 at 0 does not follow its call']],
    ['missing last result', [a('1', '2'), t('1')], ['tool call 2 (message 0) has no result directly after it']],
    ['user between', [a('1'), u, t('1')], ['tool call 1 (message 0) has no result directly after it', 'tool result 1 at 2 does not follow its call']],
    ['empty toolCalls then result', [a(), t('1')], ['tool result 1 at 1 does not follow its call']],
  ];
  it.each(cases)('%s', (_name, messages, expected) => {
    expect(findPairingViolations(messages)).toEqual(expected);
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: reused redaction walker', () => {
  it('getters that re-enter value() with a secret and with the object being walked', () => {
    const redactor = new Redactor({ secrets: ['s3cr3t-value'] });
    const inner = { token: 'abc', note: 's3cr3t-value' };
    let depth = 0;
    const outer: Record<string, unknown> = {
      get nested() {
        return redactor.value(inner);
      },
      get again() {
        depth++;
        return depth < 3 ? redactor.value(outer) : 'stop';
      },
      plain: 'x s3cr3t-value',
    };
    const copy = redactor.value(outer) as Record<string, unknown>;
    expect(JSON.stringify(copy)).not.toContain('s3cr3t-value');
    expect(copy.nested).toEqual({ token: REDACTED, note: REDACTED });
    // After all that, the next walk starts clean (no stale path: the same object twice is no cycle).
    const shared = { a: 1 };
    expect(redactor.value({ x: shared, y: shared, z: [shared, shared] })).toEqual({ x: { a: 1 }, y: { a: 1 }, z: [{ a: 1 }, { a: 1 }] });
  });

  it('a getter that throws once: the value is unreadable where it threw, and read again where a sibling holds it', () => {
    const redactor = new Redactor();
    let first = true;
    const flaky = { get v() {
      if (first) {
        first = false;
        throw new Error('once');
      }
      return 'ok';
    } };
    expect(redactor.value({ a: flaky, b: flaky })).toEqual({ a: '[unreadable]', b: { v: 'ok' } });
  });

  it('cycles, revoked proxies, __proto__ keys, Error values, sparse and subclassed arrays', () => {
    const redactor = new Redactor();
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    cyclic.list = [cyclic];
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const protoKey = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as object;
    class Tagged extends Array<unknown> {}
    const tagged = Tagged.from(['a', 'sk-abcdefghijklmnopqrstuvwx']);
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    const out = redactor.value({ cyclic, proxy, protoKey, err: new Error('Bearer abcdefghijklmnopqrstuvwxyz0123'), tagged, sparse }) as Record<string, any>;
    expect(out.cyclic).toEqual({ name: 'c', self: '[circular]', list: ['[circular]'] });
    expect(out.proxy).toBe('[unreadable]');
    expect(Object.getOwnPropertyNames(out.protoKey)).toEqual(['ok']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(out.err.message).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
    expect(Array.isArray(out.tagged)).toBe(true);
    expect(out.tagged[1]).not.toContain('abcdefghijklmnopqrstuvwx');
    expect(out.sparse.length).toBe(3);
    expect(1 in out.sparse).toBe(false);
  });

  it('a huge sparse length array with a few items is copied with its length and items, holes kept', () => {
    const redactor = new Redactor();
    const big: unknown[] = [];
    big.length = 100_000;
    big[7] = 'sk-abcdefghijklmnopqrstuvwx';
    const out = redactor.value(big);
    expect(out.length).toBe(100_000);
    expect(out[7]).not.toContain('abcdefghijklmnopqrstuvwx');
    expect(0 in out).toBe(false);
  });

  it('nothing walked stays reachable from the idle walker (WeakRef + gc), also after a walk cut short', async () => {
    const redactor = new Redactor();
    let deep: Record<string, unknown> = { leaf: 'x'.repeat(1000) };
    for (let i = 0; i < 100; i++) deep = { next: deep, i }; // past the shallow path into the WeakSet part
    const refs: WeakRef<object>[] = [];
    (() => {
      const walked = { payload: deep, list: [deep] };
      refs.push(new WeakRef(walked));
      redactor.value(walked);
      const failing = { big: new Array(1000).fill('y'), get boom(): never {
        throw new Error('x');
      } };
      refs.push(new WeakRef(failing));
      redactor.value({ failing });
    })();
    deep = {};
    for (const ref of refs) expect(await collected(ref)).toBe(true);
  });

  it('a big tool output is not retained by the runtime\'s redactor after the run', async () => {
    let ref!: WeakRef<object>;
    const tool = anyTool('t', () => {
      const output = { rows: Array.from({ length: 2000 }, (_, i) => ({ i, s: `row ${i}` })) };
      ref = new WeakRef(output);
      return output;
    });
    const runtime = createRuntime({ model: script([callsOf(['a', 't']), final()]), tools: [tool] });
    expect((await runtime.run('x')).stopReason).toBe('final_answer');
    expect(await collected(ref)).toBe(true);
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: tools answered synchronously and hostile thenables', () => {
  const runOne = async (execute: (args: Record<string, unknown>, ctx: { runId: string; signal: AbortSignal }) => unknown, extra: object = {}) => {
    const events: RunEvent[] = [];
    const result = await createRuntime({ model: script([callsOf(['a', 't']), final()]), tools: [anyTool('t', execute, extra)], hooks: [{ onEvent: (e: RunEvent) => void events.push(e) }] }).run('x');
    const finished = events.find((e) => e.type === 'tool_finished') as (RunEvent & { isError?: boolean; code?: string }) | undefined;
    return { result, finished, types: events.map((e) => e.type) };
  };

  it.each([
    ['sync throw of a non-Error', () => { throw 42; }, 'tool_failed'],
    ['sync thenable', () => ({ then: (resolve: (v: unknown) => void) => resolve('thenable') }), undefined],
    ['thenable whose then getter throws', () => ({ get then(): never {
      throw new Error('getter');
    } }), 'tool_failed'],
    ['thenable whose then throws', () => ({ then: () => { throw new Error('then'); } }), 'tool_failed'],
    ['thenable rejecting synchronously', () => ({ then: (_r: unknown, reject: (e: unknown) => void) => reject(new Error('rej')) }), 'tool_failed'],
    ['rejected promise', () => Promise.reject(new Error('rp')), 'tool_failed'],
  ] as const)('%s', async (_name, execute, code) => {
    const { result, finished, types } = await runOne(execute as never);
    expect(result.stopReason).toBe('final_answer');
    expect(finished?.code).toBe(code);
    expect(types).toEqual(['run_started', 'step_started', 'model_request', 'model_response', 'tool_started', 'tool_finished', 'step_finished', 'step_started', 'model_request', 'model_response', 'step_finished', 'run_finished']);
  });

  it('a sync and an async tool give the same event sequence and transcript', async () => {
    const sync = await runOne(() => 'v');
    const async_ = await runOne(async () => 'v');
    expect(sync.types).toEqual(async_.types);
    expect(sync.result.output).toBe(async_.result.output);
  });

  it('a tool reading ctx.signal after it returned finds it not aborted by its own completion', async () => {
    let signal: AbortSignal | undefined;
    const { result } = await runOne((_a, ctx) => ((signal = ctx.signal), 'v'));
    expect(result.stopReason).toBe('final_answer');
    expect(signal?.aborted).toBe(false);
  });

  it('a tool that kills or aborts its run synchronously: its result is discarded, the run stops before another call', async () => {
    for (const how of ['kill', 'abort'] as const) {
      const controller = new AbortController();
      const model = script([callsOf(['a', 'k'], ['b', 's']), final()]);
      let second = 0;
      let runtime!: ReturnType<typeof createRuntime>;
      const k = anyTool('k', (_a, ctx) => {
        if (how === 'kill') void runtime.kill(ctx.runId, 'from tool');
        else controller.abort();
        return 'k';
      });
      runtime = createRuntime({ model, tools: [k, anyTool('s', () => void second++)] });
      const result = await runtime.run({ input: 'x', signal: controller.signal });
      expect(result.stopReason).toBe(how === 'kill' ? 'killed' : 'cancelled');
      expect(second).toBe(0);
      expect(model.calls).toBe(1);
    }
  });

  it('wrapToolCall gets a promise from next() for a sync tool; calling next twice fails the run as hook_failed', async () => {
    let isPromise: boolean | undefined;
    const ok = await createRuntime({
      model: script([callsOf(['a', 't']), final()]), tools: [anyTool('t', () => 'v')],
      hooks: [{ wrapToolCall: (_i, _c, next) => {
        const p = next();
        isPromise = p instanceof Promise;
        return p;
      } }],
    }).run('x');
    expect(ok.stopReason).toBe('final_answer');
    expect(isPromise).toBe(true);
    const twice = await createRuntime({
      model: script([callsOf(['a', 't']), final()]), tools: [anyTool('t', () => 'v')],
      hooks: [{ wrapToolCall: async (_i, _c, next) => (await next(), next()) }],
    }).run('x');
    expect(twice.error?.code).toBe('hook_failed');
  });

  it('beforeTool rewrite and deny, afterTool replacement, on parallel sync and async calls, land at their own indexes', async () => {
    const seen: string[] = [];
    const tool = defineTool({ name: 't', description: 't', input: z.object({ q: z.number() }), execute: ({ q }) => (q % 2 ? `sync ${q}` : Promise.resolve(`async ${q}`)) });
    const requests: (Message & { toolCallId?: string; code?: string })[][] = [];
    const scripted = script([callsOf(['a', 't', { q: 1 }], ['b', 't', { q: 2 }], ['c', 't', { q: 3 }], ['d', 't', { q: 4 }]), final()]);
    const model: ModelAdapter = { ...scripted, generate: (request) => (requests.push([...request.messages] as never), scripted.generate(request)) };
    const result = await createRuntime({
      model, tools: [tool],
      hooks: [{
        beforeTool: (info) => (info.toolCallId === 'c' ? { deny: 'no c' } : info.toolCallId === 'd' ? { args: { q: 40 } } : undefined),
        afterTool: (r) => (seen.push(r.toolCallId), { ...r, content: `${String(r.content)}!` }),
      }],
    }).run('x');
    expect(result.stopReason).toBe('final_answer');
    expect(seen.sort()).toEqual(['a', 'b', 'd']);
    const results = requests[1]!.filter((m) => m.role === 'tool').map((m) => [m.toolCallId, m.content, m.code]);
    expect(results).toEqual([['a', 'sync 1!', undefined], ['b', 'async 2!', undefined], ['c', expect.stringContaining('no c'), 'tool_denied'], ['d', 'async 40!', undefined]]);
  });

  it('a tool that never settles times out as tool_timeout (idempotent) or tool_outcome_unknown (non-idempotent)', async () => {
    expect((await runOne(() => new Promise(() => undefined), { timeoutMs: 15 })).finished?.code).toBe('tool_timeout');
    expect((await runOne(() => new Promise(() => undefined), { timeoutMs: 15, sideEffects: 'non-idempotent' })).finished?.code).toBe('tool_outcome_unknown');
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: model call error mapping', () => {
  const runWith = (generate: ModelAdapter['generate'], signal?: AbortSignal) =>
    createRuntime({ model: { provider: 'p', model: 'm', generate } }).run(signal ? { input: 'x', signal } : 'x');

  it.each([
    ['sync throw of an Error', () => { throw new Error('sync boom'); }, 'model_unavailable', 'sync boom'],
    ['sync throw of a string', () => { throw 'str'; }, 'model_unavailable', 'str'],
    ['rejection with null', () => Promise.reject(null), 'model_unavailable', 'null'],
    ['typed rejection', async () => { throw new ModelError('model_rate_limited', 'slow down'); }, 'model_rate_limited', 'slow down'],
    ['typed sync throw', () => { throw new ModelError('model_bad_request', 'bad'); }, 'model_bad_request', 'bad'],
  ] as const)('%s', async (_name, generate, code, message) => {
    const result = await runWith(generate as never);
    expect(result.stopReason).toBe('error');
    expect(result.error?.code).toBe(code);
    expect(result.error?.message).toContain(message);
  });

  it('a plain value or a thenable from generate is a response', async () => {
    expect((await runWith((() => final('plain')) as never)).output).toBe('plain');
    expect((await runWith((() => ({ then: (r: (v: ModelResponse) => void) => r(final('th')) })) as never)).output).toBe('th');
  });

  it('an abort during the call (then a throw or a hang) is cancelled, not model_unavailable', async () => {
    for (const after of ['throw', 'hang'] as const) {
      const controller = new AbortController();
      const result = await runWith((() => {
        controller.abort();
        if (after === 'throw') throw new Error('after abort');
        return new Promise(() => undefined);
      }) as never, controller.signal);
      expect(result.stopReason).toBe('cancelled');
      expect(result.error).toBeUndefined();
    }
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: run options without zod', () => {
  const runtime = createRuntime({ model: script([final()]) });
  it.each([
    ['system', { input: 'x', system: 5 }], ['system', { input: 'x', system: null }], ['runId', { input: 'x', runId: 'a'.repeat(201) }], ['runId', { input: 'x', runId: 'ab\n' }],
    ['runId', { input: 'x', runId: '' }], ['runId', { input: 'x', runId: null }], ['idempotencyKey', { input: 'x', idempotencyKey: '' }], ['idempotencyKey', { input: 'x', idempotencyKey: 'k'.repeat(501) }],
    ['idempotencyKey', { input: 'x', idempotencyKey: 5 }], ['signal', { input: 'x', signal: {} }], ['maxOutputRepairs', { input: 'x', maxOutputRepairs: 1.5 }], ['maxOutputRepairs', { input: 'x', maxOutputRepairs: 11 }],
    ['maxOutputRepairs', { input: 'x', maxOutputRepairs: Number.NaN }], ['maxOutputRepairs', { input: 'x', maxOutputRepairs: '1' }], ['input', { input: '' }], ['input', { input: new String('x') }],
    ['metadata', { input: 'x', metadata: null }], ['output', { input: 'x', output: 'nope' }], ['', null],
  ])('refused with field run%s', async (field, options) => {
    const error = await runtime.run(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field ? `run.${field}` : 'run');
  });

  it('a plain, frozen, getter-built or prototype-carrying options object runs, each getter read once', async () => {
    const counts: Record<string, number> = {};
    const options = {};
    for (const [key, value] of Object.entries({ input: 'x', system: 's', runId: 'getter-run', idempotencyKey: undefined, signal: undefined, metadata: undefined, output: undefined, maxOutputRepairs: 2 })) {
      Object.defineProperty(options, key, { enumerable: true, get: () => ((counts[key] = (counts[key] ?? 0) + 1), value) });
    }
    expect((await runtime.run(Object.freeze(options) as never)).runId).toBe('getter-run');
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    const inherited = Object.create({ runId: 'from-proto' }, { input: { value: 'x', enumerable: true } }) as never;
    expect((await runtime.run(inherited)).runId).toBe('from-proto');
    expect((await runtime.run(Object.freeze({ input: 'x', runId: 'r'.repeat(200), maxOutputRepairs: 10 }))).stopReason).toBe('final_answer');
  });

  it('text and transcript inputs are one idempotent run whatever the text holds (quotes, NUL, U+2028, lone surrogates)', async () => {
    const texts = ['q"uo\\te', 'nul\u0000x', 'ls\u2028ps\u2029', 'lone\ud800', 'lo\udc00ne', '😀', '</script>', '\u007f\u0080'];
    for (const text of texts) {
      for (const system of [undefined, '', 'sys"\ud801']) {
        const rt = createRuntime({ model: script([final()]) });
        const a = await rt.run({ input: text, ...(system !== undefined ? { system } : {}), idempotencyKey: 'k' });
        const transcript: Message[] = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: text }];
        const b = await rt.run({ input: transcript, idempotencyKey: 'k' });
        expect(b.runId).toBe(a.runId);
        const other = await rt.run({ input: `${text}.`, idempotencyKey: 'k' }).catch((e: { code?: string }) => e.code);
        expect(other).toBe('idempotency_conflict');
      }
    }
  });
});

// -------------------------------------------------------------------------------------------------
describe('regression: MemoryStore hot methods', () => {
  const base = { runId: 'r1', input: [{ role: 'user' as const, content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date(0).toISOString() };
  const hot = ['createRun', 'acquireLease', 'releaseLease', 'saveDecision', 'commitStep', 'finishRun', 'getKillFlag'] as const;

  it('never throw synchronously: bad arguments, a detached method, a closed store', async () => {
    const store = new MemoryStore();
    await store.createRun(base);
    const closed = new MemoryStore();
    await closed.close();
    for (const method of hot) {
      const fn = store[method] as (...args: unknown[]) => Promise<unknown>;
      for (const call of [() => fn.call(store, null), () => fn.call(undefined, base), () => (closed[method] as (...a: unknown[]) => Promise<unknown>)({ ...base, owner: 'o', ttlMs: 1, epoch: 1, decision: { stepIndex: 0 }, step: { stepIndex: 0 }, events: [], result: { status: 'completed' } })]) {
        let answer: unknown;
        expect(() => (answer = call())).not.toThrow();
        expect(answer).toBeInstanceOf(Promise);
        await (answer as Promise<unknown>).catch(() => undefined);
      }
    }
  });

  it('hand out copies: no returned object (nor a nested part) aliases what the store keeps', async () => {
    const store = new MemoryStore();
    const { run } = await store.createRun({ ...base, runId: 'al', metadata: { deep: { list: [1, { x: 2 }] } }, idempotencyKey: 'k-al' });
    (run.input[0] as { content: string }).content = 'MUT';
    (run.metadata as { deep: { list: unknown[] } }).deep.list.push('MUT');
    const existing = await store.createRun({ ...base, runId: 'al2', idempotencyKey: 'k-al' });
    expect(existing.created).toBe(false);
    (existing.run.usage as { inputTokens: number }).inputTokens = 99;
    const lease = (await store.acquireLease({ runId: 'al', owner: 'o', ttlMs: 60_000 }))!;
    (lease as { epoch: number }).epoch = 77;
    const lease2 = (await store.acquireLease({ runId: 'al', owner: 'o', ttlMs: 60_000 }))!;
    expect(lease2.epoch).toBe(2);
    await store.setKillFlag({ scope: 'al', reason: 'r', at: 'now' });
    const flag = (await store.getKillFlag('al'))!;
    (flag as { reason: string }).reason = 'MUT';
    expect((await store.getKillFlag('al'))!.reason).toBe('r');
    const result = { runId: 'al', status: 'completed' as const, stopReason: 'final_answer' as const, steps: 0, toolCalls: 0, usage: { inputTokens: 1, outputTokens: 0, costUsd: 0 }, startedAt: 'a', endedAt: 'b', output: { nested: [1, { x: 2 }] } };
    const finished = await store.finishRun({ runId: 'al', result, events: [], lease: lease2 });
    (finished.usage as { inputTokens: number }).inputTokens = 1000;
    ((finished.output as { nested: { x: unknown }[] }).nested[1]!).x = 'MUT';
    result.usage.inputTokens = 5000;
    const again = await store.finishRun({ runId: 'al', result: { ...result, status: 'failed' as never }, events: [] });
    (again.output as { nested: unknown[] }).nested.push('MUT');
    const stored = (await store.getRun('al'))!;
    expect(stored.input[0]).toMatchObject({ content: 'x' });
    expect(stored.metadata).toEqual({ deep: { list: [1, { x: 2 }] } });
    expect(stored.usage.inputTokens).toBe(0);
    expect(stored.result).toMatchObject({ status: 'completed', usage: { inputTokens: 1 }, output: { nested: [1, { x: 2 }] } });
  });

  it('copies out records with __proto__ keys as data and drop undefined members', async () => {
    const store = new MemoryStore();
    const metadata = JSON.parse('{"__proto__":{"polluted":true},"a":1,"u":null}') as Record<string, unknown>;
    const { run } = await store.createRun({ ...base, runId: 'pk', metadata: { ...metadata, gone: undefined } as never, idempotencyKey: 'kp' });
    for (const copy of [run, (await store.getRun('pk'))!, (await store.createRun({ ...base, runId: 'pk2', idempotencyKey: 'kp' })).run, (await store.listRuns())[0]!]) {
      expect(Object.getOwnPropertyNames(copy.metadata)).toEqual(['__proto__', 'a', 'u']);
      expect(Object.getPrototypeOf(copy.metadata)).toBe(Object.prototype);
      expect((copy.metadata as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
