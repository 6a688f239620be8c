import { createRuntime, type ToolMessage } from '@agentrt/core';
import { McpBridge, type McpHttpServerConfig, type McpLogEntry } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startWedgingHttpServer, type WedgeKind } from './__fixtures__/wedging-http-server.js';
import { context, toolOf, until } from './helpers.js';

// An HTTP MCP server that accepts the connection and then never answers (no headers, silent or
// endless event streams, trickling bodies), wedges one session, or drops the connection, must
// give the call a bounded, typed error the model sees; the next call works once the server
// answers again (on a new session when the old one is stuck). The server is the official SDK's
// Streamable HTTP server transport behind a fault layer (see wedging-http-server.ts).
type Server = Awaited<ReturnType<typeof startWedgingHttpServer>>;
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});
const configOf = (server: Server, extra: Partial<McpHttpServerConfig> = {}): McpHttpServerConfig => ({
  name: 'web', url: server.url, allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], timeoutMs: 600, startupTimeoutMs: 3_000, ...extra,
});
const connect = async (server: Server, extra: Partial<McpHttpServerConfig> = {}) => {
  const logs: McpLogEntry[] = [];
  const bridge = await McpBridge.connect(configOf(server, extra), { onLog: (entry) => logs.push(entry) });
  bridges.push(bridge);
  return { bridge, logs };
};
const echo = (bridge: McpBridge, text: string) => toolOf(bridge, 'web__echo').execute({ text }, context(text).ctx);
const failure = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as { code?: string; message: string });
const timed = async <T>(promise: Promise<T>) => {
  const started = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - started };
};

describe('an HTTP MCP server that accepts a call and never answers it', () => {
  const kinds: WedgeKind[] = ['no_headers', 'sse_silent', 'sse_comments', 'json_trickle'];
  for (const how of kinds) {
    it(`${how}: the model gets mcp_timeout within the budget, the exchange is closed, the next call of the run works`, async () => {
      await using server = await startWedgingHttpServer();
      const { bridge } = await connect(server);
      server.wedge({ how, method: 'tools/call' });
      const model = new ScriptedModel([ScriptedModel.call('web__echo', { text: 'lost' }), ScriptedModel.call('web__echo', { text: 'answered' }), ScriptedModel.answer('done')]);
      const runtime = createRuntime({ model, tools: bridge.tools() });
      const step = new Promise<void>((resolve) => {
        // The server answers again once the first call is over (its exchange stays wedged).
        const timer = setInterval(() => {
          if (model.requests.length >= 2) {
            clearInterval(timer);
            server.recover();
            resolve();
          }
        }, 5);
      });
      const { value: result, ms } = await timed(runtime.run('go'));
      await step;
      expect(result.stopReason).toBe('final_answer');
      expect(model.requests[1]!.messages.at(-1)).toMatchObject({ isError: true, code: 'mcp_timeout' });
      expect((model.requests[2]!.messages.at(-1) as ToolMessage).content).toBe('answered');
      expect(ms).toBeLessThan(8_000);
      await until(() => server.wedgedOpen() === 0, 5_000, 'the wedged exchange to be closed by the client');
    });
  }

  it('an answer that never ends (event stream or JSON body) is cut at maxMessageBytes: typed, bounded, the next call works', async () => {
    for (const how of ['sse_flood', 'json_flood'] as const) {
      await using server = await startWedgingHttpServer();
      const { bridge } = await connect(server, { maxMessageBytes: 1024 * 1024, timeoutMs: 30_000 });
      server.wedge({ how, method: 'tools/call' });
      const { value: error, ms } = await timed(failure(echo(bridge, 'flood')));
      expect(error, how).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('larger than 1048576 bytes') });
      expect(ms, how).toBeLessThan(10_000);
      await until(() => server.wedgedOpen() === 0, 5_000, 'the flood to be closed by the client');
      expect(server.state.floodBytes, how).toBeLessThan(64 * 1024 * 1024);
      server.recover();
      expect(await echo(bridge, 'after the flood'), how).toBe('after the flood');
    }
  });

  it('a connection reset during a call is mcp_unavailable; the next call works', async () => {
    await using server = await startWedgingHttpServer();
    const { bridge } = await connect(server);
    server.wedge({ how: 'reset', method: 'tools/call' });
    expect(await failure(echo(bridge, 'reset'))).toMatchObject({ code: 'mcp_unavailable' });
    server.recover();
    expect(await echo(bridge, 'after the reset')).toBe('after the reset');
  });
});

