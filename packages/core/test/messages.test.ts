import {
  AgentrtError, createRuntime, defineTool, MemoryStore, TEXT_ONLY, type ContentPart, type Message, type RunEvent, type StoredRunEvent, type ToolMessage,
} from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** Deterministic bytes as base64 (with an optional marker inside the bytes). */
const bytes = (size: number, marker = '') => {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = (i * 31 + 7) % 251;
  buffer.write(marker, Math.floor(size / 2), 'latin1');
  return buffer.toString('base64');
};
const sha = (base64: string) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
const only = <T extends StoredRunEvent['type']>(events: StoredRunEvent[], type: T) => events.filter((e) => e.type === type) as Extract<StoredRunEvent, { type: T }>[];
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

const PNG = bytes(3000);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n').toString('base64');
const image = (data = PNG): ContentPart => ({ type: 'image', mediaType: 'image/png', data });
const screenshot = (parts: unknown) => defineTool({ name: 'screenshot', description: 'Takes a screenshot', input: z.object({}), execute: () => parts });

describe('content parts in run input', () => {
  it('sends an image in the user message to the model exactly as given and keeps it in the transcript', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('a red square')]);
    const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image()] }];
    const result = await createRuntime({ model, store }).run({ input });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'a red square' });
    expect(model.requests[0]!.messages).toEqual(input);
    expect((await store.getRun(result.runId))?.input).toEqual(input);
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('sends a PDF file part with its filename', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('a one-page PDF')]);
    const file: ContentPart = { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'report.pdf' };
    const result = await createRuntime({ model }).run({ input: [{ role: 'user', content: [{ type: 'text', text: 'Summarize' }, file] }] });
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[0]!.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Summarize' }, file] });
  });

  it('keeps only the known fields of each part and lower-cases media types', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const input = [{ role: 'user' as const, content: [{ type: 'image' as const, mediaType: 'IMAGE/PNG', data: PNG, extra: 'dropped' } as ContentPart] }];
    await createRuntime({ model }).run({ input });
    expect(model.requests[0]!.messages[0]).toEqual({ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: PNG }] });
  });

  const bad: [string, unknown, string][] = [
    ['an unknown part type', { type: 'audio', mediaType: 'audio/wav', data: 'AAAA' }, 'content_invalid'],
    ['a media type without a subtype', { type: 'image', mediaType: 'png', data: 'AAAA' }, 'content_invalid'],
    ['an image with a non-image media type', { type: 'image', mediaType: 'application/pdf', data: 'AAAA' }, 'content_invalid'],
    ['malformed base64', { type: 'image', mediaType: 'image/png', data: 'not base64!' }, 'content_invalid'],
    ['unpadded base64', { type: 'image', mediaType: 'image/png', data: 'QUJDRA' }, 'content_invalid'],
    ['non-canonical base64 (padding bits set)', { type: 'image', mediaType: 'image/png', data: 'QR==' }, 'content_invalid'],
    ['empty data', { type: 'image', mediaType: 'image/png', data: '' }, 'content_invalid'],
    ['both data and url', { type: 'image', mediaType: 'image/png', data: 'AAAA', url: 'https://example.com/a.png' }, 'content_invalid'],
    ['neither data nor url', { type: 'file', mediaType: 'application/pdf' }, 'content_invalid'],
    ['a non-http url', { type: 'image', mediaType: 'image/png', url: 'file:///etc/passwd' }, 'content_invalid'],
    ['a text part without text', { type: 'text' }, 'content_invalid'],
    ['a file name with control characters', { type: 'file', mediaType: 'application/pdf', data: 'AAAA', filename: 'a\nb.pdf' }, 'content_invalid'],
    ['a part over the size limit', { type: 'image', mediaType: 'image/png', data: bytes(2048) }, 'content_too_large'],
  ];
  for (const [what, part, code] of bad) {
    it(`rejects ${what} with ${code} and creates no run`, async () => {
      const store = new MemoryStore();
      const model = new ScriptedModel([]);
      const runtime = createRuntime({ model, store, limits: { maxPartBytes: 1024 } });
      expect(await codeOf(runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'look' }, part as ContentPart] }] }))).toBe(code);
      expect(await store.listRuns()).toEqual([]);
      expect(model.calls).toBe(0);
    });
  }

  it('rejects parts where only text is allowed (a system message) as invalid options', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([]) });
    expect(await codeOf(runtime.run({ input: [{ role: 'system', content: [image()] as never }, { role: 'user', content: 'hi' }] }))).toBe('config_invalid');
  });

  it('accepts a part exactly at the size limit', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, limits: { maxPartBytes: 3000 } }).run({ input: [{ role: 'user', content: [image(bytes(3000))] }] });
    expect(result.stopReason).toBe('final_answer');
  });
});

