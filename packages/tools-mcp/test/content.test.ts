import { blockParts, mapToolResult, resourceParts } from '@agentrt/tools-mcp';
import { describe, expect, it } from 'vitest';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const options = { where: 'MCP tool "t" on "s"', maxPartBytes: 1024 };

describe('mapping MCP results to content', () => {
  it('keeps text-only results as one string', () => {
    expect(mapToolResult({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, options)).toBe('a\nb');
    expect(mapToolResult({ content: [] }, options)).toBe('');
    expect(mapToolResult({}, options)).toBe('');
  });

  it('maps images (line-wrapped base64 too), non-image media as files, audio as files', () => {
    expect(mapToolResult({ content: [{ type: 'image', data: `${PNG.slice(0, 20)}\n${PNG.slice(20)}`, mimeType: 'IMAGE/PNG' }] }, options)).toEqual([{ type: 'image', mediaType: 'image/png', data: PNG }]);
    expect(blockParts({ type: 'image', data: 'AAAA', mimeType: 'application/pdf' }, options)).toEqual([{ type: 'file', mediaType: 'application/pdf', data: 'AAAA' }]);
    expect(blockParts({ type: 'audio', data: 'AAAA', mimeType: 'audio/mpeg' }, options)).toEqual([{ type: 'file', mediaType: 'audio/mpeg', data: 'AAAA' }]);
  });

  it('decodes a text blob by its media type\'s charset (else UTF-8); bytes that are not text in it stay a file part', () => {
    const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
    const cafe = b64([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35]); // "café €5" in windows-1252
    expect(resourceParts({ uri: 'memo://w', blob: cafe, mimeType: 'text/plain; charset=windows-1252' }, options)).toEqual([{ type: 'text', text: '[resource memo://w (text/plain; charset=windows-1252)]\ncafé €5' }]);
    expect(resourceParts({ uri: 'memo://l', blob: cafe, mimeType: 'Text/Plain;Charset="ISO-8859-1"' }, options)[0]).toEqual({ type: 'text', text: '[resource memo://l (Text/Plain;Charset="ISO-8859-1")]\ncafé €5' });
    const sjis = b64([0x93, 0xfa, 0x96, 0x7b]); // 日本 in Shift_JIS
    expect(resourceParts({ uri: 'memo://j', blob: sjis, mimeType: 'text/plain; charset=Shift_JIS' }, options)[0]).toEqual({ type: 'text', text: '[resource memo://j (text/plain; charset=Shift_JIS)]\n日本' });
    // The same Latin-1 bytes without a charset are not UTF-8, and an unknown charset is not guessed: both stay files.
    expect(resourceParts({ uri: 'memo://u', blob: cafe, mimeType: 'text/plain' }, options)[1]).toMatchObject({ type: 'file', mediaType: 'text/plain' });
    expect(resourceParts({ uri: 'memo://x', blob: cafe, mimeType: 'text/plain; charset=x-nobody-knows' }, options)[1]).toMatchObject({ type: 'file' });
    // A byte order mark outranks the parameter.
    const bom = b64([0xef, 0xbb, 0xbf, 0xc3, 0xa9]);
    expect(resourceParts({ uri: 'memo://b', blob: bom, mimeType: 'text/plain; charset=windows-1252' }, options)[0]).toEqual({ type: 'text', text: '[resource memo://b (text/plain; charset=windows-1252)]\né' });
  });

  it('maps resources with their URI, and file names from the URI', () => {
    expect(resourceParts({ uri: 'file:///a/b/My%20Report.pdf?v=1', mimeType: 'application/pdf', blob: 'AAAA' }, options)).toEqual([
      { type: 'text', text: '[resource file:///a/b/My%20Report.pdf?v=1 (application/pdf)]' },
      { type: 'file', mediaType: 'application/pdf', data: 'AAAA', filename: 'My Report.pdf' },
    ]);
    expect(resourceParts({ uri: 'data:', blob: 'AAAA' }, options)).toEqual([{ type: 'text', text: '[resource data:]' }, { type: 'file', mediaType: 'application/octet-stream', data: 'AAAA' }]);
    expect(resourceParts({ uri: 'x://y/%2e%2e', blob: 'AAAA', mimeType: 'text/plain' }, options)[1]).not.toHaveProperty('filename');
    expect(resourceParts({ uri: 'memo://1', text: 'body' }, options)).toEqual([{ type: 'text', text: '[resource memo://1]\nbody' }]);
    expect(blockParts({ type: 'resource_link', uri: 'https://x/y', name: 'y' }, options)).toEqual([{ type: 'text', text: '[resource link] y: https://x/y' }]);
    expect(() => resourceParts({ uri: 'memo://1' }, options)).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
    expect(() => resourceParts({ text: 'no uri' }, options)).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
  });

  it('adds structured content as JSON only when nothing else carries it, and validates it', () => {
    const validate = (value: unknown) => ({ valid: typeof (value as { n?: unknown }).n === 'number', errorMessage: 'n must be a number' });
    expect(mapToolResult({ structuredContent: { n: 1 } }, { ...options, validate })).toBe('{"n":1}');
    expect(mapToolResult({ content: [{ type: 'text', text: 'one' }], structuredContent: { n: 1 } }, { ...options, validate })).toBe('one');
    expect(() => mapToolResult({ structuredContent: { n: 'x' } }, { ...options, validate })).toThrow(expect.objectContaining({ code: 'mcp_output_invalid', message: expect.stringContaining('n must be a number') }));
    expect(() => mapToolResult({ content: [] }, { ...options, validate })).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
    expect(() => mapToolResult({ structuredContent: [1, 2] }, options)).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
    expect(() => mapToolResult({ structuredContent: { n: 1 } }, { ...options, validate: () => { throw new Error('boom'); } })).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
  });

  it('turns isError into mcp_tool_error with the text', () => {
    expect(() => mapToolResult({ isError: true, content: [{ type: 'text', text: 'nope' }, { type: 'image', data: PNG, mimeType: 'image/png' }] }, options)).toThrow(expect.objectContaining({ code: 'mcp_tool_error', message: 'nope\n[image content]' }));
    expect(() => mapToolResult({ isError: true }, options)).toThrow(expect.objectContaining({ code: 'mcp_tool_error' }));
    // Not a boolean: never taken for success (a failure passed off as a result) nor guessed at.
    for (const isError of ['true', 'false', 1, 0, {}, []]) {
      expect(() => mapToolResult({ isError, content: [{ type: 'text', text: 'transfer done' }] }, options), JSON.stringify(isError)).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
    }
    expect(mapToolResult({ isError: false, content: [{ type: 'text', text: 'ok' }] }, options)).toBe('ok');
    expect(mapToolResult({ isError: null, content: [{ type: 'text', text: 'ok' }] }, options)).toBe('ok');
  });

  it('renders media as text notes with media: text (for text-only models), after checking it', () => {
    const result = { content: [{ type: 'text', text: 'see' }, { type: 'image', data: PNG, mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'file:///r/a.pdf', mimeType: 'application/pdf', blob: 'AAAA' } }] };
    expect(mapToolResult(result, { ...options, media: 'text' })).toBe('see\n[image image/png, 70 bytes, not shown]\n[resource file:///r/a.pdf (application/pdf)]\n[file application/pdf "a.pdf", 3 bytes: not a complete PDF (it does not start with %PDF- and a version), not shown]');
    expect(() => mapToolResult({ content: [{ type: 'image', data: '!!', mimeType: 'image/png' }] }, { ...options, media: 'text' })).toThrow(expect.objectContaining({ code: 'content_invalid' }));
  });

  it('makes hostile blocks typed errors, not crashes', () => {
    for (const block of [null, 5, 'text', [], { type: 5 }, { type: 'text' }, { type: 'image', data: 5, mimeType: 'image/png' }, { type: 'image', data: 'AAAA' }, { type: 'resource' }, { type: 'resource_link' }]) {
      expect(() => mapToolResult({ content: [block] }, options), JSON.stringify(block)).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
    }
    expect(() => mapToolResult({ content: [{ type: 'image', data: 'not base64!', mimeType: 'image/png' }] }, options)).toThrow(expect.objectContaining({ code: 'content_invalid' }));
    expect(() => mapToolResult({ content: [{ type: 'image', data: 'AAAA', mimeType: 'not a type' }] }, options)).toThrow(expect.objectContaining({ code: 'content_invalid' }));
    expect(() => mapToolResult({ content: [{ type: 'image', data: Buffer.alloc(2048).toString('base64'), mimeType: 'image/png' }] }, options)).toThrow(expect.objectContaining({ code: 'content_too_large' }));
    expect(mapToolResult({ content: [{ type: '__proto__' }, { type: 'x'.repeat(500) }] }, options)).toBe(`[unsupported MCP content type "__proto__"]\n[unsupported MCP content type "${'x'.repeat(40)}"]`);
    expect(() => mapToolResult({ content: { length: 1 } }, options)).toThrow(expect.objectContaining({ code: 'mcp_output_invalid' }));
  });
});
