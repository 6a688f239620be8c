// docs16b: the claims of README.md, docs/architecture.md, docs/governance.md (prose around the
// snippets — the snippets themselves run in examples/governance), docs/errors.md and
// docs/messages.md, checked through the public exports only, as a first-day user would read them.
import 'reflect-metadata';
import {
  AgentrtError, contentParts, contentText, createRuntime, DEFAULT_FINALIZE, DEFAULT_LIMITS, DEFAULT_MAX_OUTPUT_REPAIRS,
  DEFAULT_MAX_PART_BYTES, DEFAULT_TOOL_TIMEOUT_MS, defineTool, hasMediaParts, MemoryStore, TEXT_ONLY,
  type StoredRunEvent,
} from '@agentrt/core';
import { MemoryStore as PublicMemoryStore } from '@agentrt/store-memory';
import { pngImage, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  input: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<{ code?: string; field?: string; message?: string }> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(AgentrtError.isInstance(error)).toBe(true);
    return error as { code: string; field?: string; message: string };
  }
  throw new Error('expected a throw');
}

const only = <T extends StoredRunEvent['type']>(events: readonly StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];

describe('README.md "Use it"', () => {
  it('runs as written with a ScriptedModel and ends with exactly one stop reason', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 2, b: 40 }), ScriptedModel.answer('42')]);
    const runtime = createRuntime({
      model,
      tools: [add],
      store: new PublicMemoryStore(),
      limits: { maxSteps: 6, maxToolCalls: 20, timeoutMs: 60_000, maxTokens: 200_000 },
      toolPolicy: { deny: ['delete_*'] },
    });
    const result = await runtime.run('What is 2 + 40?');
    expect(result).toMatchObject({ stopReason: 'final_answer', status: 'completed', output: '42', steps: 2, toolCalls: 1 });
  });

  it('"Every limit has a finite default (8 steps, 32 tool calls, 5 minutes, 1M tokens)"', async () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxSteps: 8, maxToolCalls: 32, timeoutMs: 300_000, maxTokens: 1_000_000 });
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('add', { a: i, b: 1 })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [add] }).run('loop forever');
    expect(result).toMatchObject({ stopReason: 'max_steps', status: 'stopped', steps: 8, toolCalls: 8 });
    expect(model.calls).toBe(8);
  });
});

describe('docs/architecture.md "Defaults (all finite)"', () => {
  it('lists the values DEFAULT_LIMITS and the other exported defaults hold', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxToolOutputChars: 32_768 });
    expect(DEFAULT_TOOL_TIMEOUT_MS).toBe(30_000);
    expect(DEFAULT_MAX_PART_BYTES).toBe(5 * 1024 * 1024);
    expect(DEFAULT_MAX_OUTPUT_REPAIRS).toBe(2);
    expect(DEFAULT_FINALIZE).toMatchObject({ maxOutputTokens: 1_024, graceMs: 10_000 });
  });

  it('maxToolCalls default 32 counts parallel calls; the rest are refused with tool_denied', async () => {
    const model = new ScriptedModel([ScriptedModel.parallel(Array.from({ length: 40 }, (_, i) => ({ name: 'add', args: { a: i, b: 1 } })))]);
    const runtime = createRuntime({ model, tools: [add] });
    const result = await runtime.run('add a lot');
    expect(result).toMatchObject({ stopReason: 'max_tool_calls', toolCalls: 32, toolCallsRefused: 8 });
    const denied = only(await runtime.events(result.runId), 'tool_denied');
    expect(denied).toHaveLength(8);
  });

  it('toolConcurrency default 8: at most 8 calls of a step run at once', async () => {
    let running = 0;
    let peak = 0;
    const slow = defineTool({
      name: 'slow', description: 'slow', input: z.object({ i: z.number() }),
      execute: async () => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 20)); running--; return 'ok'; },
    });
    const model = new ScriptedModel([ScriptedModel.parallel(Array.from({ length: 12 }, (_, i) => ({ name: 'slow', args: { i } }))), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, tools: [slow] }).run('go');
    expect(result.toolCalls).toBe(12);
    expect(peak).toBe(8);
  });

  it('loop detection: 3 identical calls in a row → the 3rd gets a warning result; the 4th stops the run', async () => {
    let ran = 0;
    const search = defineTool({ name: 'search', description: 'Searches', input: z.object({ q: z.string() }), execute: () => { ran++; return 'no results'; } });
    const model = new ScriptedModel([ScriptedModel.call('search', { q: 'same' })], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, tools: [search], limits: { maxSteps: 20 } });
    const result = await runtime.run('find it');
    expect(result.stopReason).toBe('loop_detected');
    expect(model.calls).toBe(4);
    expect(ran).toBe(2);
    expect(only(await runtime.events(result.runId), 'loop_warning')).toHaveLength(1);
  });

  it('a response with neither text nor tool calls is retried once, then model_output_invalid', async () => {
    const model = new ScriptedModel([ScriptedModel.answer(''), ScriptedModel.answer('')]);
    const result = await createRuntime({ model }).run('hi');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_output_invalid' } });
    expect(model.calls).toBe(2);
  });

  it('the DI-by-hand snippet resolves a runtime from a child container', async () => {
    const { container: rootContainer } = await import('tsyringe');
    const { TOKENS, AgentRuntime } = await import('@agentrt/core');
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('add', { a: i, b: 1 })], { whenExhausted: 'cycle' });
    const container = rootContainer.createChildContainer();
    container.register(TOKENS.ModelAdapter, { useValue: model });
    container.register(TOKENS.Tool, { useValue: add });
    container.register(TOKENS.RuntimeConfig, { useValue: { limits: { maxSteps: 4 } } });
    const runtime = container.resolve(AgentRuntime);
    const result = await runtime.run('loop');
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 4 });
  });
});

