// Red team of the per-step fast paths (redaction memo, one-walk event copies, synchronous tool
// settlement, synchronous stop checks, flat canonical JSON): public API only.
import { canonicalJson, createRuntime, defineTool, fingerprint, MemoryStore, Redactor, REDACTED, type RunEvent, type RuntimeHooks, type StopPolicy } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

const SECRET = 'zz-registered-0042';
const BUILT_INS = ['sk-abcdefghijklmnopqrstuvwx', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJlMTIz'];

function isDeepFrozen(value: unknown, path = '$'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = Object.isFrozen(value) ? [] : [path];
  for (const key of Object.keys(value)) out.push(...isDeepFrozen((value as Record<string, unknown>)[key], `${path}.${key}`));
  return out;
}

async function collect(runtime: ReturnType<typeof createRuntime>, input: Parameters<ReturnType<typeof createRuntime>['stream']>[0]) {
  const streamed: RunEvent[] = [];
  for await (const event of runtime.stream(input)) streamed.push(event);
  const runId = streamed[0]!.runId;
  return { streamed, runId, stored: await runtime.events(runId), audit: await runtime.exportAudit(runId) };
}

describe('red team (hot path): redaction of every event surface', () => {
  it('no registered or built-in secret reaches stream, onEvent, stored events or the audit export (keys, nesting, arrays, errors, getters, null prototypes)', async () => {
    const observed: RunEvent[] = [];
    const nullProto = Object.assign(Object.create(null) as object, { [SECRET]: 'v', note: SECRET });
    const echo = defineTool({
      name: 'echo', description: 'echo', input: z.object({ text: z.string(), list: z.array(z.string()), nested: z.record(z.string(), z.unknown()) }),
      execute: (args) => {
        const out: Record<string, unknown> = { args, nullProto, list: [SECRET, ...BUILT_INS] };
        Object.defineProperty(out, 'getter', { enumerable: true, get: () => `via getter ${SECRET}` });
        return out;
      },
    });
    const fails = defineTool({ name: 'fails', description: 'fails', input: z.object({}), execute: () => { throw new Error(`boom ${SECRET} ${BUILT_INS[0]}`); } });
    const args = { text: `hello ${SECRET}`, list: [SECRET, ...BUILT_INS], nested: { [SECRET]: SECRET, deep: { arr: [{ x: BUILT_INS[1] }] } } };
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'echo', args }, { name: 'fails', args: {} }] }, { text: `answer ${SECRET} ${BUILT_INS.join(' ')}` }]),
      tools: [echo, fails], store: new MemoryStore(), redact: { secrets: [SECRET] },
      hooks: [{ onEvent: (event) => void observed.push(event) }],
    });
    const { streamed, stored, audit } = await collect(runtime, 'go');
    const text = JSON.stringify([streamed, stored, observed, audit]);
    for (const secret of [SECRET, ...BUILT_INS]) expect(text.includes(secret), secret).toBe(false);
    expect(observed.length).toBe(stored.length);
    expect(stored.map((e) => e.type)).toEqual(expect.arrayContaining(['tool_started', 'tool_finished', 'model_response', 'run_finished']));
    expect(text).toContain('tool_failed');
    expect(text).toContain(REDACTED);
  });

  it('a secret added mid-run (hook redactor) is removed from short strings and keys that were memoized clean before', async () => {
    const late = 'late-secret-77';
    const tool = defineTool({ name: 'say', description: 'say', input: z.object({ v: z.string() }), execute: ({ v }) => ({ [v]: v }) });
    let added = false;
    let redactor: Redactor | undefined;
    const hooks: RuntimeHooks = {
      wrapRun: (info, next) => {
        redactor = info.redactor;
        return next();
      },
      onStepEnd: () => {
        if (!added) {
          added = true;
          redactor!.addSecret(late);
        }
      },
    };
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'say', args: { v: late } }] }, { toolCalls: [{ name: 'say', args: { v: late } }] }, { text: 'done' }]),
      tools: [tool], store: new MemoryStore(), hooks: [hooks],
    });
    const { stored } = await collect(runtime, 'go');
    const step1 = stored.filter((e) => e.type !== 'run_started' && 'stepIndex' in e && e.stepIndex === 1);
    expect(step1.map((e) => e.type)).toEqual(expect.arrayContaining(['tool_started', 'tool_finished']));
    expect(JSON.stringify(step1)).not.toContain(late);
    // Before the secret was added, it was shown (the memo had it as clean text).
    expect(JSON.stringify(stored.filter((e) => 'stepIndex' in e && e.stepIndex === 0))).toContain(late);
  });

  it('the short-string memo: more than 10,000 distinct strings, the same string under a secret key and not, a secret added after memoizing', () => {
    const redactor = new Redactor();
    for (let i = 0; i < 10_500; i++) redactor.text(`memo-${i}-padding`);
    expect(redactor.value({ note: 'plain-value-1', token: 'plain-value-1' })).toEqual({ note: 'plain-value-1', token: REDACTED });
    expect(redactor.value({ token: 'plain-value-2', note: 'plain-value-2' })).toEqual({ token: REDACTED, note: 'plain-value-2' });
    expect(redactor.text('memo-5-padding')).toBe('memo-5-padding');
    redactor.addSecret('memo-5-padding');
    expect(redactor.text('memo-5-padding')).toBe(REDACTED);
    expect(redactor.value({ 'memo-5-padding': 1 })).toEqual({ [REDACTED]: 1 });
    // Exactly 64 and 65 characters (the memo boundary).
    const s64 = `x${SECRET}`.padEnd(64, 'y');
    const s65 = `x ${SECRET}`.padEnd(65, 'y');
    const r = new Redactor();
    expect(r.text(s64)).toBe(s64);
    r.addSecret(SECRET);
    expect(r.text(s64)).not.toContain(SECRET);
    expect(r.text(s65)).not.toContain(SECRET);
    // A key that is also a value.
    expect(JSON.stringify(r.value({ [SECRET]: { [SECRET]: [SECRET] } }))).not.toContain(SECRET);
  });

  it('value(): inherited enumerable properties are not copied, `__proto__` keys are dropped, proxies and throwing getters become markers', () => {
    const redactor = new Redactor({ secrets: [SECRET] });
    const parent = { inherited: SECRET };
    const child = Object.create(parent) as Record<string, unknown>;
    child.own = 'ok';
    expect(redactor.value(child)).toEqual({ own: 'ok' });
    const withProto = JSON.parse(`{"__proto__": {"x": "${SECRET}"}, "a": 1}`) as object;
    const copy = redactor.value(withProto);
    expect(JSON.stringify(copy)).not.toContain(SECRET);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    const proxy = new Proxy({ a: SECRET }, { get: (t, k) => (k === 'a' ? `proxied ${SECRET}` : Reflect.get(t, k)) });
    expect(JSON.stringify(redactor.value({ proxy }))).not.toContain(SECRET);
    const throwing = { get bad(): string { throw new Error(SECRET); } };
    Object.defineProperty(throwing, 'bad', { enumerable: true, get() { throw new Error(SECRET); } });
    expect(JSON.stringify(redactor.value({ throwing }))).not.toContain(SECRET);
    const error = Object.assign(new Error(`m ${SECRET}`), { name: `N ${SECRET}`, extra: SECRET });
    expect(JSON.stringify(redactor.value({ error }))).not.toContain(SECRET);
    const long = `${'a'.repeat(100_000)} ${SECRET} ${BUILT_INS[0]}`;
    const longOut = redactor.text(long);
    expect(longOut).not.toContain(SECRET);
    expect(longOut).not.toContain(BUILT_INS[0]);
  });
});

