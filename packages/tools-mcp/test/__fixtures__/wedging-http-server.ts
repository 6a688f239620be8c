import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * How a wedged exchange misbehaves:
 * - `no_headers`: the request is read, then nothing is ever sent (the socket stays open);
 * - `sse_silent`: `200 text/event-stream` headers, then nothing;
 * - `sse_comments`: `200 text/event-stream`, then an SSE comment every 20 ms, forever (no event);
 * - `json_trickle`: `200 application/json` and the start of a JSON-RPC answer, then a space every 20 ms, forever;
 * - `sse_flood`: `200 text/event-stream`, then one event whose data never ends, as fast as the client reads;
 * - `json_flood`: `200 application/json`, then a JSON-RPC answer whose text never ends, as fast as the client reads;
 * - `reset`: the TCP connection is destroyed once the request is read.
 */
export type WedgeKind = 'no_headers' | 'sse_silent' | 'sse_comments' | 'json_trickle' | 'sse_flood' | 'json_flood' | 'reset';

/** Which exchanges a fault applies to: all of one JSON-RPC method (any session), or everything of one session. */
export interface Fault {
  readonly how: WedgeKind;
  /** JSON-RPC methods (`tools/call`, `ping`, `notifications/initialized`, …); any POST when omitted. */
  readonly method?: string | readonly string[];
  /** Only requests carrying this `Mcp-Session-Id` (POST, GET and DELETE); every session when omitted. */
  readonly session?: string;
}

/**
 * A Streamable HTTP MCP server built with the official SDK (its server transport answers every
 * request that is not faulted, exactly as the spec says: JSON or SSE answers, `202` for
 * notifications, a GET stream, `404` for an unknown session, `DELETE` ends a session), with a
 * fault layer in front that wedges chosen exchanges. A wedged exchange stays wedged after
 * `recover()` (like a stuck handler in a server that otherwise came back): only new requests
 * are answered again.
 */
export async function startWedgingHttpServer(options: {
  /** Answer requests with a JSON body rather than an event stream. */
  json?: boolean;
  /**
   * Serve each session's GET stream here: that many `notifications/message` events of about
   * 300 bytes, each ended by LF then CRLF (a blank line in mixed line endings, as the SSE format
   * allows), then keep the stream open.
   */
  getEvents?: number;
} = {}) {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const state = { initializes: 0, deletes: 0, floodBytes: 0, posts: [] as { method: string | undefined; session: string | undefined }[] };
  let fault: Fault | undefined;
  const wedged = new Set<ServerResponse>();
  const getStreams = new Set<ServerResponse>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const build = () => {
    const server = new McpServer({ name: 'wedging-fixture', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    return server;
  };
  const wedge = (request: IncomingMessage, response: ServerResponse, how: WedgeKind) => {
    if (how === 'reset') {
      request.socket.destroy();
      return;
    }
    wedged.add(response);
    response.on('close', () => wedged.delete(response));
    if (how === 'no_headers') return;
    const sse = how !== 'json_trickle' && how !== 'json_flood';
    response.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json', 'cache-control': 'no-cache' });
    if (how === 'json_trickle') response.write('{"jsonrpc":"2.0",');
    else response.flushHeaders();
    if (how === 'sse_flood' || how === 'json_flood') {
      response.write(how === 'sse_flood' ? 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"' : '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"');
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (!response.destroyed && !response.writableEnded) {
          state.floodBytes += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
      };
      return pump();
    }
    if (how === 'sse_silent') return;
    const timer = setInterval(() => {
      if (response.destroyed || response.writableEnded) return;
      response.write(how === 'json_trickle' ? ' ' : ': still thinking\n\n');
    }, 20);
    timers.add(timer);
    response.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };
  const matches = (request: IncomingMessage, method: string | undefined) => {
    if (!fault) return false;
    if (fault.session !== undefined && request.headers['mcp-session-id'] !== fault.session) return false;
    if (fault.method !== undefined && !(typeof fault.method === 'string' ? [fault.method] : fault.method).includes(method ?? '')) return false;
    return true;
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let body: unknown;
    let method: string | undefined;
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      method = (Array.isArray(body) ? body[0] : body)?.method;
      state.posts.push({ method, session: request.headers['mcp-session-id'] as string | undefined });
    }
    if (request.method === 'DELETE') state.deletes++;
    if (request.method === 'GET' && options.getEvents !== undefined && typeof request.headers['mcp-session-id'] === 'string' && sessions.has(request.headers['mcp-session-id'])) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let index = 0; index < options.getEvents; index++) {
        const message = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `event ${index} ${'.'.repeat(200)}` } };
        response.write(`event: message\ndata: ${JSON.stringify(message)}\n\r\n`);
      }
      getStreams.add(response);
      response.on('close', () => getStreams.delete(response));
      return;
    }
    if (matches(request, method) && (request.method === 'POST' || fault?.session !== undefined)) return wedge(request, response, fault!.how);
    const id = request.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === 'string') {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      state.initializes++;
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse: options.json ?? false,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await build().connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response, body);
  };
  const http = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const sockets = new Set<Socket>();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    state,
    /** Wedges every later exchange that matches (until `recover()`). */
    wedge: (next: Fault) => {
      fault = next;
    },
    /** New exchanges are answered again; those already wedged stay wedged. */
    recover: () => {
      fault = undefined;
    },
    /** The ids of the sessions the server knows. */
    sessionIds: () => [...sessions.keys()],
    /** Drops every session, as a restarted server would (clients get 404 and must initialize again). */
    forgetSessions: () => sessions.clear(),
    /** Wedged exchanges whose connection is still open. */
    wedgedOpen: () => wedged.size,
    /** GET streams served by `getEvents` that are still open. */
    getStreamsOpen: () => getStreams.size,
    /** TCP connections open. */
    openConnections: () => sockets.size,
    async [Symbol.asyncDispose]() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...sessions.values()].map((transport) => transport.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
