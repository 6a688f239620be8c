// Behaviour the per-step fast paths must keep (issue 15): memoized redaction of short strings and
// keys, canonical JSON of flat arguments without a sorted copy, stop policies without a closure.
import { canonicalJson, createRuntime, MemoryStore, Redactor, REDACTED, type Message, type StopPolicy } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { add } from './helpers.js';

describe('redaction memo', () => {
  it('redacts a short string and a key seen clean before the secret was registered', () => {
    const redactor = new Redactor();
    expect(redactor.text('hunter2-pw')).toBe('hunter2-pw');
    expect(redactor.value({ 'hunter2-pw': 'x' })).toEqual({ 'hunter2-pw': 'x' });
    redactor.addSecret('hunter2-pw');
    expect(redactor.text('hunter2-pw')).toBe(REDACTED);
    expect(redactor.value({ 'hunter2-pw': 'x', note: 'hunter2-pw' })).toEqual({ [REDACTED]: 'x', note: REDACTED });
  });

  it('gives the same answers once the memo is full and emptied', () => {
    const redactor = new Redactor();
    for (let i = 0; i < 10_050; i++) expect(redactor.text(`value-${i}`)).toBe(`value-${i}`);
    expect(redactor.text('Bearer abcdefghijklmnopqrstuvwxyz012345')).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
    expect(redactor.text('Bearer abcdefghijklmnopqrstuvwxyz012345')).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
  });
});

describe('canonical JSON of flat values', () => {
  it('sorts keys whatever their order, and keeps integer-like keys as JSON orders them', () => {
    expect(canonicalJson({ a: 1, b: 'x' })).toBe('{"a":1,"b":"x"}');
    expect(canonicalJson({ b: 'x', a: 1 })).toBe('{"a":1,"b":"x"}');
    expect(canonicalJson({ 10: 1, 2: 2, a: null, B: true })).toBe(canonicalJson({ B: true, a: null, 2: 2, 10: 1 }));
    expect(canonicalJson({ a: 1, skip: undefined })).toBe('{"a":1}');
  });

  it('does not take a class instance\'s toJSON for its keys', () => {
    class Point {
      constructor(readonly x: number) {}
      toJSON() {
        return 'point';
      }
    }
    expect(canonicalJson(new Point(1))).toBe(canonicalJson({ x: 1 }));
  });
});

describe('stop policies on the hot path', () => {
  it('a throwing policy fails the run as hook_failed naming the policy', async () => {
    const policy: StopPolicy = { name: 'explodes', check: () => { throw new Error('boom'); } };
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'done' }]), tools: [add], store: new MemoryStore(), stopPolicies: [policy] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('error');
    expect(result.error?.code).toBe('hook_failed');
    expect(result.stopDetail).toContain('stopPolicy:explodes');
  });

  it('an async policy answer is awaited', async () => {
    const policy: StopPolicy = { name: 'later', check: async (context) => (context.phase === 'before_model' && context.steps >= 1 ? { reason: 'max_steps', detail: 'async stop' } : undefined) };
    const runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] }, { text: 'never' }]), tools: [add], store: new MemoryStore(), stopPolicies: [policy] });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('max_steps');
    expect(result.stopDetail).toBe('async stop');
    expect(result.steps).toBe(1);
  });
});