describe('red team (hot path): events are frozen and detached', () => {
  it('stream and onEvent events are deep-frozen; mutating them, the tool args or the model message does not change the stored log', async () => {
    const observed: RunEvent[] = [];
    const unfrozen: string[] = [];
    const mutate = defineTool({
      name: 'mutate', description: 'mutates its args', input: z.object({ a: z.object({ b: z.string() }), list: z.array(z.string()) }),
      execute: (args) => {
        args.a.b = 'changed';
        args.list.push('added');
        return { out: { deep: ['x'] } };
      },
    });
    const response = { message: { role: 'assistant' as const, content: 'calling', toolCalls: [{ id: 'c1', name: 'mutate', args: { a: { b: 'orig' }, list: ['one'] } }] }, finishReason: 'tool_calls' as const, usage: { inputTokens: 1, outputTokens: 1 } };
    const runtime = createRuntime({
      model: new ScriptedModel([response, { text: 'done' }]), tools: [mutate], store: new MemoryStore(),
      hooks: [{
        onEvent: (event) => {
          observed.push(event);
          unfrozen.push(...isDeepFrozen(event, event.type));
          try {
            (event as unknown as Record<string, unknown>).type = 'hacked';
          } catch { /* frozen */ }
        },
      }],
    });
    const streamed: RunEvent[] = [];
    for await (const event of runtime.stream('go')) {
      streamed.push(event);
      unfrozen.push(...isDeepFrozen(event, `stream:${event.type}`));
    }
    response.message.toolCalls[0]!.args.a.b = 'after-the-fact';
    expect(unfrozen).toEqual([]);
    const stored = await runtime.events(streamed[0]!.runId);
    expect(stored.map((e) => e.type)).not.toContain('hacked');
    const started = stored.find((e) => e.type === 'tool_started') as unknown as { args: unknown } | undefined;
    expect(started?.args).toEqual({ a: { b: 'orig' }, list: ['one'] });
    const modelResponse = JSON.stringify(stored.filter((e) => e.type === 'model_response'));
    expect(modelResponse).not.toContain('after-the-fact');
    expect((await runtime.verifyAudit(streamed[0]!.runId)).ok).toBe(true);
  });
});

