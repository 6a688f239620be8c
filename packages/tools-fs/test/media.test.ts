import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { AgentrtError, createRuntime, TEXT_ONLY, type ContentPart, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { buildPdf, buildPng, crc32, ScriptedModel, startAnthropicServer, type LoopbackServer } from '@agentrt/testing';
import { createFsTools, type FsToolOptions } from '@agentrt/tools-fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

// media15f: read_file returns images and PDFs as content parts (decided by the bytes, not the
// file name), other binary files as a short note, never as U+FFFD text; text files are unchanged.

const PNG = buildPng({ width: 32, height: 24 });
const PDF = buildPdf('Minutes of the meeting');
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(500, 9)]);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
function layout(): string {
  const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-media-'));
  roots.push(root);
  writeFileSync(join(root, 'chart.png'), PNG);
  writeFileSync(join(root, 'photo.jpg'), PNG); // a PNG with a JPEG name
  writeFileSync(join(root, 'minutes.pdf'), PDF);
  writeFileSync(join(root, 'in\u202efdp.exe.pdf'), PDF);
  writeFileSync(join(root, 'line\nbreak.pdf'), PDF);
  writeFileSync(join(root, '__proto__.pdf'), PDF);
  writeFileSync(join(root, 'bundle.zip'), ZIP);
  writeFileSync(join(root, 'blob.bin'), Buffer.from(Array.from({ length: 3_000 }, (_, i) => (i * 37) % 256)));
  writeFileSync(join(root, 'logo.svg'), SVG);
  writeFileSync(join(root, 'notes.txt'), 'line one\nline two\n'.repeat(200));
  writeFileSync(join(root, 'bomb.png'), buildPng({ width: 2, height: 2, claimedWidth: 60_000, claimedHeight: 60_000 }));
  // A 1 GiB "image": a PNG head, then a hole (sparse: no disk used).
  const huge = openSync(join(root, 'huge.png'), 'w');
  writeSync(huge, PNG.subarray(0, 33));
  ftruncateSync(huge, 2 ** 30);
  closeSync(huge);
  return root;
}

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const reader = (options: FsToolOptions): Tool => createFsTools(options).find((tool) => tool.name === 'read_file')!;
const read = async (options: FsToolOptions, args: Record<string, unknown>) => {
  const tool = reader(options);
  return tool.execute(tool.input.parse(args), ctx()) as Promise<unknown>;
};
const parts = (value: unknown) => {
  expect(Array.isArray(value), JSON.stringify(value).slice(0, 300)).toBe(true);
  return value as ContentPart[];
};

/** Signature, every chunk CRC, IHDR, and IDAT inflating to exactly the rows: a PNG a decoder takes. */
function decodePng(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let size = { width: 0, height: 0 };
  const idat: Buffer[] = [];
  for (;;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(crc32(bytes.subarray(at + 4, at + 8 + length)));
    if (type === 'IHDR') size = { width: data.readUInt32BE(0), height: data.readUInt32BE(4) };
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
    if (type === 'IEND') break;
  }
  expect(inflateSync(Buffer.concat(idat)).length).toBe(size.height * (1 + size.width * 3));
  return size;
}

describe('read_file: images and PDFs as content parts', () => {
  it('a PNG is an image part with its exact bytes, after a text part with its path, size and pixel size', async () => {
    const root = layout();
    const result = parts(await read({ root }, { path: 'chart.png' }));
    expect(JSON.parse((result[0] as { text: string }).text)).toEqual({ path: 'chart.png', size: PNG.length, mediaType: 'image/png', width: 32, height: 24 });
    expect(result[1]).toEqual({ type: 'image', mediaType: 'image/png', data: PNG.toString('base64') });
    expect(decodePng(Buffer.from((result[1] as { data: string }).data, 'base64'))).toEqual({ width: 32, height: 24 });
  });

  it('the bytes name the type, not the file name: a PNG called photo.jpg is image/png; an offset does not page an image', async () => {
    const root = layout();
    expect(parts(await read({ root }, { path: 'photo.jpg' }))[1]).toMatchObject({ type: 'image', mediaType: 'image/png' });
    expect(parts(await read({ root }, { path: 'chart.png', offset: 100, maxBytes: 10 }))[1]).toEqual({ type: 'image', mediaType: 'image/png', data: PNG.toString('base64') });
  });

  it('a PDF is a file part named after the file; names with bidi overrides or newlines are made plain, __proto__ is a name', async () => {
    const root = layout();
    expect(parts(await read({ root }, { path: 'minutes.pdf' }))[1]).toEqual({ type: 'file', mediaType: 'application/pdf', data: PDF.toString('base64'), filename: 'minutes.pdf' });
    expect((parts(await read({ root }, { path: 'in\u202efdp.exe.pdf' }))[1] as { filename: string }).filename).toBe('in_fdp.exe.pdf');
    expect((parts(await read({ root }, { path: 'line\nbreak.pdf' }))[1] as { filename: string }).filename).toBe('line_break.pdf');
    expect((parts(await read({ root }, { path: '__proto__.pdf' }))[1] as { filename: string }).filename).toBe('__proto__.pdf');
  });
});

