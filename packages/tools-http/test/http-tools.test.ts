import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { gzipSync } from 'node:zlib';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { AddressPolicy, checkUrl, createHttpTools, normalizeAddress, type HttpToolOptions } from '@agentrt/tools-http';
import { BLOCKED_ADDRESSES, describeHttpToolPack, describeToolPack, PUBLIC_ADDRESSES, PUBLIC_URLS, SSRF_URLS } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const listen = (server: Server | import('node:https').Server, host: string, port = 0) => new Promise<number>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, () => resolve((server.address() as { port: number }).port));
});

/** Compressed once, up front: the server's own allocation must not count against the client's memory. */
const BOMB = gzipSync(Buffer.alloc(50 * 2 ** 20));
let canaryHits = 0;
let legitHits = 0;
let port = 0;
const canary = createServer((_req, res) => {
  canaryHits++;
  res.end('CANARY-SECRET');
});
const legitRequests: { host: string; method: string; path: string; body: string }[] = [];
const legit = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
});
const route = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => {
  legitHits++;
  const path = req.url ?? '/';
  legitRequests.push({ host: String(req.headers.host), method: req.method ?? '', path, body });
  if (path === '/echo') return res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
  if (path === '/post-cross-307') return res.writeHead(307, { location: `http://other.allowed.test:${port}/echo` }).end();
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
  if (path === '/gzip-bomb') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(BOMB);
  if (path === '/slow') {
    const timer = setInterval(() => res.write('.'), 100);
    res.on('close', () => clearInterval(timer));
    return;
  }
  res.writeHead(404).end();
};

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
// The loopback servers listen on an ephemeral port: allow it (and only it besides the defaults).
const get = (options: Partial<HttpToolOptions> = {}): Tool => createHttpTools({ allowHosts: ['*'], allowHttp: true, resolver, timeoutMs: 2_000, allowPorts: [80, 443, port], ...options }).find((t) => t.name === 'http_get')!;
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
  tools: () => createHttpTools({ allowHosts: ['api.allowed.test'], allowHttp: true, allowPost: true, resolver, allowPrivateAddresses: ['127.0.0.2/32'], allowPorts: [80, 443, port] }),
  samples: {
    http_get: { get valid() { return { url: `http://api.allowed.test:${port}/ok` }; }, invalid: [{}, { url: 7 }, { url: '' }, { url: 'http://x/', headers: { Authorization: 'Bearer x' } }], failing: { url: 'http://169.254.169.254/' } },
    http_post: { get valid() { return { url: `http://api.allowed.test:${port}/ok`, body: '{}' }; }, invalid: [{ url: 'http://x/' }, { body: 'x' }, { url: 'http://x/', body: 'x', headers: { Cookie: 'a=b' } }], failing: { url: 'file:///etc/passwd', body: 'x' } },
  },
});

describeHttpToolPack({
  name: '@agentrt/tools-http',
  tools: (config) => createHttpTools({ allowHosts: ['*'], allowHttp: true, allowPost: true, ...config }),
  getTool: 'http_get',
  postTool: 'http_post',
  checkUrl: (url, config) => checkUrl(url, { allowHosts: ['*'], allowHttp: true, ...config }),
});