describe('docs/governance.md prose', () => {
  it('killPollMs is an integer from 10 to 60 000; anything else is a ConfigError naming killPollMs', async () => {
    const model = new ScriptedModel([]);
    for (const killPollMs of [9, 60_001, 10.5, Number.NaN]) {
      expect(await codeOf(() => createRuntime({ model, killPollMs }))).toMatchObject({ code: 'config_invalid', field: 'killPollMs' });
    }
    expect(() => createRuntime({ model, killPollMs: 10 })).not.toThrow();
    expect(() => createRuntime({ model, killPollMs: 60_000 })).not.toThrow();
  });

  it('finalize.graceMs is 1–600 000', async () => {
    const model = new ScriptedModel([]);
    for (const graceMs of [0, 600_001]) {
      expect(await codeOf(() => createRuntime({ model, limits: { finalize: { graceMs } } }))).toMatchObject({ code: 'config_invalid' });
    }
    expect(() => createRuntime({ model, limits: { finalize: { graceMs: 600_000 } } })).not.toThrow();
  });

  it('finalize with no budget room: the stop reason stays, no finalized, a finalize_failed event with the budget code', async () => {
    const model = new ScriptedModel([(request, i) => request.tools.length === 0 ? ScriptedModel.answer('best') : ScriptedModel.call('add', { a: i, b: 1 }, { usage: { inputTokens: 10, outputTokens: 5 } })], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, tools: [add], limits: { maxSteps: 2, finalize: true } });
    const ok = await runtime.run('go');
    expect(ok).toMatchObject({ stopReason: 'max_steps', status: 'stopped', steps: 2, finalized: true, output: 'best' });
    const events = await runtime.events(ok.runId);
    expect(only(events, 'model_request').filter((e) => (e as { finalize?: boolean }).finalize === true)).toHaveLength(1);
  });

  it('the kill reason must be a string (config_invalid) and is cut to 8 192 characters', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('transfer', {}, { id: 't1' })]);
    const transfer = defineTool({ name: 'transfer', description: 'x', input: z.object({}), requiresApproval: true, execute: () => 'sent' });
    const runtime = createRuntime({ model, tools: [transfer], store });
    const paused = await runtime.run('go');
    expect(paused.status).toBe('paused');
    expect(await codeOf(runtime.kill(paused.runId, 42 as unknown as string))).toMatchObject({ code: 'config_invalid' });
    expect((await runtime.getRun(paused.runId))!.status).toBe('paused');
    await runtime.kill(paused.runId, 'x'.repeat(20_000));
    const killed = await runtime.getRun(paused.runId);
    expect(killed).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    expect(killed!.result!.stopDetail!.length).toBeLessThanOrEqual(8_192);
    expect(killed!.result!.stopDetail!.length).toBeGreaterThan(8_000);
    const killEvent = only(await runtime.events(paused.runId), 'run_killed')[0] as unknown as { reason: string };
    expect(killEvent.reason.length).toBeLessThanOrEqual(8_192);
  });

  it('runtime.kill("*") is config_invalid (use killAll)', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([]) });
    expect(await codeOf(runtime.kill('*', 'all'))).toMatchObject({ code: 'config_invalid' });
  });

  it('a cost cap for a model with no price is config_invalid at construction; prices take the {input, output} shorthand', async () => {
    const model = new ScriptedModel([]);
    expect(await codeOf(() => createRuntime({ model, limits: { maxCostUsd: 1 } }))).toMatchObject({ code: 'config_invalid', field: 'limits.maxCostUsd' });
    expect(() => createRuntime({ model, limits: { maxCostUsd: 1 }, pricing: { 'scripted:scripted-1': { input: 1, output: 2 } } })).not.toThrow();
    expect(await codeOf(() => createRuntime({ model, pricing: { 'openai:gpt-4o': { inputPerMillionUsd: Number.NaN, outputPerMillionUsd: 1 } } })))
      .toMatchObject({ code: 'config_invalid', field: 'pricing.openai:gpt-4o.inputPerMillionUsd' });
    expect(await codeOf(() => createRuntime({ model, pricing: { 'openai:gpt-4o': { input: 1e308, output: 1 } } })))
      .toMatchObject({ code: 'config_invalid', field: 'pricing.openai:gpt-4o.input' });
  });

  it('loopDetection: false turns loop detection off', async () => {
    const search = defineTool({ name: 'search', description: 'Searches', input: z.object({ q: z.string() }), execute: () => 'none' });
    const model = new ScriptedModel([ScriptedModel.call('search', { q: 'same' })], { whenExhausted: 'repeat_last' });
    const result = await createRuntime({ model, tools: [search], loopDetection: false, limits: { maxSteps: 6 } }).run('go');
    expect(result).toMatchObject({ stopReason: 'max_steps', toolCalls: 6 });
  });

  it('dedupeIdenticalCalls: a reused result\'s tool_finished carries replayed and deduplicated', async () => {
    let ran = 0;
    const lookup = defineTool({ name: 'lookup', description: 'x', input: z.object({ q: z.string() }), execute: () => { ran++; return 'v'; } });
    const model = new ScriptedModel([ScriptedModel.parallel([{ name: 'lookup', args: { q: 'a' } }, { name: 'lookup', args: { q: 'a' } }]), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, tools: [lookup], dedupeIdenticalCalls: true });
    const result = await runtime.run('go');
    expect(ran).toBe(1);
    const finished = only(await runtime.events(result.runId), 'tool_finished');
    expect(finished.filter((e) => (e as { deduplicated?: boolean }).deduplicated === true && (e as { replayed?: boolean }).replayed === true)).toHaveLength(1);
  });

  it('a requiresApproval function that throws counts as true (fail closed); a denial reaches the model as tool_denied', async () => {
    let sent = 0;
    const transfer = defineTool({ name: 'transfer', description: 'x', input: z.object({}), requiresApproval: () => { throw new Error('boom'); }, execute: () => { sent++; return 'sent'; } });
    const model = new ScriptedModel([ScriptedModel.call('transfer', {}, { id: 'tx' }), (request) => ScriptedModel.answer(JSON.stringify(request.messages.at(-1)))]);
    const runtime = createRuntime({ model, tools: [transfer] });
    const paused = await runtime.run('go');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    expect(paused.pendingApprovals![0]).toMatchObject({ toolCallId: 'tx', tool: 'transfer', args: {} });
    expect(typeof paused.pendingApprovals![0]!.argsFingerprint).toBe('string');
    const done = await runtime.resume(paused.runId, { approvals: { tx: { decision: 'deny', reason: 'no' } } });
    expect(sent).toBe(0);
    expect(done.stopReason).toBe('final_answer');
    expect(done.output).toContain('tool_denied');
  });
});

