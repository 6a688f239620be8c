// A hostile MCP server over stdio: `node dist/mcp/hostile-mcp-stdio.js <mode>` (see
// HOSTILE_MCP_MODES and HOSTILE_MCP_TOOLS). Started through `hostileMcpServer(mode)`.
import { spawn } from 'node:child_process';
import { HostileMcpSession, lineReader, type HostileMcpMode, type HostileOutput } from './hostile-mcp-session.js';

const mode = (process.argv[2] ?? 'tools') as HostileMcpMode;
const CANARY = 'sk-agentrt-CANARY-0123456789abcdef';
process.stderr.write(`hostile MCP server ${process.pid} (${mode}) started\n`);

if (mode === 'crash-at-start') {
  process.stderr.write(`fatal: cannot open database /var/lib/hostile.db (token=${CANARY})\n`);
  process.exit(3);
}
if (mode === 'grandchild') {
  const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setTimeout(() => {}, 300000);"], { stdio: 'ignore' });
  process.stderr.write(`grandchild ${grandchild.pid}\n`);
}
if (mode === 'stderr-flood') {
  const chunk = `${'e'.repeat(1023)}\n`.repeat(64);
  const flood = () => {
    if (process.stderr.write(chunk)) setImmediate(flood);
    else process.stderr.once('drain', flood);
  };
  flood();
}

let stdoutOpen = true;
const write = (text: string) => {
  if (!stdoutOpen) return;
  if (mode === 'garbage-stdout') process.stdout.write(`not json at all\n${Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]).toString('latin1')}\n`);
  process.stdout.write(text);
};
const output: HostileOutput = {
  send: (message) => write(`${JSON.stringify(message)}\n`),
  raw: (text) => write(text),
  cut: (_related, how) => {
    if (how === 'exit') {
      process.stdout.write('', () => process.exit(1));
      return;
    }
    stdoutOpen = false;
    process.stdout.end();
    // Keeps running (stdin still open) until the client kills it; at most a minute.
    setTimeout(() => process.exit(0), 60_000).unref();
  },
  stderr: (bytes) => {
    process.stderr.write('s'.repeat(bytes));
  },
};
const session = new HostileMcpSession(mode, output);
process.stdin.on('data', lineReader((line) => {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (typeof message === 'object' && message !== null && !Array.isArray(message)) session.handle(message);
}));
process.stdin.on('end', () => {
  // Exit once what was written has been flushed (stdin closed: the client is done).
  if (stdoutOpen) process.stdout.write('', () => process.exit(0));
});
process.stdout.on('error', () => process.exit(0));