describe('an HTTP MCP server that stops answering altogether', () => {
  it('every call during the wedge is a bounded mcp_timeout, no socket piles up per call, and calls work again once it answers', async () => {
    await using server = await startWedgingHttpServer();
    const { bridge } = await connect(server);
    expect(await echo(bridge, 'before')).toBe('before');
    server.wedge({ how: 'no_headers' });
    for (let index = 0; index < 4; index++) {
      const { value: error, ms } = await timed(failure(echo(bridge, `wedged ${index}`)));
      expect(error, `call ${index}`).toMatchObject({ code: 'mcp_timeout' });
      // The budget, plus at most the health check of the call before (operations wait for it).
      expect(ms, `call ${index}`).toBeLessThan(8_000);
    }
    // Requests, cancellations, pings and session ends the server never answered are all given
    // up by the client: not one exchange per call left open.
    await until(() => server.wedgedOpen() === 0, 15_000, 'every unanswered exchange to be closed by the client');
    server.recover();
    expect(await echo(bridge, 'back')).toBe('back');
  }, 60_000);

  it('a server that answers pings but never acknowledges cancellations: the unacknowledged POSTs are ended, not one left per call', async () => {
    await using server = await startWedgingHttpServer();
    const { bridge } = await connect(server);
    server.wedge({ how: 'no_headers', method: ['tools/call', 'notifications/cancelled'] });
    for (let index = 0; index < 4; index++) expect(await failure(echo(bridge, `call ${index}`)), `call ${index}`).toMatchObject({ code: 'mcp_timeout' });
    // The pings were answered: the session is kept (a slow tool is not a wedge).
    expect(server.state.initializes).toBe(1);
    await until(() => server.state.posts.filter((post) => post.method === 'notifications/cancelled').length >= 4, 5_000, 'a cancellation per call to reach the server');
    await until(() => server.wedgedOpen() === 0, 10_000, 'every unacknowledged cancellation to be ended by the client');
    server.recover();
    expect(await echo(bridge, 'back')).toBe('back');
  }, 30_000);

  it('a session the server stops answering (other sessions fine) is replaced: the very next call works on a new session', async () => {
    await using server = await startWedgingHttpServer({ json: true });
    const { bridge, logs } = await connect(server);
    expect(await echo(bridge, 'before')).toBe('before');
    const [stuck] = server.sessionIds();
    server.wedge({ how: 'no_headers', session: stuck! });
    expect(await failure(echo(bridge, 'into the stuck session'))).toMatchObject({ code: 'mcp_timeout' });
    // No recover(): that session stays wedged; a new one is served.
    expect(await echo(bridge, 'new session')).toBe('new session');
    expect(server.state.initializes).toBe(2);
    // The client ended the stuck session (DELETE, as the spec asks) before starting another.
    expect(server.state.deletes).toBeGreaterThanOrEqual(1);
    expect(logs.some((entry) => entry.level === 'warning' && entry.message.includes('did not answer a ping'))).toBe(true);
    await until(() => server.wedgedOpen() === 0, 10_000, 'the stuck session\'s exchanges to be closed by the client');
  }, 30_000);

  it('a server that answers the ping keeps its session (a slow tool is not a wedge)', async () => {
    await using server = await startWedgingHttpServer();
    const { bridge } = await connect(server);
    server.wedge({ how: 'sse_silent', method: 'tools/call' });
    expect(await failure(echo(bridge, 'slow'))).toMatchObject({ code: 'mcp_timeout' });
    server.recover();
    expect(await echo(bridge, 'same session')).toBe('same session');
    expect(server.state.initializes).toBe(1);
    expect(server.state.deletes).toBe(0);
  });
});

describe('an HTTP MCP server that wedges while a session starts', () => {
  it('never answering notifications/initialized at connect is mcp_timeout within startupTimeoutMs, not a hang', async () => {
    await using server = await startWedgingHttpServer();
    server.wedge({ how: 'no_headers', method: 'notifications/initialized' });
    const { value: error, ms } = await timed(failure(McpBridge.connect(configOf(server, { startupTimeoutMs: 1_000 }))));
    expect(error).toMatchObject({ code: 'mcp_timeout' });
    expect(ms).toBeLessThan(6_000);
    await until(() => server.wedgedOpen() === 0, 5_000, 'the unanswered notification to be closed by the client');
    server.recover();
    const { bridge } = await connect(server);
    expect(await echo(bridge, 'connected')).toBe('connected');
  });

  it('a session dropped by the server (404) whose new session wedges at notifications/initialized: mcp_timeout, then calls work once it answers', async () => {
    await using server = await startWedgingHttpServer();
    const { bridge } = await connect(server);
    expect(await echo(bridge, 'first')).toBe('first');
    server.forgetSessions();
    server.wedge({ how: 'no_headers', method: 'notifications/initialized' });
    expect(await failure(echo(bridge, 'during the restart'))).toMatchObject({ code: 'mcp_timeout' });
    server.recover();
    expect(await echo(bridge, 'recovered')).toBe('recovered');
    await until(() => server.wedgedOpen() === 0, 10_000, 'the unanswered notification to be closed by the client');
  }, 30_000);
});

describe('the size bound of an HTTP event stream', () => {
  it('counts bytes per event: a long GET stream of small events ended by mixed line endings (LF then CRLF) is not cut', async () => {
    const events = 60;
    await using server = await startWedgingHttpServer({ getEvents: events });
    // 60 events of ~300 bytes: 18 KB in all, each far below the 4 KB bound.
    const { bridge, logs } = await connect(server, { maxMessageBytes: 4_096 });
    await until(() => logs.filter((entry) => entry.message.startsWith('event ')).length === events, 10_000, `all ${events} events to arrive`);
    expect(logs.filter((entry) => entry.level === 'warning')).toEqual([]);
    expect(server.getStreamsOpen()).toBe(1);
    expect(await echo(bridge, 'same session')).toBe('same session');
    expect(server.state.initializes).toBe(1);
  });
});