describe('events made in one walk', () => {
  const deepFrozen = (value: unknown): boolean => {
    if (value === null || typeof value !== 'object') return true;
    return Object.isFrozen(value) && Object.values(value).every(deepFrozen);
  };

  it('every persisted event is frozen all the way down, redacted, and unchanged by later mutation of what it was made from', async () => {
    const seen: unknown[] = [];
    const secret = 'sk-live-0123456789abcdefghij';
    const args = { a: 1, b: 2 };
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'add', args }] }, { text: `done ${secret}` }]),
      tools: [add],
      store: new MemoryStore(),
      redact: { secrets: [secret] },
      hooks: [{ onEvent: (event) => seen.push(event) }],
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    args.a = 99;
    const events = await runtime.events(result.runId);
    expect(seen.length).toBe(events.length);
    for (const event of seen) expect(deepFrozen(event)).toBe(true);
    const types = new Set(seen.map((event) => (event as { type: string }).type));
    for (const type of ['run_started', 'step_started', 'model_request', 'model_response', 'tool_started', 'tool_finished', 'step_finished', 'run_finished']) expect(types.has(type)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(secret);
    const started = events.find((event) => event.type === 'tool_started') as { args: { a: number } };
    expect(started.args.a).toBe(1);
  });

  it('a redactor whose value() was replaced on the instance is still used for events', async () => {
    const seen: { type: string; message?: { content: string } }[] = [];
    const runtime = createRuntime({
      model: new ScriptedModel([{ text: 'plain answer' }]),
      store: new MemoryStore(),
      hooks: [{
        onEvent: (event) => seen.push(event as never),
        wrapRun: (info, next) => {
          const original = info.redactor.value.bind(info.redactor);
          info.redactor.value = <T>(value: T): T => JSON.parse(JSON.stringify(original(value)).replaceAll('plain answer', 'masked')) as T;
          return next();
        },
      }],
    });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    const response = events.find((event) => event.type === 'model_response') as { message: { content: string } };
    expect(response.message.content).toBe('masked');
    const delivered = seen.find((event) => event.type === 'model_response')!;
    expect(delivered.message?.content).toBe('masked');
    expect(Object.isFrozen(delivered) && Object.isFrozen(delivered.message)).toBe(true);
  });
});

describe('tool calls answered synchronously', () => {
  it('a sync value, a sync throw and a sync object result each become the right tool message', async () => {
    const { defineTool } = await import('@agentrt/core');
    const { z } = await import('zod');
    const value = defineTool({ name: 'value', description: 'v', input: z.object({}), execute: () => 41 });
    const thrower = defineTool({ name: 'thrower', description: 't', input: z.object({}), execute: () => { throw new Error('sync boom'); } });
    const object = defineTool({ name: 'object', description: 'o', input: z.object({}), execute: () => ({ ok: true }) });
    const thenable = defineTool({ name: 'thenable', description: 'th', input: z.object({}), execute: () => ({ then: (resolve: (v: unknown) => void) => resolve('from thenable') }) as unknown as string });
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 'value', args: {} }, { name: 'thrower', args: {} }, { name: 'object', args: {} }, { name: 'thenable', args: {} }] }, { text: 'done' }]),
      tools: [value, thrower, object, thenable],
      store: new MemoryStore(),
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const messages = await runtime.messages(result.runId);
    const tool = (name: string) => messages.find((m) => m.role === 'tool' && m.name === name) as { content: unknown; isError?: boolean; code?: string };
    expect(tool('value').content).toBe('41');
    expect(tool('thrower')).toMatchObject({ isError: true, code: 'tool_failed' });
    expect(String(tool('thrower').content)).toContain('sync boom');
    expect(tool('object').content).toBe('{"ok":true}');
    expect(tool('thenable').content).toBe('from thenable');
  });

  it('a sync tool of a run killed while it ran is not committed as a result', async () => {
    const { defineTool } = await import('@agentrt/core');
    const { z } = await import('zod');
    let runtime!: ReturnType<typeof createRuntime>;
    let runId = '';
    const killer = defineTool({ name: 'killer', description: 'k', input: z.object({}), execute: (_args, ctx) => { runId = ctx.runId; void runtime.kill(ctx.runId, 'stop now'); return 'late'; } });
    runtime = createRuntime({ model: new ScriptedModel([{ toolCalls: [{ name: 'killer', args: {} }] }, { text: 'never' }]), tools: [killer], store: new MemoryStore() });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('killed');
    expect(runId).toBe(result.runId);
    const events = await runtime.events(result.runId);
    expect(events.some((event) => event.type === 'late_result_discarded')).toBe(true);
    const messages = await runtime.messages(result.runId);
    expect(messages.find((m) => m.role === 'tool')).toMatchObject({ code: 'tool_cancelled' });
  });
});

