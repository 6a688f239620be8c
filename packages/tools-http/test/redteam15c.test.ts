import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { AgentrtError, createRuntime, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { createHttpTools, type HttpToolOptions } from '@agentrt/tools-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Red team 15c: the HTTP pack used as an outsider would. An earlier release refused every public
// IPv4 address while its tests only proved refusals, so the positive path is proven end to end
// against REAL public addresses: a child process in its own network namespace (unshare -rn) puts
// 93.184.216.34 and 2606:4700:4700::1111 on its loopback device and serves HTTPS/HTTP there, on
// the default ports, with the pack's DEFAULT options (no allowPrivateAddresses, no allowPorts);
// nothing leaves the namespace. The child imports the BUILT package (dist): run `pnpm build` first.

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, '__fixtures__', 'redteam15c-public-child.mjs');
const namespaces = spawnSync('unshare', ['-rnm', 'true']).status === 0 && spawnSync('openssl', ['version']).status === 0;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface ChildReport {
  status: string;
  stopReason: string;
  results: Record<string, { isError: boolean; content: string }>;
  hits: { public: number; canary: number };
  requests: { method: string; host: string; path: string; key: string | null; body: string }[];
}

/** Runs the child in a fresh user + network + mount namespace; its stdout is one JSON report. */
async function inNamespace(scenario: 'full' | 'system'): Promise<ChildReport> {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-http-rt15c-'));
  dirs.push(dir);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=www.example.com',
    '-addext', 'subjectAltName=DNS:www.example.com,DNS:v6.example.com,DNS:dual.example.com,IP:93.184.216.34,IP:2606:4700:4700::1111'], { stdio: 'ignore' });
  writeFileSync(join(dir, 'hosts'), '93.184.216.34 www.example.com\n');
  const setup = [
    `mount --bind ${dir}/hosts /etc/hosts`, 'ip link set lo up',
    'ip addr add 93.184.216.34/32 dev lo', 'ip addr add 2606:4700:4700::1111/128 dev lo',
    // The metadata and a private address are local too: a redirect that got through would really connect (to a canary).
    'ip addr add 169.254.169.254/32 dev lo', 'ip addr add 10.0.0.1/32 dev lo',
    `exec "${process.execPath}" "${child}" "${dir}" ${scenario}`,
  ].join(' && ');
  const proc = spawn('unshare', ['-rnm', 'sh', '-c', setup], { cwd: join(here, '..'), env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as ChildReport;
}

// Never skipped in CI (CI=true): there a missing unshare or openssl fails the tests instead.
describe.skipIf(!namespaces && process.env.CI !== 'true')('tools-http against real public addresses, default options (red team 15c; needs unshare -rn)', () => {
  let report: ChildReport;
  beforeAll(async () => {
    report = await inNamespace('full');
  }, 60_000);
  const body = (name: string) => {
    const result = report.results[name]!;
    expect(result.isError, `${name}: ${result.content}`).toBe(false);
    return JSON.parse(result.content) as { url: string; status: number; contentType?: string; charset?: string; body: string; truncated: boolean; redirects: number };
  };

  it('fetches HTTPS and HTTP from a name resolving to a public IPv4 address, a public IPv4 literal, a public IPv6 name and literal, an upper-case URL with port and fragment, and a dual-stack name', () => {
    expect(report).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(JSON.parse(body('json').body)).toEqual({ ok: true, host: 'www.example.com', where: '93.184.216.34' });
    expect(JSON.parse(body('plainHttp').body)).toEqual({ ok: true, host: 'www.example.com', where: '93.184.216.34' });
    expect(JSON.parse(body('literal').body)).toEqual({ ok: true, host: '93.184.216.34', where: '93.184.216.34' });
    expect(JSON.parse(body('v6').body)).toEqual({ ok: true, host: 'v6.example.com', where: '2606:4700:4700::1111' });
    expect(JSON.parse(body('v6Literal').body)).toEqual({ ok: true, host: '[2606:4700:4700::1111]', where: '2606:4700:4700::1111' });
    expect(body('upperCase')).toMatchObject({ url: 'https://www.example.com/json#frag', status: 200 });
    // dual.example.com: its IPv6 address has no server; the IPv4 one answers.
    expect(JSON.parse(body('dual').body)).toMatchObject({ ok: true, where: '93.184.216.34' });
  });

  it('returns HTML as its text, follows same-origin, cross-origin (IPv6) and literal redirects, decodes gzip, br, Shift_JIS and a latin-1 meta charset, and POSTs', () => {
    expect(body('html')).toMatchObject({ status: 200, charset: 'utf-8', body: '<!doctype html><title>T</title><h1>Grüße 👋</h1><p>a &amp; b</p>' });
    expect(body('redirect')).toMatchObject({ url: 'https://www.example.com/json', redirects: 1, status: 200 });
    expect(body('redirectV6')).toMatchObject({ url: 'https://v6.example.com/json', redirects: 1, status: 200 });
    expect(body('redirectLiteral')).toMatchObject({ url: 'https://93.184.216.34/json', redirects: 1, status: 200 });
    expect(body('gzip').body).toBe('zipped ✓'.repeat(100));
    expect(body('br').body).toBe('brotli ✓'.repeat(100));
    expect(body('sjis')).toMatchObject({ charset: 'shift_jis', body: '日本語' });
    expect(body('latin1')).toMatchObject({ charset: 'windows-1252', body: '<meta charset="iso-8859-1"><p>café €</p>' });
    expect(body('post')).toMatchObject({ status: 201, body: JSON.stringify({ method: 'POST', body: '{"a":1}' }) });
    const post = report.requests.find((request) => request.path === '/post')!;
    expect(post).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(post.key).toBeTruthy(); // the run's idempotency key reaches the origin
  });

  it('a PDF comes back as a file part and a PNG as an image part (media15f: no more lossy text)', () => {
    const parts = (name: string) => {
      const result = report.results[name]!;
      expect(result.isError, `${name}: ${result.content}`).toBe(false);
      return JSON.parse(result.content) as { type: string; text?: string; mediaType?: string; data?: string; filename?: string }[];
    };
    const [pdfFacts, pdf] = parts('pdf');
    expect(JSON.parse(pdfFacts!.text!)).toMatchObject({ status: 200, contentType: 'application/pdf', mediaType: 'application/pdf', filename: 'pdf' });
    expect(pdf).toMatchObject({ type: 'file', mediaType: 'application/pdf', filename: 'pdf' });
    expect(Buffer.from(pdf!.data!, 'base64').subarray(0, 9).toString('latin1')).toBe('%PDF-1.4\n');
    const [pngFacts, png] = parts('png');
    expect(JSON.parse(pngFacts!.text!)).toMatchObject({ contentType: 'image/png', mediaType: 'image/png', width: 1, height: 1 });
    expect(png).toMatchObject({ type: 'image', mediaType: 'image/png' });
  });

  it('redirects from the public origin to loopback, metadata, [::1], mapped, decimal, octal and 0.0.0.0 forms and a rebinding name are refused with url_blocked; no canary is hit; the run continues', () => {
    for (const name of ['toLoopback', 'toMetadata', 'toV6Loopback', 'toMapped', 'toDecimal', 'toOctal', 'toZero', 'toPrivate']) {
      for (const suffix of ['', 'Any']) {
        const result = report.results[`${name}${suffix}`]!;
        expect(result.isError, `${name}${suffix}: ${result.content}`).toBe(true);
        expect(result.content, `${name}${suffix}`).toMatch(/^url_blocked/);
      }
    }
    // The rebinding name resolves public first: the connection is pinned there (the public server answers), never to loopback.
    expect(body('toRebindAny')).toMatchObject({ status: 404, body: 'nope', redirects: 1 });
    expect(report.results.notAllowed!.content).toMatch(/^url_blocked/);
    expect(report.hits.canary).toBe(0);
  });

  it('the system resolver (/etc/hosts) path reaches a public address with no resolver option at all', async () => {
    const system = await inNamespace('system');
    expect(system.results.system!.isError, system.results.system!.content).toBe(false);
    expect(JSON.parse(JSON.parse(system.results.system!.content).body)).toEqual({ ok: true, host: 'www.example.com', where: '93.184.216.34' });
    // The trailing-dot form of the name: resolved through /etc/hosts too; TLS checks the certificate against the name.
    expect(system.results.trailingDot!.isError, system.results.trailingDot!.content).toBe(false);
    expect(JSON.parse(JSON.parse(system.results.trailingDot!.content).body)).toMatchObject({ ok: true, where: '93.184.216.34' });
  }, 60_000);
});

// Loopback tests: the test allows its own server explicitly (allowPrivateAddresses + allowPorts).

let port = 0;
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('fine'),
  // CVE-2022-32206 (curl): an unbounded chain of content codings costs a decoder (memory, CPU) per entry.
  '/codings-chain': (_req, res) => res.writeHead(200, { 'content-encoding': Array(3_000).fill('gzip').join(',') }).end(gzipSync('x')),
  '/codings-chain-br': (_req, res) => res.writeHead(200, { 'content-encoding': Array(3_000).fill('br').join(',') }).end(Buffer.alloc(16)),
  '/codings-legit': (_req, res) => {
    let data: Buffer = Buffer.from('five layers');
    for (let i = 0; i < 5; i++) data = gzipSync(data);
    res.writeHead(200, { 'content-encoding': 'gzip, gzip, gzip, gzip, gzip' }).end(data);
  },
  '/corrupt-br': (_req, res) => res.writeHead(200, { 'content-encoding': 'br' }).end(Buffer.from('this is not a brotli stream at all')),
  '/corrupt-gzip': (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('this is not a gzip stream at all')),
  '/truncated-br': (_req, res) => res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync('hello world, hello brotli'.repeat(20)).subarray(0, 12)),
  '/never': () => undefined,
  '/endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const write = () => {
      while (res.write('y'.repeat(16_384)));
    };
    res.on('drain', write);
    write();
  },
};
const server: Server = createServer((req, res) => (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res));
beforeAll(async () => {
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const tools = (options: Partial<HttpToolOptions> = {}): Tool[] => createHttpTools({
  allowHosts: ['local.test'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1/32'],
  resolver: async () => [{ address: '127.0.0.1' }], timeoutMs: 3_000, ...options,
});
async function get(path: string, options: Partial<HttpToolOptions> = {}): Promise<{ code?: string; message?: string; output?: Record<string, unknown>; ms: number }> {
  const tool = tools(options).find((t) => t.name === 'http_get')!;
  const started = performance.now();
  try {
    return { output: (await tool.execute(tool.input.parse({ url: `http://local.test:${port}${path}` }), ctx())) as Record<string, unknown>, ms: performance.now() - started };
  } catch (error) {
    return { code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`, message: (error as Error).message, ms: performance.now() - started };
  }
}

// A raw TCP server for answers an http.Server never sends: not HTTP at all, a 20 KB header, a broken chunk size.
const raw = createTcpServer((socket: Socket) => {
  socket.on('error', () => undefined);
  socket.once('data', (request: Buffer) => {
    const path = /^GET (\S+)/.exec(request.toString('latin1'))?.[1];
    if (path === '/garbage') socket.end('this is not http at all\r\n\r\n');
    else if (path === '/huge-header') socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\ncontent-length: 2\r\n\r\nok`);
    else if (path === '/utf8-location') socket.end(Buffer.concat([Buffer.from('HTTP/1.1 302 Found\r\nLocation: /caf'), Buffer.from('é/日本?q=ü', 'utf8'), Buffer.from('\r\ncontent-length: 0\r\n\r\n')]));
    else if (path === '/latin1-location') socket.end(Buffer.concat([Buffer.from('HTTP/1.1 302 Found\r\nLocation: /caf'), Buffer.from([0xe9]), Buffer.from('\r\ncontent-length: 0\r\n\r\n')]));
    else if (path?.startsWith('/caf')) socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(path)}\r\n\r\n${path}`);
    else if (path === '/bad-chunk') socket.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n');
    else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });
});
let rawPort = 0;
beforeAll(async () => {
  rawPort = await new Promise<number>((resolve) => raw.listen(0, '127.0.0.1', () => resolve((raw.address() as { port: number }).port)));
});
afterAll(() => raw.close());

describe('tools-http response abuse on an explicitly allowed loopback server (red team 15c)', () => {
  it('an answer that is not valid HTTP (garbage, a 20 KB header, a broken chunk size) is http_response_invalid: the host was reached', async () => {
    const tool = tools({ allowPorts: [rawPort] }).find((t) => t.name === 'http_get')!;
    const outcome = async (path: string) => {
      try {
        return await tool.execute({ url: `http://local.test:${rawPort}${path}` }, ctx());
      } catch (error) {
        return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
      }
    };
    expect(await outcome('/ok')).toMatchObject({ body: 'ok' });
    for (const path of ['/garbage', '/huge-header', '/bad-chunk']) expect(await outcome(path), path).toBe('http_response_invalid');
  });

  it('a redirect whose Location holds raw UTF-8 bytes is followed to the URL a browser would request, not to its latin-1 mojibake', async () => {
    const tool = tools({ allowPorts: [rawPort] }).find((t) => t.name === 'http_get')!;
    const utf8 = (await tool.execute({ url: `http://local.test:${rawPort}/utf8-location` }, ctx())) as { body: string; url: string };
    const expected = new URL('/café/日本?q=ü', 'http://x/');
    expect(utf8.body).toBe(`${expected.pathname}${expected.search}`); // /caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC
    expect(utf8.url).toBe(`http://local.test:${rawPort}${expected.pathname}${expected.search}`);
    // Bytes that are not UTF-8 are sent as the bytes the server named (as curl does), percent-encoded.
    expect(((await tool.execute({ url: `http://local.test:${rawPort}/latin1-location` }, ctx())) as { body: string }).body).toBe('/caf%E9');
  });

  it('the allowed loopback server is fetched (positive path of allowPrivateAddresses + allowPorts)', async () => {
    expect((await get('/ok')).output).toMatchObject({ status: 200, body: 'fine', url: `http://local.test:${port}/ok` });
    // Without the explicit allowance the same server is refused.
    expect((await get('/ok', { allowPrivateAddresses: [] })).code).toBe('url_blocked');
  });

  it('a fully qualified name with its trailing dot (local.test.) is resolved as the name it is; the resolver sees no dot', async () => {
    const asked: string[] = [];
    const resolver = async (name: string) => {
      asked.push(name);
      if (name === 'local.test') return [{ address: '127.0.0.1' }];
      throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    const tool = tools({ resolver }).find((t) => t.name === 'http_get')!;
    expect(await tool.execute({ url: `http://local.test.:${port}/ok` }, ctx())).toMatchObject({ status: 200, body: 'fine' });
    expect(asked).toEqual(['local.test']);
  });

  it('a Content-Encoding chain of thousands of codings is refused at once (http_response_invalid), not decoded through thousands of decoders', async () => {
    for (const path of ['/codings-chain', '/codings-chain-br']) {
      const outcome = await get(path);
      expect(outcome.code, `${path}: ${outcome.message?.slice(0, 200)}`).toBe('http_response_invalid');
      // The message the model sees stays short (it does not echo a 15 KB header).
      expect(outcome.message!.length, path).toBeLessThan(500);
    }
    // A legitimate short stack still decodes.
    expect((await get('/codings-legit')).output).toMatchObject({ body: 'five layers' });
  });

  it('a corrupt or cut brotli body is http_response_invalid like a corrupt gzip body, not http_unreachable', async () => {
    expect((await get('/corrupt-gzip')).code).toBe('http_response_invalid');
    expect((await get('/corrupt-br')).code).toBe('http_response_invalid');
    expect((await get('/truncated-br')).code).toBe('http_response_invalid');
  });

  it('a server that never answers and an endless body each settle within the timeout with a typed result; the run continues', async () => {
    const never = await get('/never', { timeoutMs: 500 });
    expect(never.code).toBe('http_timeout');
    expect(never.ms).toBeLessThan(5_000);
    const endless = await get('/endless', { maxResponseBytes: 100_000 });
    expect(endless.output).toMatchObject({ status: 200, truncated: true });
    const model = new ScriptedModel([
      ScriptedModel.call('http_get', { url: `http://local.test:${port}/never` }),
      ScriptedModel.call('http_get', { url: `http://local.test:${port}/codings-chain` }),
      ScriptedModel.call('http_get', { url: `http://local.test:${port}/ok` }),
      ScriptedModel.answer('done'),
    ]);
    const runtime = createRuntime({ model, tools: tools({ timeoutMs: 500 }) });
    const result = await runtime.run('fetch');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', toolCalls: 3 });
    expect((model.requests[1]!.messages.at(-1) as ToolMessage)).toMatchObject({ isError: true });
    expect(String((model.requests[1]!.messages.at(-1) as ToolMessage).content)).toMatch(/^http_timeout/);
    expect((model.requests[3]!.messages.at(-1) as ToolMessage).isError).toBeFalsy();
  });
});