describe('red team (hot path): tools that answer synchronously', () => {
  async function runOne(execute: (args: Record<string, never>, ctx: Parameters<Parameters<typeof defineTool>[0]['execute']>[1]) => unknown, extra: { timeoutMs?: number } = {}) {
    const tool = defineTool({ name: 't', description: 't', input: z.object({}), ...extra, execute: execute as never });
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 't', args: {} }] }, { text: 'done' }]), tools: [tool], store: new MemoryStore() });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    const messages = await runtime.messages(result.runId);
    const toolMessage = messages.find((m) => m.role === 'tool') as { content: unknown; code?: string; isError?: boolean } | undefined;
    return { result, events, toolMessage, runtime };
  }

  it('values, objects, thenables, throwing then getters and synchronous throws', async () => {
    expect((await runOne(() => 42)).toolMessage?.content).toBe('42');
    expect((await runOne(() => ({ a: 1 }))).toolMessage?.content).toBe('{"a":1}');
    expect((await runOne(() => ({ then: (resolve: (v: unknown) => void) => resolve('thenable') }))).toolMessage?.content).toBe('thenable');
    const getterThrows = await runOne(() => Object.defineProperty({}, 'then', { get() { throw new Error('then getter'); } }));
    expect(getterThrows.toolMessage?.code).toBe('tool_failed');
    expect(String(getterThrows.toolMessage?.content)).toContain('then getter');
    const syncThrow = await runOne(() => { throw new Error('sync boom'); });
    expect(syncThrow.toolMessage?.code).toBe('tool_failed');
    expect(String(syncThrow.toolMessage?.content)).toContain('sync boom');
    const nonFunctionThen = await runOne(() => ({ then: 'not a function', x: 1 }));
    expect(nonFunctionThen.toolMessage?.isError ?? false).toBe(false);
  });

  it('synchronous progress, log and signal reads; a synchronous call is not timed out', async () => {
    const { events, toolMessage } = await runOne((_args, ctx) => {
      ctx.progress?.({ progress: 1, total: 2, message: 'half' });
      ctx.log?.({ level: 'info', message: 'logged' });
      return ctx.signal.aborted ? 'aborted' : 'live';
    });
    expect(toolMessage?.content).toBe('live');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['tool_progress', 'tool_log']));
    const slow = await runOne(() => new Promise((resolve) => setTimeout(() => resolve('late'), 200)), { timeoutMs: 20 });
    expect(slow.toolMessage?.code).toBe('tool_timeout');
  });

  it('a tool that kills its own run synchronously: the run ends killed, nothing after it runs', async () => {
    let runtime!: ReturnType<typeof createRuntime>;
    const tool = defineTool({ name: 'k', description: 'k', input: z.object({}), execute: (_a, ctx) => { void runtime.kill(ctx.runId, 'self'); return 'value'; } });
    runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'k', args: {} }] }, { text: 'never' }]), tools: [tool], store: new MemoryStore() });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('killed');
    const events = await runtime.events(result.runId);
    expect(events.filter((e) => e.type === 'model_request')).toHaveLength(1);
  });
});

