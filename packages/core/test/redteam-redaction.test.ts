import { AgentrtError, createRuntime, defineTool, MemoryStore, ModelError, Redactor, type RunEvent, type RunResult, type ToolMessage } from '@agentrt/core';
import { redactionStressTexts, ScriptedModel, SECRET_ASSIGNMENTS, SECRET_CANARIES, secretPlacements } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** Every 12-character piece of a secret: none may survive (a cut secret is still a leak). */
const fragments = (secret: string, size = 12) => Array.from({ length: Math.max(1, secret.length - size + 1) }, (_, i) => secret.slice(i, i + size));
const leaked = (text: string, secrets: readonly string[] = SECRET_CANARIES) => secrets.filter((secret) => text.includes(secret));

/** Everything a run wrote or showed: streamed events, stored events, the JSONL export, the result and the run record. */
async function everythingOf(runtime: ReturnType<typeof createRuntime>, store: MemoryStore, streamed: readonly RunEvent[], result: RunResult<unknown>): Promise<string> {
  return JSON.stringify([streamed, await runtime.events(result.runId), await runtime.exportAudit(result.runId), result, (await store.getRun(result.runId))?.result]);
}

async function streamRun(runtime: ReturnType<typeof createRuntime>, input: Parameters<ReturnType<typeof createRuntime>['stream']>[0]) {
  const streamed: RunEvent[] = [];
  let result: RunResult<unknown> | undefined;
  for await (const event of runtime.stream(input)) {
    streamed.push(event);
    if (event.type === 'run_finished' || event.type === 'run_paused') result = event.result;
  }
  return { streamed, result: result! };
}

