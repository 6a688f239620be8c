import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool, ToolContext } from '@agentrt/core';
import { createHttpTools, type HttpToolOptions } from '@agentrt/tools-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A name with several addresses (a dual-stack host whose IPv6 is unreachable from here, or a
// pool with one member down): every address is checked, and a connection that fails at the
// first is made to the next — as browsers, curl and Node's own fetch do — never to an
// address that was not checked.
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const get = async (options: HttpToolOptions, url: string): Promise<Record<string, unknown>> => {
  const tool = createHttpTools(options).find((t: Tool) => t.name === 'http_get')!;
  return (await tool.execute(tool.input.parse({ url }), ctx())) as Record<string, unknown>;
};

let server: Server;
let port = 0;
const seen: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.socket.localAddress} ${req.headers.host}`);
    res.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('@agentrt/tools-http with several addresses for one name (red team 7a)', () => {
  it('reaches a name whose first address refuses the connection through its next checked address', async () => {
    for (const answers of [['::1', '127.0.0.1'], ['127.0.0.2', '127.0.0.1'], ['127.0.0.2', '::1', '127.0.0.3', '127.0.0.1']]) {
      let lookups = 0;
      const options: HttpToolOptions = {
        allowHosts: ['api.example.com'], allowHttp: true, allowPorts: [port],
        allowPrivateAddresses: ['127.0.0.0/8', '::1'],
        resolver: async () => {
          lookups++;
          return answers.map((address) => ({ address }));
        },
      };
      seen.length = 0;
      const result = await get(options, `http://api.example.com:${port}/`);
      expect(result, answers.join(', ')).toMatchObject({ status: 200, body: 'reached' });
      expect(seen).toEqual([`127.0.0.1 api.example.com:${port}`]);
      expect(lookups).toBe(1); // pinned: the name is resolved once, connections use the checked answers
    }
  });

  it('fails typed, naming the addresses tried, when none of them can be reached', async () => {
    const options: HttpToolOptions = {
      allowHosts: ['api.example.com'], allowHttp: true, allowPorts: [port],
      allowPrivateAddresses: ['127.0.0.0/8'],
      resolver: async () => [{ address: '127.0.0.2' }, { address: '127.0.0.3' }],
    };
    await expect(get(options, `http://api.example.com:${port}/`)).rejects.toMatchObject({ code: 'http_unreachable', message: expect.stringMatching(/127\.0\.0\.2.*127\.0\.0\.3|ECONNREFUSED/) });
  });

  it('over TLS through the next address still names the URL host (SNI) and checks the certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-tls-rt7a-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=self-signed.invalid'], { stdio: 'ignore' });
    const names: string[] = [];
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')), SNICallback: (name, cb) => { names.push(name); cb(null, undefined as never); } }, (_req, res) => res.end('tls'));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.2', resolve));
    const tlsPort = (tls.address() as AddressInfo).port;
    try {
      const options: HttpToolOptions = {
        allowHosts: ['api.example.com'], allowPorts: [tlsPort], allowPrivateAddresses: ['127.0.0.0/8'],
        resolver: async () => [{ address: '127.0.0.3' }, { address: '127.0.0.2' }],
      };
      await expect(get(options, `https://api.example.com:${tlsPort}/`)).rejects.toMatchObject({ code: 'http_unreachable', message: expect.stringMatching(/certificate/i) });
      expect(names).toEqual(['api.example.com']);
    } finally {
      await new Promise((resolve) => tls.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
