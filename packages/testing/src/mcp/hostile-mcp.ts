import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { HostileMcpSession, type HostileMcpMode, type HostileOutput, type RpcId, type RpcMessage } from './hostile-mcp-session.js';

export { HOSTILE_MCP_MODES, HOSTILE_MCP_TOOLS } from './hostile-mcp-session.js';
export type { HostileMcpMode } from './hostile-mcp-session.js';

// The stdio server always runs built code: when this module is loaded from source (vitest), use dist.
const here = fileURLToPath(import.meta.url);
const STDIO_SCRIPT = here.endsWith('.ts')
  ? here.replace(/([\\/])src([\\/]mcp[\\/])hostile-mcp\.ts$/, '$1dist$2hostile-mcp-stdio.js')
  : fileURLToPath(new URL('./hostile-mcp-stdio.js', import.meta.url));

/**
 * The command of a hostile MCP server over stdio (raw JSON-RPC, no SDK), for testing MCP
 * clients: `{ command: process.execPath, args: [script, mode] }`. See `HOSTILE_MCP_MODES` for
 * the modes and `HOSTILE_MCP_TOOLS` for what each tool does when called. Runs the compiled
 * script of this package (build it first in a workspace).
 *
 * @example
 * ```ts
 * const bridge = await McpBridge.connect({ name: 'evil', ...hostileMcpServer('tools'), timeoutMs: 2_000 });
 * ```
 */
export function hostileMcpServer(mode: HostileMcpMode = 'tools'): { command: string; args: string[] } {
  return { command: process.execPath, args: [STDIO_SCRIPT, mode] };
}

/** How the hostile HTTP server handles sessions and its GET stream. */
export interface HostileMcpHttpOptions {
  /** Protocol behaviour (the stdio-only modes act like `tools`). Default `tools`. */
  readonly mode?: HostileMcpMode;
  /**
   * `normal` (a UUID), `none` (no session), `long` (8 000 characters), `changing` (a new id on
   * every response; every id issued stays valid), `latin1` (bytes above 0x7f). Default `normal`.
   */
  readonly sessionIds?: 'normal' | 'none' | 'long' | 'changing' | 'latin1';
  /** GET stream: `none` (405, default), `flood` (log notifications without end), `hang` (opens, then silence). */
  readonly getStream?: 'none' | 'flood' | 'hang';
  /** Answer every request with `Connection: close`, so each request opens a new connection (and resolves the name again). */
  readonly connectionClose?: boolean;
}

/** A request the hostile HTTP server received. */
export interface HostileMcpRequest {
  readonly method: string;
  readonly sessionId: string | undefined;
  /** The JSON-RPC message(s) of a POST, parsed (undefined when not JSON). */
  readonly body: unknown;
}

/** A long-lived response (event stream or endless body) and whether the client closed it. */
export interface HostileMcpStream {
  readonly kind: string;
  bytesSent: number;
  closed: boolean;
}

/** A Streamable HTTP MCP server (raw, no SDK) that misbehaves on purpose, on 127.0.0.2, with a canary on 127.0.0.1 at the same port. */
export interface HostileMcpHttpServer extends AsyncDisposable {
  readonly port: number;
  /** Address of the hostile server: allow `127.0.0.2/32` in the client under test. */
  readonly address: '127.0.0.2';
  /** `http://127.0.0.2:<port>/mcp`. */
  readonly url: string;
  /** The endpoint under another host name (resolve it to `address` with your resolver). */
  urlFor(host: string): string;
  readonly requests: HostileMcpRequest[];
  readonly streams: HostileMcpStream[];
  /** Sessions the server currently knows. */
  sessionCount(): number;
  /** Requests that reached the canary on 127.0.0.1: must stay 0. */
  canaryHits(): number;
  /** Connections (to either server) still open. */
  openConnections(): number;
  /** Drops every session: later requests get 404, as from a restarted server. */
  forgetSessions(): void;
  close(): Promise<void>;
}

const listen = (server: Server, host: string, port: number) => new Promise<number>((resolve, reject) => {
  const onError = (error: Error) => reject(error);
  server.once('error', onError);
  server.listen(port, host, () => {
    server.off('error', onError);
    resolve((server.address() as { port: number }).port);
  });
});

const SSE_HEAD = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const isRequest = (message: RpcMessage) => typeof message.method === 'string' && message.id !== undefined && message.id !== null;

