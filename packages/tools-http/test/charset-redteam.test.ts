import { createServer, type Server } from 'node:http';
import { createRuntime, type ToolMessage } from '@agentrt/core';
import { createHttpTools } from '@agentrt/tools-http';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Red team (charsets): real-world pages must decode as browsers do. A commented-out meta and a
// meta whose `content` merely mentions "charset=" (no http-equiv) are not declarations.
const TEXT = 'Grüße — 日本語 €';
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const routes: Record<string, { type: string; bytes: Buffer }> = {
  '/commented-meta': { type: 'text/html', bytes: utf8(`<!doctype html><html><head><!-- <meta charset="iso-8859-1"> old template --><meta charset="utf-8"></head><body>${TEXT}</body></html>`) },
  '/content-mentions-charset': { type: 'text/html', bytes: utf8(`<html><head><meta name="description" content="How to set charset=koi8-r in Apache"><meta charset="utf-8"></head><body>${TEXT}</body></html>`) },
  '/late-meta': { type: 'text/html', bytes: Buffer.concat([utf8(`<html><head><title>${'x'.repeat(2000)}</title><meta charset="koi8-r"></head><body>`), utf8(TEXT)]) },
  '/utf16be-bom-over-header': { type: 'text/plain; charset=utf-8', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()]) },
  '/utf16-no-bom': { type: 'text/plain; charset=utf-16', bytes: Buffer.from(TEXT, 'utf16le') },
  '/xhtml-xml-decl': { type: 'application/xhtml+xml', bytes: Buffer.concat([utf8('<?xml version="1.0" encoding="ISO-8859-1"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>'), Buffer.from('Café crème', 'latin1'), utf8('</body></html>')]) },
  '/emoji-utf16': { type: 'text/plain; charset=utf-16le', bytes: Buffer.from('a😀b', 'utf16le') },
};

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': route.type }).end(route.bytes);
  });
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function fetchThroughRun(paths: readonly string[], maxResponseBytes?: number): Promise<{ body: string; charset?: string; truncated: boolean }[]> {
  const tools = createHttpTools({
    allowHosts: ['site.test'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1/32'],
    resolver: async () => [{ address: '127.0.0.1' }], timeoutMs: 5_000, ...(maxResponseBytes ? { maxResponseBytes } : {}),
  });
  const model = new ScriptedModel([...paths.map((path) => ScriptedModel.call('http_get', { url: `http://site.test:${port}${path}` })), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, tools, limits: { maxSteps: paths.length + 1, maxToolCalls: paths.length } }).run('fetch');
  expect(result.stopReason).toBe('final_answer');
  return paths.map((path, index) => {
    const message = model.requests[index + 1]!.messages.at(-1) as ToolMessage;
    expect(message.isError, path).toBeFalsy();
    return JSON.parse(message.content as string) as { body: string; charset?: string; truncated: boolean };
  });
}

describe('@agentrt/tools-http charset (red team)', () => {
  it('ignores a <meta charset> inside an HTML comment', async () => {
    const [page] = await fetchThroughRun(['/commented-meta']);
    expect(page).toMatchObject({ charset: 'utf-8' });
    expect(page!.body).toContain(TEXT);
  });

  it('ignores "charset=" in the content of a meta that is not http-equiv Content-Type', async () => {
    const [page] = await fetchThroughRun(['/content-mentions-charset']);
    expect(page).toMatchObject({ charset: 'utf-8' });
    expect(page!.body).toContain(TEXT);
  });

  it('reads the XML declaration of an XHTML page served as application/xhtml+xml', async () => {
    const [page] = await fetchThroughRun(['/xhtml-xml-decl']);
    expect(page).toMatchObject({ charset: 'windows-1252' });
    expect(page!.body).toContain('<body>Café crème</body>');
  });

  it('positive paths: a meta past 1 KB is not read; a UTF-16BE BOM wins over the header; utf-16 without BOM is LE; a cut surrogate pair is dropped', async () => {
    const [late, be, le] = await fetchThroughRun(['/late-meta', '/utf16be-bom-over-header', '/utf16-no-bom']);
    expect(late!.charset).toBe('utf-8');
    expect(late!.body.endsWith(TEXT)).toBe(true);
    expect(be).toMatchObject({ body: TEXT, charset: 'utf-16be' });
    expect(le).toMatchObject({ body: TEXT, charset: 'utf-16le' });
    // 'a😀b' in UTF-16LE: a(2) + surrogate pair(4) + b(2); caps of 4 and 5 end inside the pair.
    for (const cap of [3, 4, 5]) {
      const [cut] = await fetchThroughRun(['/emoji-utf16'], cap);
      expect(cut, String(cap)).toMatchObject({ body: 'a', truncated: true });
    }
  });
});
