import { buildPdf } from '@agentrt/testing';
import { mapToolResult } from '@agentrt/tools-mcp';
import { describe, expect, it } from 'vitest';

// tools16d: a blob declared application/pdf reaches the model as a file part only when it is a
// complete PDF; one cut short or junk after "%PDF-" is a text note (a provider would answer 400 on
// this request and every later one, since the part stays in the transcript).

const options = { where: 'MCP tool "t" on "s"', maxPartBytes: 1024 * 1024 };
const PDF = buildPdf('Report');
const result = (bytes: Buffer) => ({ content: [{ type: 'resource', resource: { uri: 'file:///r/report.pdf', mimeType: 'application/pdf', blob: bytes.toString('base64') } }] });

describe('MCP PDF parts (tools16d)', () => {
  it('a complete PDF stays a file part', () => {
    expect(mapToolResult(result(PDF), options)).toEqual([
      { type: 'text', text: '[resource file:///r/report.pdf (application/pdf)]' },
      { type: 'file', mediaType: 'application/pdf', data: PDF.toString('base64'), filename: 'report.pdf' },
    ]);
  });

  it.each([
    ['cut short', PDF.subarray(0, PDF.length - 30), /does not end with %%EOF/],
    ['junk after %PDF-', Buffer.from('%PDF-1.7 <html>error</html>'), /does not end with %%EOF/],
    ['no pages', Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n'), /no pages/],
    ['not a PDF at all', Buffer.from('hello'), /does not start with %PDF-/],
  ])('%s is a text note, not a file part', (_name, bytes, why) => {
    const mapped = mapToolResult(result(bytes), options);
    expect(typeof mapped).toBe('string');
    expect(mapped).toMatch(/\[file application\/pdf "report\.pdf", \d+ bytes: not a complete PDF \(.*\), not shown\]$/);
    expect(mapped).toMatch(why);
  });

  it('an image block declared application/pdf (a file part) is judged the same way', () => {
    const mapped = mapToolResult({ content: [{ type: 'image', data: Buffer.from('%PDF-1.4 truncated').toString('base64'), mimeType: 'application/pdf' }] }, options);
    expect(mapped).toMatch(/not a complete PDF/);
  });
});