describe('docs/errors.md', () => {
  it('config_invalid: options a run does not have are refused, and options past the first argument are field run', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([]) });
    expect(await codeOf(runtime.run({ input: 'go', limits: { maxSteps: 1 } } as never))).toMatchObject({ code: 'config_invalid', field: 'run.limits' });
    expect(await codeOf((runtime.run as (...args: unknown[]) => Promise<unknown>)('go', { runId: 'r1' }))).toMatchObject({ code: 'config_invalid', field: 'run' });
    expect(await codeOf(runtime.resume('nope', { approval: {} } as never))).toMatchObject({ code: 'config_invalid', field: 'resume.approval' });
    expect(await codeOf(runtime.run(Object.assign([{ role: 'user' as const, content: 'hi' }], { runId: 'x' })))).toMatchObject({ code: 'config_invalid', field: 'run.runId' });
    expect(await codeOf(runtime.run({ input: 'go', runId: '..' }))).toMatchObject({ code: 'config_invalid' });
    expect(await codeOf(runtime.run({ input: 'go', runId: 'a b' }))).toMatchObject({ code: 'config_invalid' });
    expect(await codeOf(runtime.run({ input: 'go', runId: 'x'.repeat(201) }))).toMatchObject({ code: 'config_invalid' });
    expect(await runtime.listRuns()).toEqual([]);
  });

  it('config_invalid: a transcript that breaks tool pairing', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([]) });
    const orphan = [{ role: 'user' as const, content: 'hi' }, { role: 'tool' as const, toolCallId: 'c1', name: 'add', content: '3' }];
    expect(await codeOf(runtime.run(orphan))).toMatchObject({ code: 'config_invalid' });
  });

  it('run_not_found for resume of an unknown id; run_conflict for run({ runId }) that exists', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('a'), ScriptedModel.answer('b')]) });
    expect(await codeOf(runtime.resume('missing-run'))).toMatchObject({ code: 'run_not_found' });
    await runtime.run({ input: 'go', runId: 'r-1' });
    expect(await codeOf(runtime.run({ input: 'other', runId: 'r-1' }))).toMatchObject({ code: 'run_conflict' });
  });

  it('resume_mismatch: resuming with a different tool set', async () => {
    const store = new MemoryStore();
    const gated = defineTool({ name: 'gated', description: 'x', input: z.object({}), requiresApproval: true, execute: () => 'ok' });
    const first = createRuntime({ model: new ScriptedModel([ScriptedModel.call('gated', {}, { id: 'g' })]), tools: [gated, add], store });
    const paused = await first.run('go');
    const second = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('x')]), tools: [gated], store });
    expect(await codeOf(second.resume(paused.runId, { approvals: { g: { decision: 'approve' } } }))).toMatchObject({ code: 'resume_mismatch' });
  });

  it('idempotency_conflict: same key with a different output schema', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.json({ a: 1 })]) });
    await runtime.run({ input: 'go', idempotencyKey: 'k', output: z.object({ a: z.number() }) });
    expect(await codeOf(runtime.run({ input: 'go', idempotencyKey: 'k', output: z.object({ b: z.number() }) }))).toMatchObject({ code: 'idempotency_conflict' });
  });

  it('content_invalid names the part; content_too_large over limits.maxPartBytes; no run is created', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([]), limits: { maxPartBytes: 10 } });
    const bad = await codeOf(runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: 'not base64!' }] }] }));
    expect(bad.code).toBe('content_invalid');
    expect(bad.message).toContain('input.0.content.1.data');
    expect((await codeOf(runtime.run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png; charset', data: pngImage(1, 1) }] }] }))).code).toBe('content_invalid'); // tools17c: malformed (no value); 'image/png; charset=x' is accepted
    expect((await codeOf(runtime.run({ input: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: 'AAAA', filename: '../x.pdf' }] }] }))).code).toBe('content_invalid');
    expect((await codeOf(runtime.run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', url: 'file:///etc/passwd' }] }] }))).code).toBe('content_invalid');
    expect((await codeOf(runtime.run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: pngImage(20, 20) }] }] }))).code).toBe('content_too_large');
    expect(await runtime.listRuns()).toEqual([]);
  });

  it('unsupported_content: a TEXT_ONLY model, no request sent, status failed / error, not retryable', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('x')], { capabilities: TEXT_ONLY });
    const result = await createRuntime({ model }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: pngImage(2, 2) }] }] });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'unsupported_content' } });
    expect(result.error!.retryable ?? false).toBe(false);
    expect(model.calls).toBe(0);
    expect(result.error!.message).toContain('image (image/png)');
  });

  it('tool results: tool_not_found, tool_args_invalid (json_parse, not_object, schema), tool_failed — each seen by the model and counted', async () => {
    const boom = defineTool({ name: 'boom', description: 'x', input: z.object({}), execute: () => { throw null; } });
    const model = new ScriptedModel([
      ScriptedModel.parallel([
        { name: 'nope', args: {} },
        { name: 'add', args: '{"a":1,' },
        { name: 'add', args: '[1,2]' },
        { name: 'add', args: { a: 'x', b: 1 } },
        { name: 'boom', args: {} },
      ]),
      ScriptedModel.answer('ok'),
    ]);
    const runtime = createRuntime({ model, tools: [add, boom] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 5 });
    const tools = model.requests[1]!.messages.filter((m) => m.role === 'tool');
    const codes = tools.map((m) => `${(m as { code?: string }).code}: ${contentText(m.content)}`);
    expect(codes.join('\n')).toMatch(/tool_not_found[\s\S]*tool_args_invalid[\s\S]*json_parse[\s\S]*tool_args_invalid[\s\S]*not_object[\s\S]*tool_args_invalid[\s\S]*schema[\s\S]*tool_failed/);
    expect(tools.every((m) => (m as { isError?: boolean }).isError === true)).toBe(true);
  });

  it('content_invalid tool result for more than 256 parts; the run goes on', async () => {
    const many = defineTool({ name: 'many', description: 'x', input: z.object({}), execute: () => Array.from({ length: 257 }, (_, i) => ({ type: 'text' as const, text: `p${i}` })) });
    const model = new ScriptedModel([ScriptedModel.call('many'), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [many] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(contentText(model.requests[1]!.messages.at(-1)!.content)).toContain('content_invalid');
  });

  it('annotation_invalid is thrown to a wrapRun hook', async () => {
    let caught: unknown;
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('x')]),
      hooks: [{ wrapRun: async (info, next) => { try { info.annotate('bad name!', 1); } catch (error) { caught = error; } return next(); } }],
    });
    await runtime.run('go');
    expect(caught).toMatchObject({ code: 'annotation_invalid' });
  });

  it('hook_failed: a hook that throws ends the run with error; onError is told once', async () => {
    let told = 0;
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('x')]),
      hooks: [{ beforeModel: () => { throw new Error('nope'); }, onError: () => { told++; } }],
    });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'hook_failed' } });
    expect(told).toBe(1);
  });

  it('script_exhausted / script_leftover (test kit)', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('a'), ScriptedModel.answer('b')]);
    expect(() => model.assertDone()).toThrow(expect.objectContaining({ code: 'script_leftover' }));
    const empty = new ScriptedModel([]);
    const result = await createRuntime({ model: empty }).run('go');
    expect(result.error?.code).toBe('script_exhausted');
  });
});

