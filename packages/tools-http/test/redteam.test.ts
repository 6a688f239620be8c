import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from 'node:zlib';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { AddressPolicy, createHttpTools, hostAllowed, safeFetch, systemResolver, type HttpToolOptions } from '@agentrt/tools-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A raw TCP server that speaks broken or hostile HTTP/1.1 on purpose: what a malicious or buggy
 * origin can send that an http.Server never would (101 without an upgrade, 1xx floods, header
 * floods, framing lies, bombs in every encoding, redirects to every blocked form).
 */
const BR_BOMB = brotliCompressSync(Buffer.alloc(128 * 2 ** 20), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });
const DEFLATE_BOMB = deflateSync(Buffer.alloc(64 * 2 ** 20));
const GZIP_TWICE = gzipSync(gzipSync(Buffer.alloc(64 * 2 ** 20)));
const EMPTY_GZIP_MEMBER = gzipSync(Buffer.alloc(0));

const head = (status: string, headers: Record<string, string | number>) => `HTTP/1.1 ${status}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
const redirect = (location: string) => head('302 Found', { location, 'content-length': 0 });

let port = 0;
const sockets = new Set<Socket>();
const closed: string[] = [];
let canaryHits = 0;

type Route = (socket: Socket, every: (ms: number, write: () => void) => void) => void;
const ROUTES: Readonly<Record<string, Route>> = {
  '/ok': (s) => s.end(head('200 OK', { 'content-length': 4 }) + 'fine'),
  '/upgrade-101': (s) => s.write(head('101 Switching Protocols', { upgrade: 'websocket', connection: 'Upgrade' })),
  '/upgrade-101-with-bytes': (s) => s.write(head('101 Switching Protocols', { upgrade: 'h2c', connection: 'Upgrade' }) + 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  '/upgrade-101-then-close': (s) => s.end(head('101 Switching Protocols', { upgrade: 'websocket', connection: 'Upgrade' })),
  '/1xx-flood': (s, every) => every(1, () => s.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n')),
  '/100-then-ok': (s) => s.end('HTTP/1.1 100 Continue\r\n\r\n' + head('200 OK', { 'content-length': 4 }) + 'fine'),
  '/header-flood': (s, every) => {
    s.write('HTTP/1.1 200 OK\r\n');
    every(1, () => s.write(`X-Flood-${Math.random().toString(36).slice(2)}: ${'a'.repeat(1_000)}\r\n`));
  },
  '/header-trickle': (s, every) => {
    s.write('HTTP/1.1 200 OK\r\n');
    every(100, () => s.write('X: y\r\n'));
  },
  '/status-line-flood': (s) => s.end(`HTTP/1.1 200 ${'O'.repeat(100_000)}\r\ncontent-length: 2\r\n\r\nok`),
  '/nul-in-header': (s) => s.end('HTTP/1.1 200 OK\r\nX-Bad: a\u0000b\r\ncontent-length: 2\r\n\r\nok'),
  '/brotli-bomb': (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-encoding': 'br', 'content-length': BR_BOMB.length })), BR_BOMB])),
  '/deflate-bomb': (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-encoding': 'deflate', 'content-length': DEFLATE_BOMB.length })), DEFLATE_BOMB])),
  '/gzip-twice': (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-encoding': 'gzip, gzip', 'content-length': GZIP_TWICE.length })), GZIP_TWICE])),
  '/empty-gzip-members-forever': (s, every) => {
    s.write(head('200 OK', { 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' }));
    every(1, () => s.write(Buffer.concat([Buffer.from(`${EMPTY_GZIP_MEMBER.length.toString(16)}\r\n`), EMPTY_GZIP_MEMBER, Buffer.from('\r\n')])));
  },
  '/content-length-lie': (s) => s.end(head('200 OK', { 'content-length': 1_000 }) + 'short'),
  '/chunk-size-overflow': (s) => s.write(head('200 OK', { 'transfer-encoding': 'chunked' }) + 'ffffffffffffffffff\r\nabc'),
  '/slow-drip': (s, every) => {
    s.write(head('200 OK', { 'transfer-encoding': 'chunked' }));
    every(50, () => s.write('1\r\na\r\n'));
  },
  '/both-lengths': (s) => s.end(head('200 OK', { 'content-length': 3, 'transfer-encoding': 'chunked' }) + '3\r\nabc\r\n0\r\n\r\n'),
  '/pipelined-responses': (s) => s.end(head('200 OK', { 'content-length': 3 }) + 'one' + head('200 OK', { 'content-length': 3 }) + 'two'),
  '/garbage': (s) => s.end('this is not http at all\r\n\r\n'),
  '/close-without-response': (s) => s.end(),
  '/to-file': (s) => s.end(redirect('file:///etc/passwd')),
  '/to-data': (s) => s.end(redirect('data:text/plain,hello')),
  '/to-ftp': (s) => s.end(redirect(`ftp://127.0.0.1:${port}/`)),
  '/to-backslashes': (s) => s.end(redirect(`\\\\127.0.0.1:${port}/x`)),
  '/to-protocol-relative': (s) => s.end(redirect(`//127.0.0.1:${port}/x`)),
  '/to-userinfo': (s) => s.end(redirect(`http://api.allowed.test@127.0.0.1:${port}/x`)),
  '/to-mapped-hex': (s) => s.end(redirect(`http://[::ffff:7f00:1]:${port}/x`)),
  '/to-compatible': (s) => s.end(redirect(`http://[::127.0.0.1]:${port}/x`)),
  '/to-unspecified': (s) => s.end(redirect(`http://0.0.0.0:${port}/x`)),
  '/to-unspecified-v6': (s) => s.end(redirect(`http://[::]:${port}/x`)),
  '/to-decimal': (s) => s.end(redirect(`http://2130706433:${port}/x`)),
  '/to-tab-in-host': (s) => s.end(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.\t1:${port}/x\r\ncontent-length: 0\r\n\r\n`),
  '/to-percent-host': (s) => s.end(redirect(`http://%31%32%37.0.0.1:${port}/x`)),
  '/to-localhost-dot': (s) => s.end(redirect(`http://localhost.:${port}/x`)),
  '/to-metadata': (s) => s.end(redirect('http://169.254.169.254/latest/meta-data/')),
  '/to-empty': (s) => s.end(redirect('')),
  '/duplicate-location': (s) => s.end(`HTTP/1.1 302 Found\r\nLocation: /ok\r\nLocation: http://127.0.0.1:${port}/\r\ncontent-length: 0\r\n\r\n`),
  '/redirect-self': (s) => s.end(redirect('/redirect-self')),
};

