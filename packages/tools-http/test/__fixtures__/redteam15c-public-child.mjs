// Runs inside a fresh network namespace (unshare -rn) whose loopback device also carries the
// public addresses 93.184.216.34 and 2606:4700:4700::1111, with /etc/hosts bind-mounted so that
// www.example.com resolves there through the system resolver. Nothing leaves the namespace.
// It serves real HTTPS/HTTP on those public addresses (default ports), drives the built
// @agentrt/tools-http through createRuntime + ScriptedModel with DEFAULT options apart from
// allowHosts/allowPost, and prints one JSON line: { results: { [case]: outcome }, hits }.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createRuntime } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { createHttpTools } from '@agentrt/tools-http';

const [certDir, scenario] = process.argv.slice(2);
const tls = { key: readFileSync(`${certDir}/key.pem`), cert: readFileSync(`${certDir}/cert.pem`) };

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const stream = deflateSync(Buffer.from('BT /F1 24 Tf 72 720 Td (Hello PDF) Tj ET'));
const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
  // A page tree: a file that only starts with %PDF- is not sent as a PDF (tools16d).
  Buffer.from('1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n'),
  Buffer.from(`4 0 obj << /Length ${stream.length} /Filter /FlateDecode >> stream\n`), stream, Buffer.from('\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
]);
const SJIS = Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]); // 日本語 in Shift_JIS

const hits = { public: 0, canary: 0 };
const requests = [];
const app = (req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    hits.public++;
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: req.method, host: req.headers.host, path: req.url, key: req.headers['idempotency-key'] ?? null, body });
    const path = req.url ?? '/';
    if (path === '/html') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>T</title><h1>Grüße 👋</h1><p>a &amp; b</p>');
    if (path === '/json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, host: req.headers.host, where: req.socket.localAddress }));
    if (path === '/redirect') return res.writeHead(302, { location: '/json' }).end('moved');
    if (path === '/redirect-v6') return res.writeHead(301, { location: 'https://v6.example.com/json' }).end();
    if (path === '/redirect-v4-literal') return res.writeHead(307, { location: 'https://93.184.216.34/json' }).end();
    if (path === '/gzip') return res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' }).end(gzipSync('zipped ✓'.repeat(100)));
    if (path === '/br') return res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'br' }).end(brotliCompressSync('brotli ✓'.repeat(100)));
    if (path === '/sjis') return res.writeHead(200, { 'content-type': 'text/plain; charset=Shift_JIS' }).end(SJIS);
    if (path === '/latin1-meta') return res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.from('<meta charset="iso-8859-1"><p>caf\xe9 \x80</p>', 'latin1'));
    if (path === '/pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
    if (path === '/png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    if (path === '/post') return res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body }));
    if (path === '/to-loopback') return res.writeHead(302, { location: 'http://127.0.0.1/' }).end();
    if (path === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (path === '/to-v6-loopback') return res.writeHead(302, { location: 'http://[::1]/' }).end();
    if (path === '/to-mapped') return res.writeHead(302, { location: 'http://[::ffff:7f00:1]/' }).end();
    if (path === '/to-decimal') return res.writeHead(302, { location: 'http://2130706433/' }).end();
    if (path === '/to-octal') return res.writeHead(302, { location: 'http://0177.0.0.1/' }).end();
    if (path === '/to-zero') return res.writeHead(302, { location: 'http://0.0.0.0/' }).end();
    if (path === '/to-private') return res.writeHead(302, { location: 'http://10.0.0.1/' }).end();
    if (path === '/to-rebind') return res.writeHead(302, { location: 'http://rebind.example.net/' }).end();
    res.writeHead(404).end('nope');
  });
};
const canary = (_req, res) => {
  hits.canary++;
  res.end('CANARY');
};
const listen = (server, port, host) => new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
const servers = [createHttpsServer(tls, app), createHttpServer(app), createHttpsServer(tls, app)];
await listen(servers[0], 443, '93.184.216.34');
await listen(servers[1], 80, '93.184.216.34');
await listen(servers[2], 443, '2606:4700:4700::1111');
// Canaries on every non-public local address a redirect could reach (0.0.0.0 connects to 127.0.0.1): a hit is an escape.
for (const host of ['127.0.0.1', '::1', '169.254.169.254', '10.0.0.1']) {
  const server = createHttpServer(canary);
  servers.push(server);
  await listen(server, 80, host);
}