/**
 * Starts the hostile Streamable HTTP MCP server: tools as in `HOSTILE_MCP_TOOLS` (including the
 * HTTP-only ones: endless event streams, endless bodies, a redirect to the canary, 64 KB headers,
 * forgotten sessions), session-id tricks and a GET stream that floods or hangs (`options`).
 * Requests are answered with event streams.
 */
export async function startHostileMcpHttpServer(options: HostileMcpHttpOptions = {}): Promise<HostileMcpHttpServer> {
  const mode = options.mode ?? 'tools';
  const sessionIds = options.sessionIds ?? 'normal';
  const requests: HostileMcpRequest[] = [];
  const streams: HostileMcpStream[] = [];
  const sockets = new Set<Socket>();
  const sessions = new Map<string, { session: HostileMcpSession; open: Map<RpcId, ServerResponse>; get?: ServerResponse }>();
  let canaryHits = 0;
  let port = 0;

  const newSessionId = () => {
    switch (sessionIds) {
      case 'long': return `L${'0123456789'.repeat(800)}`.slice(0, 8_000);
      case 'latin1': return `sess-\u00e9\u00ff-${randomUUID()}`;
      default: return randomUUID();
    }
  };
  const track = (res: ServerResponse, kind: string): HostileMcpStream => {
    const stream: HostileMcpStream = { kind, bytesSent: 0, closed: false };
    streams.push(stream);
    res.on('close', () => (stream.closed = true));
    return stream;
  };
  const pump = (res: ServerResponse, stream: HostileMcpStream, chunk: string) => {
    const more = () => {
      while (!res.destroyed && !res.writableEnded) {
        stream.bytesSent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', more);
          return;
        }
      }
    };
    more();
  };

  const createSession = (id: string) => {
    const open = new Map<RpcId, ServerResponse>();
    const state: { session: HostileMcpSession; open: Map<RpcId, ServerResponse>; get?: ServerResponse } = { session: undefined as never, open };
    const target = (related: RpcId | undefined) => (related !== undefined ? open.get(related) : undefined) ?? state.get;
    const output: HostileOutput = {
      send(message, related) {
        const res = target(related);
        if (!res || res.writableEnded) return;
        res.write(event(message));
        // The answer to the request ends its stream.
        if (related !== undefined && message.id === related && ('result' in message || 'error' in message) && open.get(related) === res) {
          open.delete(related);
          res.end();
        }
      },
      raw(text, related, final) {
        const res = target(related);
        if (!res || res.writableEnded) return;
        res.write(`data: ${text.replace(/\n+$/, '').replace(/\n/g, '\ndata: ')}\n\n`);
        if (final && related !== undefined && open.get(related) === res) {
          open.delete(related);
          res.end();
        }
      },
      cut(related, how) {
        const res = open.get(related);
        open.delete(related);
        if (!res) return;
        if (how === 'exit') res.destroy();
        else res.end();
      },
    };
    state.session = new HostileMcpSession(mode, output);
    sessions.set(id, state);
    return state;
  };

  const handlePost = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const sessionHeader = typeof req.headers['mcp-session-id'] === 'string' ? req.headers['mcp-session-id'] : undefined;
    requests.push({ method: 'POST', sessionId: sessionHeader, body });
    const messages = (Array.isArray(body) ? body : [body]).filter((item): item is RpcMessage => typeof item === 'object' && item !== null);
    if (messages.length === 0) return res.writeHead(400).end();
    const first = messages[0]!;
    const connection = options.connectionClose ? { connection: 'close' } : {};
    let state = sessionHeader !== undefined ? sessions.get(sessionHeader) : undefined;
    let issued: string | undefined;
    if (first.method === 'initialize') {
      issued = sessionIds === 'none' ? '' : newSessionId();
      state = createSession(issued || `anonymous-${randomUUID()}`);
      if (sessionIds === 'none') sessions.set('', state);
    } else if (!state) {
      if (sessionIds === 'none') state = sessions.get('');
      if (!state) return res.writeHead(404, { 'content-type': 'application/json', ...connection }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
    }
    if (sessionIds === 'changing' && !issued) {
      issued = newSessionId();
      sessions.set(issued, state);
    }
    const sessionHead = issued ? { 'mcp-session-id': issued } : {};
    const requestsIn = messages.filter(isRequest);
    if (requestsIn.length === 0) {
      for (const message of messages) state.session.handle(message);
      return res.writeHead(202, { ...sessionHead, ...connection }).end();
    }
    const request = requestsIn[0]!;
    const tool = request.method === 'tools/call' ? request.params?.name : undefined;
    switch (tool) {
      case 'sse_never_ends': {
        res.writeHead(200, { ...SSE_HEAD, ...sessionHead, ...connection });
        const token = (request.params?._meta as { progressToken?: RpcId } | undefined)?.progressToken;
        if (token !== undefined) res.write(event({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, message: 'forever' } }));
        track(res, 'sse_never_ends');
        return;
      }
      case 'sse_answer_then_hang': {
        res.writeHead(200, { ...SSE_HEAD, ...sessionHead, ...connection });
        res.write(event({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text: 'answered, stream left open' }] } }));
        const stream = track(res, 'sse_answer_then_hang');
        const timer = setInterval(() => {
          if (res.writableEnded || res.destroyed) return clearInterval(timer);
          res.write(': still here\n\n');
          stream.bytesSent += 14;
        }, 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'json_endless': {
        res.writeHead(200, { 'content-type': 'application/json', ...sessionHead, ...connection });
        res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(request.id)},"result":{"content":[{"type":"text","text":"`);
        return pump(res, track(res, 'json_endless'), 'x'.repeat(64 * 1024));
      }
      case 'redirect_private':
        return res.writeHead(307, { location: `http://127.0.0.1:${port}/mcp`, ...sessionHead, ...connection }).end();
      case 'huge_headers':
        res.writeHead(200, { 'content-type': 'application/json', 'x-huge': 'h'.repeat(64 * 1024), ...sessionHead, ...connection });
        return res.end(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text: 'huge headers' }] } }));
      case 'forget_session':
        res.writeHead(200, { 'content-type': 'application/json', ...sessionHead, ...connection });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text: 'forgotten' }] } }));
        sessions.clear();
        return;
      default:
        res.writeHead(200, { ...SSE_HEAD, ...sessionHead, ...connection });
        state.open.set(request.id!, res);
        res.on('close', () => {
          if (state.open.get(request.id!) === res) state.open.delete(request.id!);
        });
        for (const message of messages) state.session.handle(message);
    }
  };

  const handleGet = (req: IncomingMessage, res: ServerResponse) => {
    const sessionHeader = typeof req.headers['mcp-session-id'] === 'string' ? req.headers['mcp-session-id'] : undefined;
    requests.push({ method: 'GET', sessionId: sessionHeader, body: undefined });
    const state = sessions.get(sessionHeader ?? '');
    if (options.getStream === undefined || options.getStream === 'none') return res.writeHead(405).end();
    if (!state) return res.writeHead(404).end();
    res.writeHead(200, SSE_HEAD);
    state.get = res;
    const stream = track(res, `get_${options.getStream}`);
    if (options.getStream === 'flood') pump(res, stream, event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: 'flood', data: 'g'.repeat(1_000) } }));
  };

  const hostile = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/mcp') return res.writeHead(404).end();
      if (req.method === 'POST') return handlePost(req, res, Buffer.concat(chunks).toString('utf8'));
      if (req.method === 'GET') return handleGet(req, res);
      if (req.method === 'DELETE') {
        requests.push({ method: 'DELETE', sessionId: typeof req.headers['mcp-session-id'] === 'string' ? req.headers['mcp-session-id'] : undefined, body: undefined });
        const id = req.headers['mcp-session-id'];
        if (typeof id === 'string') sessions.delete(id);
        return res.writeHead(200).end();
      }
      res.writeHead(405).end();
    });
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
  if (!bound) throw new Error('could not bind the hostile MCP server and its canary on one port');
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([hostile, canary].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  };
  return {
    port,
    address: '127.0.0.2',
    url: `http://127.0.0.2:${port}/mcp`,
    urlFor: (host) => `http://${host}:${port}/mcp`,
    requests,
    streams,
    sessionCount: () => new Set(sessions.values()).size,
    canaryHits: () => canaryHits,
    openConnections: () => sockets.size,
    forgetSessions: () => sessions.clear(),
    close,
    [Symbol.asyncDispose]: close,
  };
}