/** Routes that must end in a refusal (the canary on 127.0.0.1 is never reached). */
const MUST_BLOCK = Object.keys(ROUTES).filter((path) => path.startsWith('/to-') && path !== '/to-empty');

const server: Server = createNetServer((socket) => {
  sockets.add(socket);
  socket.on('error', () => undefined);
  const timers: NodeJS.Timeout[] = [];
  let path = '';
  socket.on('close', () => {
    for (const timer of timers) clearInterval(timer);
    sockets.delete(socket);
    closed.push(path);
  });
  const every = (ms: number, write: () => void) => timers.push(setInterval(() => (socket.destroyed ? undefined : write()), ms));
  let buffer = '';
  socket.on('data', (data) => {
    buffer += data.toString('latin1');
    if (!buffer.includes('\r\n\r\n') || path) return;
    path = buffer.split(' ')[1] ?? '/';
    (ROUTES[path] ?? ((s: Socket) => s.end(head('404 Not Found', { 'content-length': 0 }))))(socket, every);
  });
});
const canary = createNetServer((socket) => {
  canaryHits++;
  socket.destroy();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve, reject) => canary.once('error', reject).listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([server, canary].map((s) => new Promise((resolve) => s.close(resolve))));
});

const TIMEOUT = 1_500;
const resolver = async (hostname: string) => (hostname.toLowerCase().replace(/\.$/, '').endsWith('allowed.test') ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const get = (options: Partial<HttpToolOptions> = {}): Tool => createHttpTools({ allowHosts: ['*'], allowHttp: true, resolver, timeoutMs: TIMEOUT, maxResponseBytes: 100_000, allowPrivateAddresses: ['127.0.0.2/32'], allowPorts: [80, 443, port], ...options }).find((t) => t.name === 'http_get')!;

/** Calls the tool with a hard deadline: a hang is a result ('did_not_settle'), not a stuck test. */
async function call(tool: Tool, args: unknown, deadlineMs = TIMEOUT + 3_000): Promise<{ code?: string; output?: string; ms: number }> {
  const started = performance.now();
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid', ms: 0 };
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<{ code: string; ms: number }>((resolve) => (timer = setTimeout(() => resolve({ code: 'did_not_settle', ms: deadlineMs }), deadlineMs)));
  const run = tool.execute(parsed.data, ctx()).then(
    (value) => ({ output: JSON.stringify(value), ms: performance.now() - started }),
    (error: unknown) => ({ code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`, ms: performance.now() - started }),
  );
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function withoutProcessErrors(body: () => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  expect(errors.map(String)).toEqual([]);
}

const waitFor = async (condition: () => boolean, what: string, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('red team: hostile HTTP/1.1 from an allowed origin', () => {
  it.each(Object.keys(ROUTES))('%s settles within the timeout with a value or a typed error, and the connection is closed', async (path) => {
    await withoutProcessErrors(async () => {
      const before = closed.filter((p) => p === path).length;
      const result = await call(get(), { url: `http://api.allowed.test:${port}${path}` });
      expect(result.code ?? 'value', `${path}: ${result.output?.slice(0, 80)}`).toMatch(/^(value|[a-z]+(_[a-z]+)+)$/);
      expect(result.ms, path).toBeLessThan(TIMEOUT + 2_000);
      if (result.output) expect(result.output.length, path).toBeLessThan(1_000_000);
      await waitFor(() => closed.filter((p) => p === path).length > before, `${path}: the client closes the connection`);
    });
  });

  it(`refuses every redirect to a blocked form (${MUST_BLOCK.length} routes): the canary is never reached`, async () => {
    for (const path of MUST_BLOCK) expect((await call(get(), { url: `http://api.allowed.test:${port}${path}` })).code, path).toBe('url_blocked');
    expect(canaryHits).toBe(0);
  });

  it('a 101 answer to a plain GET is http_response_invalid, also through safeFetch directly', async () => {
    expect((await call(get(), { url: `http://api.allowed.test:${port}/upgrade-101` })).code).toBe('http_response_invalid');
    const settings = { policy: new AddressPolicy(['127.0.0.2/32']), allowHosts: ['*'], allowHttp: true, resolver, timeoutMs: TIMEOUT, maxResponseBytes: 1_000, maxRedirects: 5, userAgent: 'test', allowPorts: [port] };
    const outcome = await Promise.race([
      safeFetch({ url: `http://api.allowed.test:${port}/upgrade-101-with-bytes`, method: 'GET', signal: new AbortController().signal }, settings).then(() => 'value', (error: unknown) => (AgentrtError.isInstance(error) ? error.code : String(error))),
      new Promise((resolve) => setTimeout(() => resolve('did_not_settle'), TIMEOUT + 3_000)),
    ]);
    expect(outcome).toBe('http_response_invalid');
  });

  it('bombs in every encoding stop at the size cap without holding their expansion in memory', async () => {
    for (const path of ['/brotli-bomb', '/deflate-bomb']) {
      const before = process.memoryUsage().rss;
      const result = await call(get(), { url: `http://api.allowed.test:${port}${path}` });
      expect(result.code, path).toBeUndefined();
      expect(JSON.parse(result.output!)).toMatchObject({ truncated: true });
      expect(process.memoryUsage().rss - before, path).toBeLessThan(128 * 2 ** 20);
    }
  });
});