describe('red team (hot path): canonical JSON and fingerprints', () => {
  it('is independent of key order for every shape', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: 1, b: 'x' }, { b: 'x', a: 1 }],
      [{ 1: 'a', 10: 'b', x: 1 }, { x: 1, 10: 'b', 1: 'a' }],
      [{ a: 1, u: undefined }, { a: 1 }],
      [{ a: { c: 1, b: 2 }, z: [1, { y: 1, x: 2 }] }, { z: [1, { x: 2, y: 1 }], a: { b: 2, c: 1 } }],
      [Object.assign(Object.create(null) as object, { b: 1, a: 2 }), { a: 2, b: 1 }],
      [{ b: 1, a: 2, toJSON: undefined }, { a: 2, b: 1 }],
    ];
    for (const [x, y] of pairs) {
      expect(canonicalJson(x)).toBe(canonicalJson(y));
      expect(fingerprint(x)).toBe(fingerprint(y));
    }
    class P { constructor(readonly b: number, readonly a: number) {} toJSON() { return 'p'; } }
    expect(canonicalJson(new P(1, 2))).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson({ p: new P(1, 2) })).toBe(canonicalJson({ p: { a: 2, b: 1 } }));
    const withToJSON = { a: 1, toJSON: () => 'x' };
    expect(canonicalJson(withToJSON)).toBe(canonicalJson({ toJSON: () => 'x', a: 1 }));
    expect(canonicalJson({ d: new Date(0) })).toBe(canonicalJson({ d: new Date(0) }));
  });

  it('loop detection treats {a,b} and {b,a} as the same call', async () => {
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { toolCalls: [{ name: 'add', args: { b: 2, a: 1 } }] }, { toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { toolCalls: [{ name: 'add', args: { b: 2, a: 1 } }] }, { text: 'done' }], { whenExhausted: 'repeat_last' }),
      tools: [add], store: new MemoryStore(), loopDetection: { threshold: 2 },
    });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    expect(events.some((e) => e.type === 'loop_warning') || result.stopReason === 'loop_detected').toBe(true);
  });
});

