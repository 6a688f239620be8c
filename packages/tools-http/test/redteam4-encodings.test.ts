import { createServer, type ServerResponse } from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { AgentrtError, type Tool, type ToolContext } from '@agentrt/core';
import { createHttpTools } from '@agentrt/tools-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The positive path of http_get against real server behaviour: bodies the server was entitled
// to send must come back as what they say, not as http_response_invalid or compressed bytes.
const CAP = 1_000;
const TIMEOUT = 5_000;
const GZIP_TWICE_BOMB = gzipSync(gzipSync(Buffer.alloc(64 * 2 ** 20)));
const STALL_BOMB = gzipSync(Buffer.alloc(8 * 2 ** 20));
const routes: Record<string, (res: ServerResponse) => void> = {
  // A conditional GET the model makes with If-None-Match: servers keep Content-Encoding on the 304.
  '/304-gzip': (res) => res.writeHead(304, { 'content-encoding': 'gzip', etag: '"v1"' }).end(),
  '/204-br': (res) => res.writeHead(204, { 'content-encoding': 'br' }).end(),
  '/200-gzip-empty': (res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': 0 }).end(),
  '/200-gzip-empty-chunked': (res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end();
  },
  // "deflate" as many servers send it: raw DEFLATE without the zlib wrapper (browsers accept both).
  '/deflate-raw': (res) => res.writeHead(200, { 'content-encoding': 'deflate', 'content-type': 'text/plain' }).end(deflateRawSync('raw deflate body')),
  '/deflate-zlib': (res) => res.writeHead(200, { 'content-encoding': 'deflate', 'content-type': 'text/plain' }).end(deflateSync('zlib deflate body')),
  // Codings applied in order gzip, then br: undone in reverse.
  '/gzip-then-br': (res) => res.writeHead(200, { 'content-encoding': 'gzip, br', 'content-type': 'text/plain' }).end(brotliCompressSync(gzipSync('stacked body'))),
  '/gzip-twice-bomb': (res) => res.writeHead(200, { 'content-encoding': 'gzip, gzip', 'content-length': GZIP_TWICE_BOMB.length }).end(GZIP_TWICE_BOMB),
  // Past the cap at once, then the server stalls: the result is due now, not at the timeout.
  '/bomb-then-stall': (res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.write(STALL_BOMB.subarray(0, STALL_BOMB.length - 20));
  },
  '/exactly-cap': (res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('z'.repeat(CAP))),
  '/cap-plus-one': (res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('z'.repeat(CAP + 1))),
};
const server = createServer((req, res) => (routes[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res));
let port = 0;
let tool: Tool;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  tool = createHttpTools({
    allowHosts: ['api.example.test'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1'],
    resolver: async () => [{ address: '127.0.0.1' }], maxResponseBytes: CAP, timeoutMs: TIMEOUT,
  })[0]!;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
async function get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string; truncated: boolean }> {
  try {
    return (await tool.execute({ url: `http://api.example.test:${port}${path}`, ...(headers ? { headers } : {}) }, ctx())) as { status: number; body: string; truncated: boolean };
  } catch (error) {
    throw new Error(`${path}: ${AgentrtError.isInstance(error) ? `${error.code}: ${error.message}` : String(error)}`);
  }
}

describe('http_get decodes what servers legitimately send', () => {
  it('a 304, a 204 and empty 200s with a Content-Encoding are empty bodies, not decoding errors', async () => {
    expect(await get('/304-gzip', { 'if-none-match': '"v1"' })).toMatchObject({ status: 304, body: '', truncated: false });
    expect(await get('/204-br')).toMatchObject({ status: 204, body: '', truncated: false });
    expect(await get('/200-gzip-empty')).toMatchObject({ status: 200, body: '', truncated: false });
    expect(await get('/200-gzip-empty-chunked')).toMatchObject({ status: 200, body: '', truncated: false });
  });

  it('deflate raw or zlib-wrapped, and stacked codings', async () => {
    expect(await get('/deflate-raw')).toMatchObject({ status: 200, body: 'raw deflate body' });
    expect(await get('/deflate-zlib')).toMatchObject({ status: 200, body: 'zlib deflate body' });
    expect(await get('/gzip-then-br')).toMatchObject({ status: 200, body: 'stacked body' });
  });

  it('the size cap holds after every decoder: exactly the cap is whole, one more byte is truncated, a double gzip bomb stops at the cap', async () => {
    expect(await get('/exactly-cap')).toMatchObject({ body: 'z'.repeat(CAP), truncated: false });
    expect(await get('/cap-plus-one')).toMatchObject({ body: 'z'.repeat(CAP), truncated: true });
    const before = process.memoryUsage().rss;
    const bomb = await get('/gzip-twice-bomb');
    // The bomb is zero bytes: binary, so it is described (media15f), not decoded to NUL text; its bytes still stop at the cap.
    expect(bomb).toMatchObject({ truncated: true, binary: true, bytes: CAP, mediaType: 'application/octet-stream' });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 2 ** 20);
  });

  it('a body past the cap returns at once although the server then stalls', async () => {
    const started = Date.now();
    expect(await get('/bomb-then-stall')).toMatchObject({ status: 200, truncated: true });
    expect(Date.now() - started).toBeLessThan(TIMEOUT / 2);
  });
});