describe('red team: the redactor finds secrets wherever they hide', () => {
  const redactor = new Redactor();

  it(`removes every canary from every placement (${secretPlacements().length} cases), as JSON text and as a value`, () => {
    const misses: string[] = [];
    for (const { name, secret, value } of secretPlacements()) {
      const asText = redactor.text(JSON.stringify(value));
      if (asText.includes(secret)) misses.push(`text: ${name}: ${secret}`);
      const asValue = JSON.stringify(redactor.value(value));
      if (asValue.includes(secret)) misses.push(`value: ${name}: ${secret}`);
    }
    expect(misses).toEqual([]);
  });

  it('removes secrets recognized by their context, also inside escaped JSON text', () => {
    for (const { text, secret } of SECRET_ASSIGNMENTS) {
      expect(redactor.text(text), text).not.toContain(secret);
      expect(redactor.text(JSON.stringify({ log: `line\n${text}` })), text).not.toContain(secret);
      expect(JSON.stringify(redactor.value({ log: `line\n${text}` })), text).not.toContain(secret);
    }
  });

  it('removes a registered secret in its JSON-escaped form (quotes, backslashes, newlines inside it)', () => {
    const secrets = ['pa"ss\\word-agentrt-0042', 'two\nline-agentrt-0042', 'tab\there-agentrt-0042'];
    const custom = new Redactor({ secrets });
    for (const secret of secrets) {
      const json = JSON.stringify({ value: secret, nested: [JSON.stringify({ again: secret })] });
      const out = custom.text(json);
      for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) expect(out, JSON.stringify(secret)).not.toContain(form);
      expect(JSON.stringify(custom.value({ value: secret })), JSON.stringify(secret)).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
  });

  it('replaces everything under a secret-looking key, however deep, and secret-looking keys of any value type', () => {
    const out = JSON.stringify(redactor.value({ apiKey: { value: 'opaque-agentrt-0042', list: ['opaque-agentrt-0043'] }, password: 12345678, credentials: [{ user: 'ada', pin: 'opaque-agentrt-0044' }], normal: 'kept' }));
    for (const secret of ['opaque-agentrt-0042', 'opaque-agentrt-0043', 'opaque-agentrt-0044', '12345678']) expect(out).not.toContain(secret);
    expect(out).toContain('kept');
  });

  it('streams redact exactly like text(): 400 random texts of secrets and filler, cut into random pieces', () => {
    const custom = new Redactor({ secrets: ['registered-secret-value-0042'] });
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [...SECRET_CANARIES, ...SECRET_ASSIGNMENTS.map((a) => a.text), 'registered-secret-value-0042', 'hello world', 'lorem ipsum dolor', 'token', '"password":', 'x'.repeat(300), 'Bearer', '://', '?key='];
    const separators = [' ', '\n', '\t', '"', ', ', ': ', '='];
    for (let trial = 0; trial < 400; trial++) {
      let text = '';
      for (let i = 0, n = 1 + Math.floor(random() * 30); i < n; i++) text += pieces[Math.floor(random() * pieces.length)]! + separators[Math.floor(random() * separators.length)]!;
      const stream = custom.textStream();
      let out = '';
      for (let at = 0; at < text.length;) {
        const size = 1 + Math.floor(random() * 40);
        out += stream.push(text.slice(at, at + size));
        at += size;
      }
      out += stream.end();
      expect(out, JSON.stringify(text)).toBe(custom.text(text));
    }
  });

  it('finds secrets with specific prefixes even glued to a word; leaves ordinary words with sk- or AKIA-like parts alone', () => {
    for (const secret of ['ghp_agentrtCanary0123456789abcdefghijkl', 'github_pat_agentrtCANARY0123456789abcdef', 'tvly-agentrt-canary-0123456789', 'xoxb-agentrt-canary-0123456789', 'AIzaAgentrtCanary0123456789abcdefghijklm']) {
      expect(redactor.text(`token:abc${secret}`), secret).not.toContain(secret);
    }
    expect(redactor.text('see task-1234567890abcdef and MASIAABCDEFGHIJKLMNOPQ')).toBe('see task-1234567890abcdef and MASIAABCDEFGHIJKLMNOPQ');
  });

  it('redacts in time linear in the input: adversarial texts of 400 000 characters take seconds at most, not minutes', () => {
    for (const { name, text } of redactionStressTexts(400_000)) {
      const started = performance.now();
      redactor.text(text);
      redactor.value({ args: { text } });
      // A quadratic redactor needs minutes here; a linear one tens of milliseconds. The bound is generous for loaded machines.
      expect(performance.now() - started, name).toBeLessThan(5_000);
    }
  });

  it('copes with values nested 100 000 levels deep and with cycles (no stack overflow)', () => {
    let deep: unknown = 'sk-agentrt-CANARY-0123456789abcdefghij';
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    const cyclic: Record<string, unknown> = { token: 'x' };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(redactor.value({ deep, cyclic }))).not.toThrow();
    expect(JSON.stringify(redactor.value({ deep }))).not.toContain('sk-agentrt-CANARY');
  });
});