describe('content parts from tools', () => {
  it('gives the model the image a tool returned; events record its hash and size, never its bytes', async () => {
    const store = new MemoryStore();
    const parts: ContentPart[] = [{ type: 'text', text: 'the page' }, image()];
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('I see the page')]);
    const result = await createRuntime({ model, store, tools: [screenshot(parts)] }).run('take a screenshot');
    expect(result.stopReason).toBe('final_answer');
    const tool = model.requests[1]!.messages.find((m): m is ToolMessage => m.role === 'tool')!;
    expect(tool.content).toEqual(parts);
    const events = await store.listEvents(result.runId);
    const finished = only(events, 'tool_finished')[0]!;
    expect(finished.content).toEqual([{ type: 'text', text: 'the page' }, { type: 'image', mediaType: 'image/png', sha256: sha(PNG), bytes: 3000 }]);
    expect(JSON.stringify(events)).not.toContain(PNG.slice(0, 64));
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('treats arrays that are not all part-shaped as JSON', async () => {
    const listing = [{ type: 'file', name: 'a.txt' }, { type: 'dir', name: 'b' }];
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [screenshot(listing)] }).run('list');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', content: JSON.stringify(listing) });
  });

  const badOutput: [string, unknown, string][] = [
    ['malformed base64', [{ type: 'image', mediaType: 'image/png', data: '@@@@' }], 'content_invalid'],
    ['an unknown media type shape', [{ type: 'image', mediaType: 'not a type', data: 'AAAA' }], 'content_invalid'],
    ['an oversize image', [{ type: 'image', mediaType: 'image/png', data: bytes(4096) }], 'content_too_large'],
    ['too many parts', Array.from({ length: 300 }, () => ({ type: 'text', text: 'x' })), 'content_invalid'],
  ];
  for (const [what, parts, code] of badOutput) {
    it(`turns ${what} from a tool into a ${code} error result the model sees; the run goes on`, async () => {
      const store = new MemoryStore();
      const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('could not see it')]);
      const result = await createRuntime({ model, store, tools: [screenshot(parts)], limits: { maxPartBytes: 1024 } }).run('look');
      expect(result.stopReason).toBe('final_answer');
      const tool = model.requests[1]!.messages.at(-1) as ToolMessage;
      expect(tool).toMatchObject({ role: 'tool', isError: true, code });
      expect(typeof tool.content).toBe('string');
      await assertRunInvariants({ store, runId: result.runId, result });
    });
  }

  it('turns parts that throw when read into a tool_failed result', async () => {
    const hostile = [{ type: 'text', get text(): string { throw new Error('boom'); } }];
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [screenshot(hostile)] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', isError: true, code: 'tool_failed' });
  });

  it('shortens text parts to maxToolOutputChars and keeps the image whole', async () => {
    const long = 'x'.repeat(2000);
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [screenshot([{ type: 'text', text: long }, image(), { type: 'text', text: long }])], limits: { maxToolOutputChars: 1000 } }).run('go');
    const tool = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(tool.code).toBe('tool_output_truncated');
    const parts = tool.content as ContentPart[];
    expect(parts[1]).toEqual(image());
    const text = parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);
    expect(text.every((t) => t.includes('tool_output_truncated'))).toBe(true);
    expect(text.join('').length).toBeLessThan(1000 + 2 * 120);
  });

  it('redacts secrets in text parts but never touches base64 data, even when it looks like a secret', async () => {
    // Valid, canonical base64 that contains an AWS-key-shaped run and a registered secret.
    const data = 'AAA/AKIAIOSFODNN7EXAMPLE/AAAsecretTOKEN00000';
    expect(data.length % 4).toBe(0);
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('ok')]);
    const parts = [{ type: 'text', text: 'key AKIAIOSFODNN7EXAMPLE and secretTOKEN' }, { type: 'image', mediaType: 'image/png', data }];
    await createRuntime({ model, tools: [screenshot(parts)], redact: { secrets: ['secretTOKEN'] } }).run('go');
    const content = (model.requests[1]!.messages.at(-1) as ToolMessage).content as ContentPart[];
    expect(content[0]).toEqual({ type: 'text', text: 'key [REDACTED] and [REDACTED]' });
    expect(content[1]).toEqual({ type: 'image', mediaType: 'image/png', data });
  });

  it('holds parts an afterTool hook puts in to the same checks', async () => {
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('ok')]);
    const hooks = [{ afterTool: (result: ToolMessage) => ({ ...result, content: [{ type: 'image' as const, mediaType: 'image/png', data: '!!' }] }) }];
    await createRuntime({ model, tools: [screenshot('plain')], hooks }).run('go');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', isError: true, code: 'content_invalid' });
  });

  it('replays a recorded image result after a pause without running the tool again', async () => {
    const store = new MemoryStore();
    let runs = 0;
    const shot = defineTool({ name: 'screenshot', description: 'Takes a screenshot', input: z.object({}), sideEffects: 'idempotent', execute: () => (runs++, [image()]) });
    const approve = defineTool({ name: 'approve_me', description: 'Needs approval', input: z.object({}), requiresApproval: true, execute: () => 'done' });
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'screenshot', id: 's1' }, { name: 'approve_me', id: 'a1' }]),
      ScriptedModel.answer('finished'),
    ]);
    const runtime = createRuntime({ model, store, tools: [shot, approve] });
    const paused = await runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'go' }, image(bytes(1500))] }] });
    expect(paused.stopReason).toBe('awaiting_approval');
    const done = await runtime.resume(paused.runId, { approvals: { a1: 'approve' } });
    expect(done.stopReason).toBe('final_answer');
    expect(runs).toBe(1);
    const second = model.requests[1]!.messages;
    expect(second[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'go' }, image(bytes(1500))] });
    expect(second.find((m) => m.role === 'tool' && m.toolCallId === 's1')).toMatchObject({ content: [image()] });
    await assertRunInvariants({ store, runId: done.runId, result: done });
  });
});

