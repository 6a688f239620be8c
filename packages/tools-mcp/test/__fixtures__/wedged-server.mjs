// An MCP server over stdio (raw JSON-RPC) that wedges while staying alive.
// `node wedged-server.mjs <mode> <marker file>`: the first start (no marker file yet) wedges, every
// later start (a restart) works normally. Modes:
// - stop-reading: answers the handshake (initialize, the first tools/list), then never reads stdin again;
// - stop-writing: answers the handshake, then reads everything and answers nothing (not even ping);
// - stop-reading-on-call: answers everything until a tools/call arrives, then stops reading stdin
//   at once (the rest of a large call, and whatever follows, backs up in the client's pipe).
// Every start writes `pid <pid> <mode>` to stderr. SIGTERM is honoured.
import { existsSync, writeFileSync } from 'node:fs';

const marker = process.argv[3];
const mode = marker && existsSync(marker) ? 'normal' : (process.argv[2] ?? 'normal');
if (marker) writeFileSync(marker, 'started');
process.stderr.write(`pid ${process.pid} ${mode}\n`);

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
const tools = [
  { name: 'echo', description: 'echoes its text', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'whoami', description: 'returns the pid', inputSchema: { type: 'object' } },
];
let listings = 0;
let wedged = false;
// Keeps the process alive whatever happens to stdin.
setInterval(() => undefined, 60_000);

function handle(message) {
  const { id, method, params } = message;
  if (wedged && mode === 'stop-writing') return;
  switch (method) {
    case 'initialize':
      return send({ id, result: { protocolVersion: params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'wedged', version: '1.0.0' } } });
    case 'tools/list':
      send({ id, result: { tools } });
      if (++listings === 1 && (mode === 'stop-reading' || mode === 'stop-writing')) wedge();
      return;
    case 'tools/call':
      if (params.name === 'whoami') return send({ id, result: { content: [{ type: 'text', text: String(process.pid) }] } });
      return send({ id, result: { content: [{ type: 'text', text: String(params.arguments?.text ?? '') }] } });
    case 'ping':
      return send({ id, result: {} });
    default:
      if (id !== undefined) send({ id, error: { code: -32601, message: 'method not found' } });
  }
}

function wedge() {
  wedged = true;
  process.stderr.write(`wedged (${mode})\n`);
  if (mode === 'stop-reading' || mode === 'stop-reading-on-call') {
    process.stdin.pause();
    process.stdin.removeAllListeners('data');
  }
}

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  // The SDK writes `method` first: a call is seen in the first chunk of even a megabyte line.
  if (mode === 'stop-reading-on-call' && !wedged && /"method":"tools\/call"/.test(buffer + chunk)) {
    const before = (buffer + chunk).slice(0, (buffer + chunk).search(/\{"method":"tools\/call"/));
    // Answer what came before the call (e.g. listings), then stop reading.
    for (const line of before.split('\n')) if (line.trim()) handle(JSON.parse(line));
    buffer = '';
    return wedge();
  }
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) !== -1) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    if (line.trim()) handle(JSON.parse(line));
  }
});
process.stdin.on('end', () => process.exit(0));