describe('provider error text cut', () => {
  it('modelHttpError never keeps part of a credential the provider echoed across its 2,000-character cut', async () => {
    const { modelHttpError } = await import('@agentrt/core');
    const key = 'sk-proj-' + 'A1b2C3d4E5f6G7h8'.repeat(4);
    const prefix = 'openai answered 401: ';
    for (const at of [1990, 1995, 1999, 2000 - key.length + 5]) {
      const message = 'x'.repeat(at - prefix.length) + ' ' + key + ' trailing';
      const error = modelHttpError({ status: 401, message, provider: 'openai' });
      expect(error.message.length).toBeLessThanOrEqual(2000);
      expect(error.message).not.toContain(key.slice(0, 12));
      expect(error.code).toBe('model_auth');
    }
  });
});

describe('pairing check of a well-formed step', () => {
  it('finds the same problems as a check without the allocation-free path, on random transcripts', async () => {
    const { findPairingViolations } = await import('@agentrt/core');
    const { seededRandom } = await import('@agentrt/testing');
    const random = seededRandom(15_2026);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    // The full check, written out again: every problem it names, or none.
    const reference = (messages: readonly Message[]): number => {
      let problems = 0;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        if (m.role === 'tool') { problems++; continue; }
        if (m.role !== 'assistant' || !m.toolCalls?.length) continue;
        const ids = m.toolCalls.map((c) => c.id);
        if (new Set(ids).size !== ids.length) problems++;
        let j = i + 1;
        for (const id of ids) {
          const next = messages[j];
          if (!next || next.role !== 'tool' || next.toolCallId !== id) { problems++; break; }
          j++;
        }
        while (j < messages.length && messages[j]!.role === 'tool') { problems++; j++; }
        i = j - 1;
      }
      return problems;
    };
    let clean = 0;
    for (let n = 0; n < 5_000; n++) {
      const messages: Message[] = [];
      const length = 1 + Math.floor(random() * 6);
      for (let k = 0; k < length; k++) {
        const kind = pick(['user', 'assistant', 'calls', 'calls', 'tool'] as const);
        if (kind === 'user') messages.push({ role: 'user', content: 'u' });
        else if (kind === 'assistant') messages.push({ role: 'assistant', content: 'a' });
        else if (kind === 'tool') messages.push({ role: 'tool', toolCallId: pick(['a', 'b', 'c']), name: 't', content: 'r' });
        else {
          const ids = Array.from({ length: 1 + Math.floor(random() * (random() < 0.05 ? 10 : 3)) }, () => pick(['a', 'b', 'c', 'd']));
          messages.push({ role: 'assistant', content: '', toolCalls: ids.map((id) => ({ id, name: 't', args: {} })) });
          // Mostly answered in order (the common step); sometimes reordered, short or long.
          const answers = random() < 0.7 ? ids : random() < 0.5 ? [...ids].reverse() : ids.slice(0, -1);
          for (const id of answers) messages.push({ role: 'tool', toolCallId: id, name: 't', content: 'r' });
        }
      }
      const expected = reference(messages);
      expect(findPairingViolations(messages).length).toBe(expected);
      if (expected === 0) clean++;
    }
    // Both kinds were seen plenty.
    expect(clean).toBeGreaterThan(500);
    expect(clean).toBeLessThan(4_500);
  });
});