describe('model capabilities', () => {
  it('fails an image for a text-only model with unsupported_content before any call; the run and its input are kept', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('never')], { capabilities: TEXT_ONLY, provider: 'acme', model: 'text-1' });
    const result = await createRuntime({ model, store }).run({ input: [{ role: 'user', content: [{ type: 'text', text: 'what is it' }, image()] }] });
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'unsupported_content' } });
    expect(result.error?.retryable).toBeUndefined();
    expect(result.error?.message).toContain('acme:text-1');
    expect(result.error?.message).toContain('image (image/png)');
    expect(model.calls).toBe(0);
    expect((await store.getRun(result.runId))?.input[0]).toMatchObject({ content: [{ type: 'text' }, image()] });
    expect(only(await store.listEvents(result.runId), 'run_error')[0]).toMatchObject({ code: 'unsupported_content' });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('fails an image in a tool result for a model that takes images only from the user, before the next call', async () => {
    const caps = { ...ScriptedModel.ALL_CONTENT, partsInToolResults: false };
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('never')], { capabilities: caps });
    const result = await createRuntime({ model, tools: [screenshot([image()])] }).run('look');
    expect(result.error?.code).toBe('unsupported_content');
    expect(result.steps).toBe(1);
    expect(model.calls).toBe(1);
  });

  it('fails an image by url for a model that takes inline images only, and an unlisted media type', async () => {
    const caps = { ...ScriptedModel.ALL_CONTENT, imageTypes: ['image/png'], imageUrls: false };
    const byUrl = new ScriptedModel([], { capabilities: caps });
    const a = await createRuntime({ model: byUrl }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', url: 'https://example.com/a.png' }] }] });
    expect(a.error?.code).toBe('unsupported_content');
    const webp = new ScriptedModel([], { capabilities: caps });
    const b = await createRuntime({ model: webp }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/webp', data: PNG }] }] });
    expect(b.error?.code).toBe('unsupported_content');
    expect(b.error?.message).toContain('image/png');
  });

  it('checks what a beforeModel hook adds', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('never')], { capabilities: TEXT_ONLY });
    const hooks = [{ beforeModel: (request: { messages: readonly Message[] }) => ({ ...request, messages: [...request.messages, { role: 'user' as const, content: [image()] }] }) }];
    const result = await createRuntime({ model, hooks: hooks as never }).run('hi');
    expect(result.error?.code).toBe('unsupported_content');
    expect(model.calls).toBe(0);
  });

  it('lets a model without declared capabilities take text only', async () => {
    const model = { provider: 'bare', model: 'b1', generate: async () => ({ message: { role: 'assistant' as const, content: 'x' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' as const }) };
    const result = await createRuntime({ model }).run({ input: [{ role: 'user', content: [image()] }] });
    expect(result.error?.code).toBe('unsupported_content');
    const text = await createRuntime({ model }).run({ input: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] });
    expect(text.stopReason).toBe('final_answer');
  });
});

describe('reasoning', () => {
  const signed = (text: string, signature: string) => [{ text, providerData: { anthropic: { signature } } }];

  it('keeps reasoning with each assistant turn across three tool steps and sends it back verbatim; it is never the answer', async () => {
    const store = new MemoryStore();
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const model = new ScriptedModel([
      ScriptedModel.call('add', { a: 1, b: 2 }, { reasoning: signed('first I add 1 and 2', 'sig-1') }),
      ScriptedModel.call('add', { a: 3, b: 3 }, { reasoning: signed('then 3 and 3', 'sig-2') }),
      ScriptedModel.call('add', { a: 6, b: 4 }, { reasoning: [{ text: 'no signature on this one' }] }),
      ScriptedModel.answer('10', undefined, { reasoning: signed('so the answer is 10', 'sig-4') }),
    ]);
    const result = await createRuntime({ model, store, tools: [add] }).run('add things');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: '10' });
    const last = model.requests[3]!.messages.filter((m) => m.role === 'assistant');
    expect(last.map((m) => m.role === 'assistant' && m.reasoning)).toEqual([signed('first I add 1 and 2', 'sig-1'), signed('then 3 and 3', 'sig-2'), [{ text: 'no signature on this one' }]]);
    const transcript = await createRuntime({ model: new ScriptedModel([]), store, tools: [add] }).messages(result.runId);
    expect(transcript.at(-1)).toEqual({ role: 'assistant', content: '10', reasoning: signed('so the answer is 10', 'sig-4') });
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('records reasoning text in model_response events but only a hash of providerData', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('done', undefined, { reasoning: signed('thinking it over', 'SIGNATURE-BLOB-123') })]);
    const result = await createRuntime({ model, store }).run('hi');
    const response = only(await store.listEvents(result.runId), 'model_response')[0]!;
    expect(response.message.reasoning?.[0]?.text).toBe('thinking it over');
    expect(response.message.reasoning?.[0]?.providerData).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), chars: expect.any(Number) });
    expect(JSON.stringify(await store.listEvents(result.runId))).not.toContain('SIGNATURE-BLOB-123');
  });

  it('streams reasoning deltas and text deltas as distinct events', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('the answer text', undefined, { reasoning: 'long careful reasoning about it' })]);
    const events: RunEvent[] = [];
    for await (const event of createRuntime({ model }).stream('hi')) events.push(event);
    const reasoning = events.filter((e) => e.type === 'model_reasoning_delta').map((e) => (e as { text: string }).text).join('');
    const text = events.filter((e) => e.type === 'model_delta').map((e) => (e as { text: string }).text).join('');
    expect(reasoning).toBe('long careful reasoning about it');
    expect(text).toBe('the answer text');
    expect(events.findIndex((e) => e.type === 'model_reasoning_delta')).toBeLessThan(events.findIndex((e) => e.type === 'model_delta'));
    const finished = events.at(-1);
    expect(finished?.type === 'run_finished' && finished.result.output).toBe('the answer text');
  });

  it('treats a turn with only reasoning as empty output: one retry, then model_output_invalid', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('', undefined, { reasoning: 'hmm' }), ScriptedModel.answer('', undefined, { reasoning: 'hmm again' })]);
    const result = await createRuntime({ model }).run('hi');
    expect(result.error?.code).toBe('model_output_invalid');
    expect(model.calls).toBe(2);
  });

  it('rejects malformed reasoning from an adapter with model_output_invalid', async () => {
    const model = new ScriptedModel([{ message: { role: 'assistant', content: 'x', reasoning: [{ signature: 'no text' }] } } as never]);
    const result = await createRuntime({ model }).run('hi');
    expect(result.error?.code).toBe('model_output_invalid');
  });

  it('accepts reasoning on assistant messages of the input transcript', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const input: Message[] = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'earlier', reasoning: signed('before', 'sig-0') },
      { role: 'user', content: 'again' },
    ];
    await createRuntime({ model }).run({ input });
    expect(model.requests[0]!.messages).toEqual(input);
  });
});

