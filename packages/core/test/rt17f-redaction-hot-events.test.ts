// rt17f red team: model_response, tool_started and tool_finished are redacted in place (perf17a).
// A secret must never reach the stored events, the stream or the audit export — in tool
// arguments (nested, in keys, in arrays, under `__proto__`), tool results, tool errors, the
// model's text and reasoning — while the tool still receives its real arguments and the
// transcript keeps the model's arguments verbatim.
import { createRuntime, defineTool, MemoryStore, type RunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const SECRET = 'tok_live_rt17f_0123456789abcdef';
const OPENAI = 'sk-proj-rt17fAbCdEfGhIjKlMnOpQrStUvWx0123456789';
const AWS = 'AKIAIOSFODNN7RT17FEX';

const hostileArgs = () => JSON.parse(`{
  "query": "use ${SECRET} please",
  "nested": { "deep": [{ "list": ["a", "${OPENAI}"] }], "${SECRET}": "key holds it" },
  "__proto__": { "leak": "${AWS}" },
  "password": "hunter2-but-long",
  "list": ["${SECRET}", 7]
}`) as Record<string, unknown>;

describe('rt17f: hot events are redacted, the tool and the transcript are not', () => {
  it('no secret in store.listEvents, runtime.stream events or exportAudit; the tool sees its real args', async () => {
    const seen: unknown[] = [];
    const echo = defineTool({
      name: 'echo', description: 'echoes', input: z.record(z.string(), z.unknown()),
      execute: async (args) => { seen.push(structuredClone(args)); return { echoed: `result with ${SECRET} and ${AWS}`, [OPENAI]: 'key' }; },
    });
    const boom = defineTool({ name: 'boom', description: 'fails', input: z.object({}), execute: async () => { throw new Error(`failed using ${SECRET} / ${OPENAI}`); } });
    const args = hostileArgs();
    const model = new ScriptedModel([
      ScriptedModel.call('echo', args, { text: `calling with ${SECRET}`, reasoning: `I will use ${OPENAI} and ${SECRET}` }),
      ScriptedModel.call('boom', {}, { reasoning: [{ text: `think ${AWS}`, providerData: { sig: SECRET } }] }),
      ScriptedModel.answer(`done: ${SECRET} ${OPENAI}`, undefined, { reasoning: `final ${SECRET}` }),
    ]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [echo, boom], redact: { secrets: [SECRET] } });
    const streamed: RunEvent[] = [];
    let runId = '';
    for await (const event of runtime.stream('go')) {
      streamed.push(event);
      runId = event.runId;
    }
    const stored = await store.listEvents(runId);
    const audit = await runtime.exportAudit(runId);
    for (const [label, text] of [['stream', JSON.stringify(streamed)], ['store', JSON.stringify(stored)], ['audit', audit]] as const) {
      for (const secret of [SECRET, OPENAI, AWS, 'hunter2-but-long']) expect(text.includes(secret), `${label} holds ${secret.slice(0, 8)}`).toBe(false);
    }
    for (const type of ['model_response', 'tool_started', 'tool_finished']) expect(stored.some((event) => event.type === type), type).toBe(true);
    // The tool saw the model's arguments unredacted (zod's parse drops the own `__proto__` key: the
    // schema's doing, not redaction's — the transcript below keeps it).
    const { ['__proto__']: _dropped, ...withoutProto } = Object.fromEntries(Object.entries(hostileArgs()));
    expect(seen).toEqual([withoutProto]);
    // The transcript keeps the model's arguments and answer verbatim; the model sees its own args next turn.
    const steps = await store.loadSteps(runId);
    expect(JSON.stringify(steps[0]!.messages[0])).toContain(OPENAI);
    expect(steps[0]!.messages[0]).toMatchObject({ role: 'assistant', toolCalls: [{ name: 'echo' }] });
    expect(JSON.stringify((steps[0]!.messages[0] as unknown as { toolCalls: { args: unknown }[] }).toolCalls[0]!.args)).toBe(JSON.stringify(hostileArgs()));
    expect(JSON.stringify(model.requests[1]!.messages)).toContain(OPENAI);
    // Reasoning signatures stay byte for byte in the transcript (resume sends them back).
    expect(JSON.stringify(steps[1]!.messages[0])).toContain(`"sig":"${SECRET}"`);
  });

  it.each([
    { label: 'keys', redact: { keys: [/type/] } },
    { label: 'patterns', redact: { patterns: [/\btype\b|tool_finished|run_finished/g] } },
  ])('a user $label rule matching `type` or an event type leaves every event its type (stream and store)', async ({ redact }) => {
    const tool = defineTool({ name: 'lookup', description: 'd', input: z.object({ q: z.string() }), execute: async () => 'ok' });
    const model = new ScriptedModel([ScriptedModel.call('lookup', { q: 'x' }), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [tool], redact });
    const streamed: string[] = [];
    let runId = '';
    for await (const event of runtime.stream('go')) {
      streamed.push(event.type);
      runId = event.runId;
    }
    const expected = ['run_started', 'step_started', 'model_request', 'model_response', 'tool_started', 'tool_finished', 'step_finished', 'step_started', 'model_request', 'model_response', 'step_finished', 'run_finished'];
    expect((await store.listEvents(runId)).map((event) => event.type)).toEqual(expected);
    expect(streamed.filter((type) => !type.endsWith('_delta'))).toEqual(expected);
  });

  it('user patterns that match event key names (runId, at, seq, type, name) do not break the events or leak', async () => {
    const tool = defineTool({ name: 'name', description: 'd', input: z.object({ type: z.string() }), execute: async ({ type }) => `got ${type} ${SECRET}` });
    const model = new ScriptedModel([ScriptedModel.call('name', { type: SECRET }), ScriptedModel.answer('ok')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [tool], redact: { secrets: [SECRET], patterns: [/runId|\bat\b|seq|type|name/g], keys: [/^(runId|at|seq|type|name)$/] } });
    const result = await runtime.run({ runId: 'run-with-type-name', input: 'go' });
    expect(result.status).toBe('completed');
    const events = await store.listEvents(result.runId);
    expect(events.length).toBeGreaterThan(3);
    for (const event of events) {
      expect(typeof event.type).toBe('string');
      expect(event.runId).toBe('run-with-type-name');
      expect(typeof event.seq).toBe('number');
    }
    const types = events.map((event) => event.type);
    for (const type of ['run_started', 'model_response', 'tool_started', 'tool_finished', 'run_finished']) expect(types, type).toContain(type);
    // The tool's own `type` argument is data: still redacted under the user's key pattern.
    expect(JSON.stringify(events.find((event) => event.type === 'tool_started'))).toContain('[REDACTED]');
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect((await runtime.verifyAudit(result.runId)).ok).toBe(true);
  });

  it('toolOutput: false — the model gets the tool output verbatim, the events never (in-place redaction touches neither side wrongly)', async () => {
    const tool = defineTool({ name: 'env', description: 'reads env', input: z.object({ key: z.string() }), execute: async () => ({ value: SECRET, nested: [{ aws: AWS }] }) });
    const model = new ScriptedModel([ScriptedModel.call('env', { key: OPENAI }), ScriptedModel.answer('ok')]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [tool], redact: { secrets: [SECRET], toolOutput: false } });
    const result = await runtime.run('go');
    expect(result.status).toBe('completed');
    const toolMessage = JSON.stringify(model.requests[1]!.messages.at(-1));
    expect(toolMessage).toContain(SECRET);
    expect(toolMessage).toContain(AWS);
    expect(JSON.stringify(model.requests[1]!.messages)).toContain(OPENAI); // the model's own call, verbatim
    const events = JSON.stringify(await store.listEvents(result.runId)) + (await runtime.exportAudit(result.runId));
    for (const secret of [SECRET, AWS, OPENAI]) expect(events.includes(secret), secret.slice(0, 8)).toBe(false);
    // The stored transcript keeps the output the model saw.
    expect(JSON.stringify(await store.loadSteps(result.runId))).toContain(SECRET);
  });
});