describe('red team: allowlist entries are read the way URLs are', () => {
  it('matches entries written in upper case, with a trailing dot, surrounding space or Unicode (IDNA) like the URL host', async () => {
    expect(hostAllowed('api.allowed.test', ['API.Allowed.Test.'])).toBe(true);
    expect(hostAllowed('api.allowed.test', [' api.allowed.test '])).toBe(true);
    expect(hostAllowed('xn--bcher-kva.example', ['bücher.example'])).toBe(true);
    expect(hostAllowed('shop.xn--bcher-kva.example', ['*.bücher.example'])).toBe(true);
    expect(hostAllowed('api.allowed.test', ['*.ALLOWED.test'])).toBe(true);
    // Look-alikes never match: the URL parser turns a Cyrillic "а" into punycode, the entry stays Latin.
    expect(hostAllowed(new URL('https://аpple.com/').hostname, ['apple.com'])).toBe(false);
    for (const allowHosts of [['API.Allowed.Test.'], ['*.ALLOWED.TEST']]) {
      const result = await call(get({ allowHosts }), { url: `http://api.allowed.test:${port}/ok` });
      expect(result.output, allowHosts[0]).toContain('fine');
    }
  });

  it('refuses entries that are not host names (URLs, paths, ports, spaces inside, empty labels) with config_invalid', () => {
    for (const entry of ['https://api.example.com', 'api.example.com/path', 'api.example.com:443', 'api example.com', 'api..example.com', '*.', '**.example.com', 'a*.example.com', '']) {
      expect(() => createHttpTools({ allowHosts: [entry], resolver: systemResolver }), JSON.stringify(entry)).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    }
  });
});
