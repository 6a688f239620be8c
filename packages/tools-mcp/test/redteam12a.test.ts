import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRuntime, type ToolMessage } from '@agentrt/core';
import { McpBridge, type ToolChange } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { afterEach, describe, expect, it } from 'vitest';
import { context, fixture, packageDir, toolOf, until } from './helpers.js';

// Red team 12a: what a hostile MCP server controls that the earlier suites left unbounded —
// the pending-changes list, resource and prompt listings, answers to its own requests over HTTP,
// and the `retry:` field of its event streams — and the positive path of stream resumption.
interface RawState { gets: number; resumes: number; openAnswers: number; maxOpenAnswers: number; answers: number }
interface RawOptions { getStream?: 'retry0'; initialize?: 'error_body'; ackAnswers?: boolean }
interface RawServer { url: string; state: RawState; close(): Promise<void> }
const { startRawMcp } = (await import(fixture('redteam12a-http.mjs'))) as { startRawMcp: (options?: RawOptions) => Promise<RawServer> };

const bridges: McpBridge[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  for (const close of closers.splice(0)) await close();
});
const stdio = async (mode: string, extra: Record<string, unknown> = {}, options: Parameters<typeof McpBridge.connect>[1] = {}) => {
  const bridge = await McpBridge.connect({ name: 'h', command: process.execPath, args: [fixture('redteam12a-server.mjs'), mode], ...extra } as never, options);
  bridges.push(bridge);
  return bridge;
};
const raw = async (options: RawOptions = {}) => {
  const server = await startRawMcp(options);
  closers.push(() => server.close());
  const bridge = await McpBridge.connect({ name: 'web', url: server.url, allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], timeoutMs: 5_000 });
  bridges.push(bridge);
  return { server, bridge };
};
const call = async (bridge: McpBridge, name: string, args: Record<string, unknown> = {}) => toolOf(bridge, name).execute(args, context().ctx);
const failure = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as { code?: string; message: string });

describe('a server that names new tools on every listing', () => {
  it('keeps only the new tools of its latest listing pending: the list does not grow without end', async () => {
    const changes: ToolChange[] = [];
    const bridge = await stdio('churn', {}, { onToolChanged: (change) => changes.push(change) });
    for (let listing = 0; listing < 5; listing++) await bridge.refresh();
    // Every listing named 100 new tools (each reported once, as added)…
    expect(changes.filter((change) => change.reason === 'added')).toHaveLength(500);
    // …but only those of the latest listing are still waiting for approval.
    expect(bridge.changes).toHaveLength(100);
    expect(bridge.changes.every((change) => change.reason === 'added' && change.tool.startsWith('t6_'))).toBe(true);
    // A tool the server no longer lists cannot be approved into the tool set.
    await bridge.approveChanges('t2_0');
    expect(bridge.tools().map((tool) => tool.name)).toEqual(['h__stats']);
    expect(await call(bridge, 'h__stats')).toContain('"tools/list"');
  });
});

describe('resource and prompt listings', () => {
  it('are bounded by maxMessageBytes in all, as tool listings are (not 50 pages of it held at once)', async () => {
    const bridge = await stdio('pages', { maxMessageBytes: 1024 * 1024 });
    expect(await failure(bridge.listResources())).toMatchObject({ code: 'mcp_output_invalid', message: expect.stringContaining('lists resources of more than 1048576 bytes in all') });
    expect(await failure(bridge.listPrompts())).toMatchObject({ code: 'mcp_output_invalid', message: expect.stringContaining('lists prompts of more than 1048576 bytes in all') });
    const counts = JSON.parse(String(await call(bridge, 'h__stats'))) as Record<string, number>;
    expect(counts['resources/list']).toBeLessThan(6);
    expect(counts['prompts/list']).toBeLessThan(6);
  });

  it('count the cursors too (kept to spot a repeated one, and sent back): 400 KB cursors end a listing at maxMessageBytes', async () => {
    const bridge = await stdio('big-cursor', { maxMessageBytes: 1024 * 1024 });
    expect(await failure(bridge.refresh())).toMatchObject({ code: 'mcp_output_invalid', message: expect.stringContaining('lists tools of more than 1048576 bytes in all') });
    expect(await failure(bridge.listResources())).toMatchObject({ code: 'mcp_output_invalid', message: expect.stringContaining('lists resources of more than') });
    expect(await failure(bridge.listPrompts())).toMatchObject({ code: 'mcp_output_invalid', message: expect.stringContaining('lists prompts of more than') });
  });

  it('end at a cursor the server gave before', async () => {
    const bridge = await stdio('repeat');
    expect(await bridge.listResources()).toHaveLength(200);
    expect(await bridge.listPrompts()).toHaveLength(200);
    expect(JSON.parse(String(await call(bridge, 'h__stats')))).toMatchObject({ 'resources/list': 2, 'prompts/list': 2 });
  });
});