describe('red team: no canary reaches the audit, events, results or the model through any run path', () => {
  const placements = secretPlacements();

  it('tool results: every placement of every canary, returned by a tool', async () => {
    const store = new MemoryStore();
    const leak = defineTool({ name: 'leak', description: 'returns a value with a secret in it', input: z.object({ i: z.number() }), execute: ({ i }) => placements[i]!.value });
    const model = new ScriptedModel([ScriptedModel.parallel(placements.map((_, i) => ({ name: 'leak', args: { i }, id: `c${i}` }))), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store, tools: [leak], loopDetection: false, limits: { maxToolCalls: placements.length } });
    const { streamed, result } = await streamRun(runtime, 'go');
    expect(result.stopReason).toBe('final_answer');
    expect(leaked(await everythingOf(runtime, store, streamed, result))).toEqual([]);
    // The model sees redacted tool output too.
    expect(leaked(JSON.stringify(model.requests[1]!.messages.filter((m) => m.role === 'tool')))).toEqual([]);
  });

  it('tool errors: every placement thrown as an Error message and as a non-Error value', async () => {
    const store = new MemoryStore();
    const leak = defineTool({
      name: 'leak', description: 'throws a secret', input: z.object({ i: z.number(), error: z.boolean() }),
      execute: ({ i, error }) => {
        const value = placements[i]!.value;
        throw error ? new Error(typeof value === 'string' ? value : JSON.stringify(value)) : value;
      },
    });
    const calls = placements.flatMap((_, i) => [{ name: 'leak', args: { i, error: true }, id: `e${i}` }, { name: 'leak', args: { i, error: false }, id: `v${i}` }]);
    const model = new ScriptedModel([ScriptedModel.parallel(calls), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store, tools: [leak], loopDetection: false, limits: { maxToolCalls: calls.length } });
    const { streamed, result } = await streamRun(runtime, 'go');
    expect(result.stopReason).toBe('final_answer');
    expect(leaked(await everythingOf(runtime, store, streamed, result))).toEqual([]);
    expect(leaked(JSON.stringify(model.requests[1]!.messages.filter((m) => m.role === 'tool')))).toEqual([]);
  });

  it('model arguments: every placement sent as tool-call args (keys included) stays out of events and the audit', async () => {
    const store = new MemoryStore();
    const noop = defineTool({ name: 'noop', description: 'accepts anything', input: z.object({}).passthrough(), execute: () => 'ok' });
    const calls = placements.map(({ value }, i) => ({ name: 'noop', args: { payload: value, [SECRET_CANARIES[i % SECRET_CANARIES.length]!]: 1 }, id: `a${i}` }));
    const model = new ScriptedModel([ScriptedModel.parallel(calls), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store, tools: [noop], loopDetection: false, limits: { maxToolCalls: calls.length } });
    const { streamed, result } = await streamRun(runtime, 'go');
    expect(leaked(await everythingOf(runtime, store, streamed, result))).toEqual([]);
  });

  it('stop details, provider errors, hook errors, approval reasons, serialization failures and metadata', async () => {
    const [a, b, c, d, e, f] = SECRET_CANARIES;
    const cases: { name: string; build: () => { model: ScriptedModel; options: Partial<Parameters<typeof createRuntime>[0]> } }[] = [
      {
        name: 'a stop policy detail',
        build: () => ({
          model: new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]),
          options: { stopPolicies: [{ name: 'leaky', check: (context) => (context.phase === 'after_step' ? { reason: 'max_steps', detail: `stopping:\n${a}` } : undefined) }] },
        }),
      },
      { name: 'a provider error message', build: () => ({ model: new ScriptedModel([{ error: new ModelError('model_bad_request', `400 from https://api.example/?key=${b} ${c}`) }]), options: {} }) },
      { name: 'an untyped provider error', build: () => ({ model: new ScriptedModel([{ error: new Error(`socket closed\n${d}`) }]), options: {} }) },
      { name: 'a beforeTool hook error', build: () => ({ model: new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]), options: { hooks: [{ beforeTool: () => { throw new Error(`hook saw\n${e}`); } }] } }) },
      { name: 'a beforeTool deny reason', build: () => ({ model: new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]), options: { hooks: [{ beforeTool: () => ({ deny: `no:\n${f}` }) }] } }) },
      { name: 'an onRunEnd hook error', build: () => ({ model: new ScriptedModel([ScriptedModel.answer('done')]), options: { hooks: [{ onRunEnd: () => { throw new AgentrtError('custom_failure', `end:\n${a}`); } }] } }) },
      {
        name: 'a toJSON that throws a secret',
        build: () => ({
          model: new ScriptedModel([ScriptedModel.call('json'), ScriptedModel.answer('done')]),
          options: { tools: [defineTool({ name: 'json', description: 'unserializable', input: z.object({}), execute: () => ({ toJSON() { throw new Error(`cannot serialize ${b}`); } }) })] },
        }),
      },
      { name: 'an afterTool hook replacing the result', build: () => ({ model: new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]), options: { hooks: [{ afterTool: (result) => ({ ...result, content: `replaced\n${c}` }) }] } }) },
    ];
    const noop = defineTool({ name: 'noop', description: 'does nothing', input: z.object({}), execute: () => 'ok' });
    for (const { name, build } of cases) {
      const store = new MemoryStore();
      const { model, options } = build();
      const runtime = createRuntime({ model, store, tools: [noop], ...options });
      const { streamed, result } = await streamRun(runtime, { input: 'go', metadata: { note: `meta\n${d}`, [e!]: 1 } });
      expect(leaked(await everythingOf(runtime, store, streamed, result)), name).toEqual([]);
    }
  });

  it('approval decisions: a deny reason with a secret', async () => {
    const store = new MemoryStore();
    const guarded = defineTool({ name: 'guarded', description: 'needs approval', input: z.object({}), requiresApproval: true, execute: () => 'ran' });
    const model = new ScriptedModel([ScriptedModel.call('guarded', {}, { id: 'g1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store, tools: [guarded] });
    const paused = await runtime.run('go');
    const done = await runtime.resume(paused.runId, { approvals: { g1: { decision: 'deny', reason: `denied:\n${SECRET_CANARIES[0]}` } } });
    expect(leaked(await everythingOf(runtime, store, [], done))).toEqual([]);
  });

  it('no fragment of a secret survives when the output cap cuts through it', async () => {
    const registered = 'opaque-agentrt-registered-secret-0042';
    const secrets = [registered, ...SECRET_CANARIES];
    const MAX = 1_000;
    for (const secret of secrets) {
      for (let shift = -secret.length; shift <= secret.length; shift += 3) {
        // The head the cap keeps is 60 % of what remains after the marker; place the secret across that cut, and across the tail's.
        const store = new MemoryStore();
        const around = (at: number) => `${'x'.repeat(Math.max(0, at))} ${secret} `;
        const text = `${around(560 + shift)}${'y'.repeat(5_000)}${around(0)}${'z'.repeat(Math.max(0, 380 + shift))}`;
        const tool = defineTool({ name: 'cut', description: 'long output', input: z.object({}), execute: () => text });
        const model = new ScriptedModel([ScriptedModel.call('cut'), ScriptedModel.answer('done')]);
        const runtime = createRuntime({ model, store, tools: [tool], redact: { secrets: [registered] }, limits: { maxToolOutputChars: MAX } });
        const result = await runtime.run('go');
        const shown = JSON.stringify(model.requests[1]!.messages.at(-1)) + (await everythingOf(runtime, store, [], result));
        for (const piece of fragments(secret)) expect(shown.includes(piece), `${secret} shift ${shift}: "${piece}" survived the cut`).toBe(false);
      }
    }
  });

  it('content parts: secrets in text parts are redacted before each part is cut to its share', async () => {
    const MAX = 1_000;
    for (const secret of SECRET_CANARIES) {
      // The first part gets about 950 of the 1 000 characters; its head is cut near 540.
      for (let shift = -secret.length; shift <= 10; shift += 3) {
        const store = new MemoryStore();
        const parts = [
          { type: 'text', text: `${'a'.repeat(540 + shift)} ${secret} ${'b'.repeat(3_000)}` },
          { type: 'text', text: `line\n${secret}` },
        ];
        const tool = defineTool({ name: 'parts', description: 'returns content parts', input: z.object({}), execute: () => parts });
        const model = new ScriptedModel([ScriptedModel.call('parts'), ScriptedModel.answer('done')]);
        const runtime = createRuntime({ model, store, tools: [tool], limits: { maxToolOutputChars: MAX } });
        const result = await runtime.run('go');
        const shown = JSON.stringify(model.requests[1]!.messages.at(-1)) + (await everythingOf(runtime, store, [], result));
        for (const piece of fragments(secret)) expect(shown.includes(piece), `${secret} shift ${shift}: "${piece}"`).toBe(false);
      }
    }
  });

  it('streamed answers: a secret split across text deltas never shows in the joined deltas', async () => {
    const answer = `Here you go:\n${SECRET_CANARIES.join('\n')}\nand ${SECRET_ASSIGNMENTS.map((a) => a.text).join(' ; ')}`;
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer(answer)]), store });
    const { streamed, result } = await streamRun(runtime, 'go');
    const joined = streamed.filter((event): event is Extract<RunEvent, { type: 'model_delta' }> => event.type === 'model_delta').map((event) => event.text).join('');
    expect(joined.length).toBeGreaterThan(0);
    expect(leaked(joined)).toEqual([]);
    expect(leaked(joined, SECRET_ASSIGNMENTS.map((a) => a.secret))).toEqual([]);
    expect(joined).toContain('[REDACTED]');
    expect(joined).toContain('Here you go:');
    // Events and the audit are redacted; the answer itself (result.output, the transcript) stays the model's text, verbatim.
    expect(leaked(JSON.stringify([streamed, await runtime.events(result.runId), await runtime.exportAudit(result.runId)]))).toEqual([]);
    expect((await store.getRun(result.runId))?.result?.output).toBe(answer);
  });
});

