import { createRuntime, type ToolMessage } from '@agentrt/core';
import { McpBridge } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpMcpServer } from './__fixtures__/http-server.js';
import { context, partsOf, toolOf } from './helpers.js';

const TOKEN = 'sk-agentrt-CANARY-http-0123456789';
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});
const connect = async (config: Record<string, unknown>) => {
  const bridge = await McpBridge.connect({ name: 'web', timeoutMs: 5_000, ...config } as never);
  bridges.push(bridge);
  return bridge;
};
const loopback = { allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], headers: { authorization: `Bearer ${TOKEN}` } };

describe('Streamable HTTP transport', () => {
  it('refuses a loopback server by default: the server sees no request', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    const port = server.port;
    for (const url of [server.url, `http://localhost:${port}/mcp`, `http://0x7f000001:${port}/mcp`, `http://2130706433:${port}/mcp`, `http://[::ffff:127.0.0.1]:${port}/mcp`, `http://127.1:${port}/mcp`]) {
      await expect(McpBridge.connect({ name: 'web', url, allowHttp: true, headers: loopback.headers })).rejects.toMatchObject({ code: 'url_blocked' });
    }
    // allowing one private range does not allow another address
    await expect(McpBridge.connect({ name: 'web', url: server.url, allowHttp: true, allowPrivateAddresses: ['10.0.0.0/8'] })).rejects.toMatchObject({ code: 'url_blocked' });
    expect(server.state.hits).toBe(0);
  });

  it('checks the addresses a host name resolves to, at connection time', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    // With a private allowlist the name itself is not refused; where it resolves to decides.
    await expect(McpBridge.connect({ name: 'web', url: `http://localhost:${server.port}/mcp`, ...loopback, allowPrivateAddresses: ['10.0.0.0/8'] })).rejects.toMatchObject({ code: 'url_blocked' });
    expect(server.state.hits).toBe(0);
    const bridge = await connect({ url: `http://localhost:${server.port}/mcp`, ...loopback, allowPrivateAddresses: ['127.0.0.0/8', '::1/128'] });
    expect(await toolOf(bridge, 'web__echo').execute({ text: 'by name' }, context().ctx)).toBe('by name');
  });

  it('reaches an explicitly allowed loopback server; text and image results reach the transcript', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    const bridge = await connect({ url: server.url, ...loopback });
    expect(bridge.pid).toBeUndefined();
    const model = new ScriptedModel([ScriptedModel.call('web__echo', { text: 'over http' }), ScriptedModel.call('web__image'), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, tools: bridge.tools() });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect((model.requests[1]!.messages.at(-1) as ToolMessage).content).toBe('over http');
    expect(partsOf(model.requests[2]!.messages.at(-1) as ToolMessage)).toEqual([{ type: 'text', text: 'a dot:' }, { type: 'image', mediaType: 'image/png', data: expect.stringMatching(/^iVBOR/) }]);
    expect(JSON.stringify(await runtime.events(result.runId))).not.toContain(TOKEN);
  });

  it('passes progress notifications through', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    const bridge = await connect({ url: server.url, ...loopback });
    const { ctx, progress } = context();
    expect(await toolOf(bridge, 'web__count').execute({}, ctx)).toBe('counted');
    expect(progress).toContainEqual({ progress: 1, total: 3 });
  });

  it('never shows the configured headers: a rejected token is redacted from the error', async () => {
    await using server = await startHttpMcpServer('another-token-entirely');
    const error = await McpBridge.connect({ name: 'web', url: server.url, ...loopback }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'mcp_unavailable' });
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('starts a new session within the call when the server lost it (404)', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    const bridge = await connect({ url: server.url, ...loopback });
    expect(await toolOf(bridge, 'web__echo').execute({ text: 'one' }, context().ctx)).toBe('one');
    server.forgetSessions();
    expect(await toolOf(bridge, 'web__echo').execute({ text: 'two' }, context().ctx)).toBe('two');
    expect(await toolOf(bridge, 'web__echo').execute({ text: 'three' }, context().ctx)).toBe('three');
    expect(server.state.initializes).toBe(2);
  });

  it('refuses bad URLs at configuration', async () => {
    await expect(McpBridge.connect({ name: 'web', url: 'http://example.com/mcp' })).rejects.toMatchObject({ code: 'config_invalid', field: 'servers.web.url' });
    await expect(McpBridge.connect({ name: 'web', url: 'https://user:secret@example.com/mcp' })).rejects.toMatchObject({ code: 'config_invalid', field: 'servers.web.url' });
    await expect(McpBridge.connect({ name: 'web', url: 'ftp://example.com/mcp' })).rejects.toMatchObject({ code: 'config_invalid', field: 'servers.web.url' });
    await expect(McpBridge.connect({ name: 'web', url: 'https://example.com/mcp', allowPrivateAddresses: ['not-a-cidr'] })).rejects.toMatchObject({ code: 'config_invalid', field: 'servers.web.allowPrivateAddresses.0' });
  });
});
