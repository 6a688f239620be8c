// Red team: rich-message input that passes the shape checks but carries something else — file
// names that are paths or that reorder what a reader sees, odd media types, URL schemes,
// prototype keys, and many parts.
import { AgentrtError, checkContent, createRuntime, defineTool, MemoryStore, type ContentPart } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const PDF = Buffer.from('%PDF-1.4 tiny').toString('base64');
const file = (filename: string): ContentPart => ({ type: 'file', mediaType: 'application/pdf', data: PDF, filename });
const codeOf = async (fn: () => unknown) => {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

describe('red team: content parts', () => {
  it('refuses file names that are paths or hide what they say (separators, DEL, C1 controls, bidi and invisible characters)', () => {
    for (const name of ['../../etc/passwd', 'dir/report.pdf', 'C:\\Users\\x.pdf', '..', '.', 'invoice\u202efdp.exe', 'a\u2066b.pdf', 'zero\u200bwidth.pdf', 'del\u007f.pdf', 'csi\u009b2J.pdf', 'bom\ufeff.pdf',
      // Default-ignorable characters that hide text: tag characters spelling ".exe", a Hangul filler, a combining grapheme joiner, a line separator.
      'invoice.pdf\u{e002e}\u{e0065}\u{e0078}\u{e0065}', 'a\u3164b.pdf', 'a\u034fb.pdf', 'a\u2028b.pdf', 'a\u{e0100}b.pdf']) {
      expect(checkContent([file(name)], { where: 'input.0.content' })?.code, JSON.stringify(name)).toBe('content_invalid');
    }
    for (const name of ['report.pdf', 'Q3 report (final).pdf', 'rapport-été.pdf', 'تقرير.pdf', '報告.pdf', '.hidden.pdf', 'love \u2764\ufe0f.png']) {
      expect(checkContent([file(name)], { where: 'input.0.content' }), name).toBeUndefined();
    }
  });

  it('refuses odd media types, non-http URLs and non-canonical base64 before a run is created', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([]), store });
    const bad: ContentPart[] = [
      { type: 'image', mediaType: 'image/PNG; charset', data: PDF }, // tools17c: a parameter needs a value (with one, it is a media type servers send)
      { type: 'image', mediaType: 'text/html', data: PDF },
      { type: 'image', mediaType: 'image/png', url: 'file:///etc/passwd' },
      { type: 'image', mediaType: 'image/png', url: 'data:image/png;base64,AAAA' },
      { type: 'image', mediaType: 'image/png', url: 'javascript:alert(1)' },
      { type: 'image', mediaType: 'image/png', data: 'AAA' },
      { type: 'image', mediaType: 'image/png', data: 'AAB=' },
      { type: 'image', mediaType: 'image/png', data: 'AA AA===' },
      { type: 'image', mediaType: 'image/png', data: 'QUFB\nQUFB' },
    ];
    for (const part of bad) expect(await codeOf(() => runtime.run({ input: [{ role: 'user', content: [part] }] })), JSON.stringify(part)).toBe('content_invalid');
    expect(await store.listRuns()).toEqual([]);
    await runtime.close();
  });

  it('keeps __proto__ in parts as nothing (no pollution) and takes 10,000 parts in one message', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, store: new MemoryStore() });
    const parts = JSON.parse(`[${Array.from({ length: 10_000 }, (_, i) => `{"type":"text","text":"p${i}","__proto__":{"polluted":true}}`).join(',')}]`) as ContentPart[];
    const result = await runtime.run({ input: [{ role: 'user', content: parts }] });
    expect(result.status).toBe('completed');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const sent = model.requests[0]!.messages[0]!.content as ContentPart[];
    expect(sent).toHaveLength(10_000);
    expect(Object.keys(sent[0]!)).toEqual(['type', 'text']);
    await runtime.close();
  });

  it('gives a tool that returns a file named like a path an error result, and the run goes on', async () => {
    const leak = defineTool({ name: 'leak', description: 'returns a file', input: z.object({}), execute: () => [file('../../../home/user/.ssh/id_rsa')] });
    const model = new ScriptedModel([ScriptedModel.call('leak', {}, { id: 'l' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [leak] });
    const result = await runtime.run('go');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    const sent = model.requests[1]!.messages.find((m) => m.role === 'tool');
    expect(sent).toMatchObject({ isError: true });
    expect(String(sent!.content)).toContain('content_invalid');
    await runtime.close();
  });
});
