import { createRuntime, type ToolMessage } from '@agentrt/core';
import { checkServerUrl, McpBridge, type McpHttpServerConfig, type McpResolver } from '@agentrt/tools-mcp';
import { HOSTILE_RESOLVER_ANSWERS, PUBLIC_URLS, SSRF_URLS, ScriptedModel, startHostileMcpHttpServer, type HostileMcpHttpOptions, type HostileMcpHttpServer } from '@agentrt/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { context, ioHandles, toolOf, until } from './helpers.js';

// The bridge against a hostile Streamable HTTP server (@agentrt/testing, raw HTTP, no SDK) on
// 127.0.0.2, with a canary on 127.0.0.1 at the same port that must never be reached.
const HOST = 'mcp.hostile.test';
const bridges: McpBridge[] = [];
const servers: HostileMcpHttpServer[] = [];
let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = ioHandles();
});
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  // No socket of the bridge is left (the servers' own listening sockets are closed below).
  await until(() => ioHandles() <= handlesBefore, 5_000, 'every socket (both ends) to be closed');
  for (const server of servers.splice(0)) {
    // Nothing the bridge opened stays open: no socket, no session.
    await until(() => server.openConnections() === 0, 5_000, 'every connection to the hostile server to be closed');
    expect(server.canaryHits()).toBe(0);
    await server.close();
  }
});
const start = async (options: HostileMcpHttpOptions = {}) => {
  const server = await startHostileMcpHttpServer(options);
  servers.push(server);
  return server;
};
const to127002: McpResolver = async () => [{ address: '127.0.0.2', family: 4 }];
const config = (server: HostileMcpHttpServer, extra: Partial<McpHttpServerConfig> = {}): McpHttpServerConfig => ({
  name: 'web', url: server.urlFor(HOST), allowHttp: true, allowPrivateAddresses: ['127.0.0.2/32'], resolver: to127002, timeoutMs: 2_000, startupTimeoutMs: 5_000, ...extra,
});
const connect = async (server: HostileMcpHttpServer, extra: Partial<McpHttpServerConfig> = {}) => {
  const bridge = await McpBridge.connect(config(server, extra));
  bridges.push(bridge);
  return bridge;
};
const call = async (bridge: McpBridge, name: string, args: Record<string, unknown> = {}) => toolOf(bridge, name).execute(args, context().ctx);
const failure = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as { code?: string; message: string });

describe('hostile HTTP server: streams that never end', () => {
  it('times out an event stream that never ends and closes it: no socket piles up over many calls', async () => {
    const server = await start();
    const bridge = await connect(server, { timeoutMs: 500 });
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      expect(await failure(call(bridge, 'web__sse_never_ends'))).toMatchObject({ code: 'mcp_timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);
    }
    await until(() => server.streams.filter((stream) => stream.kind === 'sse_never_ends').every((stream) => stream.closed), 5_000, 'the endless streams to be closed');
    expect(server.streams.filter((stream) => stream.kind === 'sse_never_ends')).toHaveLength(5);
    expect(await call(bridge, 'web__echo', { text: 'still here' })).toBe('still here');
  });

  it('takes the answer from a stream left open after it and closes that stream', async () => {
    const server = await start();
    const bridge = await connect(server);
    expect(await call(bridge, 'web__sse_answer_then_hang')).toBe('answered, stream left open');
    await until(() => server.streams.every((stream) => stream.closed), 5_000, 'the hanging stream to be closed');
  });

  it('cuts an endless JSON body at maxMessageBytes (mcp_unavailable, as over stdio) and starts a new session next time', async () => {
    const server = await start();
    const bridge = await connect(server, { maxMessageBytes: 256 * 1024, timeoutMs: 20_000 });
    const started = Date.now();
    expect(await failure(call(bridge, 'web__json_endless'))).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('larger than 262144 bytes') });
    expect(Date.now() - started).toBeLessThan(5_000);
    await until(() => server.streams.every((stream) => stream.closed), 5_000, 'the endless body to be closed');
    expect(server.streams[0]!.bytesSent).toBeLessThan(64 * 1024 * 1024);
    expect(await call(bridge, 'web__echo', { text: 'after' })).toBe('after');
  });

  it('stays usable while the GET stream floods, and closes that stream with the bridge', async () => {
    const server = await start({ getStream: 'flood' });
    const bridge = await connect(server, { maxMessageBytes: 1024 * 1024 });
    await until(() => server.streams.some((stream) => stream.kind === 'get_flood' && stream.bytesSent > 2 * 1024 * 1024), 10_000, 'the flood to run');
    expect(await call(bridge, 'web__echo', { text: 'amid the flood' })).toBe('amid the flood');
    await bridge.close();
    await until(() => server.streams.every((stream) => stream.closed), 5_000, 'the GET streams to be closed');
  });
});