describe('a Streamable HTTP server that floods the client with requests', () => {
  it('gets at most 16 answers open at once, not one socket per request; the call is answered', async () => {
    const { server, bridge } = await raw();
    expect(await call(bridge, 'web__flood', { flood: 300 })).toBe('done');
    await until(() => server.state.answers >= 16, 5_000, 'the answers to arrive');
    expect(server.state.maxOpenAnswers).toBeLessThanOrEqual(16);
    expect(await call(bridge, 'web__slow', { ms: 10 })).toBe('slow answer');
  });

  it('a burst of 100 requests from a server that acknowledges answers at once gets every answer (they wait for a slot, not dropped)', async () => {
    const { server, bridge } = await raw({ ackAnswers: true });
    expect(await call(bridge, 'web__flood', { flood: 100 })).toBe('done');
    await until(() => server.state.answers === 100, 5_000, 'all 100 answers');
  });
});

describe('an HTTP error answer with a large body', () => {
  it('is cut in the error (the SDK quotes the whole body), at connect and in a call', async () => {
    const refusing = await startRawMcp({ initialize: 'error_body' });
    closers.push(() => refusing.close());
    const refused = await failure(McpBridge.connect({ name: 'web', url: refusing.url, allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'] }));
    expect(refused).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('HTTP 500') });
    expect(refused!.message.length).toBeLessThan(3_000);
    const { bridge } = await raw();
    const error = await failure(call(bridge, 'web__error_body'));
    expect(error).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('more characters cut') });
    expect(error!.message.length).toBeLessThan(3_000);
  });
});

describe('the retry field of a server\'s event streams', () => {
  it('retry: 0 on a GET stream ended at once does not make the bridge reconnect in a loop', async () => {
    const { server, bridge } = await raw({ getStream: 'retry0' });
    // The GET stream is opened after initialize; a call of about 2 s lets the reconnections show.
    expect(await call(bridge, 'web__slow', { ms: 2_000 })).toBe('slow answer');
    expect(server.state.gets).toBeGreaterThanOrEqual(1);
    expect(server.state.gets).toBeLessThanOrEqual(5);
  });

  it('retry: 3600000 on two streams ended unanswered leaves no timer: the host process ends after close', async () => {
    const child = spawn(process.execPath, [fixture('redteam12a-host.mjs')], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let finished = false;
    void exited.then(() => (finished = true));
    try {
      await until(() => finished, 20_000, 'the host process to exit by itself');
    } finally {
      if (!finished) child.kill('SIGKILL');
    }
    expect(await exited, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ outcomes: ['mcp_timeout', 'mcp_timeout'] });
  });

  it('a stream ended after a priming event is still resumed (retry: 0, raw server): the answer comes through', async () => {
    const { server, bridge } = await raw();
    expect(await call(bridge, 'web__resumable')).toBe('resumed answer');
    expect(server.state.resumes).toBe(1);
  });
});

describe('positive path: an SDK server that closes a call\'s event stream (polling, SEP-1699)', () => {
  it('the answer reaches the model through a run after the bridge resumes the stream with Last-Event-ID', async () => {
    const sessions = new Map<string, StreamableHTTPServerTransport>();
    const seen = { resumed: 0 };
    const build = () => {
      const server = new McpServer({ name: 'polling', version: '1.0.0' });
      server.registerTool('report', { description: 'Closes its stream, then answers' }, async (extra) => {
        extra.closeSSEStream?.();
        // Answers once the bridge has reconnected with Last-Event-ID (the answer then reaches it on the resumed stream).
        await until(() => seen.resumed > 0, 10_000, 'the bridge resumed the stream');
        return { content: [{ type: 'text', text: 'report after the stream was closed' }] };
      });
      return server;
    };
    const http = createServer((request, response) => {
      void (async () => {
        if (request.method === 'GET' && request.headers['last-event-id']) seen.resumed++;
        const id = request.headers['mcp-session-id'];
        let transport = typeof id === 'string' ? sessions.get(id) : undefined;
        if (!transport) {
          const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, eventStore: new InMemoryEventStore(), retryInterval: 0, onsessioninitialized: (sessionId) => void sessions.set(sessionId, created) });
          await build().connect(created);
          transport = created;
        }
        await transport.handleRequest(request, response);
      })().catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    const sockets = new Set<Socket>();
    http.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      await Promise.all([...sessions.values()].map((transport) => transport.close().catch(() => undefined)));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    });
    const bridge = await McpBridge.connect({ name: 'poll', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], timeoutMs: 10_000, sideEffects: 'none' });
    bridges.push(bridge);
    const model = new ScriptedModel([{ toolCalls: [{ name: 'poll__report', args: {} }] }, { text: 'done' }]);
    const result = await createRuntime({ model, tools: bridge.tools() }).run('report');
    expect(result.status).toBe('completed');
    // What the model was sent in its second request: the tool's answer.
    const tool = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(tool).toMatchObject({ content: 'report after the stream was closed' });
    expect(tool.isError).toBeUndefined();
    expect(seen.resumed).toBeGreaterThanOrEqual(1);
  });
});
