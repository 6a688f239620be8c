import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { gzipSync } from 'node:zlib';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { createHttpTools, type HttpToolOptions } from '@agentrt/tools-http';
import { describeToolPack, SSRF_URLS } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const listen = (server: Server, host: string, port = 0) => new Promise<number>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, () => resolve((server.address() as { port: number }).port));
});

let canaryHits = 0;
let legitHits = 0;
let port = 0;
const canary = createServer((_req, res) => {
  canaryHits++;
  res.end('CANARY-SECRET');
});
const legit = createServer((req, res) => {
  legitHits++;
  const path = req.url ?? '/';
  if (path === '/ok') return res.end('fine');
  if (path === '/echo-headers') return res.end(JSON.stringify(req.headers));
  if (path === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
  if (path === '/to-canary') return res.writeHead(302, { location: `http://127.0.0.1:${port}/` }).end();
  if (path === '/to-localhost') return res.writeHead(301, { location: `http://localhost:${port}/` }).end();
  if (path === '/to-mapped') return res.writeHead(307, { location: `http://[::ffff:127.0.0.1]:${port}/` }).end();
  if (path === '/to-cross') return res.writeHead(302, { location: `http://other.allowed.test:${port}/echo-headers` }).end();
  if (path === '/to-ok') return res.writeHead(302, { location: '/ok' }).end();
  if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
  if (path === '/big') return res.end('x'.repeat(5 * 2 ** 20));
  if (path === '/gzip-bomb') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(50 * 2 ** 20)));
  if (path === '/slow') {
    const timer = setInterval(() => res.write('.'), 100);
    res.on('close', () => clearInterval(timer));
    return;
  }
  res.writeHead(404).end();
});