describe('read_file: other binary files and text', () => {
  it('a zip and raw binary are described (type, size, binary: true), never decoded to junk', async () => {
    const root = layout();
    expect(await read({ root }, { path: 'bundle.zip' })).toEqual({ path: 'bundle.zip', size: ZIP.length, binary: true, mediaType: 'application/zip', note: `application/zip, ${ZIP.length} bytes: binary content, not shown` });
    const blob = await read({ root }, { path: 'blob.bin' });
    expect(blob).toMatchObject({ path: 'blob.bin', size: 3_000, binary: true, mediaType: 'application/octet-stream' });
    expect(JSON.stringify(blob)).not.toContain('\uFFFD');
  });

  it('text files are unchanged, paging included; SVG is text (its markup), never an image part', async () => {
    const root = layout();
    const first = await read({ root }, { path: 'notes.txt', maxBytes: 100 }) as Record<string, unknown>;
    expect(first).toMatchObject({ path: 'notes.txt', size: 3_600, offset: 0, truncated: true, nextOffset: 100 });
    expect(first.content).toBe('line one\nline two\n'.repeat(200).slice(0, 100));
    expect(await read({ root }, { path: 'notes.txt', offset: 3_590 })).toEqual({ path: 'notes.txt', size: 3_600, offset: 3_590, truncated: false, content: 'line one\nline two\n'.repeat(200).slice(3_590) });
    expect(await read({ root }, { path: 'logo.svg' })).toEqual({ path: 'logo.svg', size: SVG.length, offset: 0, truncated: false, content: SVG });
  });

  it('media: "text" describes images and PDFs instead', async () => {
    const root = layout();
    expect(await read({ root, media: 'text' }, { path: 'chart.png' })).toMatchObject({ binary: true, mediaType: 'image/png', width: 32, height: 24, note: expect.stringContaining("media: 'text'") });
    expect(await read({ root, media: 'text' }, { path: 'minutes.pdf' })).toMatchObject({ binary: true, mediaType: 'application/pdf' });
  });
});

describe('read_file: hostile media', () => {
  it('a 1 GiB image is described as too large from its size alone, at once', async () => {
    const root = layout();
    const started = Date.now();
    expect(await read({ root }, { path: 'huge.png' })).toMatchObject({ path: 'huge.png', size: 2 ** 30, binary: true, tooLarge: true, mediaType: 'image/png', width: 32, height: 24, note: expect.stringContaining('maxMediaBytes: 5242880') });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an image over a lowered maxMediaBytes is too large; a pixel bomb is described, not sent; options are validated', async () => {
    const root = layout();
    expect(await read({ root, maxMediaBytes: 100 }, { path: 'chart.png' })).toMatchObject({ binary: true, tooLarge: true, size: PNG.length });
    expect(await read({ root }, { path: 'bomb.png' })).toMatchObject({ binary: true, mediaType: 'image/png', width: 60_000, height: 60_000, note: expect.stringContaining('8000 px') });
    for (const bad of [{ maxMediaBytes: 0 }, { maxMediaBytes: 2 ** 40 }, { media: 'images' }]) {
      let field = 'none';
      try {
        createFsTools({ root, ...(bad as object) });
      } catch (error) {
        field = AgentrtError.isInstance(error) ? (error as { field?: string }).field ?? error.code : String(error);
      }
      expect(field).toBe(Object.keys(bad)[0]);
    }
  });
});

describe('read_file media in runs', () => {
  let loopback: LoopbackServer | undefined;
  afterEach(async () => {
    await loopback?.close();
    loopback = undefined;
  });

  it('a scripted model gets the image part; a text-only model stops with unsupported_content naming the media: "text" fix', async () => {
    const root = layout();
    const model = new ScriptedModel([ScriptedModel.call('read_file', { path: 'chart.png' }), ScriptedModel.answer('a chart')]);
    expect(await createRuntime({ model, tools: createFsTools({ root }) }).run('read it')).toMatchObject({ stopReason: 'final_answer' });
    expect(((model.requests[1]!.messages.at(-1) as ToolMessage).content as ContentPart[])[1]).toMatchObject({ type: 'image', mediaType: 'image/png' });
    const textOnly = new ScriptedModel([ScriptedModel.call('read_file', { path: 'minutes.pdf' }), ScriptedModel.answer('never')], { capabilities: TEXT_ONLY });
    const refused = await createRuntime({ model: textOnly, tools: createFsTools({ root }) }).run('read it');
    expect(refused).toMatchObject({ stopReason: 'error', error: { code: 'unsupported_content' } });
    expect(refused.error!.message).toContain('media: "text"');
    expect(textOnly.requests).toHaveLength(1);
  });

  it('Anthropic (strict loopback): the image and the PDF are accepted inside tool_result blocks', async () => {
    const root = layout();
    loopback = await startAnthropicServer([
      { reply: { toolCalls: [{ id: 'toolu_png', name: 'read_file', args: { path: 'photo.jpg' } }, { id: 'toolu_pdf', name: 'read_file', args: { path: 'in\u202efdp.exe.pdf' } }] } },
      { reply: { text: 'read both' } },
    ]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', baseURL: loopback.url, retry: { maxAttempts: 1 } });
    const result = await createRuntime({ model, tools: createFsTools({ root }) }).run('read both');
    expect(result, JSON.stringify([result.error, loopback.requests.map((request) => request.rejected)])).toMatchObject({ stopReason: 'final_answer', output: 'read both' });
    const turn = (loopback.requests[1]!.body as { messages: { content: unknown }[] }).messages.at(-1)!.content as { type: string; content: Record<string, unknown>[] }[];
    expect(turn[0]!.content[1]).toMatchObject({ type: 'image', source: { type: 'base64', media_type: 'image/png' } });
    expect(turn[1]!.content[1]).toMatchObject({ type: 'document', source: { type: 'base64', media_type: 'application/pdf' }, title: 'in_fdp.exe.pdf' });
  });
});
