import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createRuntime, type ToolMessage } from '@agentrt/core';
import { createHttpTools } from '@agentrt/tools-http';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A real server answers in legacy and multi-byte charsets; a run with ScriptedModel calls
// http_get and the test reads the tool result exactly as the model received it.
const JAPANESE = '日本語のテキスト、東京';
const FRENCH = 'Café crème à la française — «déjà vu» €5';
const TEXT = 'Grüße — 日本語 €';
/** Bytes of `text` in a legacy encoding (Node has decoders for all of them but encoders only for a few). */
function encode(text: string, encoding: string): Buffer {
  if (encoding === 'latin1') return Buffer.from(text, 'latin1');
  if (encoding === 'utf16le') return Buffer.from(text, 'utf16le');
  if (encoding === 'windows-1252') {
    // € is 0x80 and — is 0x97 in windows-1252 (not in ISO-8859-1); the rest of FRENCH is Latin-1.
    return Buffer.from([...text].map((char) => (char === '€' ? 0x80 : char === '—' ? 0x97 : char.charCodeAt(0))));
  }
  throw new Error(`no encoder for ${encoding}`);
}
// "日本語のテキスト、東京" in Shift_JIS, checked against the decoder below.
const SHIFT_JIS = Buffer.from('93fa967b8cea82cc8365834c835883678141938c8b9e', 'hex');