describe('red team (hot path): stop policies', () => {
  const loop = () => new ScriptedModel([{ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }], { whenExhausted: 'repeat_last' });

  it('an async policy answering a falsy non-undefined value (`cond && {…}`) does not hide the policies after it', async () => {
    const falsy: StopPolicy = { name: 'falsy', check: async (context: { steps: number }) => context.steps >= 100 && { reason: 'max_steps', detail: 'never' } } as unknown as StopPolicy;
    const second: StopPolicy = { name: 'second', check: (context) => (context.steps >= 2 ? { reason: 'max_steps', detail: 'second stops' } : undefined) };
    const runtime = createRuntime({ model: loop(), tools: [add], store: new MemoryStore(), stopPolicies: [falsy, second], limits: { maxSteps: 20 } });
    const result = await runtime.run('go');
    expect(result.stopDetail).toBe('second stops');
  });

  it('sync, async, thenable and throwing policies; a kill between steps wins', async () => {
    const thenable: StopPolicy = { name: 'thenable', check: (context) => ({ then: (resolve: (v: unknown) => void) => resolve(context.steps >= 2 ? { reason: 'max_steps', detail: 'thenable stops' } : undefined) }) as never };
    const r1 = await createRuntime({ model: loop(), tools: [add], store: new MemoryStore(), stopPolicies: [thenable], limits: { maxSteps: 20 } }).run('go');
    expect(r1.stopDetail).toBe('thenable stops');
    const rejects: StopPolicy = { name: 'rejects', check: async () => { throw new Error('async boom'); } };
    const r2 = await createRuntime({ model: loop(), tools: [add], store: new MemoryStore(), stopPolicies: [rejects] }).run('go');
    expect(r2.error?.code).toBe('hook_failed');
    expect(r2.stopDetail).toContain('stopPolicy:rejects');
    let runtime!: ReturnType<typeof createRuntime>;
    const killer: StopPolicy = { name: 'killer', check: (context) => { if (context.steps === 1 && context.phase === 'after_step') void runtime.kill(context.runId, 'between steps'); return undefined; } };
    runtime = createRuntime({ model: loop(), tools: [add], store: new MemoryStore(), stopPolicies: [killer], limits: { maxSteps: 20 } });
    const r3 = await runtime.run('go');
    expect(r3.stopReason).toBe('killed');
  });
});

describe('red team (hot path): a raw synchronous tool behaves like the same tool through defineTool', () => {
  type Exec = (args: Record<string, never>, ctx: Parameters<Parameters<typeof defineTool>[0]['execute']>[1], runtime: ReturnType<typeof createRuntime>) => unknown;
  async function outcome(execute: Exec, raw: boolean) {
    let runtime!: ReturnType<typeof createRuntime>;
    const defined = defineTool({ name: 't', description: 't', input: z.object({}), timeoutMs: 50, execute: ((args: never, ctx: never) => execute(args, ctx, runtime)) as never });
    const tool = raw ? { ...defined, execute: (args: unknown, ctx: never) => execute(args as never, ctx, runtime) } : defined;
    runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 't', args: {} }] }, { text: 'done' }]), tools: [tool as typeof defined], store: new MemoryStore() });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    const messages = await runtime.messages(result.runId);
    return {
      stop: result.stopReason,
      types: events.map((e) => e.type),
      tool: messages.filter((m) => m.role === 'tool').map((m) => JSON.stringify({ ...m, toolCallId: undefined })),
    };
  }
  const cases: Record<string, Exec> = {
    value: () => 42,
    object: () => ({ a: 1, nested: { b: [1, 2] } }),
    undefinedValue: () => undefined,
    fn: () => () => 1,
    thenable: () => ({ then: (resolve: (v: unknown) => void) => resolve('thenable') }),
    thenGetterThrows: () => Object.defineProperty({}, 'then', { get() { throw new Error('then getter'); } }),
    thenNotFunction: () => ({ then: 1 }),
    throwsError: () => { throw new Error('sync boom'); },
    throwsUndefined: () => { throw undefined; },
    throwsString: () => { throw 'str'; },
    progressAndLog: (_a, ctx) => { ctx.progress?.({ progress: 1 }); ctx.log?.({ level: 'info', message: 'm' }); return ctx.signal.aborted; },
    killsOwnRunThenReturns: (_a, ctx, runtime) => { void runtime.kill(ctx.runId, 'self'); return 'value'; },
    killsOwnRunThenThrows: (_a, ctx, runtime) => { void runtime.kill(ctx.runId, 'self'); throw new Error('after kill'); },
    killsOwnRunReadsSignal: (_a, ctx, runtime) => { void runtime.kill(ctx.runId, 'self'); return ctx.signal.aborted ? 'saw abort' : 'no abort'; },
    busyPastTimeout: () => { const end = Date.now() + 80; while (Date.now() < end) { /* busy */ } return 'busy done'; },
  };
  for (const [name, execute] of Object.entries(cases)) {
    it(name, async () => {
      const viaDefine = await outcome(execute, false);
      const viaRaw = await outcome(execute, true);
      expect(viaRaw).toEqual(viaDefine);
    });
  }
});