describe('hostile HTTP server: redirects, headers, sessions', () => {
  it('does not follow a redirect to a private address (the canary sees nothing); the next call works', async () => {
    const server = await start();
    const bridge = await connect(server);
    const error = await failure(call(bridge, 'web__redirect_private'));
    expect(error).toMatchObject({ code: 'mcp_unavailable' });
    expect(error!.message).toContain('307');
    expect(await call(bridge, 'web__echo', { text: 'after the redirect' })).toBe('after the redirect');
  });

  it('fails an answer with 64 KB headers with a typed error and recovers', async () => {
    const server = await start();
    const bridge = await connect(server);
    expect(await failure(call(bridge, 'web__huge_headers'))).toMatchObject({ code: 'mcp_unavailable' });
    expect(await call(bridge, 'web__echo', { text: 'after the headers' })).toBe('after the headers');
  });

  it('works with long, changing and absent session ids, and ends the session on close', async () => {
    for (const sessionIds of ['long', 'changing', 'none', 'normal'] as const) {
      const server = await start({ sessionIds });
      const bridge = await connect(server);
      expect(await call(bridge, 'web__echo', { text: sessionIds }), sessionIds).toBe(sessionIds);
      expect(await call(bridge, 'web__echo', { text: 'twice' }), sessionIds).toBe('twice');
      await bridge.close();
      if (sessionIds === 'normal' || sessionIds === 'long') expect(server.sessionCount(), sessionIds).toBe(0);
    }
  });

  it('refuses a session id that is not visible ASCII', async () => {
    const server = await start({ sessionIds: 'latin1' });
    const error = await failure(McpBridge.connect(config(server)));
    expect(error).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('session id') });
  });

  it('starts a new session when the server forgets it', async () => {
    const server = await start();
    const bridge = await connect(server);
    expect(await call(bridge, 'web__forget_session')).toBe('forgotten');
    expect(await call(bridge, 'web__echo', { text: 'new session' })).toBe('new session');
  });

  it('refuses the server\'s own requests over HTTP too', async () => {
    const server = await start();
    const bridge = await connect(server);
    const answers = JSON.parse(await call(bridge, 'web__client_requests') as string) as Record<string, { error?: { code: number } }>;
    for (const method of ['sampling/createMessage', 'elicitation/create', 'roots/list']) expect(answers[method]?.error?.code, method).toBe(-32601);
  });

  it('reports start-up refusals typed: bad protocol version, JSON-RPC error at initialize', async () => {
    const bad = await start({ mode: 'bad-protocol-version' });
    expect(await failure(McpBridge.connect(config(bad)))).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('1999-01-01') });
    const refusing = await start({ mode: 'initialize-error' });
    const error = await failure(McpBridge.connect(config(refusing)));
    expect(error).toMatchObject({ code: 'mcp_request_failed' });
    expect(error!.message).not.toContain('sk-agentrt-CANARY');
    const mute = await start({ mode: 'hang-initialize' });
    const started = Date.now();
    expect(await failure(McpBridge.connect(config(mute, { startupTimeoutMs: 800 })))).toMatchObject({ code: 'mcp_timeout' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('hostile HTTP server: large results', () => {
  it('bounds a 10 MB text, 5 000 parts and a 50 MB image over HTTP', async () => {
    const server = await start();
    const bridge = await connect(server, { timeoutMs: 60_000 });
    expect((await call(bridge, 'web__huge_text', { bytes: 10 * 1024 * 1024 }) as string).length).toBe(10 * 1024 * 1024);
    expect((await call(bridge, 'web__many_parts', { count: 5_000, kind: 'image' }) as unknown[]).length).toBeLessThanOrEqual(256);
    const started = Date.now();
    expect(await failure(call(bridge, 'web__huge_image', { bytes: 50 * 1024 * 1024 }))).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('larger than') });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await call(bridge, 'web__echo', { text: 'usable' })).toBe('usable');
    expect(await failure(call(bridge, 'web__huge_image', { bytes: 6 * 1024 * 1024 }))).toMatchObject({ code: 'content_too_large' });
  });
});

