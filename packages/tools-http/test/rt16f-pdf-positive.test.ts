// Red team 16f, positive path: PDFs made by real software, fetched with http_get, are file parts.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { ContentPart, Tool, ToolContext } from '@agentrt/core';
import { createHttpTools } from '@agentrt/tools-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURES = new URL('../../core/test/__fixtures__/pdf/', import.meta.url);
const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.pdf'));
const server = createServer((req, res) => {
  const name = decodeURIComponent((req.url ?? '/').slice(1));
  if (!names.includes(name)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/pdf' }).end(readFileSync(new URL(name, FIXTURES)));
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });

describe('red team 16f: http_get returns real PDFs as file parts', () => {
  it.each(names)('%s', async (name) => {
    const tool = createHttpTools({ allowHosts: ['files.example.test'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1'], resolver: async () => [{ address: '127.0.0.1' }] })
      .find((t: Tool) => t.name === 'http_get')!;
    const result = (await tool.execute(tool.input.parse({ url: `http://files.example.test:${port}/${name}` }), ctx())) as ContentPart[];
    expect(Array.isArray(result)).toBe(true);
    const file = result.find((part) => part.type === 'file') as { mediaType: string; data: string };
    expect(file.mediaType).toBe('application/pdf');
    expect(Buffer.from(file.data, 'base64').equals(readFileSync(new URL(name, FIXTURES)))).toBe(true);
  });
});