describe('red team (hot path): flat canonical JSON and toJSON', () => {
  it('a plain object with a non-enumerable toJSON gives the same text whatever its key order (its toJSON is not used, as in the general walk)', () => {
    const withHiddenToJSON = (value: object) => Object.defineProperty(value, 'toJSON', { value: () => 'hidden', enumerable: false });
    const ordered = withHiddenToJSON({ a: 1, b: 'x' });
    const unordered = withHiddenToJSON({ b: 'x', a: 1 });
    expect(canonicalJson(ordered)).toBe(canonicalJson(unordered));
    expect(canonicalJson(ordered)).toBe('{"a":1,"b":"x"}');
    expect(fingerprint(ordered)).toBe(fingerprint({ a: 1, b: 'x' }));
    // Nested (the general walk) agrees with flat.
    expect(canonicalJson({ v: ordered })).toBe('{"v":{"a":1,"b":"x"}}');
  });

  it('the audit hash chain verifies with integer-like, unicode and out-of-order keys in arguments and output', async () => {
    const tool = defineTool({ name: 'echo', description: 'echo', input: z.record(z.string(), z.unknown()), execute: (args) => ({ ...args, 2: 'two', 10: 'ten' }) });
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'echo', args: { z: 1, 10: 'a', 2: 'b', é: 'c', a: { y: 1, x: [{ d: 1, c: 2 }] } } }] }, { text: 'done' }]),
      tools: [tool], store: new MemoryStore(), audit: { hashChain: true },
    });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    expect(events.every((e) => typeof (e as { hash?: unknown }).hash === 'string')).toBe(true);
    expect(await runtime.verifyAudit(result.runId)).toMatchObject({ ok: true });
  });
});

describe('red team (hot path): tools that answer later', () => {
  async function runWith(tool: ReturnType<typeof defineTool>, onRuntime?: (runtime: ReturnType<typeof createRuntime>) => void) {
    // The second model call takes 100 ms: a late result arriving meanwhile is audited (a finished run's log takes no more events).
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: tool.name, args: {} }] }, { text: 'done', delayMs: 100 }]), tools: [tool], store: new MemoryStore() });
    onRuntime?.(runtime);
    const result = await runtime.run('go');
    // The tools' late work settles before the next test starts (no timer left running into it).
    await Promise.all(lateWork.splice(0));
    const events = await runtime.events(result.runId);
    const messages = await runtime.messages(result.runId);
    return { result, types: events.map((e) => e.type), tool: messages.find((m) => m.role === 'tool') as { code?: string; content: unknown } | undefined };
  }
  /** Answers of the tools below still to come: awaited after each run. */
  const lateWork: Promise<unknown>[] = [];
  const after = (ms: number) => {
    const answer = new Promise((resolve) => setTimeout(() => resolve('late'), ms));
    lateWork.push(answer);
    return answer;
  };
  const late = (ms: number) => () => after(ms);

  it('a call past its timeoutMs is tool_timeout (non-idempotent: tool_outcome_unknown); its late result is audited, never used', async () => {
    const slow = await runWith(defineTool({ name: 'slow', description: 's', input: z.object({}), timeoutMs: 20, execute: late(60) }));
    expect(slow.tool?.code).toBe('tool_timeout');
    expect(slow.types).toContain('late_result_discarded');
    const effect = await runWith(defineTool({ name: 'effect', description: 'e', input: z.object({}), timeoutMs: 20, sideEffects: 'non-idempotent', execute: late(60) }));
    expect(effect.tool?.code).toBe('tool_outcome_unknown');
    const never = await runWith(defineTool({ name: 'never', description: 'n', input: z.object({}), timeoutMs: 20, execute: () => ({ then: () => undefined }) }));
    expect(never.tool?.code).toBe('tool_timeout');
  });

  it('a kill while an async call runs: the run is killed before another model call', async () => {
    let runtime!: ReturnType<typeof createRuntime>;
    const tool = defineTool({ name: 'k', description: 'k', input: z.object({}), execute: (_a, ctx) => { setTimeout(() => void runtime.kill(ctx.runId, 'outside'), 5); return after(40); } });
    const out = await runWith(tool, (r) => { runtime = r; });
    expect(out.result.stopReason).toBe('killed');
    expect(out.types.filter((t) => t === 'model_request')).toHaveLength(1);
  });
});

