import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from 'node:zlib';

/**
 * Request headers a model must not be able to set through an HTTP tool with its default
 * configuration: method and URL overrides, credentials and tokens, proxy/forwarding headers,
 * cloud-metadata tokens, and framing or connection headers. Matching is case-insensitive.
 */
export const REFUSED_REQUEST_HEADERS: readonly string[] = [
  'X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override', 'X-Original-URL', 'X-Rewrite-URL', 'X-Original-Method',
  'X-Auth-Token', 'Private-Token', 'Authorization', 'authorization', 'Proxy-Authorization', 'Cookie', 'X-Api-Key', 'Api-Key',
  'X-Access-Token', 'X-CSRF-Token', 'X-Amz-Security-Token', 'X-aws-ec2-metadata-token', 'X-aws-ec2-metadata-token-ttl-seconds',
  'Metadata-Flavor', 'Metadata', 'X-Google-Metadata-Request', 'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto',
  'X-Real-IP', 'X-Client-IP', 'True-Client-IP', 'Forwarded', 'Via', 'Origin', 'Referer', 'Host', 'Content-Length',
  'Transfer-Encoding', 'Connection', 'Keep-Alive', 'Upgrade', 'TE', 'Trailer', 'Expect', 'Accept-Encoding', 'Idempotency-Key',
  'Proxy-Connection', 'X-Custom-Anything',
];

/** Header values that try to inject a second header or a request line: refused even for allowed names. */
export const HEADER_VALUE_INJECTIONS: readonly string[] = [
  'text/html\r\nX-HTTP-Method-Override: DELETE',
  'text/html\nX-Injected: 1',
  'text/html\rX-Injected: 1',
  'text/html\u0000',
  'a'.repeat(20_000),
];

/** Names the hostile server answers to (map both to its address with your resolver). */
export const HOSTILE_HTTP_NAMES = { origin: 'www.example.com', other: 'api.example.org' } as const;

/**
 * Routes of the hostile server (`GET`/`POST` alike):
 * - `/ok` → 200 `fine`; `/echo` → 200 JSON `{ method, host, headers, body }`
 * - `/redirect-endless-blocked` → 302 to the metadata address, followed by an endless body
 * - `/redirect-endless-ok` → 302 to `/ok`, followed by an endless body
 * - `/endless` → 200 with an endless body; `/gzip-bomb` → 200 gzip of 64 MiB of zeros
 * - `/gzip-stall` → 200 gzip: ten bytes of a gzip stream, then silence
 * - `/gzip-garbage` → 200 declared gzip, body is not gzip
 * - `/headers-stall` → never answers; `/body-stall` → 200 with a few bytes, then silence
 * - `/307-cross`, `/308-cross`, `/303-cross` → redirect to `http://api.example.org:{port}/echo`
 * - `/307-same`, `/308-same` → redirect to `/echo` on the same origin
 * - `/upgrade-101` → `101 Switching Protocols` to a plain GET (no upgrade was asked), then silence
 * - `/1xx-flood` → `103 Early Hints` every millisecond, never a final response
 * - `/header-flood` → a status line, then header lines forever
 * - `/brotli-bomb`, `/deflate-bomb` → 200 with 64 MiB of zeros compressed as `br` / `deflate`
 */
export const HOSTILE_HTTP_ROUTES: readonly string[] = [
  '/ok', '/echo', '/redirect-endless-blocked', '/redirect-endless-ok', '/endless', '/gzip-bomb', '/gzip-stall', '/gzip-garbage',
  '/headers-stall', '/body-stall', '/307-cross', '/308-cross', '/303-cross', '/307-same', '/308-same',
  '/upgrade-101', '/1xx-flood', '/header-flood', '/brotli-bomb', '/deflate-bomb',
];

/** Routes that abuse HTTP/1.1 framing itself; a pack must settle each within its timeout and close the connection. */
export const HOSTILE_HTTP_PROTOCOL_ROUTES: readonly string[] = ['/upgrade-101', '/1xx-flood', '/header-flood', '/brotli-bomb', '/deflate-bomb'];

