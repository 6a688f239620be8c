// Red team 16f, positive path: PDFs made by real software stay file parts in MCP results.
import { readdirSync, readFileSync } from 'node:fs';
import { mapToolResult } from '@agentrt/tools-mcp';
import { describe, expect, it } from 'vitest';

const FIXTURES = new URL('../../core/test/__fixtures__/pdf/', import.meta.url);
const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.pdf'));
const options = { where: 'MCP tool "t" on "s"', maxPartBytes: 1024 * 1024 };

describe('red team 16f: MCP results keep real PDFs as file parts', () => {
  it.each(names)('%s (resource blob and image block declared application/pdf)', (name) => {
    const bytes = readFileSync(new URL(name, FIXTURES));
    const data = bytes.toString('base64');
    expect(mapToolResult({ content: [{ type: 'resource', resource: { uri: `file:///r/${name}`, mimeType: 'application/pdf', blob: data } }] }, options)).toEqual([
      { type: 'text', text: `[resource file:///r/${name} (application/pdf)]` },
      { type: 'file', mediaType: 'application/pdf', data, filename: name },
    ]);
  });
});