describe('kill checks read without a promise from a MemoryStore', () => {
  const script = () => new ScriptedModel([
    { toolCalls: [{ name: 'add', args: { a: 1, b: 2 } }] },
    { toolCalls: [{ name: 'add', args: { a: 3, b: 4 } }] },
    { text: 'done' },
  ]);

  it('a subclass overriding getKillFlag is asked before every model and tool call, and its flag stops the run', async () => {
    class CountingStore extends MemoryStore {
      reads = 0;
      killAfter = Infinity;
      override async getKillFlag(runId: string) {
        this.reads++;
        if (this.reads > this.killAfter) return { scope: runId, reason: 'from the override', at: new Date().toISOString() };
        return super.getKillFlag(runId);
      }
    }
    const store = new CountingStore();
    const result = await createRuntime({ model: script(), tools: [add], store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    // 3 model calls and 2 tool calls, each checked first.
    expect(store.reads).toBeGreaterThanOrEqual(5);

    const killing = new CountingStore();
    killing.killAfter = 1; // the second read: before the first tool call
    const killed = await createRuntime({ model: script(), tools: [add], store: killing }).run('go');
    expect(killed.stopReason).toBe('killed');
    expect(killed.stopDetail).toContain('from the override');
  });

  it('a proxy wrapping a MemoryStore keeps its getKillFlag trap', async () => {
    const target = new MemoryStore();
    let reads = 0;
    const store = new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key, object) as unknown;
        if (key === 'getKillFlag') return (runId: string) => (reads++, target.getKillFlag(runId));
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });
    const result = await createRuntime({ model: script(), tools: [add], store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(reads).toBeGreaterThanOrEqual(5);
  });

  it('a flag set in the store stops the run before its first model call', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: script(), tools: [add], store });
    await store.setKillFlag({ scope: '*', reason: 'incident', at: new Date().toISOString() });
    const refused = await runtime.run('go');
    expect(refused.stopReason).toBe('killed');
    expect(refused.steps).toBe(0);
    await store.clearKillFlag();
    expect((await runtime.run('go')).stopReason).toBe('final_answer');
  });
});

describe('redaction walks reused', () => {
  it('a walk started from a getter inside another walk gets its own walker; both copies are right', () => {
    const redactor = new Redactor({ secrets: ['hunter2-secret'] });
    const inner = { note: 'hunter2-secret inside', list: [1, 2] };
    let nested: unknown;
    const outer = {
      get trigger() {
        nested = redactor.value(inner);
        return 'outer hunter2-secret';
      },
      shared: inner,
    };
    expect(redactor.value(outer)).toEqual({ trigger: `outer ${REDACTED}`, shared: { note: `${REDACTED} inside`, list: [1, 2] } });
    expect(nested).toEqual({ note: `${REDACTED} inside`, list: [1, 2] });
    // The nested walk does not disturb the outer one's cycle detection.
    const cyclic: Record<string, unknown> = {
      get first() {
        redactor.value({ unrelated: true });
        return 'first';
      },
    };
    cyclic.self = cyclic;
    expect(redactor.value(cyclic)).toEqual({ first: 'first', self: '[circular]' });
  });

  it('a walk cut short by an unreadable value leaves nothing behind for the next walk', () => {
    const redactor = new Redactor();
    const bad = { get boom(): string { throw new Error('no'); } };
    expect(redactor.value(bad)).toBe('[unreadable]');
    expect(redactor.value({ bad })).toEqual({ bad: '[unreadable]' });
    // Not mistaken for a cycle: the earlier walk's path is gone.
    expect(redactor.value({ again: bad })).toEqual({ again: '[unreadable]' });
    const shared = { x: 1 };
    expect(redactor.value({ a: bad, b: shared })).toEqual({ a: '[unreadable]', b: { x: 1 } });
    // Within one walk too: the same unreadable object twice is unreadable twice, not a cycle.
    expect(redactor.value({ first: bad, second: bad })).toEqual({ first: '[unreadable]', second: '[unreadable]' });
    expect(redactor.value({ c: shared, d: [shared] })).toEqual({ c: { x: 1 }, d: [{ x: 1 }] });
  });

  it('arrays are copied as map copies them: holes stay holes, a subclass is read as a plain array', () => {
    const redactor = new Redactor();
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    const copy = redactor.value({ sparse }).sparse;
    expect(copy).toHaveLength(3);
    expect(1 in copy).toBe(false);
    class Odd extends Array<number> {
      override map(): never {
        throw new Error('not called');
      }
    }
    const odd = Odd.from([4, 5]);
    expect(redactor.value({ odd })).toEqual({ odd: [4, 5] });
  });
});