describe('red team (hot path): user redaction options', () => {
  it('a user key pattern with the g or y flag matches every key (no lastIndex carried between keys)', () => {
    const redactor = new Redactor({ keys: [/session/gi, /^pin/y] });
    const out = redactor.value({ session: 'opaque-1', xsession: 'opaque-2', mySession: 'opaque-3', pin: 'opaque-4', pinCode: 'opaque-5' });
    expect(JSON.stringify(out)).not.toMatch(/opaque/);
  });

  it('toolOutput: false still redacts every audit copy; a user pattern without the g flag still redacts short and long strings', async () => {
    const tool = defineTool({ name: 'leak', description: 'l', input: z.object({}), execute: () => `out ${SECRET} CUSTOM-12345 ${BUILT_INS[0]}` });
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'leak', args: {} }] }, { text: 'CUSTOM-99999' }]), tools: [tool], store: new MemoryStore(),
      redact: { secrets: [SECRET], toolOutput: false, patterns: [/CUSTOM-\d+/] },
    });
    const { streamed, stored, audit } = await collect(runtime, 'go');
    const text = JSON.stringify([streamed, stored, audit]);
    for (const secret of [SECRET, BUILT_INS[0]!, 'CUSTOM-12345', 'CUSTOM-99999']) expect(text, secret).not.toContain(secret);
  });
});

describe('red team (hot path): tool notices cut at their length limit', () => {
  it('a secret straddling the progress (1,000) or log (2,000) cut is never shown in part', async () => {
    const tool = defineTool({
      name: 'noisy', description: 'n', input: z.object({}),
      execute: (_a, ctx) => {
        ctx.progress?.({ progress: 1, message: `${'p'.repeat(990)} ${SECRET}` });
        ctx.log?.({ level: 'info', message: `${'l'.repeat(1_990)} ${SECRET}` });
        ctx.log?.({ level: 'info', message: `${'l'.repeat(1_990)} ${BUILT_INS[0]}` });
        return 'ok';
      },
    });
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'noisy', args: {} }] }, { text: 'done' }]), tools: [tool], store: new MemoryStore(), redact: { secrets: [SECRET] } });
    const { streamed, stored, audit } = await collect(runtime, 'go');
    const text = JSON.stringify([streamed, stored, audit]);
    for (const fragment of [SECRET.slice(0, 8), BUILT_INS[0]!.slice(0, 8)]) expect(text.includes(fragment), fragment).toBe(false);
    const notices = stored.filter((e) => e.type === 'tool_progress' || e.type === 'tool_log') as unknown as { message: string }[];
    expect(notices).toHaveLength(3);
    expect(notices[0]!.message.length).toBeLessThanOrEqual(1_000);
    expect(notices[1]!.message.length).toBeLessThanOrEqual(2_000);
  });
});