describe('audit of binary data', () => {
  it('never writes the bytes of an image (a canary inside them) to events or the exported audit', async () => {
    const store = new MemoryStore();
    const canaryImage = bytes(4000, 'sk-agentrt-CANARY-inside-the-image');
    const canaryPdf = bytes(2000, 'sk-agentrt-CANARY-inside-the-pdf');
    const model = new ScriptedModel([ScriptedModel.call('screenshot'), ScriptedModel.answer('seen')]);
    const runtime = createRuntime({ model, store, tools: [screenshot([image(canaryImage), { type: 'file', mediaType: 'application/pdf', data: canaryPdf }])] });
    const streamed: RunEvent[] = [];
    for await (const event of runtime.stream({ input: [{ role: 'user', content: [{ type: 'text', text: 'look' }, image(canaryImage)] }] })) streamed.push(event);
    const runId = streamed[0]!.runId;
    const everything = JSON.stringify([streamed, await runtime.events(runId), await runtime.exportAudit(runId), (await runtime.getRun(runId))?.result]);
    for (const data of [canaryImage, canaryPdf]) {
      for (let i = 0; i + 64 <= data.length; i += 500) expect(everything).not.toContain(data.slice(i, i + 64));
    }
    expect(everything).not.toContain(Buffer.from('sk-agentrt-CANARY').toString('base64').slice(0, 16));
    expect(everything).toContain(sha(canaryImage));
    const transcript = await runtime.messages(runId);
    expect(transcript[0]).toMatchObject({ content: [{ type: 'text' }, image(canaryImage)] });
    await assertRunInvariants({ store, runId });
  });
});