describe('docs/messages.md', () => {
  it('contentText / contentParts / hasMediaParts', () => {
    const parts = [{ type: 'text' as const, text: 'a' }, { type: 'image' as const, mediaType: 'image/png', data: pngImage(1, 1) }, { type: 'text' as const, text: 'b' }];
    expect(contentText('plain')).toBe('plain');
    expect(contentText(parts)).toContain('a');
    expect(contentText(parts)).not.toContain(pngImage(1, 1));
    expect(contentParts('x')).toEqual([{ type: 'text', text: 'x' }]);
    expect(hasMediaParts(parts)).toBe(true);
    expect(hasMediaParts('x')).toBe(false);
  });

  it('media types are lower-cased: IMAGE/PNG arrives at the adapter as image/png', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    await createRuntime({ model }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'IMAGE/PNG', data: pngImage(1, 1) }] }] });
    const sent = model.requests[0]!.messages.find((m) => m.role === 'user')!.content as readonly { mediaType?: string }[];
    expect(sent[0]!.mediaType).toBe('image/png');
  });

  it('a directory listing like [{ type: "file", name }] stays JSON text', async () => {
    const ls = defineTool({ name: 'ls', description: 'x', input: z.object({}), execute: () => [{ type: 'file', name: 'a.txt' }] });
    const model = new ScriptedModel([ScriptedModel.call('ls'), ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [ls] }).run('go');
    expect(model.requests[1]!.messages.at(-1)!.content).toBe('[{"type":"file","name":"a.txt"}]');
  });

  it('structured output: output on the request, fenced JSON tolerated, transforms applied', async () => {
    const Weather = z.object({ city: z.string(), tempC: z.number(), conditions: z.enum(['sunny', 'cloudy', 'rain']) });
    const model = new ScriptedModel([ScriptedModel.answer('```json\n{"city":"Paris","tempC":21,"conditions":"sunny"}\n```')]);
    const result = await createRuntime({ model }).run({ input: 'Weather in Paris?', output: Weather });
    expect(result.stopReason).toBe('final_answer');
    expect(result.output!.tempC).toBe(21);
    const output = model.requests[0]!.output!;
    expect(output.name).toBe('output');
    expect(output.schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['city', 'tempC', 'conditions'] });
    expect(output.schema).not.toHaveProperty('$schema');
  });

  it('maxOutputRepairs default 2: the third bad answer stops with output_invalid (status failed, no output); repairs are steps', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('nope')], { whenExhausted: 'repeat_last' });
    const result = await createRuntime({ model }).run({ input: 'go', output: z.object({ a: z.number() }) });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'output_invalid', error: { code: 'output_invalid' }, steps: 3 });
    expect(result.output).toBeUndefined();
    expect(model.calls).toBe(3);
    const repairs = model.requests[2]!.messages.filter((m) => m.role === 'user');
    expect(repairs).toHaveLength(3);
  });

  it('maxOutputRepairs range 0–10, on the runtime or per run; a non-object output schema is config_invalid', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('nope')], { whenExhausted: 'repeat_last' });
    expect(await codeOf(() => createRuntime({ model, maxOutputRepairs: 11 }))).toMatchObject({ code: 'config_invalid' });
    const runtime = createRuntime({ model, maxOutputRepairs: 0 });
    const result = await runtime.run({ input: 'go', output: z.object({ a: z.number() }) });
    expect(result).toMatchObject({ stopReason: 'output_invalid', steps: 1 });
    const perRun = await runtime.run({ input: 'go', output: z.object({ a: z.number() }), maxOutputRepairs: 1 });
    expect(perRun).toMatchObject({ stopReason: 'output_invalid', steps: 2 });
    expect(await codeOf(runtime.run({ input: 'go', output: z.string() as never }))).toMatchObject({ code: 'config_invalid', field: 'run.output' });
    expect(await codeOf(() => createRuntime({ model, output: z.array(z.string()) as never }))).toMatchObject({ code: 'config_invalid', field: 'output' });
  });

  it('resume of a structured run needs its schema again: resume_mismatch without it', async () => {
    const store = new MemoryStore();
    const gated = defineTool({ name: 'gated', description: 'x', input: z.object({}), requiresApproval: true, execute: () => 'ok' });
    const Out = z.object({ a: z.number() });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('gated', {}, { id: 'g' }), ScriptedModel.json({ a: 1 })]), tools: [gated], store });
    const paused = await runtime.run({ input: 'go', output: Out });
    expect(await codeOf(runtime.resume(paused.runId, { approvals: { g: { decision: 'approve' } }, output: z.object({ b: z.string() }) }))).toMatchObject({ code: 'resume_mismatch' });
    const done = await runtime.resume(paused.runId, { approvals: { g: { decision: 'approve' } }, output: Out });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: { a: 1 } });
  });

  it('finalize with a structured run: the answer is validated without repair', async () => {
    const model = new ScriptedModel([(request, i) => request.tools.length === 0 ? ScriptedModel.json({ a: 7 }) : ScriptedModel.call('add', { a: i, b: 1 })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [add], limits: { maxSteps: 2, finalize: true } }).run({ input: 'go', output: z.object({ a: z.number() }) });
    expect(result).toMatchObject({ stopReason: 'max_steps', status: 'stopped', finalized: true, output: { a: 7 }, steps: 2 });
  });
});