/** Test DNS: names map to the addresses they stand for; nothing leaves the machine. */
let rebindCalls = 0;
const resolver = async (hostname: string) => {
  const name = hostname.toLowerCase();
  const embedded = /^(?:.*?\.)?(\d+\.\d+\.\d+\.\d+)\.nip\.io$/.exec(name)?.[1];
  if (embedded) return [{ address: embedded, family: 4 }];
  if (name === 'localtest.me' || name === 'spoofed.test') return [{ address: '127.0.0.1', family: 4 }];
  if (name === 'mixed.test') return [{ address: '203.0.113.10', family: 4 }, { address: '127.0.0.1', family: 4 }];
  if (name === 'api.allowed.test' || name === 'other.allowed.test') return [{ address: '127.0.0.2', family: 4 }];
  if (name === 'rebind.test') return [{ address: rebindCalls++ === 0 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
  return [{ address: '10.9.9.9', family: 4 }];
};
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const get = (options: Partial<HttpToolOptions> = {}): Tool => createHttpTools({ allowHosts: ['*'], allowHttp: true, resolver, timeoutMs: 2_000, ...options }).find((t) => t.name === 'http_get')!;
const call = async (tool: Tool, args: unknown): Promise<{ code?: string; output?: Record<string, unknown> }> => {
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid' };
  try {
    return { output: (await tool.execute(parsed.data, ctx())) as Record<string, unknown> };
  } catch (error) {
    return { code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}` };
  }
};
const trusted = () => get({ allowHosts: ['api.allowed.test', 'other.allowed.test', 'rebind.test'], allowPrivateAddresses: ['127.0.0.2/32'] });

beforeAll(async () => {
  for (let attempt = 0; attempt < 20; attempt++) {
    port = await listen(legit, '127.0.0.2');
    try {
      await listen(canary, '127.0.0.1', port);
      return;
    } catch {
      await new Promise<void>((resolve) => legit.close(() => resolve()));
    }
  }
  throw new Error('could not bind the canary and the legit server on one port');
});
afterAll(() => Promise.all([canary, legit].map((s) => new Promise((resolve) => s.close(resolve)))));

describeToolPack({
  name: '@agentrt/tools-http',
  tools: () => createHttpTools({ allowHosts: ['api.allowed.test'], allowHttp: true, allowPost: true, resolver, allowPrivateAddresses: ['127.0.0.2/32'] }),
  samples: {
    http_get: { get valid() { return { url: `http://api.allowed.test:${port}/ok` }; }, invalid: [{}, { url: 7 }, { url: '' }, { url: 'http://x/', headers: { Authorization: 'Bearer x' } }], failing: { url: 'http://169.254.169.254/' } },
    http_post: { get valid() { return { url: `http://api.allowed.test:${port}/ok`, body: '{}' }; }, invalid: [{ url: 'http://x/' }, { body: 'x' }, { url: 'http://x/', body: 'x', headers: { Cookie: 'a=b' } }], failing: { url: 'file:///etc/passwd', body: 'x' } },
  },
});

describe('@agentrt/tools-http SSRF defences', () => {
  it('requires an allowlist (no allow-everything default)', () => {
    expect(() => createHttpTools({} as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'allowHosts' }));
  });

  it(`blocks ${SSRF_URLS.length} SSRF payloads even with every host allowed: zero canary hits`, async () => {
    expect(SSRF_URLS.length).toBeGreaterThanOrEqual(50);
    canaryHits = 0;
    const tool = get();
    for (const template of SSRF_URLS) {
      const url = template.replaceAll('{port}', String(port));
      const result = await call(tool, { url });
      expect(result.code, `${url} → ${JSON.stringify(result.output)?.slice(0, 80)}`).toBe('url_blocked');
    }
    expect(canaryHits).toBe(0);
  });

  it('blocks hosts off the allowlist before any DNS lookup', async () => {
    const tool = get({ allowHosts: ['api.allowed.test'] });
    for (const url of ['http://evil.example/', 'http://api.allowed.test.evil.example/', 'http://allowed.test/', 'https://API.ALLOWED.TEST.evil/']) {
      expect((await call(tool, { url })).code, url).toBe('url_blocked');
    }
  });

  it('fetches an allowed host, pinned to the checked address', async () => {
    const result = await call(trusted(), { url: `http://api.allowed.test:${port}/ok` });
    expect(result.output).toMatchObject({ status: 200, body: 'fine', truncated: false, redirects: 0 });
  });

  it('re-validates every redirect hop: metadata, loopback, localhost, mapped IPv6 all blocked; loops capped', async () => {
    canaryHits = 0;
    const tool = trusted();
    for (const path of ['/to-metadata', '/to-canary', '/to-localhost', '/to-mapped']) {
      expect((await call(tool, { url: `http://api.allowed.test:${port}${path}` })).code, path).toBe('url_blocked');
    }
    expect((await call(tool, { url: `http://api.allowed.test:${port}/loop` })).code).toBe('url_blocked');
    expect((await call(tool, { url: `http://api.allowed.test:${port}/to-ok` })).output).toMatchObject({ body: 'fine', redirects: 1 });
    expect(canaryHits).toBe(0);
  });

  it('does not carry caller headers across origins on a redirect', async () => {
    const result = await call(trusted(), { url: `http://api.allowed.test:${port}/to-cross`, headers: { 'X-Trace': 'abc' } });
    const headers = JSON.parse(String(result.output?.body)) as Record<string, string>;
    expect(headers['x-trace']).toBeUndefined();
    expect(headers.host).toBe(`other.allowed.test:${port}`);
  });

  it('pins the connection to the address it checked: DNS rebinding reaches nothing (B-35)', async () => {
    canaryHits = 0;
    rebindCalls = 0;
    const result = await call(trusted(), { url: `http://rebind.test:${port}/ok` });
    expect(result.output).toMatchObject({ body: 'fine' });
    expect(canaryHits).toBe(0);
  });

  it('caps response size, compression bombs and slow bodies (B-36)', async () => {
    // The caps are checked with a generous timeout (the test server itself gzips 50 MiB per request,
    // which a busy machine can make slower than 500 ms); the 500 ms timeout is checked on /slow.
    const tool = get({ allowHosts: ['api.allowed.test'], allowPrivateAddresses: ['127.0.0.2/32'], maxResponseBytes: 100_000, timeoutMs: 20_000 });
    const rss = process.memoryUsage().rss;
    const big = await call(tool, { url: `http://api.allowed.test:${port}/big` });
    expect(big.output).toMatchObject({ truncated: true });
    expect(String(big.output?.body).length).toBe(100_000);
    const bomb = await call(tool, { url: `http://api.allowed.test:${port}/gzip-bomb` });
    expect(bomb.output).toMatchObject({ truncated: true });
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
    const started = Date.now();
    const slow = get({ allowHosts: ['api.allowed.test'], allowPrivateAddresses: ['127.0.0.2/32'], maxResponseBytes: 100_000, timeoutMs: 500 });
    expect((await call(slow, { url: `http://api.allowed.test:${port}/slow` })).code).toBe('http_timeout');
    // The body never ends: only the 500 ms timeout can stop the call (the bound is loose so a busy machine cannot fail it).
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses plain http unless allowed, and credentials in URLs', async () => {
    expect((await call(get({ allowHttp: false }), { url: `http://api.allowed.test:${port}/ok` })).code).toBe('url_blocked');
    expect((await call(trusted(), { url: `http://user:secret@api.allowed.test:${port}/ok` })).code).toBe('url_blocked');
    expect(isIP('127.0.0.2')).toBe(4);
  });
});