describe('address policy of the HTTP transport', () => {
  it('re-checks the address at every new connection: a name that rebinds to the canary is refused', async () => {
    const server = await start({ connectionClose: true });
    let target = '127.0.0.2';
    const rebinding: McpResolver = async () => [{ address: target, family: 4 }];
    const bridge = await connect(server, { resolver: rebinding });
    expect(await call(bridge, 'web__echo', { text: 'before' })).toBe('before');
    target = '127.0.0.1';
    expect(await failure(call(bridge, 'web__echo', { text: 'after' }))).toMatchObject({ code: 'url_blocked' });
    expect(server.canaryHits()).toBe(0);
    target = '127.0.0.2';
    expect(await call(bridge, 'web__echo', { text: 'back' })).toBe('back');
  });

  it(`survives all ${HOSTILE_RESOLVER_ANSWERS.length} HOSTILE_RESOLVER_ANSWERS: typed refusals, nothing reached`, async () => {
    const server = await start();
    for (const { name, answer } of HOSTILE_RESOLVER_ANSWERS) {
      const error = await failure(McpBridge.connect(config(server, { resolver: async () => answer as never, allowPrivateAddresses: ['127.0.0.2/32'] })));
      expect(error?.code, name).toMatch(/^(url_blocked|mcp_unavailable)$/);
    }
    expect(server.requests).toEqual([]);
  });

  it(`refuses every one of the ${SSRF_URLS.length} SSRF_URLS as a server URL: the canary records 0 hits`, async () => {
    const server = await start();
    // Names that the payloads expect to resolve to private addresses.
    const resolver: McpResolver = async (host) => [{ address: host.includes('169.254') ? '169.254.169.254' : host === 'mixed.test' ? '93.184.216.34' : '127.0.0.1', family: 4 }, ...(host === 'mixed.test' ? [{ address: '127.0.0.1', family: 4 }] : [])];
    for (const template of SSRF_URLS) {
      const url = template.replaceAll('{port}', String(server.port));
      const error = await failure(McpBridge.connect({ name: 'ssrf', url, allowHttp: true, resolver, startupTimeoutMs: 3_000 }));
      expect(error?.code, url).toMatch(/^(url_blocked|config_invalid)$/);
    }
    expect(server.canaryHits()).toBe(0);
  });

  it(`passes the pre-connection check for all ${PUBLIC_URLS.length} PUBLIC_URLS, pinned to the address they stand for`, () => {
    for (const { url, address } of PUBLIC_URLS) expect(checkServerUrl(url).address?.address, url).toBe(address);
    expect(() => checkServerUrl('http://8.8.8.8/')).toThrow(expect.objectContaining({ code: 'url_blocked' }));
    expect(checkServerUrl('http://8.8.8.8/', { allowHttp: true }).address?.address).toBe('8.8.8.8');
    expect(() => checkServerUrl('http://localhost/', { allowHttp: true })).toThrow(expect.objectContaining({ code: 'url_blocked' }));
    expect(checkServerUrl('http://localhost/', { allowHttp: true, allowPrivateAddresses: ['127.0.0.1'] }).address).toBeUndefined();
  });

  it('records a call through a run with a typed error and goes on', async () => {
    const server = await start();
    const bridge = await connect(server, { timeoutMs: 500 });
    const model = new ScriptedModel([ScriptedModel.call('web__sse_never_ends'), ScriptedModel.call('web__echo', { text: 'next' }), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ isError: true, code: 'mcp_timeout' });
    expect((model.requests[2]!.messages.at(-1) as ToolMessage).content).toBe('next');
  });
});