/** One request the hostile server received. */
export interface HostileRequest {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** One response the server streamed: bytes written and whether the client has closed it. */
export interface HostileStream {
  readonly path: string;
  bytesSent: number;
  closed: boolean;
}

/** A loopback server (on 127.0.0.2) that misbehaves on purpose, with a canary on 127.0.0.1 at the same port. */
export interface HostileHttpServer extends AsyncDisposable {
  /** The port of both the hostile server (127.0.0.2) and the canary (127.0.0.1). */
  readonly port: number;
  /** Address of the hostile server: allow it (`127.0.0.2/32`) and resolve `HOSTILE_HTTP_NAMES` to it. */
  readonly address: '127.0.0.2';
  /** Requests that reached the hostile server, in order. */
  readonly requests: HostileRequest[];
  /** Responses it streamed (long or stalled routes). */
  readonly streams: HostileStream[];
  /** Requests that reached the canary: must stay 0. */
  readonly canaryHits: () => number;
  /** Connections (to either server) still open. */
  readonly openConnections: () => number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** Writes chunks for as long as the client reads (never ends on its own). */
function pumpForever(res: ServerResponse, stream: HostileStream): void {
  const pump = () => {
    while (!res.destroyed && !res.writableEnded) {
      stream.bytesSent += CHUNK.length;
      if (!res.write(CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

const listen = (server: Server, host: string, port: number) => new Promise<number>((resolve, reject) => {
  const onError = (error: Error) => reject(error);
  server.once('error', onError);
  server.listen(port, host, () => {
    server.off('error', onError);
    resolve((server.address() as { port: number }).port);
  });
});

/**
 * Starts the hostile server and its canary. Use `HOSTILE_HTTP_NAMES` through a resolver that
 * maps them to `127.0.0.2`, and allow `127.0.0.2/32` as a private address in the pack under test.
 */
export async function startHostileHttpServer(): Promise<HostileHttpServer> {
  const requests: HostileRequest[] = [];
  const streams: HostileStream[] = [];
  const sockets = new Set<Socket>();
  let canaryHits = 0;
  let port = 0;
  const gzipHead = gzipSync(Buffer.alloc(1024 * 1024)).subarray(0, 10);
  let bomb: Buffer | undefined;
  let brotliBomb: Buffer | undefined;
  let deflateBomb: Buffer | undefined;
  /** Writes raw bytes on the connection (what an http.Server never sends by itself) until the client closes it. */
  const raw = (res: ServerResponse, first: string, next: (() => string) | undefined, stream: HostileStream) => {
    const socket = res.socket;
    if (!socket) return;
    socket.write(first);
    stream.bytesSent += first.length;
    if (!next) return;
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      const chunk = next();
      stream.bytesSent += chunk.length;
      socket.write(chunk);
    }, 1);
    socket.on('close', () => clearInterval(timer));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ host: String(req.headers.host ?? ''), method: req.method ?? '', path, headers: { ...req.headers }, body });
    const stream: HostileStream = { path, bytesSent: 0, closed: false };
    const track = () => {
      streams.push(stream);
      res.on('close', () => (stream.closed = true));
    };
    const cross = `http://${HOSTILE_HTTP_NAMES.other}:${port}/echo`;
    switch (path) {
      case '/ok': return res.end('fine');
      case '/echo': return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, host: req.headers.host, headers: req.headers, body }));
      case '/redirect-endless-blocked':
        track();
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        return pumpForever(res, stream);
      case '/redirect-endless-ok':
        track();
        res.writeHead(302, { location: '/ok' });
        return pumpForever(res, stream);
      case '/endless':
        track();
        res.writeHead(200, { 'content-type': 'text/plain' });
        return pumpForever(res, stream);
      case '/gzip-bomb':
        bomb ??= gzipSync(Buffer.alloc(64 * 2 ** 20));
        return res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb);
      case '/gzip-stall':
        track();
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
        res.write(gzipHead);
        stream.bytesSent += gzipHead.length;
        return;
      case '/gzip-garbage': return res.writeHead(200, { 'content-encoding': 'gzip' }).end('this is not gzip at all');
      case '/headers-stall': return track();
      case '/body-stall':
        track();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        return;
      case '/307-cross': return res.writeHead(307, { location: cross }).end();
      case '/308-cross': return res.writeHead(308, { location: cross }).end();
      case '/303-cross': return res.writeHead(303, { location: cross }).end();
      case '/307-same': return res.writeHead(307, { location: '/echo' }).end();
      case '/308-same': return res.writeHead(308, { location: '/echo' }).end();
      case '/upgrade-101':
        track();
        return raw(res, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', undefined, stream);
      case '/1xx-flood':
        track();
        return raw(res, 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', () => 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', stream);
      case '/header-flood': {
        track();
        let n = 0;
        return raw(res, 'HTTP/1.1 200 OK\r\n', () => `X-Flood-${n++}: ${'a'.repeat(1_000)}\r\n`, stream);
      }
      case '/brotli-bomb':
        brotliBomb ??= brotliCompressSync(Buffer.alloc(64 * 2 ** 20), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });
        return res.writeHead(200, { 'content-encoding': 'br' }).end(brotliBomb);
      case '/deflate-bomb':
        deflateBomb ??= deflateSync(Buffer.alloc(64 * 2 ** 20));
        return res.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateBomb);
      default: return res.writeHead(404).end();
    }
  };
  const hostile = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => undefined);
  });
  const canary = createServer((_req, res) => {
    canaryHits++;
    res.end('CANARY-SECRET');
  });
  for (const server of [hostile, canary]) {
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }
  let bound = false;
  for (let attempt = 0; attempt < 20 && !bound; attempt++) {
    port = await listen(hostile, '127.0.0.2', 0);
    try {
      await listen(canary, '127.0.0.1', port);
      bound = true;
    } catch {
      await new Promise<void>((resolve) => hostile.close(() => resolve()));
    }
  }
  if (!bound) throw new Error('could not bind the hostile server and its canary on one port');
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([hostile, canary].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  };
  return {
    port,
    address: '127.0.0.2',
    requests,
    streams,
    canaryHits: () => canaryHits,
    openConnections: () => sockets.size,
    close,
    [Symbol.asyncDispose]: close,
  };
}
