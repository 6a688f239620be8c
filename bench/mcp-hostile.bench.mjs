// Time and memory of the MCP bridge against hostile servers (stdio and Streamable HTTP from
// @agentrt/testing): floods, huge results, endless streams. Run on demand: `pnpm bench:mcp`.
// For each scenario: wall time, the peak RSS seen while it ran (sampled every 20 ms) and the
// heap after a forced GC, against the baseline. The process must end with the heap back near
// the baseline and no connection left open on the HTTP server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { McpBridge } from '@agentrt/tools-mcp';
import { hostileMcpServer } from '@agentrt/testing';

const MB = 1024 * 1024;
const gc = () => globalThis.gc?.();
const ctx = () => ({ runId: 'bench', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'bench:c', signal: new AbortController().signal, progress() {}, log() {} });
const call = (bridge, name, args = {}) => bridge.tools().find((tool) => tool.name === `${bridge.name}__${name}`).execute(args, ctx()).then(
  (value) => (typeof value === 'string' ? `${value.length} chars` : `${value.length} parts`),
  (error) => error.code,
);

gc();
const baseline = process.memoryUsage();
const rows = [];
async function scenario(label, work) {
  gc();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const outcome = await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  gc();
  const after = process.memoryUsage();
  rows.push({ label, outcome, ms: Math.round(ms), peakRssMb: Math.round(peak / MB), heapAfterGcMb: Math.round(after.heapUsed / MB) });
}

const stdio = await McpBridge.connect({ name: 'evil', ...hostileMcpServer('tools'), timeoutMs: 60_000 }, { onLog() {} });
await scenario('stdio: 100 000 progress notifications', () => call(stdio, 'progress_flood', { count: 100_000 }));
await scenario('stdio: 100 000 log notifications', () => call(stdio, 'log_flood', { count: 100_000 }));
await scenario('stdio: 10 000 list_changed', () => call(stdio, 'list_changed_storm', { count: 10_000 }));
await scenario('stdio: 10 MB text × 5', async () => (await Promise.all([1, 2, 3, 4, 5].map(() => call(stdio, 'huge_text', { bytes: 10 * MB })))).join(', '));
await scenario('stdio: 5 000 image parts × 5', async () => (await Promise.all([1, 2, 3, 4, 5].map(() => call(stdio, 'many_parts', { count: 5_000, kind: 'image' })))).join(', '));
await scenario('stdio: 50 MB image × 3 (restarts)', async () => {
  const outcomes = [];
  for (let i = 0; i < 3; i++) outcomes.push(await call(stdio, 'huge_image', { bytes: 50 * MB }));
  return outcomes.join(', ');
});
await scenario('stdio: 100 000-level result × 5', async () => (await Promise.all([1, 2, 3, 4, 5].map(() => call(stdio, 'deep_result')))).join(', '));
await stdio.close();

// The HTTP server runs in a child process, so its own memory (it builds the 50 MB answers) is not counted here.
const child = spawn(process.execPath, ['--input-type=module', '-e', `
  import { startHostileMcpHttpServer } from '@agentrt/testing';
  const server = await startHostileMcpHttpServer({ getStream: 'flood' });
  process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');
  process.stdin.on('data', () => process.stdout.write(JSON.stringify({ sse: server.streams.filter((s) => s.kind === 'sse_never_ends' && !s.closed).length, connections: server.openConnections() }) + '\\n'));
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
`], { cwd: new URL('.', import.meta.url).pathname, stdio: ['pipe', 'pipe', 'inherit'] });
const lines = child.stdout.setEncoding('utf8');
const nextLine = async () => JSON.parse((await once(lines, 'data'))[0]);
const { port } = await nextLine();
const serverState = async () => {
  child.stdin.write('?\n');
  return nextLine();
};
const http = await McpBridge.connect({ name: 'web', url: `http://mcp.hostile.test:${port}/mcp`, allowHttp: true, allowPrivateAddresses: ['127.0.0.2/32'], resolver: async () => [{ address: '127.0.0.2', family: 4 }], timeoutMs: 10_000 }, { onLog() {} });
await scenario('http: 20 endless event streams (timeouts)', async () => {
  const outcomes = await Promise.all(Array.from({ length: 20 }, () => call(http, 'sse_never_ends')));
  await new Promise((resolve) => setTimeout(resolve, 500));
  return `${outcomes[0]} × ${outcomes.length}; open 0.5 s later: ${(await serverState()).sse}`;
});
await scenario('http: 50 MB image', () => call(http, 'huge_image', { bytes: 50 * MB }));
await scenario('http: endless JSON body', () => call(http, 'json_endless'));
await scenario('http: 10 MB text × 3', async () => (await Promise.all([1, 2, 3].map(() => call(http, 'huge_text', { bytes: 10 * MB })))).join(', '));
await http.close();
await new Promise((resolve) => setTimeout(resolve, 200));
const open = (await serverState()).connections;
child.stdin.end();
await once(child, 'exit');

gc();
const end = process.memoryUsage();
console.table(rows);
console.log(`baseline heap ${Math.round(baseline.heapUsed / MB)} MB, rss ${Math.round(baseline.rss / MB)} MB; after everything (GC) heap ${Math.round(end.heapUsed / MB)} MB, rss ${Math.round(end.rss / MB)} MB; HTTP connections left open: ${open}`);