const routes: Record<string, { type?: string; bytes: Buffer; gzip?: boolean }> = {
  '/latin1': { type: 'text/plain; charset=ISO-8859-1', bytes: encode('Café crème à la française', 'latin1') },
  '/cp1252': { type: 'text/html;charset="windows-1252"', bytes: encode(FRENCH, 'windows-1252') },
  '/sjis': { type: 'text/plain; Charset=Shift_JIS', bytes: SHIFT_JIS },
  '/sjis-gzip': { type: 'text/plain; charset=shift_jis', bytes: gzipSync(SHIFT_JIS), gzip: true },
  '/utf16-bom': { type: 'text/plain; charset=utf-16le', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), encode(JAPANESE, 'utf16le')]) },
  // A byte order mark wins over the header (as in browsers).
  '/bom-wins': { type: 'text/plain; charset=iso-8859-1', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JAPANESE, 'utf8')]) },
  '/meta': { type: 'text/html', bytes: Buffer.concat([Buffer.from('<!doctype html><html><head><meta charset="shift_jis"><title>t</title></head><body>'), SHIFT_JIS, Buffer.from('</body></html>')]) },
  '/meta-http-equiv': { type: 'text/html', bytes: Buffer.concat([Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>'), encode(FRENCH, 'windows-1252'), Buffer.from('</body></html>')]) },
  '/xml-decl': { type: 'application/xml', bytes: Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><p>'), encode('Café crème', 'latin1'), Buffer.from('</p>')]) },
  // The header wins over the meta; a meta naming UTF-16 means UTF-8 (an ASCII prescan cannot have read UTF-16).
  '/header-over-meta': { type: 'text/html; charset=windows-1252', bytes: Buffer.concat([Buffer.from('<meta charset="shift_jis">'), encode(FRENCH, 'windows-1252')]) },
  '/meta-utf16': { type: 'text/html', bytes: Buffer.concat([Buffer.from('<meta charset="utf-16">'), Buffer.from(JAPANESE, 'utf8')]) },
  '/plain-utf8': { type: 'text/plain', bytes: Buffer.from(JAPANESE, 'utf8') },
  '/no-type': { bytes: Buffer.from(FRENCH, 'utf8') },
  // A body past the cap: the cut falls inside a 3-byte character.
  '/cut-utf8': { type: 'text/plain; charset=utf-8', bytes: Buffer.from('ab日本語', 'utf8') },
  '/cut-sjis': { type: 'text/plain; charset=shift_jis', bytes: Buffer.concat([Buffer.from('a'), SHIFT_JIS]) },
  '/cut-utf16': { type: 'text/plain; charset=utf-16le', bytes: encode('abc', 'utf16le') },
  // Red team: real-world pages must decode as browsers do. A commented-out meta and a meta whose
  // `content` merely mentions "charset=" (no http-equiv) are not declarations.
  '/commented-meta': { type: 'text/html', bytes: Buffer.from(`<!doctype html><html><head><!-- <meta charset="iso-8859-1"> old template --><meta charset="utf-8"></head><body>${TEXT}</body></html>`) },
  '/content-mentions-charset': { type: 'text/html', bytes: Buffer.from(`<html><head><meta name="description" content="How to set charset=koi8-r in Apache"><meta charset="utf-8"></head><body>${TEXT}</body></html>`) },
  '/late-meta': { type: 'text/html', bytes: Buffer.concat([Buffer.from(`<html><head><title>${'x'.repeat(2000)}</title><meta charset="koi8-r"></head><body>`), Buffer.from(TEXT)]) },
  '/utf16be-bom-over-header': { type: 'text/plain; charset=utf-8', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()]) },
  '/utf16-no-bom': { type: 'text/plain; charset=utf-16', bytes: Buffer.from(TEXT, 'utf16le') },
  '/xhtml-xml-decl': { type: 'application/xhtml+xml', bytes: Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>'), Buffer.from('Café crème', 'latin1'), Buffer.from('</body></html>')]) },
  '/emoji-utf16': { type: 'text/plain; charset=utf-16le', bytes: Buffer.from('a😀b', 'utf16le') },
};
const HOSTILE_LABELS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x-evil', 'utf-7', 'UTF-7', 'replacement', 'iso-2022-kr', 'x-user-defined', '', '"', '"utf-8', 'utf-8"', 'ut f-8', 'utf-8, shift_jis', '../../etc/passwd', 'a'.repeat(10_000), `${'shift_jis'.repeat(5)}`, 'shift_jis\u00a0', '日本'];
for (const [index, label] of HOSTILE_LABELS.entries()) {
  // Header values must be latin1 to be sent at all: anything else is sent as its UTF-8 bytes read as latin1.
  routes[`/hostile-${index}`] = { type: `text/plain; charset=${Buffer.from(label, 'utf8').toString('latin1')}`, bytes: Buffer.concat([Buffer.from(`${JAPANESE} `, 'utf8'), Buffer.from([0xff]), Buffer.from(' end', 'utf8')]) };
}

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) return res.writeHead(404).end();
    const headers: Record<string, string> = {};
    if (route.type !== undefined) headers['content-type'] = route.type;
    if (route.gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(200, headers).end(route.bytes);
  });
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const tools = (maxResponseBytes?: number) => createHttpTools({
  allowHosts: ['site.test'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1/32'],
  resolver: async () => [{ address: '127.0.0.1' }], timeoutMs: 5_000, ...(maxResponseBytes ? { maxResponseBytes } : {}),
});

/** Runs one http_get per path through a runtime; returns what the model saw of each result. */
async function fetchThroughRun(paths: readonly string[], maxResponseBytes?: number): Promise<{ body: string; charset?: string; truncated: boolean; contentType?: string }[]> {
  const model = new ScriptedModel([...paths.map((path) => ScriptedModel.call('http_get', { url: `http://site.test:${port}${path}` })), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, tools: tools(maxResponseBytes), limits: { maxSteps: paths.length + 1, maxToolCalls: paths.length } }).run('fetch');
  expect(result.stopReason).toBe('final_answer');
  return paths.map((path, index) => {
    const message = model.requests[index + 1]!.messages.at(-1) as ToolMessage;
    expect(message.isError, `${path}: ${String(message.content).slice(0, 300)}`).toBeFalsy();
    return JSON.parse(message.content as string) as { body: string; charset?: string; truncated: boolean };
  });
}

describe('@agentrt/tools-http charset', () => {
  it('decodes the declared charset: ISO-8859-1, windows-1252, Shift_JIS (also gzipped), UTF-16LE with a BOM', async () => {
    const [latin1, cp1252, sjis, sjisGzip, utf16] = await fetchThroughRun(['/latin1', '/cp1252', '/sjis', '/sjis-gzip', '/utf16-bom']);
    expect(latin1).toMatchObject({ body: 'Café crème à la française', charset: 'windows-1252' });
    expect(cp1252).toMatchObject({ body: FRENCH, charset: 'windows-1252' });
    expect(sjis).toMatchObject({ body: JAPANESE, charset: 'shift_jis' });
    expect(sjisGzip).toMatchObject({ body: JAPANESE, charset: 'shift_jis' });
    expect(utf16).toMatchObject({ body: JAPANESE, charset: 'utf-16le' });
  });

  it('reads a <meta charset>, a meta http-equiv and an XML encoding when the header names none; the header and a BOM win', async () => {
    const [meta, httpEquiv, xml, headerWins, metaUtf16, bomWins, plain, untyped] = await fetchThroughRun(['/meta', '/meta-http-equiv', '/xml-decl', '/header-over-meta', '/meta-utf16', '/bom-wins', '/plain-utf8', '/no-type']);
    expect(meta!.body).toContain(`<body>${JAPANESE}</body>`);
    expect(meta!.charset).toBe('shift_jis');
    expect(httpEquiv!.body).toContain(FRENCH);
    expect(xml).toMatchObject({ body: '<?xml version="1.0" encoding="ISO-8859-1"?><p>Café crème</p>', charset: 'windows-1252' });
    expect(headerWins).toMatchObject({ body: `<meta charset="shift_jis">${FRENCH}`, charset: 'windows-1252' });
    expect(metaUtf16).toMatchObject({ body: `<meta charset="utf-16">${JAPANESE}`, charset: 'utf-8' });
    expect(bomWins).toMatchObject({ body: JAPANESE, charset: 'utf-8' });
    expect(plain).toMatchObject({ body: JAPANESE, charset: 'utf-8' });
    expect(untyped).toMatchObject({ body: FRENCH, charset: 'utf-8' });
  });

  it(`falls back to UTF-8 with replacement characters for ${HOSTILE_LABELS.length} unknown or hostile labels, never throwing`, async () => {
    const paths = HOSTILE_LABELS.map((_, index) => `/hostile-${index}`);
    const results = await fetchThroughRun(paths);
    for (const [index, result] of results.entries()) {
      expect(result, JSON.stringify(HOSTILE_LABELS[index]!.slice(0, 40))).toMatchObject({ body: `${JAPANESE} \ufffd end`, charset: 'utf-8' });
    }
    expect(Object.prototype).not.toHaveProperty('evil');
  });

  it('counts the byte cap in bytes and drops a character cut in half by it, for UTF-8, Shift_JIS and UTF-16', async () => {
    // 'ab日本語' is 11 bytes; a cap of 6 bytes ends one byte into 本.
    const [utf8] = await fetchThroughRun(['/cut-utf8'], 6);
    expect(utf8).toMatchObject({ body: 'ab日', truncated: true, charset: 'utf-8' });
    // 'a' + Shift_JIS (2 bytes a character): a cap of 4 bytes ends one byte into 本.
    const [sjis] = await fetchThroughRun(['/cut-sjis'], 4);
    expect(sjis).toMatchObject({ body: 'a日', truncated: true, charset: 'shift_jis' });
    // 'abc' in UTF-16LE is 6 bytes; a cap of 5 ends inside c.
    const [utf16] = await fetchThroughRun(['/cut-utf16'], 5);
    expect(utf16).toMatchObject({ body: 'ab', truncated: true, charset: 'utf-16le' });
    // Not truncated: every byte decoded, a legitimate body of exactly the cap.
    const [whole] = await fetchThroughRun(['/cut-utf8'], 11);
    expect(whole).toMatchObject({ body: 'ab日本語', truncated: false });
  });
});

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