describe('the tool context', () => {
  it('is a frozen plain object with own enumerable members, lazy signal and notices, and no reachable internals', async () => {
    const { defineTool } = await import('@agentrt/core');
    const { z } = await import('zod');
    const seen: Record<string, unknown>[] = [];
    const probe = defineTool({
      name: 'probe', description: 'p', input: z.object({}),
      execute: (_args, ctx) => {
        const view = ctx as unknown as Record<string, unknown>;
        seen.push({
          proto: Object.getPrototypeOf(ctx) === Object.prototype,
          keys: Reflect.ownKeys(ctx),
          frozen: Object.isFrozen(ctx),
          spread: Object.keys({ ...ctx }),
          aborted: ctx.signal.aborted,
          sameSignal: ctx.signal === ctx.signal,
          progressIsFn: typeof ctx.progress === 'function' && typeof ctx.log === 'function',
          json: JSON.parse(JSON.stringify({ runId: view.runId, toolCallId: view.toolCallId, idempotencyKey: view.idempotencyKey })),
          foreign: (() => {
            try {
              return Object.getOwnPropertyDescriptor(ctx, 'signal')!.get!.call({});
            } catch (error) {
              return error instanceof TypeError ? 'TypeError' : 'other';
            }
          })(),
        });
        ctx.progress?.({ message: 'half' });
        return 'ok';
      },
    });
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ id: 'p1', name: 'probe', args: {} }, { id: 'p2', name: 'probe', args: {} }] }, { text: 'done' }]),
      tools: [probe],
      store: new MemoryStore(),
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(seen).toHaveLength(2);
    for (const [i, view] of seen.entries()) {
      expect(view.proto).toBe(true);
      expect(view.keys).toEqual(['runId', 'stepIndex', 'toolCallId', 'idempotencyKey', 'signal', 'progress', 'log']);
      expect(view.spread).toEqual(['runId', 'stepIndex', 'toolCallId', 'idempotencyKey', 'signal', 'progress', 'log']);
      expect(view).toMatchObject({ frozen: true, aborted: false, sameSignal: true, progressIsFn: true, foreign: 'TypeError' });
      expect((view.json as { toolCallId: string }).toolCallId).toBe(`p${i + 1}`);
    }
    // Each call's notices are its own.
    const progress = (await runtime.events(result.runId)).filter((event) => event.type === 'tool_progress');
    expect(progress.map((event) => (event as { toolCallId: string }).toolCallId).sort()).toEqual(['p1', 'p2']);
  });
});

describe('primitive tool outputs', () => {
  it('are the JSON text of the value, as before', async () => {
    const { defineTool } = await import('@agentrt/core');
    const { z } = await import('zod');
    const values: unknown[] = [3, -0, 1.5e300, Number.NaN, Number.POSITIVE_INFINITY, true, false, null];
    const tool = defineTool({ name: 'prim', description: 'p', input: z.object({ i: z.number() }), execute: ({ i }) => values[i] });
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: values.map((_, i) => ({ id: `v${i}`, name: 'prim', args: { i } })) }, { text: 'done' }]),
      tools: [tool],
      store: new MemoryStore(),
    });
    const result = await runtime.run('go');
    const messages = await runtime.messages(result.runId);
    const contents = messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(contents).toEqual(values.map((value) => JSON.stringify(value)));
  });
});

describe('model failures mapped inside the abort race', () => {
  const hostile = { [Symbol.toPrimitive]() { throw new Error('no text'); } };
  const cases: [string, () => Promise<never>][] = [
    ['rejects with an Error', () => Promise.reject(new Error('upstream down'))],
    ['rejects with a string', () => Promise.reject('plain text')],
    ['rejects with a value that cannot become text', () => Promise.reject(hostile)],
    ['throws synchronously', () => { throw new Error('sync boom'); }],
    ['throws a value that cannot become text', () => { throw hostile; }],
  ];
  for (const [name, generate] of cases) {
    it(`a model that ${name} ends the run with an error, never a hang`, async () => {
      const model = { provider: 'p', model: 'm', generate };
      const result = await createRuntime({ model, store: new MemoryStore(), limits: { timeoutMs: 20_000 } }).run('go');
      expect(result.stopReason).toBe('error');
      expect(result.status).toBe('failed');
      if (name.includes('Error') || name.includes('string') || name === 'throws synchronously') expect(result.error?.code).toBe('model_unavailable');
    });
  }
});
