import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { McpBridge } from '@agentrt/tools-mcp';
import { describe, expect, it } from 'vitest';
import { startHttpMcpServer } from './__fixtures__/http-server.js';
import { context, toolOf } from './helpers.js';

// Positive paths of the Streamable HTTP transport that hold (red team 7a): an allowed IPv6
// server by literal and by name, and a name whose first checked address refuses connections.
const TOKEN = 'sk-agentrt-CANARY-http-rt7a-0123456789';
const headers = { authorization: `Bearer ${TOKEN}` };

/** A TCP relay on [::1] in front of the IPv4-only fixture server. */
async function ipv6Relay(port: number): Promise<Server & AsyncDisposable> {
  const relay = createServer((socket) => {
    const upstream = netConnect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => relay.once('error', reject).listen(0, '::1', resolve));
  return Object.assign(relay, { [Symbol.asyncDispose]: () => new Promise<void>((resolve) => relay.close(() => resolve())) });
}

describe('MCP over Streamable HTTP: allowed IPv6 and several addresses (red team 7a)', () => {
  it('reaches an allowed IPv6 server by literal and by a name resolving to it', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    await using relay = await ipv6Relay(server.port);
    const port = (relay.address() as AddressInfo).port;
    for (const config of [
      { url: `http://[::1]:${port}/mcp`, allowPrivateAddresses: ['::1/128'] },
      { url: `http://mcp.example.com:${port}/mcp`, allowPrivateAddresses: ['::1'], resolver: async () => [{ address: '::1' }] },
    ]) {
      const bridge = await McpBridge.connect({ name: 'web', timeoutMs: 5_000, allowHttp: true, headers, ...config });
      try {
        expect(await toolOf(bridge, 'web__echo').execute({ text: 'over IPv6' }, context().ctx)).toBe('over IPv6');
      } finally {
        await bridge.close();
      }
    }
  });

  it('reaches a name whose first checked address refuses the connection through the next', async () => {
    await using server = await startHttpMcpServer(TOKEN);
    for (const answers of [['::1', '127.0.0.1'], ['127.0.0.2', '127.0.0.1']]) {
      const bridge = await McpBridge.connect({
        name: 'web', timeoutMs: 5_000, allowHttp: true, headers, url: `http://mcp.example.com:${server.port}/mcp`,
        allowPrivateAddresses: ['::1', '127.0.0.0/8'], resolver: async () => answers.map((address) => ({ address })),
      });
      try {
        expect(await toolOf(bridge, 'web__echo').execute({ text: answers.join(' then ') }, context().ctx)).toBe(answers.join(' then '));
      } finally {
        await bridge.close();
      }
    }
  });
});