describe('red team (hot path): thrown values cut before redaction', () => {
  it('a tool throwing a long non-Error object with a secret at the 1,000-character cut shows no part of it', async () => {
    const tool = defineTool({ name: 'throws', description: 't', input: z.object({}), execute: () => { throw { detail: `${'d'.repeat(978)} ${SECRET}` }; } });
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'throws', args: {} }] }, { text: 'done' }]), tools: [tool], store: new MemoryStore(), redact: { secrets: [SECRET] } });
    const { streamed, stored, audit, runId } = await collect(runtime, 'go');
    const text = JSON.stringify([streamed, stored, audit, await runtime.messages(runId)]);
    expect(text.includes(SECRET.slice(0, 8)), 'secret fragment').toBe(false);
    expect(text).toContain('tool_failed');
  });
});

describe('red team (hot path): several synchronous calls in one step', () => {
  it('events and results match the same tools through defineTool', async () => {
    async function outcome(raw: boolean) {
      const make = (name: string, execute: () => unknown) => {
        const defined = defineTool({ name, description: name, input: z.object({}), execute: execute as never });
        return raw ? { ...defined, execute: () => execute() } : defined;
      };
      const tools = [make('a', () => 'A'), make('b', () => { throw new Error('B'); }), make('c', () => ({ c: 1 }))];
      const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'a', args: {} }, { name: 'b', args: {} }, { name: 'c', args: {} }] }, { text: 'done' }]), tools: tools as never, store: new MemoryStore() });
      const result = await runtime.run('go');
      const events = await runtime.events(result.runId);
      return { types: events.map((e) => `${e.type}:${'name' in e ? String(e.name) : ''}`), messages: (await runtime.messages(result.runId)).filter((m) => m.role === 'tool') };
    }
    expect(await outcome(true)).toEqual(await outcome(false));
  });
});

describe('red team (hot path): secrets in the run input', () => {
  it('input, system prompt, metadata and run id-adjacent fields carry no secret into events or the audit', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), tools: [add], store: new MemoryStore(), redact: { secrets: [SECRET] } });
    const { streamed, stored, audit } = await collect(runtime, { input: `use ${SECRET} and ${BUILT_INS[1]}`, system: `sys ${SECRET}`, metadata: { [SECRET]: SECRET, apiKey: 'opaque-value-1', nested: [{ token: 'opaque-value-2' }] } });
    const text = JSON.stringify([streamed, stored, audit]);
    for (const secret of [SECRET, BUILT_INS[1]!, 'opaque-value-1', 'opaque-value-2']) expect(text.includes(secret), secret).toBe(false);
  });
});

describe('red team (hot path): hook errors cut before redaction', () => {
  it('a hook or stop policy whose error has a secret at the 8,192-character mark shows no part of it', async () => {
    const throwing: [string, RuntimeHooks | undefined, StopPolicy | undefined][] = [
      ['onStepStart', { onStepStart: () => { throw new Error(`${'h'.repeat(8_182)} ${SECRET}`); } }, undefined],
      ['stopPolicy', undefined, { name: 'p', check: () => { throw new Error(`${'h'.repeat(8_182)} ${SECRET}`); } }],
    ];
    for (const [name, hook, policy] of throwing) {
      const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), tools: [add], store: new MemoryStore(), redact: { secrets: [SECRET] }, hooks: hook ? [hook] : [], stopPolicies: policy ? [policy] : [] });
      const result = await runtime.run('go');
      expect(result.error?.code, name).toBe('hook_failed');
      const text = JSON.stringify([await runtime.events(result.runId), await runtime.exportAudit(result.runId), result]);
      expect(text.includes(SECRET.slice(0, 8)), name).toBe(false);
      expect(result.stopDetail!.length, name).toBeLessThanOrEqual(8_192);
    }
  });
});