describe('@agentrt/tools-http address policy', () => {
  it(`allows all ${PUBLIC_ADDRESSES.length} PUBLIC_ADDRESSES (IPv4 checked as IPv4, IPv6 incl. mapped/NAT64/6to4/Teredo of public IPv4) and pins the canonical form`, () => {
    const policy = new AddressPolicy();
    for (const { address, canonical } of PUBLIC_ADDRESSES) {
      expect(policy.allows(address), address).toBe(true);
      expect(policy.check(address).address, address).toBe(canonical);
      expect(policy.check(address).family, address).toBe(canonical.includes(':') ? 6 : 4);
    }
  });

  it(`refuses all ${BLOCKED_ADDRESSES.length} BLOCKED_ADDRESSES, also when another family's range is allowed`, () => {
    const policy = new AddressPolicy();
    for (const address of BLOCKED_ADDRESSES) {
      expect(policy.allows(address), address).toBe(false);
      expect(() => policy.check(address), address).toThrow(expect.objectContaining({ code: 'url_blocked' }));
    }
    // Allowing IPv6 ranges never allows an IPv4 address, and allowing all of IPv4 never allows native IPv6.
    const v6Allowed = new AddressPolicy(['::ffff:0:0/96', '::/96', '64:ff9b::/96']);
    for (const address of BLOCKED_ADDRESSES.filter((a) => !a.includes(':'))) expect(v6Allowed.allows(address), address).toBe(false);
    const v4Allowed = new AddressPolicy(['0.0.0.0/0']);
    for (const address of ['::1', '::', 'fc00::1', 'fe80::1', 'ff02::1', '2001:db8::1', '64:ff9b:1::a00:1']) expect(v4Allowed.allows(address), address).toBe(false);
  });

  it('normalizes every literal form the URL parser accepts to the address it stands for', () => {
    for (const { url, address } of PUBLIC_URLS) {
      const host = new URL(url).hostname;
      expect(normalizeAddress(host)?.address, url).toBe(address);
    }
    expect(normalizeAddress('2130706433')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(normalizeAddress('fe80::1%eth0')).toEqual({ address: 'fe80::1', family: 6 });
    for (const junk of ['', 'localhost', 'example.com', '1.2.3.4.5', '::g', '127.0.0.1:80', 2130706433, null, undefined, {}]) expect(normalizeAddress(junk), String(junk)).toBeUndefined();
  });

  it('allows private ranges only as configured, per family, and for the IPv4 address a mapped IPv6 stands for', () => {
    const policy = new AddressPolicy(['10.0.0.0/8', 'fd00::/8', '127.0.0.2']);
    expect(policy.allows('10.1.2.3')).toBe(true);
    expect(policy.allows('::ffff:10.1.2.3')).toBe(true);
    expect(policy.allows('fd00::1')).toBe(true);
    expect(policy.allows('127.0.0.2')).toBe(true);
    expect(policy.allows('127.0.0.1')).toBe(false);
    expect(policy.allows('fc00::1')).toBe(false);
    expect(policy.allows('192.168.0.1')).toBe(false);
    expect(new AddressPolicy(['0.0.0.0/8']).allows('::1')).toBe(false);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/abc', 'fd00::/129', 'example.com', '10.0.0.0/8/8', '']) {
      expect(() => new AddressPolicy([bad]), bad).toThrow(expect.objectContaining({ code: 'config_invalid' }));
      expect(() => createHttpTools({ allowHosts: ['*'], allowPrivateAddresses: [bad] }), bad).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    }
  });
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
    const tool = get({ allowHosts: ['api.allowed.test', 'other.allowed.test'], allowPrivateAddresses: ['127.0.0.2/32'], allowRequestHeaders: ['x-trace', 'accept'] });
    const result = await call(tool, { url: `http://api.allowed.test:${port}/to-cross`, headers: { 'X-Trace': 'abc' } });
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
    // The caps are checked with a generous timeout (a busy machine can make moving 5 MiB slower than
    // 500 ms); the 500 ms timeout itself is checked on /slow.
    const tool = get({ allowHosts: ['api.allowed.test'], allowPrivateAddresses: ['127.0.0.2/32'], maxResponseBytes: 100_000, maxResultChars: 1_000_000, timeoutMs: 20_000 }); // the byte cap alone
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

describe('@agentrt/tools-http request headers, POST and TLS naming', () => {
  const pack = (options: Partial<HttpToolOptions> = {}) => createHttpTools({ allowHosts: ['api.allowed.test', 'other.allowed.test'], allowHttp: true, allowPost: true, resolver, allowPrivateAddresses: ['127.0.0.2/32'], timeoutMs: 2_000, allowPorts: [port], ...options });
  const named = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;

  it('refuses headers off the allowlist in the schema (tool_args_invalid) and in execute (header_blocked)', async () => {
    const tool = named(pack(), 'http_get');
    for (const name of ['X-HTTP-Method-Override', 'X-Original-URL', 'X-Auth-Token', 'Private-Token', 'Authorization']) {
      expect((await call(tool, { url: `http://api.allowed.test:${port}/echo`, headers: { [name]: 'x' } })).code, name).toBe('tool_args_invalid');
      const direct = await tool.execute({ url: `http://api.allowed.test:${port}/echo`, headers: { [name]: 'x' } }, ctx()).then(() => 'sent', (e: unknown) => (e as AgentrtError).code);
      expect(direct, name).toBe('header_blocked');
    }
    const ok = await call(tool, { url: `http://api.allowed.test:${port}/echo`, headers: { Accept: 'application/json', 'If-None-Match': '"abc"', 'User-Agent': 'model-agent' } });
    const echoed = JSON.parse(JSON.parse(JSON.stringify(ok.output)).body as string) as { headers: Record<string, string> };
    expect(echoed.headers).toMatchObject({ accept: 'application/json', 'if-none-match': '"abc"', 'user-agent': 'model-agent', 'accept-encoding': 'gzip, deflate, br' });
  });

  it('takes a configured header allowlist; framing, connection and idempotency headers can never be allowed', async () => {
    const tool = named(pack({ allowRequestHeaders: ['X-Trace'] }), 'http_get');
    const ok = await call(tool, { url: `http://api.allowed.test:${port}/echo`, headers: { 'x-trace': 't1' } });
    expect(String(ok.output?.body)).toContain('"x-trace":"t1"');
    expect((await call(tool, { url: `http://api.allowed.test:${port}/echo`, headers: { Accept: 'text/plain' } })).code).toBe('tool_args_invalid');
    for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'Connection', 'Idempotency-Key', 'Accept-Encoding', 'bad header']) {
      expect(() => pack({ allowRequestHeaders: [name] }), name).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'allowRequestHeaders.0' }));
    }
  });

  it('POSTs the body with an Idempotency-Key to the origin; a key that is not header-safe is sent as its digest', async () => {
    const post = named(pack(), 'http_post');
    const result = await post.execute({ url: `http://api.allowed.test:${port}/echo`, body: '{"a":1}' }, { ...ctx(), idempotencyKey: 'run-1:call_1' }) as { body: string };
    expect(JSON.parse(result.body)).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'idempotency-key': 'run-1:call_1', 'content-type': 'application/json' } });
    const odd = await post.execute({ url: `http://api.allowed.test:${port}/echo`, body: 'x', contentType: 'text/plain' }, { ...ctx(), idempotencyKey: '["run:1","call\nü"]' }) as { body: string };
    expect(JSON.parse(odd.body).headers['idempotency-key']).toMatch(/^sha256-[0-9a-f]{64}$/);
  });

  it('returns a cross-origin 307 to a POST unfollowed, with its location; the other origin receives nothing', async () => {
    const before = legitRequests.length;
    const result = await call(named(pack(), 'http_post'), { url: `http://api.allowed.test:${port}/post-cross-307`, body: 'secret-body' });
    expect(result.output).toMatchObject({ status: 307, body: '', location: `http://other.allowed.test:${port}/echo` });
    expect(legitRequests.slice(before).filter((r) => r.host.startsWith('other.allowed.test'))).toEqual([]);
  });

  it('connects to the pinned address but names the URL host in TLS (SNI and certificate check)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=self-signed.invalid'], { stdio: 'ignore' });
    const names: string[] = [];
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')), SNICallback: (name, cb) => { names.push(name); cb(null, undefined as never); } }, (_req, res) => res.end('tls'));
    const tlsPort = await listen(tls, '127.0.0.2');
    try {
      const tool = named(pack({ allowHttp: false, allowPorts: [tlsPort] }), 'http_get');
      const result = await call(tool, { url: `https://api.allowed.test:${tlsPort}/` });
      expect(result.code).toBe('http_unreachable'); // the self-signed certificate is refused, as it must be
      expect(names).toEqual(['api.allowed.test']);
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});

