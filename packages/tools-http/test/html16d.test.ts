import { createServer, type ServerResponse } from 'node:http';
import type { ContentPart, Tool, ToolContext } from '@agentrt/core';
import { buildPdf } from '@agentrt/testing';
import { createHttpTools, htmlToText, type HttpToolOptions } from '@agentrt/tools-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// tools16d: html: 'text' turns an HTML page into readable text (opt-in; raw markup stays the
// default), linear on hostile markup; a body that only starts with %PDF- is a binary note, not a
// file part.

const PDF = buildPdf('Quarterly revenue');
const PAGE = `<!doctype html><html><head><title>Q3 &amp; more</title><style>body{color:red}</style><script>var secret = "x";</script></head>
<body><nav><a href="/home">Home</a></nav><h1>Results</h1><p>Revenue rose&nbsp;<b>12%</b>, see <a href="https://example.test/q3">the report</a>.</p>
<!-- a comment --><ul><li>one</li><li>two &#x2014; three</li></ul><img src="x.png" alt="chart"><noscript>enable JS</noscript><h2>Next</h2><p>Line<br>break</p></body></html>`;
const MB = 2 ** 20;
const routes: Record<string, (res: ServerResponse) => void> = {
  '/page.html': (res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE),
  '/data.json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":"<b>x</b>"}'),
  '/cut.pdf': (res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF.subarray(0, PDF.length - 50)),
  '/junk.pdf': (res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7\n<html>502 Bad Gateway</html>'),
  '/ok.pdf': (res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF),
  '/lt.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<'.repeat(10 * MB)),
  '/lta.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<a'.repeat(5 * MB)),
  '/deep.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`${'<div><span>'.repeat(500_000)}deep${'</span></div>'.repeat(500_000)}`),
  '/comment.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<p>before</p><!--${'<!--'.repeat(2 * MB)}`),
  '/script.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<p>kept</p>${'<script>'.repeat(MB)}`),
  '/title.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<head>${'<title'.repeat(MB)}`),
  '/attrs.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<a ${'href '.repeat(2 * MB)}>x</a>`),
};
const server = createServer((req, res) => (routes[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res));
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
  resolver: async () => [{ address: '127.0.0.1' }], timeoutMs: 20_000, maxResponseBytes: 32 * MB, maxResultChars: 1_000_000,
});
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const get = async (path: string, options: Partial<HttpToolOptions> = {}) => {
  const tool = createHttpTools({ ...base(), ...options }).find((t: Tool) => t.name === 'http_get')!;
  return tool.execute(tool.input.parse({ url: `http://files.example.test:${port}${path}` }), ctx()) as Promise<Record<string, unknown>>;
};

describe("http_get html: 'text' (tools16d)", () => {
  it('default is unchanged: the markup as sent', async () => {
    const result = await get('/page.html');
    expect(result.body).toBe(PAGE);
    expect(result).not.toHaveProperty('bodyFormat');
  });

  it('turns a page into readable text: script/style/noscript dropped, title and headings as # lines, links with their url, list items, entities', async () => {
    const result = await get('/page.html', { html: 'text' });
    expect(result.bodyFormat).toBe('text_from_html');
    expect(result.body).toBe([
      '# Q3 & more',
      'Home (/home)',
      '# Results',
      'Revenue rose 12%, see the report (https://example.test/q3).',
      '- one',
      '- two — three',
      '[chart]',
      '## Next',
      'Line',
      'break',
    ].join('\n'));
    expect(result.body).not.toContain('secret');
    expect(result.body).not.toContain('color:red');
  });

  it('leaves bodies that are not HTML alone', async () => {
    expect((await get('/data.json', { html: 'text' })).body).toBe('{"a":"<b>x</b>"}');
  });

  it('refuses an unknown html option', () => {
    expect(() => createHttpTools({ ...base(), html: 'markdown' as 'text' })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'html' }));
  });

  it.each([
    ['/lt.html', (body: string) => expect(body.startsWith('<<<<') && body.length > 900_000).toBe(true)],
    ['/lta.html', (body: string) => expect(body.startsWith('<a<a') && body.length > 900_000).toBe(true)],
    ['/deep.html', (body: string) => expect(body).toBe('deep')],
    ['/comment.html', (body: string) => expect(body).toBe('before')],
    ['/script.html', (body: string) => expect(body).toBe('kept')],
    // rt16f: the head is no longer skipped to `</head>` as a block (its end tag may be omitted): an unfinished tag is text, as `/lta.html`.
    ['/title.html', (body: string) => expect(body.startsWith('<title<title') && body.length > 900_000).toBe(true)],
    ['/attrs.html', (body: string) => expect(body).toBe('x')],
  ])('hostile markup %s converts in linear time', async (path, check) => {
    const started = performance.now();
    const result = await get(path, { html: 'text' });
    check(result.body as string);
    // Generous for a busy 2-core machine; a quadratic pass over megabytes takes minutes.
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('htmlToText alone: a link\'s url is its own href attribute, not one written inside another attribute\'s value', () => {
    const text = htmlToText(`<p><a title='see href="https://evil.example/"' href="/docs">docs</a> and <img alt="a chart" title='alt="fake"'></p>`);
    expect(text).toContain('docs (/docs)');
    expect(text).not.toContain('evil.example');
    expect(text).toContain('[a chart]');
  });

  it('htmlToText alone: an unclosed quote or tag never swallows the text before it', () => {
    expect(htmlToText('<p>a &lt;b&gt; &#0; &#xD800; &bogus; c</p><a href="x')).toBe('a <b> &bogus; c\n<a href="x');
    expect(htmlToText('<pre>  keep\n  spaces </pre>')).toBe('  keep\n  spaces');
  });
});

describe('http_get: only a complete PDF becomes a file part (tools16d)', () => {
  it('a PDF cut short and junk after %PDF- are binary notes; a complete one is a file part', async () => {
    for (const path of ['/cut.pdf', '/junk.pdf']) {
      const result = await get(path);
      expect(Array.isArray(result), path).toBe(false);
      expect(result, path).toMatchObject({ binary: true, mediaType: 'application/pdf' });
      expect(result.note, path).toMatch(/not a complete PDF/);
    }
    const ok = await get('/ok.pdf') as unknown as ContentPart[];
    expect(ok[1]).toMatchObject({ type: 'file', mediaType: 'application/pdf', data: PDF.toString('base64') });
  });
});