describe('docs/errors.md model_output_invalid: malformed adapter responses', () => {
  it('a response without an assistant message, toolCalls that is not an array, a call without a name', async () => {
    const usage = { inputTokens: 1, outputTokens: 1 };
    const bad = [
      { message: undefined, usage, finishReason: 'stop' },
      { message: { role: 'assistant', content: '', toolCalls: 'add' }, usage, finishReason: 'tool_calls' },
      { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', args: {} }] }, usage, finishReason: 'tool_calls' },
      { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'add', args: {} }, { id: 'c1', name: 'add', args: {} }] }, usage, finishReason: 'tool_calls' },
    ];
    for (const response of bad) {
      const model = new ScriptedModel([response as never]);
      const result = await createRuntime({ model, tools: [add] }).run('go');
      expect(result, JSON.stringify(response)).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_output_invalid' } });
    }
  });
});

describe('packages/testing/README.md example', () => {
  it('a malformed-args step, then assertRunInvariants on the stored run', async () => {
    const { assertRunInvariants } = await import('@agentrt/testing');
    const store = new MemoryStore();
    const model = new ScriptedModel([
      ScriptedModel.call('add', { a: 1, b: 2 }),
      ScriptedModel.call('add', '{"a": 1,'), // malformed arguments
      ScriptedModel.answer('3'),
    ]);
    const result = await createRuntime({ model, tools: [add], store }).run('go');
    expect(result).toMatchObject({ stopReason: 'final_answer', toolCalls: 2 });
    await assertRunInvariants({ store, runId: result.runId, result });
    model.assertDone();
  });
});