// The rebinding name: public for the check, loopback for any second lookup.
let rebindLookups = 0;
const resolver = scenario === 'system' ? undefined : async (name) => {
  if (name === 'www.example.com') return [{ address: '93.184.216.34', family: 4 }];
  if (name === 'v6.example.com') return [{ address: '2606:4700:4700::1111', family: 6 }];
  if (name === 'dual.example.com') return [{ address: '2606:4700:4700::2222', family: 6 }, { address: '93.184.216.34', family: 4 }];
  if (name === 'rebind.example.net') return [{ address: rebindLookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};
// Default options apart from the host allowlist, http and POST: no allowPrivateAddresses, no allowPorts.
const options = { allowHttp: true, allowPost: true, ...(resolver ? { resolver } : {}) };
const tools = createHttpTools({ ...options, allowHosts: ['www.example.com', 'v6.example.com', 'dual.example.com', '93.184.216.34', '2606:4700:4700::1111', 'rebind.example.net'] });
// The same with any public host allowed: refusals must then come from the address checks.
const anyTools = createHttpTools({ ...options, allowHosts: ['*'] }).map((tool) => ({ ...tool, name: `${tool.name}_any` }));
const cases = scenario === 'system'
  ? { system: ['http_get', { url: 'https://www.example.com/json' }], trailingDot: ['http_get', { url: 'https://www.example.com./json' }] }
  : {
    html: ['http_get', { url: 'https://www.example.com/html' }],
    json: ['http_get', { url: 'https://www.example.com/json' }],
    plainHttp: ['http_get', { url: 'http://www.example.com/json' }],
    literal: ['http_get', { url: 'https://93.184.216.34/json' }],
    v6: ['http_get', { url: 'https://v6.example.com/json' }],
    dual: ['http_get', { url: 'https://dual.example.com/json' }],
    redirect: ['http_get', { url: 'https://www.example.com/redirect' }],
    redirectV6: ['http_get', { url: 'https://www.example.com/redirect-v6' }],
    redirectLiteral: ['http_get', { url: 'https://www.example.com/redirect-v4-literal' }],
    gzip: ['http_get', { url: 'https://www.example.com/gzip' }],
    br: ['http_get', { url: 'https://www.example.com/br' }],
    sjis: ['http_get', { url: 'https://www.example.com/sjis' }],
    latin1: ['http_get', { url: 'https://www.example.com/latin1-meta' }],
    pdf: ['http_get', { url: 'https://www.example.com/pdf' }],
    png: ['http_get', { url: 'https://www.example.com/png' }],
    post: ['http_post', { url: 'https://www.example.com/post', body: '{"a":1}' }],
    toLoopback: ['http_get', { url: 'https://www.example.com/to-loopback' }],
    toMetadata: ['http_get', { url: 'https://www.example.com/to-metadata' }],
    toV6Loopback: ['http_get', { url: 'https://www.example.com/to-v6-loopback' }],
    toMapped: ['http_get', { url: 'https://www.example.com/to-mapped' }],
    toDecimal: ['http_get', { url: 'https://www.example.com/to-decimal' }],
    toOctal: ['http_get', { url: 'https://www.example.com/to-octal' }],
    toZero: ['http_get', { url: 'https://www.example.com/to-zero' }],
        toPrivate: ['http_get', { url: 'https://www.example.com/to-private' }],
    notAllowed: ['http_get', { url: 'https://evil.example.org/' }],
    upperCase: ['http_get', { url: 'HTTPS://WWW.EXAMPLE.COM:443/json#frag' }],
    v6Literal: ['http_get', { url: 'https://[2606:4700:4700::1111]/json' }],
  };
if (scenario !== 'system') {
  for (const name of ['toLoopback', 'toMetadata', 'toV6Loopback', 'toMapped', 'toDecimal', 'toOctal', 'toZero', 'toPrivate']) cases[`${name}Any`] = ['http_get_any', cases[name][1]];
  cases.toRebindAny = ['http_get_any', { url: 'https://www.example.com/to-rebind' }];
}
const names = Object.keys(cases);
// One run, every case a tool call of its own step: the run must continue past each refusal.
const model = new ScriptedModel([...names.map((name) => ScriptedModel.call(cases[name][0], cases[name][1])), ScriptedModel.answer('done')]);
const runtime = createRuntime({ model, tools: [...tools, ...anyTools], limits: { maxSteps: names.length + 1, maxToolCalls: names.length } });
const result = await runtime.run('fetch');
const results = {};
names.forEach((name, index) => {
  const message = model.requests[index + 1].messages.at(-1);
  results[name] = { isError: message.isError === true, content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content) };
});
for (const server of servers) server.close();
process.stdout.write(`${JSON.stringify({ status: result.status, stopReason: result.stopReason, results, hits, requests })}\n`);
process.exit(0);
