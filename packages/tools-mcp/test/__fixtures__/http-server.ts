import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A 44-byte WAV header and 8 samples of silence (a valid, tiny audio/wav file). */
const WAV = (() => {
  const samples = Buffer.alloc(16);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8_000, 24);
  header.writeUInt32LE(16_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]).toString('base64');
})();
export { WAV };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/**
 * A Streamable HTTP MCP server built with the official SDK, on loopback (port 0). Requires
 * `authorization: Bearer <token>`; a wrong one gets 401 with the header echoed back (so the
 * test can check the bridge redacts it). Counts every request it receives.
 */
export async function startHttpMcpServer(token: string) {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const state = { hits: 0, initializes: 0 };
  const build = () => {
    const server = new McpServer({ name: 'http-fixture', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    server.registerTool('image', { description: 'A one-pixel image', annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: 'text', text: 'a dot:' }, { type: 'image', data: PNG, mimeType: 'image/png' }] }));
    server.registerTool('media', { description: 'Audio, an embedded image resource and a resource link', annotations: { readOnlyHint: true } }, async () => ({
      content: [
        { type: 'text', text: 'a beep:' },
        { type: 'audio', data: WAV, mimeType: 'audio/wav', annotations: { audience: ['user'], priority: 0.5 } },
        { type: 'resource', resource: { uri: 'https://example.com/icons/dot%20one.png?v=2', mimeType: 'image/png', blob: PNG } },
        { type: 'resource_link', uri: 'https://example.com/docs/guide.pdf', name: 'guide', title: 'The Guide', mimeType: 'application/pdf', description: 'How it works', size: 1234 },
      ],
    }));
    server.registerTool('count', { description: 'Reports progress', annotations: { readOnlyHint: true } }, async (extra) => {
      for (let step = 1; step <= 3; step++) {
        if (extra._meta?.progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta.progressToken, progress: step, total: 3 } });
      }
      return { content: [{ type: 'text', text: 'counted' }] };
    });
    return server;
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    state.hits++;
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end(`unauthorized: got ${request.headers.authorization ?? 'nothing'}`);
      return;
    }
    const id = request.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === 'string') {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      state.initializes++;
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sessionId) => void sessions.set(sessionId, created) });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await build().connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response);
  };
  const http = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const sockets = new Set<import('node:net').Socket>();
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
    /** Drops every session, as a restarted server would (clients get 404 and must initialize again). */
    forgetSessions: () => sessions.clear(),
    /** Sessions open (a client that ends its session with DELETE removes it). */
    sessionCount: () => sessions.size,
    /** TCP connections open. */
    openConnections: () => sockets.size,
    async [Symbol.asyncDispose]() {
      await Promise.all([...sessions.values()].map((transport) => transport.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
