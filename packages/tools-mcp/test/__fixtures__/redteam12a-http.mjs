// A raw Streamable HTTP MCP server (node:http, no SDK) for red team 12a, on 127.0.0.1 port 0.
// `startRawMcp({ getStream })` → { url, state, close() }. Tools:
// - flood: the POST's event stream carries `flood` ping requests of the server's own, then the answer;
// - prime_forever: the POST's event stream is ended after a priming event (`id:`) with `retry: 3600000`, never answered;
// - resumable: the POST's event stream is ended after a priming event with `retry: 0`; the answer comes on the
//   GET that resumes it (Last-Event-ID);
// - slow: answers after `ms` milliseconds;
// - error_body: HTTP 500 with a 1 MB text body (with option initialize 'error_body', initialize gets that too).
// Answers the client POSTs (to the pings) are never acknowledged (held open until the client ends them),
// unless option ackAnswers is set (then 202 at once).
// GET without Last-Event-ID: 405, or with getStream 'retry0' an event stream ended at once after a priming event with `retry: 0`.
import http from 'node:http';

export async function startRawMcp(options = {}) {
  const state = { gets: 0, resumes: 0, openAnswers: 0, maxOpenAnswers: 0, answers: 0 };
  const sockets = new Set();
  const held = new Set();
  const pending = new Map();
  const sse = (response, text) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'S1' });
    response.end(text);
  };
  const event = (message, id) => `${id ? `id: ${id}\n` : ''}event: message\ndata: ${JSON.stringify(message)}\n\n`;
  const server = http.createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    if (request.method === 'DELETE') return response.writeHead(200).end();
    if (request.method === 'GET') {
      state.gets++;
      const last = request.headers['last-event-id'];
      if (typeof last === 'string' && pending.has(last)) {
        state.resumes++;
        const id = pending.get(last);
        pending.delete(last);
        return sse(response, event({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'resumed answer' }] } }, `${last}-answer`));
      }
      if (options.getStream === 'retry0') return sse(response, `retry: 0\nid: g${state.gets}\ndata: \n\n`);
      return response.writeHead(405).end();
    }
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return response.writeHead(400).end();
    }
    if (Array.isArray(message) || message.method === undefined) {
      // Answers to the server's own requests: held open, never acknowledged.
      state.answers++;
      if (options.ackAnswers) return response.writeHead(202).end();
      state.openAnswers++;
      state.maxOpenAnswers = Math.max(state.maxOpenAnswers, state.openAnswers);
      held.add(response);
      response.once('close', () => {
        state.openAnswers--;
        held.delete(response);
      });
      return;
    }
    if (message.id === undefined) return response.writeHead(202).end();
    const json = (result) => response.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'S1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    switch (message.method) {
      case 'initialize':
        if (options.initialize === 'error_body') return response.writeHead(500, { 'content-type': 'text/plain' }).end('E'.repeat(1024 * 1024));
        return json({ protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'redteam12a-http', version: '1.0.0' } });
      case 'ping': return json({});
      case 'tools/list': return json({ tools: ['flood', 'prime_forever', 'resumable', 'slow', 'error_body'].map((name) => ({ name, inputSchema: { type: 'object' } })) });
      case 'tools/call': break;
      default: return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no such method' } }));
    }
    const args = message.params.arguments ?? {};
    switch (message.params.name) {
      case 'flood': {
        let text = '';
        for (let i = 0; i < (args.flood ?? 300); i++) text += event({ jsonrpc: '2.0', id: `ping-${i}`, method: 'ping' });
        return sse(response, text + event({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } }));
      }
      case 'prime_forever': return sse(response, `retry: 3600000\nid: p-${message.id}\ndata: \n\n`);
      case 'resumable': {
        pending.set(`e-${message.id}`, message.id);
        return sse(response, `retry: 0\nid: e-${message.id}\ndata: \n\n`);
      }
      case 'error_body': return response.writeHead(500, { 'content-type': 'text/plain' }).end('E'.repeat(1024 * 1024));
      case 'slow': return setTimeout(() => json({ content: [{ type: 'text', text: 'slow answer' }] }), args.ms ?? 1_000);
      default: return json({ content: [{ type: 'text', text: 'unknown' }], isError: true });
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/mcp`,
    state,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