describe('docs/governance.md "Tool permissions"', () => {
  it("onViolation: 'stop' ends the run with policy_violation; a denied call is tool_denied and not executed", async () => {
    let ran = 0;
    const wipe = defineTool({ name: 'wipe', description: 'x', input: z.object({}), execute: () => { ran++; return 'wiped'; } });
    const model = new ScriptedModel([ScriptedModel.call('wipe'), ScriptedModel.answer('never')]);
    const runtime = createRuntime({ model, tools: [wipe, add], toolPolicy: { deny: ['wipe*'], onViolation: 'stop' } });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ stopReason: 'policy_violation', status: 'stopped' });
    expect(ran).toBe(0);
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['add']);
  });

  it("maxCallsPerTool { '*': 1, search: 5 }: search may run 5 times, every other tool once", async () => {
    let searches = 0;
    let adds = 0;
    const search = defineTool({ name: 'search', description: 'x', input: z.object({ q: z.number() }), execute: () => { searches++; return 'r'; } });
    const counted = defineTool({ name: 'add', description: 'x', input: z.object({ a: z.number() }), execute: () => { adds++; return 'r'; } });
    const model = new ScriptedModel([
      ScriptedModel.parallel([...Array.from({ length: 6 }, (_, i) => ({ name: 'search', args: { q: i } })), { name: 'add', args: { a: 1 } }, { name: 'add', args: { a: 2 } }]),
      ScriptedModel.answer('ok'),
    ]);
    const result = await createRuntime({ model, tools: [search, counted], toolPolicy: { maxCallsPerTool: { '*': 1, search: 5 } } }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(searches).toBe(5);
    expect(adds).toBe(1);
  });
});