describe('@agentrt/tools-http allowPorts', () => {
  let otherHits = 0;
  let otherPort = 0;
  const other = createServer((_req, res) => {
    otherHits++;
    res.end('OTHER-PORT');
  });
  const hopper = createServer((req, res) => {
    if (req.url === '/to-other-port') return res.writeHead(302, { location: `http://api.allowed.test:${otherPort}/` }).end();
    if (req.url === '/to-same-port') return res.writeHead(302, { location: '/ok' }).end();
    res.end('hopper-ok');
  });
  let hopperPort = 0;
  beforeAll(async () => {
    otherPort = await listen(other, '127.0.0.2');
    hopperPort = await listen(hopper, '127.0.0.2');
  });
  afterAll(() => Promise.all([other, hopper].map((s) => new Promise((resolve) => s.close(resolve)))));
  let lookups = 0;
  const counting = async (hostname: string) => {
    lookups++;
    return resolver(hostname);
  };
  const tool = (allowPorts?: number[]) => createHttpTools({ allowHosts: ['api.allowed.test'], allowHttp: true, resolver: counting, allowPrivateAddresses: ['127.0.0.2/32'], timeoutMs: 2_000, ...(allowPorts ? { allowPorts } : {}) }).find((t) => t.name === 'http_get')!;
  const failure = async (t: Tool, url: string) => t.execute({ url }, ctx()).then(() => undefined, (error: unknown) => error as AgentrtError);

  it('refuses a port off the default [80, 443] with url_blocked naming the port, before DNS and before connecting', async () => {
    lookups = 0;
    otherHits = 0;
    const error = await failure(tool(), `http://api.allowed.test:${otherPort}/`);
    expect(error?.code).toBe('url_blocked');
    expect(error?.details).toEqual({ port: otherPort });
    expect(error?.message).toContain(String(otherPort));
    expect(lookups).toBe(0);
    expect(otherHits).toBe(0);
  });

  it('fetches from a port listed in allowPorts (the positive path)', async () => {
    expect((await call(tool([hopperPort]), { url: `http://api.allowed.test:${hopperPort}/ok` })).output).toMatchObject({ status: 200, body: 'hopper-ok' });
    expect((await call(tool([hopperPort]), { url: `http://api.allowed.test:${hopperPort}/to-same-port` })).output).toMatchObject({ body: 'hopper-ok', redirects: 1 });
  });

  it('re-checks the port on every redirect hop: a hop to another port is refused and never reached', async () => {
    otherHits = 0;
    const error = await failure(tool([hopperPort]), `http://api.allowed.test:${hopperPort}/to-other-port`);
    expect(error?.code).toBe('url_blocked');
    expect(error?.details).toEqual({ port: otherPort });
    expect(otherHits).toBe(0);
    // Listing the other port too lets the same redirect through.
    expect((await call(tool([hopperPort, otherPort]), { url: `http://api.allowed.test:${hopperPort}/to-other-port` })).output).toMatchObject({ body: 'OTHER-PORT', redirects: 1 });
    expect(otherHits).toBe(1);
  });

  it('reads the port the way the URL parser does: default ports, leading zeros, 0 and out-of-range ports', async () => {
    const options = { allowHosts: ['*'], allowHttp: true, resolver: async () => [{ address: '93.184.216.34' }] };
    const outcome = (url: string, allowPorts?: number[]) => checkUrl(url, { ...options, ...(allowPorts ? { allowPorts } : {}) }).then(() => 'allowed', (error: AgentrtError) => `${error.code}:${JSON.stringify(error.details ?? null)}`);
    expect(await outcome('https://public.example/')).toBe('allowed');
    expect(await outcome('http://public.example/')).toBe('allowed');
    expect(await outcome('http://public.example:0080/')).toBe('allowed');
    expect(await outcome('https://public.example:80/')).toBe('allowed');
    expect(await outcome('http://public.example:443/')).toBe('allowed');
    expect(await outcome('https://public.example:8443/')).toBe('url_blocked:{"port":8443}');
    expect(await outcome('http://public.example:0/')).toBe('url_blocked:{"port":0}');
    expect(await outcome('http://public.example:22/')).toBe('url_blocked:{"port":22}');
    expect(await outcome('http://[2606:4700:4700::1111]:6379/')).toBe('url_blocked:{"port":6379}');
    expect(await outcome('https://public.example/', [8080])).toBe('url_blocked:{"port":443}');
    expect(await outcome('http://public.example:8080/', [8080])).toBe('allowed');
    for (const url of ['http://public.example:65536/', 'http://public.example:-1/', 'http://public.example:80.5/', 'http://public.example:0x50/', 'http://public.example:８０/']) {
      expect((await outcome(url)).startsWith('url_blocked'), url).toBe(true);
    }
  });

  it('refuses invalid allowPorts at construction, naming the field', () => {
    const bad: unknown[] = [[0], [65_536], [-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], ['8080'], [null], [], '80', 80, {}, null, [80, '443']];
    for (const allowPorts of bad) {
      let error: unknown;
      try {
        createHttpTools({ allowHosts: ['*'], allowPorts } as never);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(allowPorts)).toMatchObject({ code: 'config_invalid' });
      expect((error as { field: string }).field, JSON.stringify(allowPorts)).toMatch(/^allowPorts/);
    }
    expect(() => createHttpTools({ allowHosts: ['*'], allowPorts: [1, 65_535, 80, 80] })).not.toThrow();
  });
});