describe('red team: redaction cannot be used to stall a run', () => {
  it('a tool that throws or returns megabytes of adversarial text settles quickly, capped', async () => {
    for (const { name, text } of redactionStressTexts(2 * 2 ** 20)) {
      const store = new MemoryStore();
      const thrower = defineTool({ name: 'thrower', description: 'throws a huge message', input: z.object({}), execute: () => { throw new Error(text); } });
      const returner = defineTool({ name: 'returner', description: 'returns a huge text', input: z.object({}), execute: () => text });
      const model = new ScriptedModel([ScriptedModel.parallel([{ name: 'thrower', args: {} }, { name: 'returner', args: {} }]), ScriptedModel.answer('done')]);
      const started = performance.now();
      const result = await createRuntime({ model, store, tools: [thrower, returner], limits: { maxToolOutputChars: 200_000 } }).run('go');
      expect(result.stopReason, name).toBe('final_answer');
      // Generous for a loaded machine; a quadratic redactor takes hours on these inputs.
      expect(performance.now() - started, name).toBeLessThan(15_000);
      for (const message of model.requests[1]!.messages.filter((m): m is ToolMessage => m.role === 'tool')) expect(String(message.content).length, name).toBeLessThanOrEqual(200_000);
    }
  });

  it('megabytes of adversarial text in a provider error, a hook error and model arguments', async () => {
    const [text] = redactionStressTexts(2 * 2 ** 20).filter((t) => t.name === 'dotted words without ://').map((t) => t.text);
    const noop = defineTool({ name: 'noop', description: 'accepts anything', input: z.object({}).passthrough(), execute: () => 'ok' });
    const runs = [
      () => createRuntime({ model: new ScriptedModel([{ error: new ModelError('model_bad_request', text!) }]), tools: [noop] }),
      () => createRuntime({ model: new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]), tools: [noop], hooks: [{ beforeTool: () => { throw new Error(text); } }] }),
      () => createRuntime({ model: new ScriptedModel([ScriptedModel.call('noop', { text }), ScriptedModel.answer('done')]), tools: [noop] }),
    ];
    for (const [i, build] of runs.entries()) {
      const started = performance.now();
      const result = await build().run('go');
      expect(performance.now() - started, `case ${i}`).toBeLessThan(15_000);
      expect(JSON.stringify(result.error ?? {}).length, `case ${i}`).toBeLessThan(64 * 1024);
    }
  });
});

describe('red team: the audit log cannot be changed through the events handed out', () => {
  it('a stream consumer and an onEvent hook mutating events change nothing persisted; the hash chain verifies', async () => {
    const store = new MemoryStore();
    const noop = defineTool({ name: 'noop', description: 'does nothing', input: z.object({}), execute: () => 'ok' });
    const model = new ScriptedModel([ScriptedModel.call('noop'), ScriptedModel.answer('done')]);
    const tamper = (event: RunEvent) => {
      const target = event as unknown as Record<string, unknown>;
      try {
        target.type = 'tampered';
        target.injected = SECRET_CANARIES[0];
        if (typeof target.result === 'object' && target.result) (target.result as Record<string, unknown>).stopReason = 'tampered';
        if (typeof target.args === 'object' && target.args) (target.args as Record<string, unknown>).injected = SECRET_CANARIES[1];
      } catch {
        // A frozen event refuses the change: that is the point.
      }
    };
    const runtime = createRuntime({ model, store, tools: [noop], audit: { hashChain: true }, hooks: [{ onEvent: tamper }] });
    let runId = '';
    for await (const event of runtime.stream('go')) {
      runId = event.runId;
      tamper(event);
    }
    const audit = await runtime.exportAudit(runId);
    expect(audit).not.toContain('tampered');
    expect(leaked(audit)).toEqual([]);
    expect(await runtime.verifyAudit(runId)).toMatchObject({ ok: true });
    expect((await store.getRun(runId))?.result?.stopReason).toBe('final_answer');
  });
});
